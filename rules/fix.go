package rules

import (
	"bytes"
	"sort"
	"strings"

	"github.com/no502/no502/parsers"
)

// LineChange is one change to a brace-delimited block (nginx, Caddy, HCL): when At lies
// inside the block, the line holding it is replaced by Line (or deleted); otherwise Line
// is inserted as the block's first body line. This is how a fix overrides an inherited
// value: the outer directive stays, the block gets its own.
type LineChange struct {
	At     parsers.Pos
	Line   string
	Delete bool
}

// BlockFix builds a fix for the block blk: the corrected block as a snippet (dedented to
// column 1) and the byte-range edits that apply it to the file, so only the changed lines
// move. indentUnit is the format's indentation ("    " for nginx, "\t" for Caddy, "  "
// for HCL), used when the block has no body line to copy indentation from.
func BlockFix(m *parsers.Model, blk parsers.Pos, indentUnit, desc string, changes ...LineChange) *Fix {
	f := m.File(blk.File)
	if f == nil || blk.Start() < 0 || blk.End() > len(f.Src) || blk.Start() >= blk.End() {
		var lines []string
		for _, c := range changes {
			if !c.Delete {
				lines = append(lines, c.Line)
			}
		}
		return &Fix{Description: desc, Snippet: strings.Join(lines, "\n") + "\n"}
	}
	src := f.Src
	lineStart := func(off int) int { return bytes.LastIndexByte(src[:off], '\n') + 1 }
	lineEnd := func(off int) int {
		if i := bytes.IndexByte(src[off:], '\n'); i >= 0 {
			return off + i + 1
		}
		return len(src)
	}
	indentOf := func(ls int) string {
		i := ls
		for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
			i++
		}
		return string(src[ls:i])
	}

	start := lineStart(blk.Start())
	base := indentOf(start)
	end := blk.End()
	if end < len(src) && src[end-1] != '\n' {
		end = lineEnd(end - 1)
	}

	// Where a new body line goes: after the line holding the block's opening brace.
	brace := openingBrace(src[blk.Start():blk.End()])
	insertAt, insertPrefix := -1, ""
	bodyIndent := base + indentUnit
	if brace >= 0 {
		b := blk.Start() + brace
		le := lineEnd(b)
		// After the brace: nothing, or a comment that stays on the brace's line.
		if rest := strings.TrimSpace(string(src[b+1 : le])); rest == "" || strings.HasPrefix(rest, "#") || strings.HasPrefix(rest, "//") {
			insertAt = le
			if le < blk.End() {
				if ind := indentOf(le); strings.TrimSpace(string(src[le:lineEnd(le)])) != "}" && ind != "" {
					bodyIndent = ind
				}
			}
		} else {
			// "location / { return 200; }": open a line right after the brace.
			insertAt, insertPrefix = b+1, "\n"
		}
	}

	var edits []Edit
	unsafe := false // a line change whose extent is unknown, on a shared line
	for _, c := range changes {
		inside := (c.At.File == blk.File || (f.Host != "" && c.At.File == f.Host)) && c.At.IsValid() && int(c.At.Offset) >= blk.Start() && int(c.At.Offset) < blk.End()
		if inside && c.At.EndOffset <= c.At.Offset && crowded(src[lineStart(int(c.At.Offset)):lineEnd(int(c.At.Offset))]) {
			unsafe = true
		}
		switch {
		case inside && sharesLine(src, c.At, lineStart(int(c.At.Offset)), lineEnd(int(c.At.Offset))):
			// Other directives (or the block's own braces) are on the line: change only
			// this directive's bytes. A trailing note would comment out the rest.
			e := Edit{File: blk.File, Start: int(c.At.Offset), End: int(c.At.EndOffset)}
			if c.Delete {
				for e.End < len(src) && (src[e.End] == ' ' || src[e.End] == '\t') {
					e.End++
				}
			} else {
				e.New = strings.TrimSpace(strings.TrimSuffix(c.Line, lineComment(c.Line)))
			}
			edits = append(edits, e)
		case inside:
			ls := lineStart(int(c.At.Offset))
			e := Edit{File: blk.File, Start: ls, End: lineEnd(int(c.At.Offset))}
			if !c.Delete {
				e.New = indentOf(ls) + c.Line
				// The user's own comment on the replaced line stays with it.
				if cm := lineComment(string(src[ls:e.End])); cm != "" && !strings.Contains(c.Line, cm) {
					e.New += "  " + cm
				}
				e.New += "\n"
			}
			edits = append(edits, e)
		case c.Delete:
			// Nothing to delete inside this block.
		case insertAt >= 0:
			nl := "\n"
			if insertPrefix != "" {
				nl = ""
			}
			edits = append(edits, Edit{File: blk.File, Start: insertAt, End: insertAt, New: insertPrefix + bodyIndent + c.Line + nl})
		}
	}
	sortEdits(edits)

	// Apply the edits to the block's lines to get the snippet.
	var b strings.Builder
	cur := start
	for _, e := range edits {
		if e.Start < cur {
			continue // overlapping edits: keep the first
		}
		b.Write(src[cur:e.Start])
		b.WriteString(e.New)
		cur = e.End
	}
	if cur < end {
		b.Write(src[cur:end])
	}
	snippet := dedent(b.String(), base)
	if !strings.HasSuffix(snippet, "\n") {
		snippet += "\n"
	}
	if unsafe {
		// Replacing the whole line would take its other directives with it.
		fix := &Fix{Description: desc, Snippet: snippet}
		fix.snippetOnly()
		return fix
	}
	return &Fix{Description: desc, Snippet: snippet, Edits: edits}
}

