package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Each limit on hostile input has a flag; going over it is a positioned error (what a
// limit skips is not linted, so the run fails: issue 17), and the run goes on.
func TestLimitFlags(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte("events {}\nhttp { server { location / { location /a/ { proxy_pass http://app.internal; } } } }\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "many.yaml"), []byte(strings.Repeat("---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n", 5)), 0o644)
	out, _, code := runIn(t, dir, "", "lint", "--no-color", "--max-depth", "2", "--max-documents", "3")
	if code != 1 || !strings.Contains(out, "nginx.conf:2:17: error: blocks nested deeper than 2 levels") || !strings.Contains(out, "many.yaml:1:1: error: stopped after 3 YAML documents") {
		t.Errorf("exit %d\n%s", code, out)
	}
	for _, bad := range [][]string{{"--max-depth", "0"}, {"--max-includes", "-1"}, {"--max-documents", "0"}, {"--max-file-size", "0"}, {"--max-file-size", "3000000000"}} {
		if _, _, code := runIn(t, dir, "", append([]string{"lint"}, bad...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
}

// no502 writes nothing unless asked (--output, --write-baseline): linting a tree leaves
// it byte for byte as it was, even a read-only one.
func TestWritesNothing(t *testing.T) {
	root, _ := filepath.Abs("../../testdata/demo")
	dir := t.TempDir()
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		}
		b, _ := os.ReadFile(p)
		return os.WriteFile(filepath.Join(dir, rel), b, 0o644)
	})
	snapshot := func() map[string]string {
		m := map[string]string{}
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			info, _ := d.Info()
			b, _ := os.ReadFile(p)
			m[p] = info.ModTime().Format(time.RFC3339Nano) + string(b)
			return nil
		})
		return m
	}
	before := snapshot()
	for _, format := range []string{"text", "json", "sarif", "github", "junit"} {
		runIn(t, dir, "", "lint", "--format", format, ".")
	}
	after := snapshot()
	if len(before) != len(after) {
		t.Errorf("lint created or removed files: %d entries before, %d after", len(before), len(after))
	}
	for p, v := range before {
		if after[p] != v {
			t.Errorf("lint changed %s", p)
		}
	}
}

// A file a limit skips is not linted: an error that fails the run, whatever --fail-on
// says, never a note with exit 0 (issue 17). The nginx directive limit has its flag.
func TestLimitsFailTheRun(t *testing.T) {
	dir := t.TempDir()
	conf := "events {}\nhttp {\n  server {\n    listen 80;\n    location / { proxy_pass http://10.0.0.1:80; proxy_pass http://10.0.0.2:80; }\n  }\n}\n"
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644)
	out, _, code := runIn(t, dir, "", "lint", "--no-color", "--fail-on", "never", "--max-file-size", "50", "nginx.conf")
	if code != 1 || !strings.Contains(out, "nginx.conf:1:1: error: file is ") || !strings.Contains(out, "over the 50 bytes limit; not linted (raise --max-file-size)") {
		t.Errorf("--max-file-size: exit %d\n%s", code, out)
	}
	out, _, code = runIn(t, dir, "", "lint", "--no-color", "--fail-on", "never", "--max-directives", "4", "nginx.conf")
	if code != 1 || !strings.Contains(out, "error: too many directives (more than 4)") {
		t.Errorf("--max-directives: exit %d\n%s", code, out)
	}
	if _, _, code := runIn(t, dir, "", "lint", "--max-directives", "0", "nginx.conf"); code != 2 {
		t.Errorf("--max-directives 0: exit %d, want 2", code)
	}
}

