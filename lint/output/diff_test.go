package output

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
)

// TestDiffColour: on a terminal the diff is coloured; without the escapes it is the same
// diff as the plain one.
func TestDiffColour(t *testing.T) {
	changes := []lint.Change{{Path: "a.conf", Before: []byte("a\nb\n"), After: []byte("a\nc\n")}}
	var plain, coloured bytes.Buffer
	WriteDiff(&plain, changes, false)
	WriteDiff(&coloured, changes, true)
	if !strings.Contains(coloured.String(), "\x1b[") {
		t.Fatalf("no colour:\n%q", coloured.String())
	}
	if got := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(coloured.String(), ""); got != plain.String() {
		t.Errorf("coloured diff without escapes:\n%s\nplain:\n%s", got, plain.String())
	}
}

// TestDiffHunkHeaders: every hunk's new start line is its old start plus what the hunks
// before it added, so that patch and git apply place it without an offset. go-udiff
// v0.4.1 got the start of a hunk after one that changed no line count wrong (fixed in
// v0.4.2): the new start lagged by the lines between two hunks.
func TestDiffHunkHeaders(t *testing.T) {
	var before, after strings.Builder
	for i := 1; i <= 47; i++ {
		line := fmt.Sprintf("line %d\n", i)
		before.WriteString(line)
		switch i {
		case 18, 25:
			line = fmt.Sprintf("changed %d\n", i)
		case 35:
			line = "changed 35\n"
		}
		after.WriteString(line)
	}
	var out strings.Builder
	if err := WriteDiff(&out, []lint.Change{{Path: "f", Before: []byte(before.String()), After: []byte(after.String())}}, false); err != nil {
		t.Fatal(err)
	}
	delta := 0
	for _, l := range strings.Split(out.String(), "\n") {
		var os, oc, ns, nc int
		if _, err := fmt.Sscanf(l, "@@ -%d,%d +%d,%d @@", &os, &oc, &ns, &nc); err != nil {
			continue
		}
		if ns != os+delta {
			t.Errorf("%s: new start %d, want %d\n%s", l, ns, os+delta, out.String())
		}
		delta += nc - oc
	}
}
