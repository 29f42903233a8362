package lint_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/no502/no502/lint"
)

// TestNamedFileMatchesFullRunCorpus is TestNamedFileMatchesFullRun on a corpus folder
// (each file named alone against the folder's full run). It takes minutes, so it runs
// only when asked:
//
//	NO502_EQUIV_DIR=../../shared/corpus/k8s go test ./lint -run Corpus -v
func TestNamedFileMatchesFullRunCorpus(t *testing.T) {
	dir := os.Getenv("NO502_EQUIV_DIR")
	if dir == "" {
		t.Skip("set NO502_EQUIV_DIR to a directory to compare every file's partial run with the full run")
	}
	abs, _ := filepath.Abs(dir)
	full, err := lint.Run(context.Background(), nil, lint.Options{Cwd: abs})
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, f := range full.Model.Files {
		if f.Host == "" && f.IncludedBy == nil {
			files = append(files, f.Path)
		}
	}
	sort.Strings(files)
	bad := 0
	for n, name := range files {
		if n%100 == 0 {
			t.Logf("%d/%d files", n, len(files))
		}
		part, err := lint.Run(context.Background(), []string{name}, lint.Options{Cwd: abs})
		if err != nil {
			t.Errorf("lint %s: %v", name, err)
			continue
		}
		if want, got := report(full, name, false), report(part, "", false); want != got {
			bad++
			t.Errorf("lint %s differs from the full run's findings in it\n--- named\n%s--- full run\n%s", name, got, want)
		}
	}
	t.Logf("%d files, %d differ", len(files), bad)
}
