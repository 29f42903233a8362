package compose

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// source is one compose (or .env) file with a line index, so that yaml.Node positions
// (line and rune column) become byte offsets, and so that a Setting can quote the line
// as written.
type source struct {
	path  string // display path, as positions name it
	dir   string // absolute directory relative paths in this file resolve against
	src   []byte
	lines parsers.Lines // where each line starts
}

func newSource(path, dir string, src []byte) *source {
	s := &source{path: path, dir: dir, src: src, lines: parsers.NewLines(src)}
	return s
}

// offset converts a 1-based line and rune column to a byte offset.
func (s *source) offset(line, col int) int { return s.lines.Offset(line, col) }

// line returns the text of a 1-based line without its newline.
func (s *source) line(n int) string { return s.lines.Text(n) }

// at is the position of a 1-based line and column, without an end.
func (s *source) at(line, col int) parsers.Pos {
	if line < 1 {
		line, col = 1, 1
	}
	return parsers.Pos{File: s.path, Line: int32(line), Col: int32(col), Offset: int32(s.offset(line, col))}
}

// pos returns the position of a node; a scalar on one line gets its end too, so that a
// fix can replace exactly the value.
func (s *source) pos(n *yaml.Node) parsers.Pos {
	if n == nil || n.Line == 0 {
		return parsers.Pos{}
	}
	p := s.at(n.Line, n.Column)
	if n.Kind != yaml.ScalarNode {
		return p
	}
	off := int(p.Offset)
	if end := s.scalarEnd(n, off); end > off {
		p.EndLine = p.Line
		p.EndOffset = int32(end)
		p.EndCol = p.Col + int32(utf8.RuneCount(s.src[off:end]))
	}
	return p
}

// scalarEnd finds the end of a scalar that sits on one line: a plain scalar is its value,
// a quoted one ends at its closing quote. It returns -1 when unsure (block scalars,
// folded plain scalars).
func (s *source) scalarEnd(n *yaml.Node, off int) int {
	if off >= len(s.src) {
		return -1
	}
	eol := len(s.src)
	if i := bytes.IndexByte(s.src[off:], '\n'); i >= 0 {
		eol = off + i
	}
	switch n.Style {
	case 0, yaml.TaggedStyle:
		if n.Value != "" && eol-off >= len(n.Value) && string(s.src[off:off+len(n.Value)]) == n.Value {
			return off + len(n.Value)
		}
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		q := s.src[off]
		if q != '"' && q != '\'' {
			return -1
		}
		for i := off + 1; i < eol; i++ {
			if s.src[i] == '\\' && q == '"' {
				i++
				continue
			}
			if s.src[i] == q {
				if q == '\'' && i+1 < eol && s.src[i+1] == '\'' {
					i++
					continue
				}
				return i + 1
			}
		}
	}
	return -1
}

// text is the line holding a value as the user wrote it, for Setting.Text: trimmed,
// without a list dash or a trailing comment. A value on another line than its key, or a
// very long line, gives "key: value" instead.
func (s *source) text(key string, keyLine int, n *yaml.Node) string {
	l := strings.TrimSpace(s.line(n.Line))
	v := n.Value
	if n.Kind != yaml.ScalarNode {
		v = "..."
	}
	if key != "" && keyLine != n.Line || len(l) > 160 || l == "" {
		if key == "" {
			return v
		}
		return key + ": " + v
	}
	l = strings.TrimPrefix(l, "- ")
	if n.LineComment != "" {
		if i := strings.LastIndex(l, " #"); i > 0 {
			l = strings.TrimSpace(l[:i])
		}
	}
	return l
}
