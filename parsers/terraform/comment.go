package terraform

import (
	"bytes"
	"strings"

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
// node must never run twice against the same store.").
//
// It reads the lines above pos, not the lexer's tokens: lexing the file for each fix made
// a module of a thousand services 3.4x slower. The lines are comments as the lexer reads
// them: an attribute the parser found is outside any string or heredoc, so a heredoc
// above it ends on a line of its own (its marker) before the attribute's, and a line
// starting with '#' or '//' between the two is a comment; a block comment is taken whole
// when it ends a line and starts one (TestAttrCommentMatchesLexer holds it to the lexer).
func AttrComment(f *parsers.File, pos parsers.Pos) string {
	if f == nil || !pos.IsValid() || int(pos.Offset) > len(f.Src) {
		return ""
	}
	src := f.Src
	var parts []string
	for ls := bytes.LastIndexByte(src[:pos.Offset], '\n') + 1; ls > 0; {
		prev := bytes.LastIndexByte(src[:ls-1], '\n') + 1
		t := string(bytes.TrimSpace(src[prev : ls-1]))
		switch {
		case strings.HasPrefix(t, "#"), strings.HasPrefix(t, "//"):
			parts = append(parts, strings.TrimSpace(strings.TrimLeft(t, "#/")))
		case strings.HasSuffix(t, "*/") && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "//"):
			open := bytes.LastIndex(src[:ls-1], []byte("/*"))
			if open < 0 {
				return join(parts)
			}
			prev = bytes.LastIndexByte(src[:open], '\n') + 1
			if len(bytes.TrimSpace(src[prev:open])) != 0 {
				return join(parts) // the block comment follows code on its first line
			}
			text := strings.TrimSpace(string(src[open : ls-1]))
			parts = append(parts, strings.TrimSpace(strings.TrimSuffix(strings.TrimLeft(strings.TrimPrefix(text, "/*"), "#/"), "*/")))
		default:
			return join(parts)
		}
		ls = prev
	}
	return join(parts)
}

// join joins the comments collected nearest first, in file order, without empty ones.
func join(nearestFirst []string) string {
	var out []string
	for i := len(nearestFirst) - 1; i >= 0; i-- {
		if nearestFirst[i] != "" {
			out = append(out, nearestFirst[i])
		}
	}
	return strings.Join(out, " ")
}
