package output

import (
	"bytes"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

func changedLines(t *testing.T, src string, edits ...parsers.Edit) string {
	t.Helper()
	m := &parsers.Model{Files: []*parsers.File{{Path: "a.yaml", Format: parsers.FormatK8s, Src: []byte(src)}}}
	for i := range edits {
		edits[i].File = "a.yaml"
	}
	var b bytes.Buffer
	if !writeChangedLines(&b, m, "a.yaml", &rules.Fix{Edits: edits}, newPalette(false)) {
		t.Fatalf("writeChangedLines refused %v", edits)
	}
	return b.String()
}

func TestChangedLines(t *testing.T) {
	src := "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\ng: 7\n"
	// A value replaced: two lines of context each side, the old line numbered.
	i := strings.Index(src, "4")
	got := changedLines(t, src, parsers.Edit{Start: i, End: i + 1, New: "40"})
	want := "     | 2  b: 2\n     | 3  c: 3\n     | 4 -d: 4\n     |   +d: 40\n     | 5  e: 5\n     | 6  f: 6\n"
	if got != want {
		t.Errorf("replacement:\n%s\nwant:\n%s", got, want)
	}
	// An insertion after the last line of a file without a final newline: the last line
	// is context, not removed and added again.
	src2 := "a: 1\nb: 2"
	got = changedLines(t, src2, parsers.Edit{Start: len(src2), End: len(src2), New: "\nc: 3"})
	if strings.Contains(got, "-b: 2") || !strings.Contains(got, "+c: 3") || !strings.Contains(got, "2  b: 2") {
		t.Errorf("insertion at EOF:\n%s", got)
	}
	// Two edits far apart: two hunks, separated.
	j := strings.Index(src, "7")
	got = changedLines(t, src, parsers.Edit{Start: 3, End: 4, New: "10"}, parsers.Edit{Start: j, End: j + 1, New: "70"})
	if !strings.Contains(got, "-a: 1") || !strings.Contains(got, "-g: 7") {
		t.Errorf("two edits:\n%s", got)
	}
	// A fix of another file than the finding's is headed by that file's path.
	m := &parsers.Model{Files: []*parsers.File{{Path: "a.yaml", Format: parsers.FormatK8s, Src: []byte(src)}}}
	var b bytes.Buffer
	writeChangedLines(&b, m, "nginx.conf", &rules.Fix{Edits: []parsers.Edit{{File: "a.yaml", Start: 3, End: 4, New: "10"}}}, newPalette(false))
	if !strings.HasPrefix(b.String(), "     | a.yaml\n") {
		t.Errorf("fix in another file:\n%s", b.String())
	}
	// Not a Kubernetes file: the snippet is shown instead.
	m = &parsers.Model{Files: []*parsers.File{{Path: "n.conf", Format: parsers.FormatNginx, Src: []byte(src)}}}
	if writeChangedLines(&bytes.Buffer{}, m, "n.conf", &rules.Fix{Edits: []parsers.Edit{{File: "n.conf", Start: 0, End: 1, New: "x"}}}, newPalette(false)) {
		t.Errorf("an nginx fix was shown as changed lines")
	}
}

func TestK8sSnippetDropsHeader(t *testing.T) {
	m := &parsers.Model{Files: []*parsers.File{{Path: "a.yaml", Format: parsers.FormatK8s}}}
	f := rules.Finding{Pos: parsers.Pos{File: "a.yaml", Line: 1}, Fix: &rules.Fix{Snippet: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n  namespace: y\nspec:\n  replicas: 2\n"}}
	if got := k8sSnippet(m, f); got != "spec:\n  replicas: 2\n" {
		t.Errorf("k8sSnippet = %q", got)
	}
	// A snippet that is nothing but a header is kept as it is.
	f.Fix.Snippet = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n"
	if got := k8sSnippet(m, f); got != f.Fix.Snippet {
		t.Errorf("header-only snippet changed: %q", got)
	}
}
