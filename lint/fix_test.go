package lint

import (
	"testing"

	"github.com/no502/no502/parsers"
)

// A finding whose own edits overlap (one inside another) would be applied in part, since
// ApplyEdits drops the inner one: it is not applied at all. An insertion where a
// replacement starts is in order, not an overlap.
func TestSelfOverlappingEdits(t *testing.T) {
	for _, c := range []struct {
		edits []parsers.Edit
		want  bool
	}{
		{[]parsers.Edit{{File: "n.conf", Start: 0, End: 20}, {File: "n.conf", Start: 5, End: 5}}, true},
		{[]parsers.Edit{{File: "n.conf", Start: 0, End: 10}, {File: "n.conf", Start: 9, End: 12}}, true},
		{[]parsers.Edit{{File: "n.conf", Start: 0, End: 10}, {File: "n.conf", Start: 0, End: 0}}, false},
		{[]parsers.Edit{{File: "n.conf", Start: 0, End: 10}, {File: "n.conf", Start: 10, End: 10}}, false},
		{[]parsers.Edit{{File: "a.conf", Start: 0, End: 10}, {File: "b.conf", Start: 5, End: 6}}, false},
	} {
		if got := selfOverlapping(c.edits); got != c.want {
			t.Errorf("selfOverlapping(%+v) = %v, want %v", c.edits, got, c.want)
		}
	}
}
