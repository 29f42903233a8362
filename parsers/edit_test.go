package parsers

import (
	"strings"
	"testing"
)

// The root of the previous one: an insertion at the start of a replaced range is dropped.
func TestApplyEditsInsertAtReplacementStart(t *testing.T) {
	got := string(ApplyEdits([]byte("abc\n"), []Edit{{Start: 0, End: 4, New: "ABC\n"}, {Start: 0, End: 0, New: "new\n"}}))
	if !strings.Contains(got, "new\n") {
		t.Errorf("insertion dropped: %q", got)
	}
}
