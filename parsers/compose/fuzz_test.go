package compose

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/internal/hangwatch"
	"github.com/no502/no502/parsers"
)

// FuzzParse feeds arbitrary bytes to the loader as a base file and as an override: it
// must never panic or hang, every diagnostic must carry a position inside the file, and
// every position it keeps must lie inside the file.
func FuzzParse(f *testing.F) {
	if files, err := filepath.Glob(filepath.Join(corpusDir, "*.y*ml")); err == nil {
		for i := 0; i < len(files); i += 10 {
			if src, err := os.ReadFile(files[i]); err == nil {
				f.Add(src)
			}
		}
	}
	for _, s := range []string{
		"services:\n  a:\n    image: x\n    command: sh -c 'echo $$HOME'\n",
		"x: &a {b: *a}\n",
		"services:\n  a: &s {<<: *s}\n",
		"services:\n  a:\n    extends: a\n",
		"services:\n  a: {extends: {service: b}}\n  b: {extends: a}\n",
		"services:\n  a:\n    environment: [A=${B:-${C:?x}}, D]\n    ports: !reset []\n",
		"services:\n  a:\n    volumes: [./x:/y:ro, {type: bind, source: ., target: /z}]\n    healthcheck: {test: NONE}\n",
		"include: [other.yaml]\nservices: {a: {depends_on: {b: {condition: service_healthy}}}}\n",
		"---\nservices: {}\n...\n---\nservices: {a: null}\n",
		"${",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		defer hangwatch.Start(len(src))()
		base := parsers.Input{Path: "compose.yaml", Abs: "/fuzz/compose.yaml", Src: src}
		over := parsers.Input{Path: "compose.override.yaml", Abs: "/fuzz/compose.override.yaml", Src: src}
		// Roots keep include and extends inside a directory that does not exist.
		opts := Options{Options: parsers.Options{Roots: []string{"/fuzz"}, MaxDepth: 50}, NoDotEnv: true}
		for _, in := range [][]parsers.Input{{base}, {base, over}} {
			p := Load(in, opts)
			for _, d := range p.Diags {
				if !d.Pos.IsValid() || int(d.Pos.Offset) > len(src) {
					t.Fatalf("diagnostic without a position in the file: %v", d)
				}
			}
			for _, s := range p.Services {
				for _, pos := range []parsers.Pos{s.Pos, s.Image.Pos, s.StopGracePeriod.Pos, s.Command.Args.Pos} {
					if pos.IsValid() && (int(pos.Offset) > len(src) || int(pos.EndOffset) > len(src)) {
						t.Fatalf("position out of bounds: %v", pos)
					}
				}
			}
		}
	})
}

// FuzzDockerfileConfigCopies: any Dockerfile and build argument, read without a panic;
// every copy it returns has a context-relative source and an absolute destination.
func FuzzDockerfileConfigCopies(f *testing.F) {
	f.Add("FROM caddy:2\nARG CADDY_CONFIG=Caddyfile\nCOPY ${CADDY_CONFIG} /etc/caddy/Caddyfile\n", "CADDY_CONFIG", "./infra/caddy/Caddyfile")
	f.Add("ARG CONF=x\nFROM caddy:2\nARG CONF\nCOPY $CONF ${DIR}/ /etc/caddy/\n", "DIR", "/etc/caddy")
	f.Add("FROM caddy:2\nARG A=\"q\"\nCOPY $ ${ ${} $A$A /etc/caddy/$A\n", "", "")
	f.Add("FROM nginx\nCOPY [\"a\", \"/etc/nginx/\"]\nADD --chown=1 ${X:-y} /etc/nginx/conf.d/\n", "X", "")
	f.Add("FROM caddy:2 AS b\nWORKDIR /etc\nWORKDIR caddy/..\nFROM b\nWORKDIR $D\nCOPY Caddyfile ./ .. ../x/.\n", "D", "caddy")
	f.Add("FROM nginx\nWORKDIR \"/etc/nginx\"\nCOPY [\"a\", \"conf.d/.\"]\nWORKDIR\nCOPY b .\n", "", "")
	f.Fuzz(func(t *testing.T, src, name, value string) {
		args := map[string]parsers.Setting[string]{name: {Value: value}}
		for _, c := range dockerfileConfigCopies([]byte(src), args, false) {
			if strings.HasPrefix(c.Path, "/") || strings.HasPrefix(c.Path, "../") || !strings.HasPrefix(c.Target, "/") {
				t.Fatalf("copy %q -> %q from %q", c.Path, c.Target, src)
			}
		}
	})
}

// FuzzCaddyConfigArgs: every config path read from a command line is absolute, clean and
// free of shell syntax.
func FuzzCaddyConfigArgs(f *testing.F) {
	f.Add("caddy", "run --config /srv/Caddyfile --adapter caddyfile")
	f.Add("sh", "-c \"caddy fmt; /usr/bin/caddy run --config=/app/caddy/Caddyfile & wait\"")
	f.Add("caddy", "start -c /etc/x/../y/caddy.json|caddy run -config")
	f.Add("caddy", "run --config $CONF; caddy run --config")
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, p := range caddyConfigArgs([]string{a, b}) {
			if !strings.HasPrefix(p, "/") || p != path.Clean(p) || strings.ContainsAny(p, "$`*?[{;&| \t\n\"'") {
				t.Fatalf("config path %q from %q %q", p, a, b)
			}
		}
	})
}
