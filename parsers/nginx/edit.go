package nginx

import (
	"bytes"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/no502/no502/parsers"
)

// Editing nginx config: typed operations on one block (a server, location or upstream,
// given by its span in the model) that return byte edits of the file holding it and the
// corrected block as a snippet. Only the changed directives' lines move; a directive that
// shares its line with others (or with the block's braces) is changed in place, and a
// line a one-line block needs is opened after its '{'.

// Indent is the indentation a new body line gets when the block has none to copy.
const Indent = "    "

// BlockEdit collects changes to one block. Build it with EditBlock, add changes with Set,
// Insert and Remove, and read the result with Result.
type BlockEdit struct {
	src     []byte // the file's source; nil when unknown
	block   parsers.Pos
	changes []blockChange
	// Changes outside the block (see Extra): their edits, directive names and snippets.
	extra        []parsers.Edit
	extraNames   []string
	extraSnippet string
}

// Extra adds the result of another edit to this one: the same setting changed in a file
// the block includes, where nginx reads it for this block (a second directive in the
// block would be a duplicate).
func (b *BlockEdit) Extra(o *BlockEdit) *BlockEdit {
	edits, snippet, _ := o.Result()
	b.extra = append(b.extra, edits...)
	b.extraNames = append(b.extraNames, o.Names()...)
	b.extraSnippet += "# in " + o.block.File + ":\n" + snippet
	return b
}

type blockChange struct {
	at     parsers.Pos
	line   string
	remove bool
}

// EditBlock starts an edit of the block spanning block in src (the source of
// block.File; nil when the model does not hold it, and the result is then a snippet).
func EditBlock(src []byte, block parsers.Pos) *BlockEdit {
	return &BlockEdit{src: src, block: block}
}

// Set makes directive (text without indentation: "proxy_read_timeout 90s;", optionally
// followed by "  # comment") the block's own: the directive at at is replaced (all its
// lines when its extent is known) when at lies inside the block; otherwise directive is
// inserted as the block's first body line, which overrides an inherited value.
func (b *BlockEdit) Set(at parsers.Pos, directive string) *BlockEdit {
	b.changes = append(b.changes, blockChange{at: at, line: directive})
	return b
}

// Insert adds directive as the block's first body line.
func (b *BlockEdit) Insert(directive string) *BlockEdit {
	return b.Set(parsers.Pos{}, directive)
}

// Remove deletes the directive at at, when it lies inside the block.
func (b *BlockEdit) Remove(at parsers.Pos) *BlockEdit {
	b.changes = append(b.changes, blockChange{at: at, remove: true})
	return b
}

// Names lists the directives the edit sets or inserts ("proxy_read_timeout"), in order:
// the settings a fix built from it names.
func (b *BlockEdit) Names() []string {
	out := append([]string(nil), b.extraNames...)
	for _, c := range b.changes {
		if f := strings.Fields(c.line); len(f) > 0 {
			out = append(out, strings.TrimSuffix(f[0], ";"))
		}
	}
	return out
}

