package terraform

import "github.com/no502/no502/parsers"

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
