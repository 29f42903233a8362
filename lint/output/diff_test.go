package output

import (
	"bytes"
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
