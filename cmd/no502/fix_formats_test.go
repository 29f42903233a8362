package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// TestFixEditsSameInEveryFormat (issue 16: fixes are final when reported): for every
// testdata case with fixes, the edits a finding's fix carries in the JSON output are the
// replacements of its SARIF fix, and applying them as --fix does (the written fixes of
// each lint, in order, skipping those that touch bytes an earlier one took, until none
// is left) gives exactly the files --fix writes, which --diff shows, and that --fix's
// check rejects no fix a plain lint reports with edits.
func TestFixEditsSameInEveryFormat(t *testing.T) {
	cases, _ := filepath.Glob("../../rules/testdata/*")
	cases = append(cases, "testdata/fix", "../../testdata/demo")
	compared, skipped := 0, 0
	for _, src := range cases {
		if st, err := os.Stat(src); err != nil || !st.IsDir() {
			continue
		}
		name := filepath.Base(src)
		t.Run(name, func(t *testing.T) {
			for _, unsafe := range []bool{false, true} {
				dir := t.TempDir()
				if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
					t.Fatal(err)
				}
				flags := []string{"lint", "--no-color"}
				if unsafe {
					flags = append(flags, "--unsafe-fixes")
				}
				findings := lintFindingsJSON(t, dir, flags)
				fixable := 0
				for _, f := range findings {
					if f.Fix != nil && len(f.Fix.Edits) > 0 {
						fixable++
					}
				}
				if fixable == 0 {
					continue
				}
				compareSARIF(t, dir, flags, findings, unsafe)
				simulated, ok := applyRounds(t, dir, flags, unsafe)
				fixedDir := t.TempDir()
				if err := os.CopyFS(fixedDir, os.DirFS(src)); err != nil {
					t.Fatal(err)
				}
				out, _, _ := runIn(t, fixedDir, "", append(flags, "--fix", "--format", "json", ".")...)
				if !ok || rejected(out) > rejectedIn(findings) {
					// A fix failed its check (or did not settle) under --fix: the JSON of the
					// files as read still carries its edits, so the rounds cannot agree. A plain
					// lint does not run the check, so such a fix is reported with edits that
					// --fix then refuses: a fix that is not final when reported. None of the
					// testdata cases has one (the last were fixes that did not declare the
					// setting they write); keep it so.
					skipped++
					t.Errorf("unsafe=%v: a fix was rejected by --fix's check, so the edits a plain lint reports are not what --fix writes:\n%s", unsafe, out)
					continue
				}
				diffed := diffResult(t, src, flags)
				if len(diffed) != len(simulated) {
					t.Errorf("unsafe=%v: --diff changes %d files, the JSON edits %d", unsafe, len(diffed), len(simulated))
				}
				for path, want := range simulated {
					got, err := os.ReadFile(filepath.Join(fixedDir, path))
					if err != nil {
						t.Fatal(err)
					}
					if string(got) != want {
						t.Errorf("unsafe=%v: %s: the JSON edits applied give\n%s\n--fix writes\n%s", unsafe, path, want, got)
					}
					if diffed[path] != want {
						t.Errorf("unsafe=%v: %s: the JSON edits applied give\n%s\n--diff shows\n%s", unsafe, path, want, diffed[path])
					}
				}
				compared++
			}
		})
	}
	t.Logf("%d runs compared with --fix, %d skipped (a fix rejected by its check)", compared, skipped)
	if compared < 40 {
		t.Errorf("only %d runs compared: the testdata cases are not found or have no fixes", compared)
	}
}

type fixEdit struct {
	File        string `json:"file"`
	Line        int    `json:"line"`
	Column      int    `json:"column"`
	EndLine     int    `json:"end_line"`
	EndColumn   int    `json:"end_column"`
	StartOffset int    `json:"start_offset"`
	EndOffset   int    `json:"end_offset"`
	NewText     string `json:"new_text"`
}

type fixFinding struct {
	Rule string `json:"rule"`
	File string `json:"file"`
	Line int    `json:"line"`
	Fix  *struct {
		Description string    `json:"description"`
		Safety      string    `json:"safety"`
		Edits       []fixEdit `json:"edits"`
	} `json:"fix"`
}

