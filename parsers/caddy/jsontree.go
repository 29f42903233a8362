package caddy

import (
	"encoding/json"
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/no502/no502/parsers"
)

// jsonValue is one value of a JSON document with the byte span it was read from, so the
// model can point each setting at its key and value in the file. encoding/json decodes
// values but forgets where they were; this reader keeps both and nothing else.
type jsonValue struct {
	kind       jsonKind
	start, end int // the value's bytes: src[start:end]
	// str is a string's decoded text, or a number's or literal's text as written.
	str     string
	members []jsonMember // an object's, in file order
	items   []*jsonValue // an array's
}

type jsonKind byte

const (
	jsonObject jsonKind = iota + 1
	jsonArray
	jsonString
	jsonNumber
	jsonBool
	jsonNull
)

// jsonMember is one key of an object and its value; keyStart is the key's opening quote.
type jsonMember struct {
	key      string
	keyStart int
	val      *jsonValue
}

// get returns the value of key in an object (the last one when a key repeats, as
// encoding/json, which Caddy uses, keeps the last), or nil. get on nil is nil, so paths
// chain: v.get("apps").get("http").
func (v *jsonValue) get(key string) *jsonValue {
	if v == nil || v.kind != jsonObject {
		return nil
	}
	for i := len(v.members) - 1; i >= 0; i-- {
		if v.members[i].key == key {
			return v.members[i].val
		}
	}
	return nil
}

// member returns the member named key (the last when it repeats), or nil.
func (v *jsonValue) member(key string) *jsonMember {
	if v == nil || v.kind != jsonObject {
		return nil
	}
	for i := len(v.members) - 1; i >= 0; i-- {
		if v.members[i].key == key {
			return &v.members[i]
		}
	}
	return nil
}

// text returns a string value's text, "" for anything else.
func (v *jsonValue) text() string {
	if v == nil || v.kind != jsonString {
		return ""
	}
	return v.str
}

// strings returns the strings of an array (a lone string counts as one).
func (v *jsonValue) strings() []string {
	if v == nil {
		return nil
	}
	if v.kind == jsonString {
		return []string{v.str}
	}
	var out []string
	for _, it := range v.items {
		if it.kind == jsonString {
			out = append(out, it.str)
		}
	}
	return out
}

// jsonMaxDepth bounds nesting: Caddy configs nest a few dozen levels; a hostile file
// must not exhaust the stack.
const jsonMaxDepth = 1000

// jsonReader is a recursive-descent reader of RFC 8259 JSON that records byte spans.
type jsonReader struct {
	src   []byte
	i     int
	depth int
	err   error
	errAt int
}

// readJSON reads one JSON document. On a syntax error it returns the error and the byte
// offset where reading stopped.
func readJSON(src []byte) (*jsonValue, int, error) {
	r := &jsonReader{src: src}
	r.space()
	v := r.value()
	if r.err == nil {
		r.space()
		if r.i < len(r.src) {
			r.fail("unexpected %q after the top-level value", r.src[r.i])
		}
	}
	if r.err != nil {
		return nil, r.errAt, r.err
	}
	return v, 0, nil
}

func (r *jsonReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf(format, args...)
		r.errAt = min(r.i, len(r.src))
	}
}