// sharesLine reports whether the setting at pos (whose extent is known) shares its line,
// [ls, le), with anything but blanks and a trailing comment.
func sharesLine(src []byte, pos parsers.Pos, ls, le int) bool {
	s, e := int(pos.Offset), int(pos.EndOffset)
	if e <= s || e > le {
		return false // the extent is unknown (or spans lines): the line is the unit
	}
	if strings.TrimSpace(string(src[ls:s])) != "" {
		return true
	}
	rest := strings.TrimSpace(string(src[e:le]))
	return rest != "" && !strings.HasPrefix(rest, "#") && !strings.HasPrefix(rest, "//")
}

// crowded reports whether a line holds more than one directive or a brace, going by its
// text without the trailing comment.
func crowded(line []byte) bool {
	l := strings.TrimSuffix(string(line), lineComment(string(line)))
	return strings.Count(l, ";") > 1 || strings.ContainsAny(l, "{}")
}

// openingBrace returns the offset in block of its opening brace: the first '{' outside
// quotes (a quoted nginx regex may hold one: "^/a{2}/") and comments that does not open a
// Caddy placeholder ({host}); -1 when there is none.
func openingBrace(block []byte) int {
	return firstUnquoted(string(block), true, func(i int) bool {
		return block[i] == '{' && !isPlaceholder(block[i:])
	})
}

// firstUnquoted returns the offset of the first byte of s outside single or double quotes
// (in which a backslash escapes the next byte) for which match is true, or -1. With
// comments, a '#' that starts a line or follows a blank opens a comment to the end of the
// line, whose bytes (quotes included) are skipped.
func firstUnquoted(s string, comments bool, match func(i int) bool) int {
	var quote byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case comments && c == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t' || s[i-1] == '\n'):
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case match(i):
			return i
		}
	}
	return -1
}

// isPlaceholder reports whether s starts with a Caddy placeholder: "{" then a name and "}"
// with no blank in between.
func isPlaceholder(s []byte) bool {
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '}':
			return i > 1
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '{' || c == ';':
			return false
		}
	}
	return false
}

// lineComment returns the comment that ends a line of nginx, Caddy or HCL ("# ..." or
// "// ..." after a blank, outside quotes), or "".
func lineComment(line string) string {
	line = strings.TrimRight(line, "\r\n")
	i := firstUnquoted(line, false, func(i int) bool {
		return (line[i] == '#' || line[i] == '/' && i+1 < len(line) && line[i+1] == '/') && i > 0 && (line[i-1] == ' ' || line[i-1] == '\t')
	})
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(line[i:])
}

// sortEdits orders edits by start, and at one start an insertion before a replacement.
func sortEdits(es []Edit) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Start != es[j].Start {
			return es[i].Start < es[j].Start
		}
		return es[i].End == es[i].Start && es[j].End > es[j].Start
	})
}

func dedent(s, prefix string) string {
	if prefix == "" {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for s != "" {
		line, rest, found := strings.Cut(s, "\n")
		b.WriteString(strings.TrimPrefix(line, prefix))
		if found {
			b.WriteByte('\n')
		}
		s = rest
	}
	return b.String()
}

// ApplyEdits applies edits to src (all for the same file), in offset order; an insertion
// goes before a replacement that starts where it does, and insertions at one offset keep
// their order. Overlapping edits after the first are dropped.
func ApplyEdits(src []byte, edits []Edit) []byte {
	es := append([]Edit(nil), edits...)
	sortEdits(es)
	size := len(src)
	for _, e := range es {
		size += len(e.New)
	}
	out := make([]byte, 0, size)
	cur := 0
	for _, e := range es {
		if e.Start < cur || e.End > len(src) {
			continue
		}
		out = append(out, src[cur:e.Start]...)
		out = append(out, e.New...)
		cur = e.End
	}
	return append(out, src[cur:]...)
}