func lintFindingsJSON(t *testing.T, dir string, flags []string) []fixFinding {
	t.Helper()
	out, stderr, code := runIn(t, dir, "", append(append([]string{}, flags...), "--format", "json", ".")...)
	if code == 2 {
		t.Fatalf("lint: %s", stderr)
	}
	var doc struct {
		Findings []fixFinding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return doc.Findings
}

// rejected counts the fixes --fix's final output says it did not write; rejectedIn the
// same in the lint of the files as read (snippets that guess say so too).
func rejected(out string) int {
	var doc struct {
		Findings []fixFinding `json:"findings"`
	}
	json.Unmarshal([]byte(out), &doc)
	return rejectedIn(doc.Findings)
}

func rejectedIn(fs []fixFinding) int {
	n := 0
	for _, f := range fs {
		if f.Fix != nil && strings.Contains(f.Fix.Description, "(not written: ") {
			n++
		}
	}
	return n
}

// compareSARIF checks that each finding's SARIF fix holds the replacements of its JSON
// edits (an unsafe fix's only with --unsafe-fixes), that a finding without edits has no
// SARIF fix, and that SARIF's fixSafety property is JSON's safety.
func compareSARIF(t *testing.T, dir string, flags []string, findings []fixFinding, unsafe bool) {
	t.Helper()
	out, _, _ := runIn(t, dir, "", append(append([]string{}, flags...), "--format", "sarif", ".")...)
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID     string `json:"ruleId"`
				Properties struct {
					FixSafety string `json:"fixSafety"`
				} `json:"properties"`
				Fixes []struct {
					ArtifactChanges []struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Replacements []struct {
							DeletedRegion struct {
								StartLine   int `json:"startLine"`
								StartColumn int `json:"startColumn"`
								EndLine     int `json:"endLine"`
								EndColumn   int `json:"endColumn"`
							} `json:"deletedRegion"`
							InsertedContent *struct {
								Text string `json:"text"`
							} `json:"insertedContent"`
						} `json:"replacements"`
					} `json:"artifactChanges"`
				} `json:"fixes"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	results := log.Runs[0].Results
	if len(results) != len(findings) {
		t.Fatalf("%d SARIF results, %d JSON findings", len(results), len(findings))
	}
	for i, f := range findings {
		var want, got []string
		if f.Fix != nil && results[i].Properties.FixSafety != f.Fix.Safety {
			t.Errorf("%s at %s:%d: SARIF fixSafety %q, JSON safety %q", f.Rule, f.File, f.Line, results[i].Properties.FixSafety, f.Fix.Safety)
		}
		// SARIF's fixes are what tools apply without asking (reviewdog posts them as
		// suggested changes): an unsafe one is there only with --unsafe-fixes, as --fix
		// writes it.
		if f.Fix != nil && (f.Fix.Safety != "unsafe" || unsafe) {
			// SARIF groups a fix's replacements by file, in the order files first appear.
			var order []string
			byFile := map[string][]string{}
			for _, e := range f.Fix.Edits {
				if _, ok := byFile[e.File]; !ok {
					order = append(order, e.File)
				}
				byFile[e.File] = append(byFile[e.File], fmt.Sprintf("%d:%d-%d:%d %q", e.Line, e.Column, e.EndLine, e.EndColumn, e.NewText))
			}
			for _, file := range order {
				for _, r := range byFile[file] {
					want = append(want, file+" "+r)
				}
			}
		}
		for _, fx := range results[i].Fixes {
			for _, ch := range fx.ArtifactChanges {
				for _, r := range ch.Replacements {
					text := ""
					if r.InsertedContent != nil {
						text = r.InsertedContent.Text
					}
					d := r.DeletedRegion
					got = append(got, fmt.Sprintf("%s %d:%d-%d:%d %q", ch.ArtifactLocation.URI, d.StartLine, d.StartColumn, d.EndLine, d.EndColumn, text))
				}
			}
		}
		if strings.Join(want, "\n") != strings.Join(got, "\n") {
			t.Errorf("%s at %s:%d: JSON edits\n%s\nSARIF replacements\n%s", f.Rule, f.File, f.Line, strings.Join(want, "\n"), strings.Join(got, "\n"))
		}
	}
}

// applyRounds applies, in dir, the edits the JSON output gives for the fixes --fix
// writes (safe ones; unsafe ones too with unsafe), one lint at a time, until a lint has
// none left to apply. It returns the changed files' final text by path; ok is false when
// the rounds do not end.
func applyRounds(t *testing.T, dir string, flags []string, unsafe bool) (map[string]string, bool) {
	t.Helper()
	changed := map[string]string{}
	for round := 0; round < 10; round++ {
		findings := lintFindingsJSON(t, dir, flags)
		taken := map[string][]fixEdit{}
		any := false
	findings:
		for _, f := range findings {
			if f.Fix == nil || len(f.Fix.Edits) == 0 || f.Fix.Safety == "snippet" || f.Fix.Safety == "unsafe" && !unsafe {
				continue
			}
			for _, e := range f.Fix.Edits {
				for _, o := range taken[e.File] {
					if e.StartOffset == o.StartOffset || e.StartOffset < o.EndOffset && o.StartOffset < e.EndOffset {
						continue findings
					}
				}
			}
			for _, e := range f.Fix.Edits {
				taken[e.File] = append(taken[e.File], e)
			}
			any = true
		}
		if !any {
			return changed, true
		}
		for file, edits := range taken {
			path := filepath.Join(dir, file)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var pe []parsers.Edit
			for _, e := range edits {
				pe = append(pe, parsers.Edit{File: file, Start: e.StartOffset, End: e.EndOffset, New: e.NewText})
			}
			text := string(parsers.ApplyEdits(b, pe))
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			changed[file] = text
		}
	}
	return changed, false
}

// diffResult runs --diff --format json on a copy of src and applies the edits it prints
// to the files as read: the text --diff says each changed file gets.
func diffResult(t *testing.T, src string, flags []string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	out, _, _ := runIn(t, dir, "", append(append([]string{}, flags...), "--diff", "--format", "json", ".")...)
	var doc struct {
		Files []struct {
			File  string    `json:"file"`
			Edits []fixEdit `json:"edits"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	res := map[string]string{}
	for _, f := range doc.Files {
		b, err := os.ReadFile(filepath.Join(dir, f.File))
		if err != nil {
			t.Fatal(err)
		}
		var pe []parsers.Edit
		for _, e := range f.Edits {
			pe = append(pe, parsers.Edit{File: f.File, Start: e.StartOffset, End: e.EndOffset, New: e.NewText})
		}
		res[f.File] = string(parsers.ApplyEdits(b, pe))
	}
	return res
}
