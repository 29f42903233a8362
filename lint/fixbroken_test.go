package lint_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
)

// A file with a config error (here a directive nginx rejects as a duplicate) gets no fix
// written, as ruff writes none in a file with a syntax error: the tree around an error
// is a recovery, not what the tool reads, and the real tool rejects the file either way.
// The fix is a snippet that says why, in a plain lint as in --fix; a file of the same
// run without an error is fixed.
func TestNoFixInAFileWithAConfigError(t *testing.T) {
	site := func(extra string) string {
		return "upstream app { server 127.0.0.1:8080; server 127.0.0.2:8080; keepalive 16; }\nserver {\n  listen 80;\n  location / {\n    proxy_pass http://app;\n    proxy_http_version 1.1;\n  }\n" + extra + "}\n"
	}
	dir := t.TempDir()
	files := map[string]string{
		"nginx.conf":    "events {}\nhttp {\n  include conf.d/*.conf;\n}\n",
		"conf.d/a.conf": site("  location /x {\n    proxy_read_timeout 5s;\n    proxy_read_timeout 6s;\n    proxy_pass http://app;\n  }\n"),
		"conf.d/b.conf": strings.Replace(site(""), "upstream app", "upstream app2", 1),
	}
	files["conf.d/b.conf"] = strings.Replace(files["conf.d/b.conf"], "http://app;", "http://app2;", 1)
	files["conf.d/b.conf"] = strings.Replace(files["conf.d/b.conf"], "listen 80;", "listen 80;\n  server_name b.example.com;", 1)
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) == 0 {
		t.Fatal("conf.d/a.conf should have a config error")
	}
	seen := map[string]bool{}
	for _, f := range res.Findings {
		if f.Rule.ID != "upstream-keepalive-unused" || f.Fix == nil {
			continue
		}
		seen[f.Pos.File] = true
		written := len(f.Fix.Edits) > 0 && !strings.Contains(f.Fix.Description, "not written")
		if broken := f.Pos.File == "conf.d/a.conf"; broken == written {
			t.Errorf("%s: fix %q (edits %d): want it written only outside the file with the error", f.Pos.File, f.Fix.Description, len(f.Fix.Edits))
		}
		if f.Pos.File == "conf.d/a.conf" && !strings.Contains(f.Fix.Description, "config error") {
			t.Errorf("the refused fix does not say why: %q", f.Fix.Description)
		}
	}
	if !seen["conf.d/a.conf"] || !seen["conf.d/b.conf"] {
		t.Fatalf("upstream-keepalive-unused in %v: want both files", seen)
	}
	fr, err := lint.Fix(context.Background(), nil, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range fr.Changes() {
		if strings.HasSuffix(c.Path, "a.conf") {
			t.Errorf("--fix changed %s, which has a config error:\n%s", c.Path, c.After)
		}
	}
	if len(fr.Changes()) != 1 {
		t.Errorf("--fix changed %d files, want b.conf", len(fr.Changes()))
	}
}
