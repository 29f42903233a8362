package parsers

import "bytes"

// Editing comments. The format packages decide what is a comment (a token their lexer
// read: File.Comments, or a YAML comment outside block scalars) and call these for the
// bytes; a '#' inside a string is never handed here.

// CommentAt returns the comment of f, as its parser read it (File.Comments), that holds
// byte off.
func (f *File) CommentAt(off int) (Pos, bool) {
	for _, c := range f.Comments {
		if off >= int(c.Offset) && off < int(c.EndOffset) {
			return c, true
		}
	}
	return Pos{}, false
}

// RemoveLineComment returns the edit that deletes the comment of src that begins at byte
// from (its opener, '#' or '//') and runs to the end of its line, with the blanks before
// it; when nothing else is on the line, the whole line with its newline. The caller has
// checked that from opens a comment.
func RemoveLineComment(file string, src []byte, from int) Edit {
	ls := bytes.LastIndexByte(src[:from], '\n') + 1
	le, next := len(src), len(src)
	if i := bytes.IndexByte(src[from:], '\n'); i >= 0 {
		le, next = from+i, from+i+1
	}
	if le > ls && src[le-1] == '\r' {
		le--
	}
	if len(bytes.TrimSpace(src[ls:from])) == 0 {
		return Edit{File: file, Start: ls, End: next}
	}
	start := from
	for start > ls && (src[start-1] == ' ' || src[start-1] == '\t') {
		start--
	}
	return Edit{File: file, Start: start, End: le}
}

// EditedLine returns the line of src holding e.Start as it reads after e, without its
// newline; "" when e deletes the whole line, newline included.
func EditedLine(src []byte, e Edit) string {
	ls := bytes.LastIndexByte(src[:e.Start], '\n') + 1
	le := len(src)
	if i := bytes.IndexByte(src[e.Start:], '\n'); i >= 0 {
		le = e.Start + i
	}
	if e.End > le && e.New == "" {
		return ""
	}
	return string(src[ls:e.Start]) + e.New + string(src[min(e.End, le):le])
}
