package lint_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
)

// A partial run (named files, as pre-commit runs no502) reads only the context that can
// link to the named files (load.SelectContext's byte scan). Its findings and diagnostics
// for a named file must be the full run's for that file: checked for every file of the
// cross-layer stacks, the demo and every rules testdata case.
func TestNamedFileMatchesFullRun(t *testing.T) {
	// Each unit is linked as one tree with its own .no502.yaml: a stack, the demo, a
	// rules testdata case, or each subdirectory of a case that has them (trigger/,
	// near-miss/: separate trees with separate configs).
	var dirs []string
	for _, pattern := range []string{"../testdata/stacks/*", "../testdata/demo", "../rules/testdata/*"} {
		m, _ := filepath.Glob(pattern)
		for _, d := range m {
			// As rules' caseDirs: a directory that holds files is one case, whatever
			// subdirectories it has (conf.d/, snippets/); one that holds only
			// directories groups cases.
			entries, _ := os.ReadDir(d)
			hasFile := false
			for _, e := range entries {
				hasFile = hasFile || e.Type().IsRegular()
			}
			if strings.HasPrefix(pattern, "../rules/") && !hasFile {
				for _, e := range entries {
					if e.IsDir() {
						dirs = append(dirs, filepath.Join(d, e.Name()))
					}
				}
				continue
			}
			dirs = append(dirs, d)
		}
	}
	if len(dirs) < 50 {
		t.Fatalf("only %d testdata directories found", len(dirs))
	}
	checked := 0
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			continue
		}
		abs, _ := filepath.Abs(dir)
		full, err := lint.Run(context.Background(), nil, lint.Options{Cwd: abs})
		if err != nil {
			t.Errorf("%s: %v", dir, err)
			continue
		}
		files := map[string]bool{}
		for _, f := range full.Model.Files {
			if f.Host == "" && f.IncludedBy == nil {
				files[f.Path] = true
			}
		}
		for _, d := range full.Errors {
			files[d.Pos.File] = true
		}
		for name := range files {
			if _, err := os.Stat(filepath.Join(abs, name)); err != nil {
				continue // a virtual or outside file
			}
			// A file read only because a Compose service copies or mounts it where
			// nginx loads its config (proxy/default.conf.tpl) is checked too: a named
			// run reads the Compose files that may place it (load.SelectContext).
			part, err := lint.Run(context.Background(), []string{name}, lint.Options{Cwd: abs})
			if err != nil {
				t.Errorf("%s: lint %s: %v", dir, name, err)
				continue
			}
			want, got := report(full, name, false), report(part, "", false)
			if want != got {
				t.Errorf("%s: lint %s differs from the full run's findings in it\n--- named\n%s--- full run\n%s", dir, name, got, want)
			}
			// Suppressions that match nothing are judged only by a full run
			// (suppress.ApplyPartial): the partial run reports a subset of them.
			fullUnused := report(full, name, true)
			for _, l := range strings.Split(strings.TrimSpace(report(part, "", true)), "\n") {
				if l != "" && !strings.Contains(fullUnused, l) {
					t.Errorf("%s: lint %s reports an unused suppression the full run does not: %s", dir, name, l)
				}
			}
			checked++
		}
	}
	t.Logf("%d files checked in %d directories", checked, len(dirs))
}

// report prints a result's findings and diagnostics positioned in file (all when empty),
// sorted, with their related positions and fix descriptions; with unused, only the
// unused-suppression findings, else all but them.
func report(res *lint.Result, file string, unused bool) string {
	var lines []string
	for _, f := range res.Findings {
		if file != "" && f.Pos.File != file || (f.Rule.ID == "unused-suppression") != unused {
			continue
		}
		s := fmt.Sprintf("%s %s %s %s", f.Pos, f.Severity, f.Rule.ID, f.Message)
		for _, r := range f.Related {
			s += fmt.Sprintf("\n  = %s %s", r.Pos, r.Message)
		}
		if f.Fix != nil {
			s += "\n  fix: " + f.Fix.Description
		}
		lines = append(lines, s)
	}
	for _, d := range append(res.Errors[:len(res.Errors):len(res.Errors)], res.Notes...) {
		if unused || file != "" && d.Pos.File != file {
			continue
		}
		if strings.Contains(d.Message, "outside the linted paths") {
			continue // include roots differ by design: a full run's root is the directory
		}
		lines = append(lines, d.String())
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}