// Result returns the edits, the corrected block (dedented to column 1) and whether the
// edits may be written. They may not when a changed directive shares its line with others
// and its own extent is unknown: replacing the line would take the others with it; the
// snippet then shows the change and the edits are nil. Without the file's source the
// snippet is the new directives alone.
func (b *BlockEdit) Result() (edits []parsers.Edit, snippet string, writable bool) {
	blk := b.block
	src := b.src
	if src == nil || blk.Start() < 0 || blk.End() > len(src) || blk.Start() >= blk.End() {
		var lines []string
		for _, c := range b.changes {
			if !c.remove {
				lines = append(lines, c.line)
			}
		}
		return b.extra, strings.Join(lines, "\n") + "\n" + b.extraSnippet, true
	}
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
	toks := lexBlock(src, blk)
	insertAt, afterBrace, restIndent := -1, -1, ""
	// The body's indentation: the first body line's, else one step past the block's in
	// the file's own style (indentStep reads the whole file: only when needed).
	bodyIndent := ""
	stepped := func() string { return base + indentStep(src, base) }
	if o := toks.open(); o >= 0 {
		le := lineEnd(o)
		// After the brace: nothing, or a comment that stays on the brace's line.
		if blankOrComment(src, toks, o+1, le) {
			insertAt = le
			// The body's indentation is its first non-blank line's: a blank line after
			// the brace (mastodon's dist/nginx.conf, `location / {` then an empty line)
			// says nothing, and the default would indent 4 past a 2-space file.
			next := le
			for next < blk.End() && len(bytes.TrimSpace(src[next:lineEnd(next)])) == 0 {
				next = lineEnd(next)
			}
			if next < blk.End() {
				if ind := indentOf(next); strings.TrimSpace(string(src[next:lineEnd(next)])) != "}" && ind != "" {
					bodyIndent = ind
				}
			}
			if bodyIndent == "" {
				bodyIndent = stepped()
			}
		} else {
			// "location / { return 200; }", "location / {proxy_pass http://app;": the new
			// lines go between the brace and what follows it, which moves to a line of its
			// own (a trailing comment on a new line must not swallow it).
			insertAt, afterBrace = o+1, o+1
			for insertAt < le && (src[insertAt] == ' ' || src[insertAt] == '\t') {
				insertAt++
			}
			bodyIndent = stepped()
			restIndent = bodyIndent
			if src[insertAt] == '}' {
				restIndent = base
			}
		}
	}

	unsafe := false   // a line change whose extent is unknown, on a shared line
	var inserts []int // indexes in edits of the lines inserted after a shared brace
	for _, c := range b.changes {
		inside := c.at.IsValid() && blk.Contains(c.at.File, int(c.at.Offset))
		// The lines the directive covers: from its first to its last ("proxy_read_timeout
		// \n 30s;" is replaced whole), or its first when its extent is unknown.
		ls, le := lineStart(int(c.at.Offset)), lineEnd(int(c.at.Offset))
		if inside && c.at.EndOffset > c.at.Offset && int(c.at.EndOffset) > le && int(c.at.EndOffset) <= blk.End() {
			le = lineEnd(int(c.at.EndOffset) - 1)
		}
		if inside && c.at.EndOffset <= c.at.Offset && toks.crowded(ls, le) {
			unsafe = true
		}
		switch {
		case inside && sharesLine(src, toks, c.at, ls, le):
			// Other directives (or the block's own braces) are on the line: change only
			// this directive's bytes. A trailing note would comment out the rest.
			e := parsers.Edit{File: blk.File, Start: int(c.at.Offset), End: int(c.at.EndOffset)}
			if c.remove {
				for e.End < len(src) && (src[e.End] == ' ' || src[e.End] == '\t') {
					e.End++
				}
			} else {
				e.New = strings.TrimSpace(strings.TrimSuffix(c.line, lineComment(c.line)))
			}
			edits = append(edits, e)
		case inside:
			e := parsers.Edit{File: blk.File, Start: ls, End: le}
			if !c.remove {
				e.New = indentOf(ls) + c.line
				// The user's own comment on the replaced line stays with it; the same note
				// as the new line's with other numbers (one an earlier round wrote, now
				// stale: "# above the ALB's idle timeout 120s") goes.
				if t, ok := toks.comment(lineStart(le-1), le); ok {
					if cm := string(src[t.start:t.end]); !strings.Contains(c.line, cm) && !sameNote(cm, lineComment(c.line)) {
						e.New += "  " + cm
					}
				}
				e.New += "\n"
			}
			edits = append(edits, e)
		case c.remove:
			// Nothing to delete inside this block.
		case insertAt >= 0:
			if afterBrace >= 0 {
				inserts = append(inserts, len(edits))
			}
			edits = append(edits, parsers.Edit{File: blk.File, Start: insertAt, End: insertAt, New: bodyIndent + c.line + "\n"})
		}
	}
	if len(inserts) > 0 {
		// After a shared brace: a line break (instead of the blanks after the brace)
		// before the first new line, and what followed the brace indented on the line
		// after the last.
		first := &edits[inserts[0]]
		first.Start, first.New = afterBrace, "\n"+first.New
		edits[inserts[len(inserts)-1]].New += restIndent
	}
	parsers.SortEdits(edits)

	// Apply the edits to the block's lines to get the snippet.
	var s strings.Builder
	cur := start
	for _, e := range edits {
		if e.Start < cur {
			continue // overlapping edits: keep the first
		}
		s.Write(src[cur:e.Start])
		s.WriteString(e.New)
		cur = e.End
	}
	if cur < end {
		s.Write(src[cur:end])
	}
	snippet = dedent(s.String(), base)
	if !strings.HasSuffix(snippet, "\n") {
		snippet += "\n"
	}
	if unsafe {
		return nil, snippet, false
	}
	return append(edits, b.extra...), snippet + b.extraSnippet, true
}

// indentStep returns the indentation one level deeper than base adds, as the file
// writes it: a tab when base ends with one (or, at the top level, when the file's
// indented lines start with tabs), else the smallest step by which a line's leading
// spaces exceed the previous non-blank line's (2 in a 2-space file; a ConfigMap's nginx
// gives the step of its YAML and of its nginx, the smaller), and Indent when the file
// shows none.
func indentStep(src []byte, base string) string {
	if strings.HasSuffix(base, "\t") {
		return "\t"
	}
	st := fileIndentOf(src)
	switch {
	case base == "" && st.tabs > st.spaced:
		return "\t"
	case st.step > 0 && st.step <= 8 && !strings.Contains(base, "\t"):
		return strings.Repeat(" ", st.step)
	}
	return Indent
}

