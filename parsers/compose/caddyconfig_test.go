package compose

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/no502/no502/parsers"
)

func TestCaddyConfigArgs(t *testing.T) {
	for _, c := range []struct {
		words []string
		want  []string
	}{
		{[]string{"caddy", "run", "--config", "/srv/Caddyfile", "--adapter", "caddyfile"}, []string{"/srv/Caddyfile"}},
		{[]string{"caddy", "start", "--config=/srv/./caddy.json"}, []string{"/srv/caddy.json"}},
		{[]string{"/usr/bin/caddy", "run", "-config", "/a/Caddyfile"}, []string{"/a/Caddyfile"}},
		{[]string{"caddy", "run", "-c", "/a/Caddyfile"}, []string{"/a/Caddyfile"}},
		{[]string{"sh", "-c", "caddy fmt --overwrite /x/Caddyfile; exec caddy run --config '/x/Caddyfile'"}, []string{"/x/Caddyfile"}},
		// Not a config Caddy runs with, or not a known path.
		{[]string{"caddy", "fmt", "--config", "/srv/Caddyfile"}, nil},
		{[]string{"caddy", "adapt", "--config", "/srv/Caddyfile"}, nil},
		{[]string{"caddy", "run", "--config", "Caddyfile"}, nil},
		{[]string{"caddy", "run", "--config", "$CADDY_CONFIG"}, nil},
		{[]string{"caddy", "run", "--config", "/srv/${ENV}.caddy"}, nil},
		{[]string{"caddy", "run", "--config"}, nil},
		{[]string{"sh", "-c", "caddy run; other --config /srv/Caddyfile"}, nil},
		{[]string{"confcheck", "run", "--config", "/srv/Caddyfile"}, nil},
		{[]string{"caddy", "run", "--resume"}, nil},
	} {
		if got := caddyConfigArgs(c.words); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: %q, want %q", c.words, got, c.want)
		}
	}
}

func TestCaddyFlagCopies(t *testing.T) {
	dir := t.TempDir()
	write := func(rel string) string {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(":80 {\n\treverse_proxy app:8000\n}\n"), 0o644)
		return p
	}
	file := write("Caddyfile")
	prod := write("conf/Caddyfile")
	conf := filepath.Join(dir, "conf")
	other := filepath.Join(dir, "other")
	os.MkdirAll(other, 0o755)
	os.WriteFile(filepath.Join(other, "README"), nil, 0o644)
	run := func(cmd string) *parsers.Container {
		return &parsers.Container{Args: []string{"caddy", "run", "--config", cmd}}
	}
	for _, c := range []struct {
		name   string
		s      *Service
		cmd    string
		copies []parsers.ComposeMount
		want   string // the host file linked, "" for none
	}{
		{"file", &Service{}, "/srv/Caddyfile", []parsers.ComposeMount{{Path: file, Target: "/srv/Caddyfile"}}, file},
		{"directory", &Service{}, "/app/conf/Caddyfile", []parsers.ComposeMount{{Path: dir, Target: "/app"}}, prod},
		{"later file wins", &Service{}, "/srv/Caddyfile", []parsers.ComposeMount{{Path: file, Target: "/srv/Caddyfile"}, {Path: prod, Target: "/srv/Caddyfile"}}, prod},
		{"later directory without it keeps it", &Service{}, "/app/Caddyfile", []parsers.ComposeMount{{Path: dir, Target: "/app"}, {Path: other, Target: "/app"}}, file},
		{"later directory with it replaces it", &Service{}, "/app/Caddyfile", []parsers.ComposeMount{{Path: conf, Target: "/app/conf"}, {Path: conf, Target: "/app"}}, prod},
		{"another file", &Service{}, "/srv/Caddyfile.prod", []parsers.ComposeMount{{Path: file, Target: "/srv/Caddyfile"}}, ""},
		{"missing source", &Service{}, "/srv/Caddyfile", []parsers.ComposeMount{{Path: filepath.Join(dir, "nope"), Target: "/srv/Caddyfile"}}, ""},
		{"under /etc/caddy: linked as a config copy already", &Service{}, "/etc/caddy/Caddyfile", []parsers.ComposeMount{{Path: file, Target: "/etc/caddy/Caddyfile"}}, ""},
		{"mounted over", &Service{Volumes: []Mount{{Target: parsers.Set("/srv", parsers.Pos{File: "compose.yaml", Line: 3, Col: 7}, "/srv")}}}, "/srv/Caddyfile", []parsers.ComposeMount{{Path: file, Target: "/srv/Caddyfile"}}, ""},
	} {
		got := caddyFlagCopies(c.s, run(c.cmd), c.copies)
		switch {
		case c.want == "" && len(got) != 0:
			t.Errorf("%s: linked %+v", c.name, got)
		case c.want != "" && (len(got) != 1 || got[0].Path != c.want || got[0].Target != c.cmd):
			t.Errorf("%s: %+v, want %s at %s", c.name, got, c.want, c.cmd)
		}
	}
}

// TestDockerfileInheritsCommand: a last stage that writes no ENTRYPOINT or CMD runs its
// base image's own; one that writes either, or changes SHELL, does not say so.
func TestDockerfileInheritsCommand(t *testing.T) {
	for src, want := range map[string]bool{
		"FROM php:8.3-fpm\nRUN docker-php-ext-install pdo\n":                         true,
		"FROM php:8.3-fpm AS base\nCMD [\"x\"]\nFROM php:8.3-fpm\nRUN true\n":        true,
		"FROM php:8.3-fpm\nCMD [\"supervisord\"]\n":                                  false,
		"FROM php:8.3-fpm\nENTRYPOINT [\"/start.sh\"]\n":                             false,
		"FROM php:8.3-fpm\nSHELL [\"/bin/bash\", \"-c\"]\n":                          false,
		"FROM php:8.3-fpm AS base\nCMD [\"php-fpm\", \"-R\"]\nFROM base\nRUN true\n": false,
		"# escape=`\nFROM php:8.3-fpm\n":                                             false,
	} {
		if _, _, _, got := dockerfileCommandOf([]byte(src)); got != want {
			t.Errorf("%q: inherits %v, want %v", src, got, want)
		}
	}
}
