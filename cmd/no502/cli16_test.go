package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTree16 writes files (path → text) under a new temporary directory.
func writeTree16(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestSuppressEntryMatchingNothingOutput: the unused-suppression finding of a suppress:
// entry is shown at its .no502.yaml line, with the line and a caret under the glob, as
// any finding is; it is an info, so the run passes by default.
func TestSuppressEntryMatchingNothingOutput(t *testing.T) {
	dir := writeTree16(t, map[string]string{
		".no502.yaml": "# vendored\nsuppress:\n  - path: chart/thrid/**   # the chart\n    rules: [single-replica]\n",
		"chart/third/app.conf": "events {}\nhttp { upstream u { server 10.0.0.1:80; server 10.0.0.2:80; } server { listen 80; location / { proxy_pass http://u; } } }\n",
	})
	out, stderr, code := runIn(t, dir, "", "lint")
	want := ".no502.yaml:3:11: info[unused-suppression] suppress entry: path `chart/thrid/**` matches no file this run lints, so the entry hides nothing: correct the glob (it is relative to the directory of .no502.yaml; did you mean `chart/third/**`?), or remove the entry.\n" +
		"   |\n" +
		" 3 |   - path: chart/thrid/**   # the chart\n" +
		"   |           ^^^^^^^^^^^^^^\n"
	if code != 0 || !strings.HasPrefix(out, want) {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s\nwant the output to start with:\n%s", code, out, stderr, want)
	}
}
