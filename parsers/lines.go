package parsers

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Lines indexes where each line of a text starts, so that a 1-based line and rune column
// (as yaml.v3 reports positions) become byte offsets, and a line can be quoted as written.
// The YAML-based parsers (Kubernetes, Compose) and the manifest editor share it.
type Lines struct {
	src    []byte
	starts []int // byte offset of the start of each line
}

// NewLines indexes src.
func NewLines(src []byte) Lines {
	starts := make([]int, 1, 1+bytes.Count(src, []byte{'\n'}))
	for i := 0; ; {
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		starts = append(starts, i)
	}
	return Lines{src: src, starts: starts}
}

// Count is the number of lines (a text ending in a newline has an empty last one).
func (l Lines) Count() int { return len(l.starts) }

// Start returns the byte offset of the start of a 1-based line: 0 before the first, the
// end of the text after the last.
func (l Lines) Start(line int) int {
	if line < 1 {
		return 0
	}
	if line > len(l.starts) {
		return len(l.src)
	}
	return l.starts[line-1]
}

// Offset converts a 1-based line and rune column to a byte offset (the end of the text
// for a line past the last; a column past the line's end stops at its newline).
func (l Lines) Offset(line, col int) int {
	if line < 1 || line > len(l.starts) {
		return len(l.src)
	}
	off := l.starts[line-1]
	for c := 1; c < col && off < len(l.src) && l.src[off] != '\n'; c++ {
		_, n := utf8.DecodeRune(l.src[off:])
		off += n
	}
	return off
}

// Text returns a 1-based line without its line ending ("" past the ends).
func (l Lines) Text(n int) string {
	if n < 1 || n > len(l.starts) {
		return ""
	}
	start, end := l.starts[n-1], len(l.src)
	if n < len(l.starts) {
		end = l.starts[n] - 1
	}
	return strings.TrimRight(string(l.src[start:end]), "\r")
}
