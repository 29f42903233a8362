package k8s

import (
	"bytes"
	"strings"

	"github.com/no502/no502/parsers"
)

// YAML comments. yaml.v3 keeps a comment's text but not where it is, so the comments of a
// manifest are found here, line by line, as the YAML lexer would: a '#' that starts a
// token outside quotes, on a line that is not the content of a block scalar.

// CommentStart returns the index in a YAML line where a comment starts, or -1: a '#'
// that starts a token (at the start of the line or after a blank), outside quotes. It
// does not know whether the line is the content of a block scalar (| or >).
func CommentStart(line []byte) int {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		if quote != 0 {
			switch {
			case c == '\\' && quote == '"':
				i++
			case c == quote:
				quote = 0
			}
			continue
		}
		tokenStart := i == 0 || line[i-1] == ' ' || line[i-1] == '\t'
		switch {
		case c == '#' && tokenStart:
			return i
		case c == '"' || c == '\'':
			// A quote opens a string only where a token starts (YAML "it's" is plain).
			if tokenStart || (i > 0 && strings.IndexByte(":[{,=(", line[i-1]) >= 0) {
				quote = c
			}
		}
	}
	return -1
}

// CommentIn reports whether byte off of a manifest lies in a YAML comment: after the
// comment start of its line, and that line not the content of a block scalar (where a
// '#' is text: a script, or nginx.conf held in a ConfigMap).
func CommentIn(src []byte, off int) bool {
	if off < 0 || off >= len(src) {
		return false
	}
	parent := -1 // the indentation block scalar content must exceed; -1 outside one
	for start := 0; start <= off; {
		end := len(src)
		if i := bytes.IndexByte(src[start:], '\n'); i >= 0 {
			end = start + i
		}
		line := bytes.TrimRight(src[start:end], "\r")
		indent := len(line) - len(bytes.TrimLeft(line, " "))
		blank := len(bytes.TrimSpace(line)) == 0
		if parent >= 0 && (blank || indent > parent) {
			if off <= end {
				return false // block scalar content
			}
			start = end + 1
			continue
		}
		parent = -1
		cs := CommentStart(line)
		if off <= end {
			return cs >= 0 && off-start >= cs
		}
		parent = blockScalarParent(line, cs)
		start = end + 1
	}
	return false
}

// blockScalarParent returns, for a line whose value is a block scalar indicator (| or >,
// with chomping and indentation indicators), the indentation its content lines exceed:
// the key's column ("  key: |" gives 2, "- key: |" the key's column after the dash), or
// the dash's for a sequence item ("- |"). -1 when the line opens no block scalar. cs is
// where the line's comment starts (-1 for none).
func blockScalarParent(line []byte, cs int) int {
	if cs >= 0 {
		line = line[:cs]
	}
	line = bytes.TrimRight(line, " \t")
	i := len(line)
	for i > 0 && (line[i-1] == '-' || line[i-1] == '+' || line[i-1] >= '0' && line[i-1] <= '9') {
		i--
	}
	if i == 0 || (line[i-1] != '|' && line[i-1] != '>') {
		return -1
	}
	head := bytes.TrimRight(line[:i-1], " \t")
	// The node holding the scalar: skip the indentation and any "- " sequence entries.
	col := 0
	for col < len(head) && head[col] == ' ' {
		col++
	}
	lastDash := -1
	for col+1 < len(head) && head[col] == '-' && (head[col+1] == ' ' || head[col+1] == '\t') {
		lastDash = col
		col += 2
		for col < len(head) && (head[col] == ' ' || head[col] == '\t') {
			col++
		}
	}
	switch {
	case bytes.HasSuffix(head, []byte(":")) && col < len(head):
		return col // a mapping value: content is indented past the key
	case len(head) > 0 && head[len(head)-1] == '-':
		// "- |": the dash ends the head
		return len(head) - 1
	case lastDash >= 0 && col >= len(head):
		return lastDash
	}
	return -1
}

// RemoveComment returns the edit that removes the comment of a manifest f from its '#'
// at byte from to the end of the line (the whole line when nothing else is on it). ok is
// false unless from is a '#' in a YAML comment (CommentIn): never in a quoted string or a
// block scalar.
func RemoveComment(f *parsers.File, from int) (e parsers.Edit, ok bool) {
	if from < 0 || from >= len(f.Src) || f.Src[from] != '#' || !CommentIn(f.Src, from) {
		return parsers.Edit{}, false
	}
	return parsers.RemoveLineComment(f.Path, f.Src, from), true
}

// ReplaceInComment returns the edit that replaces the bytes r of a manifest f with text;
// ok is false unless r lies in one YAML comment (on one line).
func ReplaceInComment(f *parsers.File, r parsers.Pos, text string) (e parsers.Edit, ok bool) {
	if r.End() <= r.Start() || r.End() > len(f.Src) || !CommentIn(f.Src, r.Start()) ||
		bytes.IndexByte(f.Src[r.Start():r.End()], '\n') >= 0 {
		return parsers.Edit{}, false
	}
	return parsers.Edit{File: f.Path, Start: r.Start(), End: r.End(), New: text}, true
}

// EntryComment returns what a user wrote above the mapping entry whose value starts at
// byte value of a manifest: the comment lines directly above its line (no blank line
// between), joined by spaces without their '#'s; "" when there is none. A fix that
// changes such a value (a replica count) overwrites a choice someone explained next to it
// ("not designed to run in a clustered scenario"). A comment at the end of the value's
// line is not read: there it is mostly a unit or a note ("# 5 minutes"), and the
// testdata's `# want "rule"` markers sit there.
func EntryComment(src []byte, value int) string {
	if value < 0 || value >= len(src) {
		return ""
	}
	start := bytes.LastIndexByte(src[:value], '\n') + 1
	var parts []string
	// The comment lines above, nearest last: walk up while each line holds only a comment.
	for ls := start; ls > 0; {
		prev := bytes.LastIndexByte(src[:ls-1], '\n') + 1
		line := bytes.TrimRight(src[prev:ls-1], "\r")
		t := bytes.TrimSpace(line)
		if len(t) == 0 || t[0] != '#' || !CommentIn(src, prev+bytes.IndexByte(line, '#')) {
			break
		}
		parts = append([]string{commentText(t)}, parts...)
		ls = prev
	}
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// commentText is a comment's text without its '#'s and surrounding blanks.
func commentText(c []byte) string {
	return strings.TrimSpace(strings.TrimLeft(string(c), "#"))
}
