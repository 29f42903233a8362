package lint

import (
	"reflect"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// TestKeptCommentLines checks the line numbers keptComments gives in the fixed text, with
// a line inserted before the kept comments and with the edits out of order.
func TestKeptCommentLines(t *testing.T) {
	before := []byte("a: 1 # one\nb: 2\nc: 3 # three\nd: 4\ne: 5 # five\n")
	at := func(s string) int { return strings.Index(string(before), s) }
	edits := []parsers.Edit{
		{Start: at("b: 2"), End: at("b: 2"), New: "x: 0\n"},
		{Start: at("3 #"), End: at("3 #") + 1, New: "30"},
		{Start: at("5 #"), End: at("5 #") + 1, New: "50"},
	}
	want := []KeptComment{{Path: "f.yaml", Line: 4, Comment: "# three"}, {Path: "f.yaml", Line: 6, Comment: "# five"}}
	if got := keptComments("f.yaml", before, edits); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	// Out of order (Changes sorts them; this only must not misread the text), the lines
	// are counted again from the start.
	if got := keptComments("f.yaml", before, []parsers.Edit{edits[2], edits[1]}); len(got) != 2 {
		t.Errorf("edits out of order: got %+v, want two comments", got)
	}
}
