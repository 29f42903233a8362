package output

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/no502/no502/parsers"
)

// A fix run knows the edits it made (lint.Change.Edits), so the diff is written from them
// rather than computed by comparing the two texts: a text diff of a large file gives up
// and replaces all of it (go-udiff did so for 5,000 nginx servers: a 560,000-line diff for
// 10,000 inserted lines), and costs more than the fixes. The format is go-udiff's, which
// the diffs of small changes printed before: three lines of context, hunks closer than
// six lines joined.

// lineEdits expands edits (sorted, not overlapping, offsets in src) to whole lines of
// src, joining edits that meet on a line first (as go-udiff's lineEdits): two edits with
// a newline between them expand to disjoint lines.
func lineEdits(src string, edits []parsers.Edit) []parsers.Edit {
	var out []parsers.Edit
	for i := 0; i < len(edits); {
		e := edits[i]
		var text strings.Builder
		text.WriteString(e.New)
		for i++; i < len(edits) && !strings.Contains(src[e.End:edits[i].Start], "\n"); i++ {
			text.WriteString(src[e.End:edits[i].Start])
			text.WriteString(edits[i].New)
			e.End = edits[i].End
		}
		e.New = text.String()
		if ls := strings.LastIndexByte(src[:e.Start], '\n') + 1; ls < e.Start {
			e.New = src[ls:e.Start] + e.New
			e.Start = ls
		}
		if e.End > 0 && src[e.End-1] != '\n' || e.New != "" && !strings.HasSuffix(e.New, "\n") {
			end := len(src)
			if nl := strings.IndexByte(src[e.End:], '\n'); nl >= 0 {
				end = e.End + nl + 1
			}
			e.New += src[e.End:end]
			e.End = end
		}
		out = append(out, e)
	}
	return out
}

// lineCounter gives line and column numbers of offsets into one text, asked in
// increasing order (each is counted on from the one before).
type lineCounter struct {
	src       string
	off, line int // the last offset asked and its line
	lineStart int // where that line starts
}

func newLineCounter(src string) *lineCounter { return &lineCounter{src: src, line: 1} }

// lineCol is the 1-based line and character column of off.
func (c *lineCounter) lineCol(off int) (int, int) {
	off = min(off, len(c.src))
	if off < c.off {
		c.off, c.line, c.lineStart = 0, 1, 0
	}
	seg := c.src[c.off:off]
	if n := strings.Count(seg, "\n"); n > 0 {
		c.line += n
		c.lineStart = c.off + strings.LastIndexByte(seg, '\n') + 1
	}
	c.off = off
	return c.line, utf8.RuneCountInString(c.src[c.lineStart:off]) + 1
}

// diffLine is one line of a hunk: ' ', '-' or '+', and its text with its newline.
type diffLine struct {
	kind byte
	text string
}

type diffHunk struct {
	fromLine, toLine int
	lines            []diffLine
}

// unifiedDiff writes edits (whole lines of content, as lineEdits returns them) as a
// unified diff with context lines of context.
func unifiedDiff(from, to, content string, edits []parsers.Edit, context int) string {
	if len(edits) == 0 {
		return ""
	}
	lines := splitLines(content)
	lc := newLineCounter(content)
	lineOf := func(off int) int { l, _ := lc.lineCol(off); return l - 1 }
	addEqual := func(h *diffHunk, start, end int) int {
		n := 0
		for i := max(start, 0); i < end && i < len(lines); i++ {
			h.lines = append(h.lines, diffLine{' ', lines[i]})
			n++
		}
		return n
	}
	var hunks []*diffHunk
	var h *diffHunk
	last, toLine := 0, 0
	for _, e := range edits {
		start, end := lineOf(e.Start), lineOf(e.End)
		if e.End == len(content) && len(content) > 0 && content[len(content)-1] != '\n' {
			end++ // the last line has no newline, and counts
		}
		switch {
		case h != nil && start == last:
		case h != nil && start <= last+2*context:
			toLine += addEqual(h, last, start)
		default:
			if h != nil {
				addEqual(h, last, last+context)
				hunks = append(hunks, h)
			}
			toLine += start - last
			h = &diffHunk{fromLine: start + 1, toLine: toLine + 1}
			n := addEqual(h, start-context, start)
			h.fromLine -= n
			h.toLine -= n
		}
		last = start
		for i := start; i < end; i++ {
			h.lines = append(h.lines, diffLine{'-', lines[i]})
			last++
		}
		for _, l := range splitLines(e.New) {
			h.lines = append(h.lines, diffLine{'+', l})
			toLine++
		}
	}
	addEqual(h, last, last+context)
	hunks = append(hunks, h)

	var b strings.Builder
	size := len(from) + len(to) + 10
	for _, h := range hunks {
		size += 40
		for _, l := range h.lines {
			size += 1 + len(l.text)
		}
	}
	b.Grow(size)
	b.WriteString("--- " + from + "\n+++ " + to + "\n")
	for _, h := range hunks {
		fromCount, toCount := 0, 0
		for _, l := range h.lines {
			if l.kind != '+' {
				fromCount++
			}
			if l.kind != '-' {
				toCount++
			}
		}
		b.WriteString("@@")
		b.WriteString(rangeOf(" -", h.fromLine, fromCount))
		b.WriteString(rangeOf(" +", h.toLine, toCount))
		b.WriteString(" @@\n")
		for _, l := range h.lines {
			b.WriteByte(l.kind)
			b.WriteString(l.text)
			if !strings.HasSuffix(l.text, "\n") {
				b.WriteString("\n\\ No newline at end of file\n")
			}
		}
	}
	return b.String()
}

// rangeOf writes a hunk's range as diff -u does: the start alone for one line, and for an
// empty range the line before it with a count of 0.
func rangeOf(sign string, start, count int) string {
	switch count {
	case 1:
		return sign + strconv.Itoa(start)
	case 0:
		return sign + strconv.Itoa(start-1) + ",0"
	}
	return sign + strconv.Itoa(start) + "," + strconv.Itoa(count)
}

// splitLines splits text after each newline; a last line without one is a line too.
func splitLines(text string) []string {
	// Counted first: a file of 300,000 lines grown by append cost more than the rest of
	// its diff (docs/benchmarks.md, session 16).
	out := make([]string, 0, strings.Count(text, "\n")+1)
	for len(text) > 0 {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			out = append(out, text)
			break
		}
		out = append(out, text[:i+1])
		text = text[i+1:]
	}
	return out
}
