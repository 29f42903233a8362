package output

import (
	"sort"
	"unicode/utf8"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// placedEdit is one edit of a fix with its place in the file as read: 1-based lines,
// columns in characters, end exclusive, and byte offsets.
type placedEdit struct {
	file                       string
	line, col, endLine, endCol int
	startOffset, endOffset     int
	newText                    string
}

// editPlacer places the edits of fixes in their files, indexing each file's line starts
// once: a run with thousands of fixes in one large file must not count lines from the
// top for each edit.
type editPlacer struct {
	m     *parsers.Model
	files map[string]*placedFile
}

type placedFile struct {
	src    []byte
	starts []int // byte offset where each line starts
}

func newEditPlacer(m *parsers.Model) *editPlacer {
	return &editPlacer{m: m, files: map[string]*placedFile{}}
}

// place returns the edits of fix placed in their files, by file and offset, those that
// start at one place joined into one (joinSamePlace); ok is false
// when an edit does not lie in a file on disk as read (config text embedded in another
// file keeps offsets into that text): every output then leaves the edits out, and the
// snippet stays.
func (p *editPlacer) place(fix *rules.Fix) (edits []placedEdit, ok bool) {
	switch {
	case fix == nil || len(fix.Edits) == 0:
		return nil, true
	case p.m == nil:
		return nil, false
	}
	for _, e := range fix.Edits {
		f := p.file(e.File)
		if f == nil || e.Start < 0 || e.End < e.Start || e.End > len(f.src) {
			return nil, false
		}
		sl, sc := f.lineCol(e.Start)
		el, ec := f.lineCol(e.End)
		edits = append(edits, placedEdit{file: e.File, line: sl, col: sc, endLine: el, endCol: ec, startOffset: e.Start, endOffset: e.End, newText: e.New})
	}
	return joinSamePlace(edits), true
}

// joinSamePlace orders a fix's edits as lint --fix applies them (parsers.SortEdits: by
// file, then start, at one start the insertions in their order and then the replacement)
// and joins the edits that start at one place into one. SARIF applies a change's
// replacements in their order, each placed in the unmodified file (§3.57, replacement
// object), and the JSON edits say only where each goes: two insertions at one place, or
// an insertion where a replacement starts, would leave their order in the result to the
// consumer.
func joinSamePlace(edits []placedEdit) []placedEdit {
	sorted := append([]placedEdit(nil), edits...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		switch {
		case a.file != b.file:
			return a.file < b.file
		case a.startOffset != b.startOffset:
			return a.startOffset < b.startOffset
		}
		return a.endOffset == a.startOffset && b.endOffset > b.startOffset
	})
	var out []placedEdit
	for _, e := range sorted {
		if n := len(out); n > 0 && out[n-1].file == e.file && out[n-1].startOffset == e.startOffset && out[n-1].endOffset == out[n-1].startOffset {
			last := &out[n-1]
			last.newText += e.newText
			last.endLine, last.endCol, last.endOffset = e.endLine, e.endCol, e.endOffset
			continue
		}
		out = append(out, e)
	}
	return out
}

func (p *editPlacer) file(path string) *placedFile {
	if f, ok := p.files[path]; ok {
		return f
	}
	var pf *placedFile
	if file := p.m.File(path); file != nil && file.Host == "" {
		pf = &placedFile{src: file.Src, starts: []int{0}}
		for i, c := range file.Src {
			if c == '\n' {
				pf.starts = append(pf.starts, i+1)
			}
		}
	}
	p.files[path] = pf
	return pf
}

// lineCol is parsers.LineCol from the index.
func (f *placedFile) lineCol(off int) (line, col int) {
	i := sort.Search(len(f.starts), func(i int) bool { return f.starts[i] > off }) - 1
	return i + 1, 1 + utf8.RuneCount(f.src[f.starts[i]:off])
}
