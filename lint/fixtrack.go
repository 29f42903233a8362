package lint

import (
	"strings"
	"unicode/utf8"

	"github.com/no502/no502/parsers"
)

// editLog keeps what the rounds of a fix run did to one file as pieces of text: runs of
// the original text and text the fixes inserted. Each round's edits are in the
// coordinates of the text the round before left; the log turns them into edits of the
// original text, exactly as applied (Change.Edits), so that --diff shows the fixes' own
// edits instead of what a text diff of the two versions guesses (a diff of two large
// files gives up and replaces the whole file).
type editLog struct {
	size   int // of the original text
	pieces []piece
}

// piece is the original text [start, end), or inserted text.
type piece struct {
	start, end int
	text       string
	inserted   bool
}

func (p piece) len() int {
	if p.inserted {
		return len(p.text)
	}
	return p.end - p.start
}

// cut returns the part [from, to) of p (offsets within p).
func (p piece) cut(from, to int) piece {
	if p.inserted {
		return piece{text: p.text[from:to], inserted: true}
	}
	return piece{start: p.start + from, end: p.start + to}
}

func newEditLog(size int) *editLog {
	l := &editLog{size: size}
	if size > 0 {
		l.pieces = []piece{{start: 0, end: size}}
	}
	return l
}

// apply records edits made to the text the log spells: sorted and not overlapping, as
// parsers.Applied returns them.
func (l *editLog) apply(edits []parsers.Edit) {
	out := make([]piece, 0, len(l.pieces)+2*len(edits))
	i, in := 0, 0 // the piece at the cursor, and the cursor's offset within it
	cur := 0      // the cursor's offset in the text
	// advance moves the cursor to offset to, keeping what it passes when keep is set.
	advance := func(to int, keep bool) {
		for cur < to && i < len(l.pieces) {
			p := l.pieces[i]
			n := min(p.len()-in, to-cur)
			if keep {
				out = append(out, p.cut(in, in+n))
			}
			cur, in = cur+n, in+n
			if in == p.len() {
				i, in = i+1, 0
			}
		}
	}
	for _, e := range edits {
		advance(e.Start, true)
		if e.New != "" {
			out = append(out, piece{text: e.New, inserted: true})
		}
		advance(e.End, false)
	}
	advance(int(^uint(0)>>1), true)
	l.pieces = out
}

// edits returns the edits that turn the original text orig into the text the log spells,
// in order, each a run of inserted text and the original text it replaced, without what
// the two have in common at either end (a fix that writes a directive again as it was
// changes nothing there, and the diff does not show it).
func (l *editLog) edits(orig []byte) []parsers.Edit {
	var out []parsers.Edit
	for _, e := range l.runs() {
		old := string(orig[e.Start:e.End])
		// Whole characters only: an edit never starts inside one.
		for len(old) > 0 && len(e.New) > 0 {
			r, n := utf8.DecodeRuneInString(old)
			if q, m := utf8.DecodeRuneInString(e.New); q != r || m != n || old[:n] != e.New[:n] {
				break
			}
			old, e.New, e.Start = old[n:], e.New[n:], e.Start+n
		}
		for len(old) > 0 && len(e.New) > 0 {
			r, n := utf8.DecodeLastRuneInString(old)
			if q, m := utf8.DecodeLastRuneInString(e.New); q != r || m != n || old[len(old)-n:] != e.New[len(e.New)-m:] {
				break
			}
			old, e.New, e.End = old[:len(old)-n], e.New[:len(e.New)-n], e.End-n
		}
		if len(old) > 0 || e.New != "" {
			out = append(out, e)
		}
	}
	return out
}

// runs returns the edits of the log as runs of pieces.
func (l *editLog) runs() []parsers.Edit {
	var out []parsers.Edit
	var text strings.Builder
	pos := 0         // the next original offset not yet accounted for
	pending := false // an edit is open, from start
	start := 0
	for _, p := range l.pieces {
		if p.inserted {
			if !pending {
				pending, start = true, pos
			}
			text.WriteString(p.text)
			continue
		}
		if p.start == pos && !pending {
			pos = p.end
			continue
		}
		if !pending {
			start = pos
		}
		out = append(out, parsers.Edit{Start: start, End: p.start, New: text.String()})
		text.Reset()
		pending, pos = false, p.end
	}
	if pending || pos != l.size {
		if !pending {
			start = pos
		}
		out = append(out, parsers.Edit{Start: start, End: l.size, New: text.String()})
	}
	return out
}