// A run that lints nothing says so on stderr and exits 0 (as ruff does): an empty
// directory, a file no502 does not read. A conf.d file holding only an upstream block is
// nginx, linted.
func TestNothingLinted(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("# hello\n"), 0o644)
	os.MkdirAll(filepath.Join(dir, "empty"), 0o755)
	for _, c := range []struct{ arg, want string }{
		{"empty", "warning: nothing linted: no nginx, Caddy, Terraform, Kubernetes or Docker Compose config found in empty"},
		{"README.md", "warning: nothing linted: README.md is not a config no502 reads"},
	} {
		out, errOut, code := runIn(t, dir, "", "lint", "--no-color", c.arg)
		if code != 0 || !strings.Contains(errOut, c.want) || !strings.Contains(out, "0 findings in 0 files") {
			t.Errorf("lint %s: exit %d\nstdout: %s\nstderr: %s", c.arg, code, out, errOut)
		}
		// --diff and --fix too: "nothing to fix" alone hid a mistyped path.
		for _, mode := range []string{"--diff", "--fix"} {
			_, errOut, code := runIn(t, dir, "", "lint", mode, c.arg)
			if code != 0 || !strings.Contains(errOut, c.want) {
				t.Errorf("lint %s %s: exit %d\nstderr: %s", mode, c.arg, code, errOut)
			}
		}
	}
	os.MkdirAll(filepath.Join(dir, "conf.d"), 0o755)
	os.WriteFile(filepath.Join(dir, "conf.d", "upstreams.conf"), []byte("upstream backend {\n    server 10.0.0.1:80;\n    server 10.0.0.2:80;\n}\n"), 0o644)
	out, errOut, code := runIn(t, dir, "", "lint", "--no-color", "conf.d/upstreams.conf")
	if code != 0 || errOut != "" || !strings.Contains(out, "0 findings in 1 file") {
		t.Errorf("upstream-only conf.d file: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
}

// TestNonUTF8ConfigIsAnError: a Caddy or YAML config that is not UTF-8 is a positioned
// error that fails the run, as it is on standard input and through an include. It was a
// note, so every format said "0 findings, 0 errors" and the run passed as if the file
// had been linted. An nginx config is linted as nginx reads it, byte by byte (nginx
// 1.22.1: nginx -t passes a Latin-1 comment), with columns counting one per Latin-1
// byte. A binary file (a NUL byte) is no config and stays a note; a non-UTF-8 file that
// is no config (a .conf of another tool) is skipped as any such file is.
func TestNonUTF8ConfigIsAnError(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"nginx.conf":      "events {}\nhttp {\n  upstream a {\n    server 10.0.0.5:80; # G\xe9r\xe9\n    server 10.0.0.6:80;\n  }\n  server { location / { add_header X \"\xe9\xa9\"; proxy_pass http://10.0.0.7:80; } }\n}\n",
		"supervisor.conf": "[program:x]\ncommand=/bin/caf\xe9\n",
		"blob.conf":       "\x00\x01\x02\xff",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, stderr, code := runIn(t, dir, "", "lint", "--format", "json", ".")
	if code != 1 {
		t.Errorf("exit %d, want 1 (a warning)\n%s%s", code, out, stderr)
	}
	var doc struct {
		Findings []struct {
			Rule   string `json:"rule"`
			File   string
			Line   int
			Column int
		}
		Errors []struct {
			File    string
			Line    int
			Column  int
			Message string
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Errors) != 0 {
		t.Errorf("errors: %+v, want none: nginx reads bytes", doc.Errors)
	}
	col := 1 + len("  server { location / { add_header X \"\xe9\xa9\"; ") // one per Latin-1 byte
	if len(doc.Findings) != 1 || doc.Findings[0].Rule != "single-upstream" || doc.Findings[0].Line != 7 || doc.Findings[0].Column != col {
		t.Errorf("findings: %+v, want single-upstream at nginx.conf:7:%d", doc.Findings, col)
	}
	out, _, _ = runIn(t, dir, "", "lint", "--format", "concise", ".")
	if !strings.Contains(out, "blob.conf:1:1: note: binary") || strings.Contains(out, "supervisor.conf") {
		t.Errorf("concise:\n%s", out)
	}
	// YAML (a manifest, a compose file): at the byte, not at 1:1 where the decoder stops.
	yamlDir := t.TempDir()
	for name, text := range map[string]string{
		"svc.yaml":     "apiVersion: v1\nkind: Service\nmetadata: {name: x}  # caf\xe9\nspec: {ports: [{port: 80}]}\n",
		"compose.yaml": "services:\n  app:\n    image: x  # caf\xe9\n",
	} {
		if err := os.WriteFile(filepath.Join(yamlDir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, _, code = runIn(t, yamlDir, "", "lint", "--format", "concise", ".")
	for _, want := range []string{"compose.yaml:3:20: error: invalid YAML: not UTF-8", "svc.yaml:3:27: error: invalid YAML: not UTF-8"} {
		if !strings.Contains(out, want) || code != 1 {
			t.Errorf("exit %d, no %q in:\n%s", code, want, out)
		}
	}
}
