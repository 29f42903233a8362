package load

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/internal/hangwatch"
	"github.com/no502/no502/rules"
)

// FuzzLint runs the whole pipeline (discovery, every parser, embedded configs, every
// rule and fix) on a directory of mixed files made from the input: the input is split on
// NUL-free separators into an nginx config, a Caddyfile, a Terraform file and a
// Kubernetes manifest. No input may panic (parser panics surface as "internal error"
// diagnostics) or hang.
func FuzzLint(f *testing.F) {
	seeds := []string{"../../testdata/demo", "../../rules/testdata/nginx-edge", "../../rules/testdata/caddy-retry", "../../rules/testdata/k8s-clean"}
	for _, dir := range seeds {
		var parts [4][]byte
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			b, _ := os.ReadFile(p)
			switch {
			case strings.HasSuffix(p, ".conf"):
				parts[0] = append(parts[0], b...)
			case strings.Contains(p, "Caddyfile"):
				parts[1] = append(parts[1], b...)
			case strings.HasSuffix(p, ".tf"):
				parts[2] = append(parts[2], b...)
			case strings.HasSuffix(p, ".yaml") && !strings.HasSuffix(p, ".no502.yaml"):
				parts[3] = append(parts[3], b...)
			}
			return nil
		})
		f.Add(bytes.Join(parts[:], []byte("\n=====\n")))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer hangwatch.Start(len(data))()
		parts := bytes.SplitN(data, []byte("\n=====\n"), 4)
		dir := t.TempDir()
		names := []string{"nginx.conf", "Caddyfile", "main.tf", "app.yaml"}
		for i, p := range parts {
			if err := os.WriteFile(filepath.Join(dir, names[i]), p, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		res, err := Load([]string{dir}, Options{Cwd: dir})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range res.Model.Diags {
			if strings.Contains(d.Message, "internal error") {
				t.Fatalf("parser panic: %s", d)
			}
		}
		for _, fd := range rules.Run(res.Model, rules.DefaultConfig()) {
			if fd.Fix != nil {
				for _, e := range fd.Fix.Edits {
					if e.Start < 0 || e.End < e.Start {
						t.Fatalf("bad edit %+v", e)
					}
				}
			}
		}
	})
}
