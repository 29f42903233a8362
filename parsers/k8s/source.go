package k8s

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// source is one input file with a line index, so that yaml.Node positions (line and rune
// column) can be turned into byte offsets for fixes and into the line as written for
// Setting.Text.
type source struct {
	path  string
	src   []byte
	lines parsers.Lines // where each line starts
}

func newSource(path string, src []byte) *source {
	s := &source{path: path, src: src, lines: parsers.NewLines(src)}
	return s
}

// offset converts a 1-based line and rune column to a byte offset.
func (s *source) offset(line, col int) int { return s.lines.Offset(line, col) }

// lineStart returns the byte offset of the start of a 1-based line.
func (s *source) lineStart(line int) int { return s.lines.Start(line) }

// line returns the text of a 1-based line without its newline.
func (s *source) line(n int) string { return s.lines.Text(n) }

// pos returns the position of a node. For a single-line scalar the end is computed too,
// so a fix can replace exactly the value.
func (s *source) pos(n *yaml.Node) parsers.Pos {
	if n == nil || n.Line == 0 {
		return parsers.Pos{}
	}
	off := s.offset(n.Line, n.Column)
	p := parsers.Pos{File: s.path, Line: int32(n.Line), Col: int32(n.Column), Offset: int32(off)}
	if n.Kind == yaml.ScalarNode {
		if end := s.scalarEnd(n, off); end > off {
			p.EndLine = int32(n.Line)
			p.EndOffset = int32(end)
			p.EndCol = int32(n.Column + utf8.RuneCount(s.src[off:end]))
		}
	}
	return p
}

// scalarEnd finds the end of a scalar that sits on one line: plain scalars are their
// value; quoted ones end at the closing quote. It returns -1 when unsure.
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
		// Compare without converting: this runs for every scalar the readers touch.
		if n.Value != "" && eol-off >= len(n.Value) && string(s.src[off:off+len(n.Value)]) == n.Value {
			return off + len(n.Value)
		}
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		q := s.src[off]
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

// text is the line holding n as the user wrote it, for Setting.Text: trimmed, without a
// list dash, trailing comment or a flow mapping's separating comma. Very long lines (minified JSON) give key: value instead.
func (s *source) text(key, val *yaml.Node) string {
	if val == nil {
		return ""
	}
	l := strings.TrimSpace(s.line(val.Line))
	if key != nil && key.Line != val.Line || len(l) > 160 || l == "" {
		k := ""
		if key != nil {
			k = key.Value + ": "
		}
		v := val.Value
		if val.Kind != yaml.ScalarNode {
			v = "..."
		}
		return k + v
	}
	l = strings.TrimPrefix(l, "- ")
	if key != nil && !strings.HasPrefix(strings.TrimLeft(l, `"'`), key.Value) {
		// A flow mapping ({request: 2m, backendRequest: 90s}): quote only this pair.
		return key.Value + ": " + val.Value
	}
	if val.LineComment != "" {
		if i := strings.LastIndex(l, " #"); i > 0 {
			l = strings.TrimSpace(l[:i])
		}
	}
	if strings.HasSuffix(l, ",") && !strings.HasSuffix(val.Value, ",") {
		// A JSON-style document (minReplicas: 1,): the comma separates keys.
		l = strings.TrimSpace(strings.TrimSuffix(l, ","))
	}
	return l
}
