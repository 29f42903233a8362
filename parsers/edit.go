package parsers

import "sort"

// Edit replaces the bytes [Start, End) of File with New. Format packages return edits
// from their typed operations on a syntax tree (set a directive, insert into a block,
// merge a patch); a fix carries them, and lint --fix applies them.
type Edit struct {
	File  string
	Start int
	End   int
	New   string
}

// SortEdits orders edits by start, and at one start an insertion before a replacement.
func SortEdits(es []Edit) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Start != es[j].Start {
			return es[i].Start < es[j].Start
		}
		return es[i].End == es[i].Start && es[j].End > es[j].Start
	})
}

// ApplyEdits applies edits to src (all for the same file), in offset order; an insertion
// goes before a replacement that starts where it does, and insertions at one offset keep
// their order. Overlapping edits after the first are dropped.
func ApplyEdits(src []byte, edits []Edit) []byte {
	es := Applied(src, edits)
	size := len(src)
	for _, e := range es {
		size += len(e.New)
	}
	out := make([]byte, 0, size)
	cur := 0
	for _, e := range es {
		out = append(out, src[cur:e.Start]...)
		out = append(out, e.New...)
		cur = e.End
	}
	return append(out, src[cur:]...)
}

// Applied returns the edits ApplyEdits applies to src, in the order it applies them:
// sorted, and without those that overlap an earlier one or reach past the end.
func Applied(src []byte, edits []Edit) []Edit {
	es := append([]Edit(nil), edits...)
	SortEdits(es)
	out := es[:0]
	cur := 0
	for _, e := range es {
		if e.Start < cur || e.End > len(src) {
			continue
		}
		out = append(out, e)
		cur = e.End
	}
	return out
}
