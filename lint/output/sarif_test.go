package output

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// applySARIF applies one artifact change's replacements as SARIF 2.1.0 §3.57 says a
// consumer does (the replacement object's sarif-2.2 text, unchanged from 2.1.0): in the
// order of the array, each deletedRegion located in the unmodified file. A replacement at
// the place where an earlier one inserted text goes after that text, as a consumer that
// shifts later offsets by what the earlier replacements added does.
func applySARIF(t *testing.T, src string, reps []sarifReplacement) string {
	t.Helper()
	f := &placedFile{src: []byte(src), starts: []int{0}}
	for i, c := range f.src {
		if c == '\n' {
			f.starts = append(f.starts, i+1)
		}
	}
	offset := func(line, col int) int {
		off := f.starts[line-1]
		for ; col > 1; col-- {
			off++
		}
		return off
	}
	out := []byte(src)
	type done struct{ start, end, delta int }
	var prev []done
	for _, r := range reps {
		start, end := offset(r.DeletedRegion.StartLine, r.DeletedRegion.StartColumn), offset(r.DeletedRegion.EndLine, r.DeletedRegion.EndColumn)
		shift := 0
		for _, p := range prev {
			if p.start <= start {
				shift += p.delta
			}
			if start < p.end && p.start < end || start == p.start {
				t.Errorf("replacement %d:%d-%d:%d is where an earlier one is: the result depends on the consumer",
					r.DeletedRegion.StartLine, r.DeletedRegion.StartColumn, r.DeletedRegion.EndLine, r.DeletedRegion.EndColumn)
			}
		}
		text := ""
		if r.InsertedContent != nil {
			text = r.InsertedContent.Text
		}
		out = append(out[:start+shift:start+shift], append([]byte(text), out[end+shift:]...)...)
		prev = append(prev, done{start, end, len(text) - (end - start)})
	}
	return string(out)
}

// TestSARIFFixOneReplacementPerPlace: a fix that inserts two blocks at one place (the
// preStop hook and the grace period after a container) and one that inserts before the
// line it replaces are each one replacement there. SARIF applies a change's replacements
// in their order, each placed in the unmodified file, so two at one place leave their
// order to the consumer; lint --fix puts them in the fix's order.
func TestSARIFFixOneReplacementPerPlace(t *testing.T) {
	src := "a\nb\nc\n"
	m := &parsers.Model{Files: []*parsers.File{{Path: "f.yaml", Format: parsers.FormatK8s, Src: []byte(src)}}}
	for _, edits := range [][]parsers.Edit{
		{{File: "f.yaml", Start: 2, End: 2, New: "x\n"}, {File: "f.yaml", Start: 2, End: 2, New: "y\n"}},
		{{File: "f.yaml", Start: 2, End: 2, New: "x\n"}, {File: "f.yaml", Start: 2, End: 4, New: "B\n"}, {File: "f.yaml", Start: 4, End: 4, New: "z\n"}},
		{{File: "f.yaml", Start: 4, End: 4, New: "z\n"}, {File: "f.yaml", Start: 0, End: 0, New: "w\n"}},
	} {
		fix := &rules.Fix{Description: "d", Edits: edits}
		want := string(parsers.ApplyEdits([]byte(src), edits))
		sf := sarifFixOf(newEditPlacer(m), fix)
		if sf == nil || len(sf.ArtifactChanges) != 1 {
			t.Fatalf("%v: %+v", edits, sf)
		}
		if got := applySARIF(t, src, sf.ArtifactChanges[0].Replacements); got != want {
			t.Errorf("%v: SARIF gives %q, lint --fix %q", edits, got, want)
		}
	}
}

// TestSARIFHelpLinksAbsolute: GitHub shows a rule's help markdown on the alert's page
// (github.com/OWNER/REPO/security/code-scanning/N), where a link relative to the rule's
// page in docs/rules/ (../evidence.md#...) leads nowhere: every link is absolute.
func TestSARIFHelpLinksAbsolute(t *testing.T) {
	var rule *rules.Rule
	for _, r := range rules.All() {
		if strings.Contains(r.Doc, "](../") {
			rule = r
			break
		}
	}
	if rule == nil {
		t.Skip("no rule page links to another docs page")
	}
	m := &parsers.Model{Files: []*parsers.File{{Path: "a.conf", Src: []byte("x\n")}}}
	r := &lint.Result{Files: 1, Model: m, Findings: []rules.Finding{{Rule: rule, Severity: rule.Severity, Message: "m", Pos: parsers.Pos{File: "a.conf", Line: 1, Col: 1}}}}
	var b strings.Builder
	if err := writeSARIF(&b, r, Options{}); err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal([]byte(b.String()), &log); err != nil {
		t.Fatal(err)
	}
	md := log.Runs[0].Tool.Driver.Rules[0].Help.Markdown
	for _, m := range regexp.MustCompile(`\]\(([^)]*)\)`).FindAllStringSubmatch(md, -1) {
		if !strings.HasPrefix(m[1], "https://") {
			t.Errorf("%s: link %q in the help markdown is not absolute", rule.ID, m[1])
		}
	}
	if !strings.Contains(md, "](https://github.com/no502/no502/blob/main/docs/evidence.md#") {
		t.Errorf("%s: no absolute link to docs/evidence.md in\n%s", rule.ID, md)
	}
}
