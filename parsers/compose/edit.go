package compose

import (
	"bytes"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// SetScalar returns the edits that give a service's scalar attribute (stop_grace_period,
// stop_signal) the value v: the written value is replaced where it is (the file and line
// whose value Compose uses, an override file's included), and a missing attribute is
// inserted as the first line of the service's mapping in the file that declares the
// service (key: its key's position), at the indentation of that mapping's lines.
//
// It returns nil when the edit cannot be shown to be right: a flow-style service
// ({image: x}), an anchor or merge key on the service line, a value that is not a
// single-line scalar, or a result that does not read back as services.NAME.ATTR == v.
//
// source returns a file's text by its path as positions name it (nil when unknown).
func SetScalar(source func(path string) []byte, service string, key parsers.Pos, attr string, written parsers.Pos, v string) []parsers.Edit {
	var edits []parsers.Edit
	var src []byte
	switch {
	case written.IsValid() && written.EndOffset > written.Offset:
		src = source(written.File)
		if written.EndLine != written.Line || int(written.EndOffset) > len(src) {
			return nil
		}
		edits = []parsers.Edit{{File: written.File, Start: int(written.Offset), End: int(written.EndOffset), New: v}}
	case key.IsValid():
		src = source(key.File)
		if int(key.Offset) >= len(src) {
			return nil
		}
		at, indent, ok := firstChildLine(src, int(key.Offset))
		if !ok {
			return nil
		}
		edits = []parsers.Edit{{File: key.File, Start: at, End: at, New: indent + attr + ": " + v + "\n"}}
	default:
		return nil
	}
	if !readsBack(parsers.ApplyEdits(src, edits), service, attr, v) {
		return nil
	}
	return edits
}

// firstChildLine finds, for the mapping key at off, the offset where a new first entry
// of its value goes (the start of the line after the key) and that entry's indentation
// (its existing entries', or the key's plus two spaces). A key line that holds more than
// the key and a comment (a flow mapping, an anchor, a scalar) has no block to insert into.
func firstChildLine(src []byte, off int) (at int, indent string, ok bool) {
	lineStart := bytes.LastIndexByte(src[:off], '\n') + 1
	keyIndent := off - lineStart
	end := bytes.IndexByte(src[off:], '\n')
	if end < 0 {
		return 0, "", false
	}
	line := src[off : off+end]
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return 0, "", false
	}
	rest := bytes.TrimSpace(line[colon+1:])
	if len(rest) > 0 && rest[0] != '#' {
		return 0, "", false
	}
	at = off + end + 1
	indent = string(bytes.Repeat([]byte(" "), keyIndent+2))
	// The existing entries' indentation, from the next line with content.
	for i := at; i < len(src); {
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			j = len(src) - i
		}
		l := src[i : i+j]
		t := bytes.TrimLeft(l, " ")
		if len(t) > 0 && t[0] != '#' && t[0] != '\r' {
			if n := len(l) - len(t); n > keyIndent {
				indent = string(l[:n])
			}
			break
		}
		i += j + 1
	}
	if bytes.Contains([]byte(indent), []byte("\t")) {
		return 0, "", false
	}
	return at, indent, true
}

// readsBack reports whether src reads as a compose file whose services.name.attr is the
// scalar v.
func readsBack(src []byte, name, attr, v string) bool {
	var doc struct {
		Services map[string]map[string]any `yaml:"services"`
	}
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return false
	}
	got, ok := doc.Services[name][attr]
	if !ok {
		return false
	}
	s, ok := got.(string)
	return ok && s == v
}