func (r *jsonReader) space() {
	for r.i < len(r.src) {
		switch r.src[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

func (r *jsonReader) value() *jsonValue {
	if r.i >= len(r.src) {
		r.fail("unexpected end of JSON")
		return nil
	}
	switch c := r.src[r.i]; {
	case c == '{':
		return r.object()
	case c == '[':
		return r.array()
	case c == '"':
		start := r.i
		s, ok := r.string()
		if !ok {
			return nil
		}
		return &jsonValue{kind: jsonString, start: start, end: r.i, str: s}
	case c == '-' || c >= '0' && c <= '9':
		return r.number()
	default:
		for _, lit := range []struct {
			word string
			kind jsonKind
		}{{"true", jsonBool}, {"false", jsonBool}, {"null", jsonNull}} {
			if len(r.src)-r.i >= len(lit.word) && string(r.src[r.i:r.i+len(lit.word)]) == lit.word {
				v := &jsonValue{kind: lit.kind, start: r.i, end: r.i + len(lit.word), str: lit.word}
				r.i += len(lit.word)
				return v
			}
		}
		r.fail("unexpected %q", c)
		return nil
	}
}

func (r *jsonReader) nest() bool {
	r.depth++
	if r.depth > jsonMaxDepth {
		r.fail("JSON nested more than %d levels", jsonMaxDepth)
		return false
	}
	return true
}

func (r *jsonReader) object() *jsonValue {
	v := &jsonValue{kind: jsonObject, start: r.i}
	if !r.nest() {
		return nil
	}
	defer func() { r.depth-- }()
	r.i++ // {
	r.space()
	if r.i < len(r.src) && r.src[r.i] == '}' {
		r.i++
		v.end = r.i
		return v
	}
	for {
		r.space()
		if r.i >= len(r.src) || r.src[r.i] != '"' {
			r.fail("expected a string key")
			return nil
		}
		keyStart := r.i
		key, ok := r.string()
		if !ok {
			return nil
		}
		r.space()
		if r.i >= len(r.src) || r.src[r.i] != ':' {
			r.fail(`expected ":" after key %q`, key)
			return nil
		}
		r.i++
		r.space()
		val := r.value()
		if r.err != nil {
			return nil
		}
		v.members = append(v.members, jsonMember{key: key, keyStart: keyStart, val: val})
		r.space()
		if r.i < len(r.src) && r.src[r.i] == ',' {
			r.i++
			continue
		}
		if r.i < len(r.src) && r.src[r.i] == '}' {
			r.i++
			v.end = r.i
			return v
		}
		r.fail(`expected "," or "}" in object`)
		return nil
	}
}

func (r *jsonReader) array() *jsonValue {
	v := &jsonValue{kind: jsonArray, start: r.i}
	if !r.nest() {
		return nil
	}
	defer func() { r.depth-- }()
	r.i++ // [
	r.space()
	if r.i < len(r.src) && r.src[r.i] == ']' {
		r.i++
		v.end = r.i
		return v
	}
	for {
		r.space()
		it := r.value()
		if r.err != nil {
			return nil
		}
		v.items = append(v.items, it)
		r.space()
		if r.i < len(r.src) && r.src[r.i] == ',' {
			r.i++
			continue
		}
		if r.i < len(r.src) && r.src[r.i] == ']' {
			r.i++
			v.end = r.i
			return v
		}
		r.fail(`expected "," or "]" in array`)
		return nil
	}
}

// string reads a string literal at r.i; its escapes are decoded by encoding/json.
func (r *jsonReader) string() (string, bool) {
	start := r.i
	r.i++ // opening quote
	escaped := false
	for r.i < len(r.src) {
		c := r.src[r.i]
		switch {
		case c == '\\':
			escaped = true
			r.i += 2
			continue
		case c == '"':
			r.i++
			raw := r.src[start:r.i]
			if !escaped && utf8.Valid(raw) {
				return string(raw[1 : len(raw)-1]), true
			}
			// Escapes, or bytes that are not UTF-8: decoded as Caddy's encoding/json
			// decodes them (invalid bytes become U+FFFD), so a file Caddy loads is read.
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				r.i = start
				r.fail("invalid string: %v", err)
				return "", false
			}
			return s, true
		case c < 0x20:
			r.fail("control character in string")
			return "", false
		}
		r.i++
	}
	r.i = len(r.src)
	r.fail("unterminated string")
	return "", false
}

func (r *jsonReader) number() *jsonValue {
	start := r.i
	for r.i < len(r.src) {
		c := r.src[r.i]
		if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			r.i++
			continue
		}
		break
	}
	text := string(r.src[start:r.i])
	var n json.Number
	if json.Unmarshal(r.src[start:r.i], &n) != nil {
		r.i = start
		r.fail("invalid number %q", text)
		return nil
	}
	return &jsonValue{kind: jsonNumber, start: start, end: r.i, str: text}
}

// lineIndex turns byte offsets of one file into positions.
type lineIndex struct {
	path   string
	src    []byte
	starts []int // byte offset of each line's first byte
}

func newLineIndex(path string, src []byte) *lineIndex {
	li := &lineIndex{path: path, src: src, starts: []int{0}}
	for i, c := range src {
		if c == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

func (li *lineIndex) lineCol(off int) (int, int) {
	off = max(0, min(off, len(li.src)))
	line := sort.Search(len(li.starts), func(i int) bool { return li.starts[i] > off }) - 1
	return line + 1, 1 + utf8.RuneCount(li.src[li.starts[line]:off])
}

// span is the position of src[start:end].
func (li *lineIndex) span(start, end int) parsers.Pos {
	l, c := li.lineCol(start)
	el, ec := li.lineCol(end)
	return parsers.Pos{File: li.path, Line: int32(l), Col: int32(c), Offset: int32(start),
		EndLine: int32(el), EndCol: int32(ec), EndOffset: int32(end)}
}

// list returns an array's items; nil for anything else (and for nil).
func (v *jsonValue) list() []*jsonValue {
	if v == nil || v.kind != jsonArray {
		return nil
	}
	return v.items
}

// fields returns an object's members; nil for anything else (and for nil).
func (v *jsonValue) fields() []jsonMember {
	if v == nil || v.kind != jsonObject {
		return nil
	}
	return v.members
}
