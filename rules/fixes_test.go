package rules_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
	"github.com/no502/no502/rules/rulestest"
)

// TestFixesClearFindings applies each finding's edits to a copy of its testdata directory
// and lints again: the fix must remove that finding (the rule must report fewer findings
// in that file) and must not break the file.
func TestFixesClearFindings(t *testing.T) {
	for _, src := range caseDirs(t, "testdata") {
		name, _ := filepath.Rel("testdata", src)
		before, findings := rulestest.Lint(t, src)
		// As lint --fix does: Kubernetes patches and ConfigMap-held config become edits.
		rules.ResolveEdits(before, findings)
		errorsBefore := 0
		for _, dg := range before.Diags {
			if dg.Severity == parsers.Error {
				errorsBefore++
			}
		}
		for _, f := range findings {
			if f.Fix == nil || len(f.Fix.Edits) == 0 {
				continue
			}
			f := f
			t.Run(name+"/"+f.Rule.ID, func(t *testing.T) {
				tmp := t.TempDir()
				copyDir(t, src, tmp)
				// A fix may edit another file than the one reported (a Terraform
				// variable's default): apply each file's edits to it.
				byFile := map[string][]parsers.Edit{}
				for _, e := range f.Fix.Edits {
					byFile[e.File] = append(byFile[e.File], e)
				}
				for name, edits := range byFile {
					path := filepath.Join(tmp, name)
					old, err := os.ReadFile(path)
					if err != nil {
						t.Skipf("edit targets %s, not a plain file of the directory", name)
					}
					fixed := parsers.ApplyEdits(old, edits)
					os.WriteFile(path, fixed, 0o644)
					// terraform fmt -check accepts a formatted file after its fix: the
					// edits align the `=` of the attributes they join (hclwrite.Format
					// is terraform fmt's formatter).
					if strings.HasSuffix(name, ".tf") && bytes.Equal(hclwrite.Format(old), old) && !bytes.Equal(hclwrite.Format(fixed), fixed) {
						t.Errorf("%s: the fix leaves %s unformatted (terraform fmt -check fails):\n%s", f.Pos, name, fixed)
					}
				}
				file := f.Pos.File
				m, after := rulestest.Lint(t, tmp)
				errorsAfter := 0
				for _, dg := range m.Diags {
					if dg.Severity == parsers.Error {
						errorsAfter++
					}
				}
				if errorsAfter > errorsBefore {
					t.Errorf("%s: the fixed file does not parse: %v", f.Pos, m.Diags)
				}
				if countRule(after, f.Rule.ID, file) >= countRule(findings, f.Rule.ID, file) {
					t.Errorf("%s: applying the fix for %s did not clear it.\nfix: %s\n%s", f.Pos, f.Rule.ID, f.Fix.Description, f.Fix.Snippet)
				}
			})
		}
	}
}

func countRule(fs []rules.Finding, id, file string) int {
	n := 0
	for _, f := range fs {
		if f.Rule.ID == id && f.Pos.File == file {
			n++
		}
	}
	return n
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
}
