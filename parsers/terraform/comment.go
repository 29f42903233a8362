package terraform

import (
	"bytes"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/no502/no502/parsers"
)

// RemoveComment returns the edit that removes the comment of f from its opener ('#' or
// '//') at byte from to the end of the line (the whole line when nothing else is on it).
// ok is false unless from opens a line comment the HCL lexer read (parsers.File.Comments,
// set for files that mention parsers.SuppressMarker): a '#' in a string or a heredoc is
// text, never removed.
func RemoveComment(f *parsers.File, from int) (e parsers.Edit, ok bool) {
	if _, in := f.CommentAt(from); !in {
		return parsers.Edit{}, false
	}
	if f.Src[from] != '#' && (from+1 >= len(f.Src) || f.Src[from] != '/' || f.Src[from+1] != '/') {
		return parsers.Edit{}, false
	}
	return parsers.RemoveLineComment(f.Path, f.Src, from), true
}

// ReplaceInComment returns the edit that replaces the bytes r of f with text; ok is
// false unless r lies within one comment the lexer read.
func ReplaceInComment(f *parsers.File, r parsers.Pos, text string) (e parsers.Edit, ok bool) {
	c, in := f.CommentAt(r.Start())
	if !in || r.End() > c.End() || r.End() <= r.Start() {
		return parsers.Edit{}, false
	}
	return parsers.Edit{File: f.Path, Start: r.Start(), End: r.End(), New: text}, true
}

// AttrComment returns what a user wrote above the attribute at pos in a native HCL file:
// the comment lines directly above its line (no blank line between), joined by spaces
// without their openers; "" when there is none. (A comment at the end of the line is not
// read, as for YAML: k8s.EntryComment.) A fix that changes such a value (a count of tasks, a deploy's minimum
// healthy percent) overwrites a choice someone explained next to it ("A single JetStream
// node must never run twice against the same store."). It lexes the file: a caller asking
// for many attributes of one file reads its Comments once instead.
func AttrComment(f *parsers.File, pos parsers.Pos) string {
	if !pos.IsValid() {
		return ""
	}
	return ReadComments(f).Above(int(pos.Line))
}

// Comments are the comments of a file that stand alone on their lines, by line (a block
// comment by the line it ends on), without their openers.
type Comments map[int]string

// ReadComments lexes f for its Comments (none when f has no '#' or '/').
func ReadComments(f *parsers.File) Comments {
	own := Comments{}
	if f == nil || !bytes.ContainsAny(f.Src, "#/") {
		return own
	}
	toks, _ := hclsyntax.LexConfig(f.Src, f.Path, hcl.InitialPos)
	for _, t := range toks {
		if t.Type != hclsyntax.TokenComment {
			continue
		}
		text := strings.TrimSpace(string(t.Bytes))
		block := strings.HasPrefix(text, "/*")
		text = strings.TrimSpace(strings.TrimSuffix(strings.TrimLeft(strings.TrimPrefix(text, "/*"), "#/"), "*/"))
		start := t.Range.Start
		ls := bytes.LastIndexByte(f.Src[:start.Byte], '\n') + 1
		alone := len(bytes.TrimSpace(f.Src[ls:start.Byte])) == 0
		switch {
		case alone && block:
			own[t.Range.End.Line] = text
		case alone:
			own[start.Line] = text
		}
	}
	return own
}

// Above returns the comment lines directly above line (no blank line between), joined by
// spaces; "" when there is none.
func (c Comments) Above(line int) string {
	var parts []string
	for l := line - 1; l > 0; l-- {
		text, ok := c[l]
		if !ok {
			break
		}
		parts = append([]string{text}, parts...)
	}
	var out []string
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}
