package lint_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
)

// A directory divided among configs (a .no502.yaml per service) is linted as one run per
// config, each reporting its share with the directory run's context. With every config a
// copy of the root's, the runs together must report what one directory run reports: the
// same findings, and the same unused suppressions (a split run judges those as a full
// run does, so --fix removes a stale no502:ignore in a monorepo too). Checked on every
// testdata tree that has subdirectories, with a copy of its config in each.
func TestSplitRunMatchesFullRun(t *testing.T) {
	var dirs []string
	for _, pattern := range []string{"../testdata/stacks/*", "../testdata/demo", "../rules/testdata/*", "../rules/testdata/*/*"} {
		m, _ := filepath.Glob(pattern)
		dirs = append(dirs, m...)
	}
	checked := 0
	for _, dir := range dirs {
		subs := subdirsWithFiles(dir)
		if len(subs) == 0 {
			continue
		}
		cfg, err := os.ReadFile(filepath.Join(dir, ".no502.yaml"))
		if err != nil {
			cfg = []byte("# no settings\n")
		}
		if strings.Contains(string(cfg), "context:") || strings.Contains(string(cfg), "chain:") || strings.Contains(string(cfg), "backends:") || strings.Contains(string(cfg), "suppress:") || strings.Contains(string(cfg), "ignore:") {
			continue // paths relative to the config's directory: a copy elsewhere means other files
		}
		tmp := t.TempDir()
		if err := os.CopyFS(tmp, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, ".no502.yaml"), cfg, 0o644); err != nil {
			t.Fatal(err)
		}
		full, err := lint.Run(context.Background(), nil, lint.Options{Cwd: tmp})
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		for _, s := range subs {
			if err := os.WriteFile(filepath.Join(tmp, s, ".no502.yaml"), cfg, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		split, err := lint.Run(context.Background(), nil, lint.Options{Cwd: tmp, PerConfig: true})
		if err != nil {
			t.Errorf("%s: split: %v", dir, err)
			continue
		}
		for _, unused := range []bool{false, true} {
			want, got := withoutConfigs(report(full, "", unused)), withoutConfigs(report(split, "", unused))
			if want != got {
				t.Errorf("%s (configs in %v, unused suppressions %v): the split run differs from the directory run\n--- split\n%s--- directory run\n%s", dir, subs, unused, got, want)
			}
		}
		checked++
	}
	if checked < 5 {
		t.Fatalf("only %d trees with subdirectories checked", checked)
	}
	t.Logf("%d trees checked", checked)
}

// subdirsWithFiles lists the immediate subdirectories of dir that hold a regular file
// (at any depth), relative to dir.
func subdirsWithFiles(dir string) []string {
	entries, _ := os.ReadDir(dir)
	hasFile := false
	for _, e := range entries {
		hasFile = hasFile || e.Type().IsRegular()
	}
	if !hasFile {
		return nil // a group of cases, not a tree
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		found := false
		_ = filepath.WalkDir(filepath.Join(dir, e.Name()), func(p string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				found = true
				return filepath.SkipAll
			}
			return nil
		})
		if found {
			out = append(out, e.Name())
		}
	}
	return out
}

// withoutConfigs drops the report's lines about the configs themselves (each run notes
// or judges its own .no502.yaml).
func withoutConfigs(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, ".no502.yaml") || strings.Contains(l, "outside the linted paths") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.TrimSpace(strings.Join(keep, "\n")) + "\n"
}
