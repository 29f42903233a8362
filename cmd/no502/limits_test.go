package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Each limit on hostile input has a flag; going over it is a positioned error or note,
// and the run goes on.
func TestLimitFlags(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte("events {}\nhttp { server { location / { location /a/ { proxy_pass http://app.internal; } } } }\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "many.yaml"), []byte(strings.Repeat("---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n", 5)), 0o644)
	out, _, code := runIn(t, dir, "", "lint", "--no-color", "--max-depth", "2", "--max-documents", "3")
	if code != 1 || !strings.Contains(out, "nginx.conf:2:17: error: blocks nested deeper than 2 levels") || !strings.Contains(out, "many.yaml:1:1: note: stopped after 3 YAML documents") {
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
