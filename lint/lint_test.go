package lint_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const single = "events {}\nhttp {\n    upstream app { server 10.0.0.1:8080; }\n    server {\n        listen 80;\n        location / { proxy_pass http://app; }\n    }\n}\n"

// A bad .no502.yaml stops the run as a UsageError (the CLI's exit 2), with its position.
func TestRunBadConfig(t *testing.T) {
	dir := writeTree(t, map[string]string{"nginx.conf": single, ".no502.yaml": "edge: sometimes\n"})
	_, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir})
	var ue *lint.UsageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), ".no502.yaml:1") {
		t.Fatalf("want a UsageError at .no502.yaml:1, got %v", err)
	}
}

// In named-file mode (as pre-commit runs it) only the named file counts and is reported,
// though its neighbour has the same mistake.
func TestRunNamedFile(t *testing.T) {
	dir := writeTree(t, map[string]string{"nginx.conf": single, "other.conf": single})
	res, err := lint.Run(context.Background(), []string{"nginx.conf"}, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 1 || len(res.Findings) == 0 {
		t.Fatalf("files %d, findings %d", res.Files, len(res.Findings))
	}
	for _, f := range res.Findings {
		if f.Pos.File != "nginx.conf" {
			t.Errorf("finding about a file not named: %s %s", f.Pos, f.Rule.ID)
		}
	}
}

// Fix settles in memory and writes only when asked; what is left is the final result.
func TestFix(t *testing.T) {
	conf := "events {}\nhttp {\n    server {\n        location /hooks/ {\n            proxy_pass http://app.internal:8080;\n            proxy_read_timeout 30s;\n        }\n    }\n}\n"
	dir := writeTree(t, map[string]string{"nginx.conf": conf, ".no502.yaml": "routes:\n  - match: /hooks/\n    handler_timeout: 90s\n"})
	fr, err := lint.Fix(context.Background(), nil, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	changes := fr.Changes()
	if len(changes) != 1 || changes[0].Path != "nginx.conf" || string(changes[0].Before) != conf {
		t.Fatalf("changes: %+v", changes)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "nginx.conf")); string(b) != conf {
		t.Fatal("Fix wrote before Write")
	}
	for _, f := range fr.Final.Findings {
		if f.Rule.ID == "read-timeout-below-budget" {
			t.Errorf("still reported after the fix: %s", f.Message)
		}
	}
	if err := fr.Write(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "nginx.conf"))
	if string(b) != string(changes[0].After) || strings.Contains(string(b), "proxy_read_timeout 30s;") {
		t.Errorf("written:\n%s", b)
	}
	if !strings.HasPrefix(fr.Summary("fixed"), "fixed 1 finding in 1 file: nginx.conf") {
		t.Errorf("summary: %q", fr.Summary("fixed"))
	}
}