// fileIndent is what indentStep reads from a file: its lines indented with a tab and
// with spaces, and the smallest step between a line and a deeper one after it.
type fileIndent struct{ tabs, spaced, step int }

// indentMemo is the fileIndent of the file last asked about. Every fix of a block
// edits one file, and a rule builds thousands of them in a large one (5,000 nginx
// servers: the scan of its 8.7 MB once per fix made a lint 70x slower); the memo holds
// the text itself, so its address names it (sources are never changed in place).
type indentMemo struct {
	src *byte
	n   int
	fi  fileIndent
}

var lastIndent atomic.Pointer[indentMemo]

// fileIndentOf returns src's fileIndent, scanning it once per file in a row of asks.
func fileIndentOf(src []byte) fileIndent {
	if len(src) == 0 {
		return fileIndent{}
	}
	if m := lastIndent.Load(); m != nil && m.src == &src[0] && m.n == len(src) {
		return m.fi
	}
	fi := scanIndent(src)
	lastIndent.Store(&indentMemo{src: &src[0], n: len(src), fi: fi})
	return fi
}

func scanIndent(src []byte) fileIndent {
	tabs, spaced := 0, 0
	step, prev := 0, -1
	for line := range bytes.Lines(src) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		n := 0
		for n < len(line) && line[n] == ' ' {
			n++
		}
		switch {
		case line[n] == '\t':
			tabs++
			prev = -1
			continue
		case n > 0:
			spaced++
		}
		if prev >= 0 && n > prev && (step == 0 || n-prev < step) {
			step = n - prev
		}
		prev = n
	}
	return fileIndent{tabs: tabs, spaced: spaced, step: step}
}

// DirectiveText returns the directive at at as written: its bytes when its extent is
// known, else its line, trimmed.
func DirectiveText(src []byte, at parsers.Pos) string {
	if s, e := int(at.Offset), int(at.EndOffset); e > s && e <= len(src) {
		return string(src[s:e])
	}
	off := int(at.Offset)
	if off > len(src) {
		return ""
	}
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	end := bytes.IndexByte(src[off:], '\n')
	if end < 0 {
		return strings.TrimSpace(string(src[start:]))
	}
	return strings.TrimSpace(string(src[start : off+end]))
}

var maxFailsZero = regexp.MustCompile(`max_fails=0\b`)

// CountFailures rewrites an upstream server directive (as DirectiveText returns it) so
// that nginx counts its failures: max_fails=0 becomes max_fails=maxFails, and
// fail_timeout=failTimeout follows it unless the server sets its own.
func CountFailures(server, maxFails, failTimeout string) string {
	set := "max_fails=" + maxFails
	fixed := maxFailsZero.ReplaceAllString(server, set)
	if !strings.Contains(fixed, "fail_timeout=") {
		fixed = strings.Replace(fixed, set, set+" fail_timeout="+failTimeout, 1)
	}
	return fixed
}

// sharesLine reports whether the directive at pos (whose extent is known) shares the
// lines it covers, [ls, le), with anything but blanks and a trailing comment.
func sharesLine(src []byte, toks blockTokens, pos parsers.Pos, ls, le int) bool {
	s, e := int(pos.Offset), int(pos.EndOffset)
	if e <= s || e > le {
		return false // the extent is unknown: the line is the unit
	}
	if strings.TrimSpace(string(src[ls:s])) != "" {
		return true
	}
	return !blankOrComment(src, toks, e, le)
}

// blankOrComment reports whether [from, to) holds only blanks, then perhaps a comment.
func blankOrComment(src []byte, toks blockTokens, from, to int) bool {
	for from < to && isSpace(src[from]) {
		from++
	}
	_, cm := toks.comment(from, from+1)
	return from == to || cm
}

// firstUnquoted returns the offset of the first byte of s outside single or double quotes
// (in which a backslash escapes the next byte) for which match is true, or -1.
func firstUnquoted(s string, match func(i int) bool) int {
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
		case match(i):
			return i
		}
	}
	return -1
}

// lineComment returns the comment that ends a line a rule wrote ("# ..." or "// ..."
// after a blank, outside quotes), or "". Source lines are read by the lexer (lexBlock).
func lineComment(line string) string {
	line = strings.TrimRight(line, "\r\n")
	i := firstUnquoted(line, func(i int) bool {
		return (line[i] == '#' || line[i] == '/' && i+1 < len(line) && line[i+1] == '/') && i > 0 && (line[i-1] == ' ' || line[i-1] == '\t')
	})
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(line[i:])
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

// sameNote reports whether two comments are the same text but for their numbers.
func sameNote(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	strip := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r == '.' {
				return -1
			}
			return r
		}, strings.TrimSpace(s))
	}
	return strip(a) == strip(b)
}
