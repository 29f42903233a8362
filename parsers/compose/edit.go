package compose

import (
	"bytes"
	"regexp"
	"strings"
	"unicode/utf8"

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
		switch owner, svcKey := writtenIn(src, written, service); {
		case owner == service:
			if def := envDefault(string(src[written.Offset:written.EndOffset]), v); def != "" {
				v = def
			}
			edits = []parsers.Edit{{File: written.File, Start: int(written.Offset), End: int(written.EndOffset), New: v}}
		case owner == "" && svcKey >= 0:
			// The value comes from an anchor (x-common: &common, merged with <<: *common),
			// which other services may share: changing it there would change them too.
			// A key written in the service's own mapping wins over a merged one (YAML
			// merge keys; compose-go reads them so), so the fix overrides it there.
			at, indent, ok := firstChildLine(src, svcKey)
			if !ok {
				return nil
			}
			edits = []parsers.Edit{{File: written.File, Start: at, End: at, New: indent + attr + ": " + v + "\n"}}
		default:
			// Written in another service's mapping (extends), or not found: changing
			// it there may change that service too.
			return nil
		}
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
	if !readsBack(parsers.ApplyEdits(src, edits), service, attr, strings.Trim(v, `"'`)) {
		return nil
	}
	return edits
}

// writtenIn finds where the value at pos is written in src: owner is the service whose
// own mapping holds it as a key's value ("" when it is elsewhere: an anchored mapping
// merged into services, an alias), and svcKey the offset of service's key in the
// services mapping of this file (-1 when the file has none, or it is not a plain key).
func writtenIn(src []byte, pos parsers.Pos, service string) (owner string, svcKey int) {
	svcKey = -1
	var doc yaml.Node
	if yaml.Unmarshal(src, &doc) != nil || len(doc.Content) != 1 {
		return "", -1
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return "", -1
	}
	var services *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "services" {
			services = root.Content[i+1]
		}
	}
	if services == nil || services.Kind != yaml.MappingNode {
		return "", -1
	}
	for i := 0; i+1 < len(services.Content); i += 2 {
		k, m := services.Content[i], services.Content[i+1]
		if k.Value == service && k.Kind == yaml.ScalarNode && m.Kind == yaml.MappingNode && m.Style&yaml.FlowStyle == 0 {
			svcKey = offsetOf(src, k.Line, k.Column)
		}
		if m.Kind != yaml.MappingNode {
			continue // an alias: its values are written elsewhere
		}
		for j := 0; j+1 < len(m.Content); j += 2 {
			if v := m.Content[j+1]; v.Line == int(pos.Line) && v.Column == int(pos.Col) {
				owner = k.Value
			}
		}
	}
	return owner, svcKey
}

// offsetOf is the byte offset of a 1-based line and column (columns count runes, as
// yaml.v3 counts them), or -1.
func offsetOf(src []byte, line, col int) int {
	off := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(src[off:], '\n')
		if i < 0 {
			return -1
		}
		off += i + 1
	}
	for c := 1; c < col; c++ {
		if off >= len(src) || src[off] == '\n' {
			return -1
		}
		_, n := utf8.DecodeRune(src[off:])
		off += n
	}
	return off
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

// envDefaultRe matches a value that is one variable with a plain default:
// ${NAME:-default} or ${NAME-default}.
var envDefaultRe = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)(:?-)([^${}"'\s]*)\}$`)

// envDefault returns written, a value of the form ${NAME:-default}, with v as its
// default ("" when written is not of that form): the model read the default (the
// variable is not set in .env), and a deployment whose shell sets the variable keeps its
// own value, as before the fix. Writing v alone would take that override away.
func envDefault(written, v string) string {
	q := ""
	if n := len(written); n >= 2 && (written[0] == '"' || written[0] == '\'') && written[n-1] == written[0] {
		q, written = written[:1], written[1:n-1]
	}
	m := envDefaultRe.FindStringSubmatch(written)
	if m == nil {
		return ""
	}
	return q + "${" + m[1] + m[2] + v + "}" + q
}
