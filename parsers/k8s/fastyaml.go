package k8s

import (
	"bytes"
	"strings"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// fastDecode parses the block-style YAML that Kubernetes manifests are almost always
// written in (mappings, sequences, plain and quoted one-line scalars, literal block
// scalars, one-line flow collections, comments) straight into yaml.Node trees, about
// three times faster than yaml.v3's general parser, which dominated lint time.
//
// It is deliberately partial: on anything outside that subset (non-ASCII text, anchors,
// aliases, tags,
// folded or multi-line scalars, directives, tabs in indentation, syntax errors) it
// returns ok=false and the caller decodes the file with yaml.v3, which then also reports
// any error. Where it returns ok=true, its trees equal yaml.v3's in every field the k8s
// reader uses (Kind, Tag, Style, Value, Line, Column, Content, LineComment);
// TestFastYAMLMatchesYAMLv3 and FuzzFastYAML check that against yaml.v3 itself.
//
// a carries buffers from one file to the next (nil for fresh ones).
func fastDecode(src []byte, a *fastArena) (docs []*yaml.Node, ok bool) {
	// Plain ASCII text without tabs only: tabs (whose meaning depends on where they
	// sit), control characters, byte-order marks and the Unicode characters YAML forbids
	// are yaml.v3's to judge.
	for _, c := range src {
		if c >= 0x7f || (c < 0x20 && c != '\n') {
			return nil, false
		}
	}
	if a == nil {
		a = &fastArena{}
	}
	p := &fastParser{src: src, fastArena: a}
	p.splitLines()
	if p.fail {
		return nil, false
	}
	for p.i < len(p.lines) {
		// A document: skip to its first content line.
		p.skipBlank()
		if p.i >= len(p.lines) {
			break
		}
		l := p.lines[p.i]
		if l.isMarker("---") {
			if strings.TrimSpace(l.rest(3)) != "" && !strings.HasPrefix(strings.TrimSpace(l.rest(3)), "#") {
				return nil, false // content on the marker line
			}
			p.i++
			continue
		}
		if l.isMarker("...") || l.text()[0] == '%' {
			return nil, false
		}
		if l.indent != 0 {
			return nil, false
		}
		root := p.block(0)
		if p.fail {
			return nil, false
		}
		docs = append(docs, &yaml.Node{Kind: yaml.DocumentNode, Line: root.Line, Column: root.Column, Content: []*yaml.Node{root}})
		p.skipBlank()
		if p.i < len(p.lines) && !p.lines[p.i].isMarker("---") {
			return nil, false // content after the root at column 1 that is not a new document
		}
	}
	return docs, true
}

// fastLine is one source line.
type fastLine struct {
	src    []byte // the line without its newline
	num    int    // 1-based
	indent int    // leading spaces
	blank  bool   // empty or only a comment
}

func (l fastLine) text() string { return string(l.src[l.indent:]) }

func (l fastLine) rest(from int) string {
	if from > len(l.src) {
		return ""
	}
	return string(l.src[from:])
}

func (l fastLine) isMarker(m string) bool {
	return l.indent == 0 && bytes.HasPrefix(l.src, []byte(m)) && (len(l.src) == 3 || l.src[3] == ' ' || l.src[3] == '\t')
}

type fastParser struct {
	src  []byte
	i    int
	fail bool
	*fastArena
}

// fastArena is what decoding one file leaves for the next: a run reads thousands of
// small manifests, and allocating these afresh for each was a third of the parser's
// allocations.
type fastArena struct {
	lines []fastLine
	// slab hands out nodes from chunks: one allocation per 128 nodes instead of one each.
	slab []yaml.Node
	// keys interns mapping keys, which repeat in every manifest (name, image, ports).
	keys map[string]string
}

// node returns a new node holding n's fields.
func (p *fastParser) node(n yaml.Node) *yaml.Node {
	if len(p.slab) == 0 {
		p.slab = make([]yaml.Node, 128)
	}
	out := &p.slab[0]
	p.slab = p.slab[1:]
	*out = n
	return out
}

// intern returns a shared copy of a key's text.
func (p *fastParser) intern(b []byte) string {
	if s, ok := p.keys[string(b)]; ok {
		return s
	}
	if p.keys == nil {
		p.keys = map[string]string{}
	}
	s := string(b)
	p.keys[s] = s
	return s
}

func (p *fastParser) splitLines() {
	if n := bytes.Count(p.src, []byte("\n")) + 1; cap(p.lines) < n {
		p.lines = make([]fastLine, 0, n)
	}
	p.lines = p.lines[:0]
	n := 1
	for off := 0; off <= len(p.src); {
		end := bytes.IndexByte(p.src[off:], '\n')
		if end < 0 {
			end = len(p.src)
		} else {
			end += off
		}
		line := p.src[off:end]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			p.fail = true // CRLF: leave it to yaml.v3
		}
		ind := 0
		for ind < len(line) && line[ind] == ' ' {
			ind++
		}
		if ind < len(line) && line[ind] == '\t' {
			p.fail = true
		}
		blank := ind == len(line) || line[ind] == '#'
		p.lines = append(p.lines, fastLine{src: line, num: n, indent: ind, blank: blank})
		n++
		// A final newline ends the last line; it does not start another.
		if end == len(p.src) || end+1 == len(p.src) {
			break
		}
		off = end + 1
	}
	if p.fail {
		p.lines = nil
	}
}

func (p *fastParser) skipBlank() {
	for p.i < len(p.lines) && p.lines[p.i].blank {
		p.i++
	}
}

// col converts a byte index in a line into yaml.v3's 1-based column, counting runes.
func col(l fastLine, byteIdx int) int {
	return utf8.RuneCount(l.src[:byteIdx]) + 1
}

// block parses the block node starting at the current line, whose indentation is ind.
func (p *fastParser) block(ind int) *yaml.Node {
	l := p.lines[p.i]
	t := l.src[l.indent:]
	if t[0] == '-' && (len(t) == 1 || t[1] == ' ') {
		return p.sequence(l.indent)
	}
	if _, ok := splitKey(t); ok {
		return p.mapping(l.indent, l.indent)
	}
	p.fail = true // a bare scalar document or a multi-line scalar
	return &yaml.Node{}
}

// splitKey finds the end of a mapping key on a line: the index of its colon.
func splitKey(t []byte) (int, bool) {
	if len(t) == 0 {
		return 0, false
	}
	switch t[0] {
	case '"', '\'':
		q := t[0]
		for i := 1; i < len(t); i++ {
			if t[i] == '\\' && q == '"' {
				i++
				continue
			}
			if t[i] == q {
				if q == '\'' && i+1 < len(t) && t[i+1] == '\'' {
					i++
					continue
				}
				if i+1 < len(t) && t[i+1] == ':' && (i+2 == len(t) || t[i+2] == ' ') {
					return i + 1, true
				}
				return 0, false
			}
		}
		return 0, false
	case '?', '&', '*', '!', '|', '>', '%', '@', '`', '[', ']', '{', '}', '#', ',', '-', ':':
		return 0, false
	}
	for i := 0; i < len(t); i++ {
		switch t[i] {
		case ':':
			if i+1 == len(t) || t[i+1] == ' ' {
				return i, true
			}
		case '#':
			if i > 0 && t[i-1] == ' ' {
				return 0, false
			}
		}
	}
	return 0, false
}

// mapping parses a block mapping whose keys sit at column ind (0-based byte index);
// first is the byte index of the first key on the current line (for a mapping that
// starts after "- ").
func (p *fastParser) mapping(ind, first int) *yaml.Node {
	m := p.node(yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"})
	start := first
	for !p.fail {
		l := p.lines[p.i]
		t := l.src[start:]
		colon, ok := splitKey(t)
		if !ok || colon > 1000 {
			// YAML limits implicit keys to 1024 characters.
			p.fail = true
			break
		}
		key := p.keyNode(l, start, colon)
		if m.Line == 0 {
			m.Line, m.Column = key.Line, key.Column
		}
		val := p.value(l, start+colon+1, ind, key)
		m.Content = append(m.Content, key, val)
		if p.fail {
			break
		}
		// The next key must sit at column ind.
		p.skipBlank()
		if p.i >= len(p.lines) {
			break
		}
		n := p.lines[p.i]
		if n.indent < ind || n.isMarker("---") {
			break
		}
		if n.indent > ind {
			p.fail = true
			break
		}
		if t := n.src[n.indent:]; t[0] == '-' && (len(t) == 1 || t[1] == ' ') {
			break // a sequence at the parent's indentation: the parent handles it
		}
		start = ind
	}
	return m
}

func (p *fastParser) keyNode(l fastLine, start, colon int) *yaml.Node {
	raw := l.src[start : start+colon]
	k := p.node(yaml.Node{Kind: yaml.ScalarNode, Line: l.num, Column: col(l, start)})
	switch raw[0] {
	case '"', '\'':
		v, ok := unquote(raw)
		if !ok {
			p.fail = true
		}
		k.Value, k.Tag = v, "!!str"
		if raw[0] == '"' {
			k.Style = yaml.DoubleQuotedStyle
		} else {
			k.Style = yaml.SingleQuotedStyle
		}
	default:
		k.Value = p.intern(bytes.TrimRight(raw, " "))
		k.Tag = p.resolve(k.Value)
	}
	return k
}

// value parses what follows a key's colon at byte index at of line l (or what follows
// "- " in a sequence). parentInd is the indentation of the mapping or sequence holding
// it; key, when set, receives a line comment that follows a colon with nothing after it.
func (p *fastParser) value(l fastLine, at, parentInd int, key *yaml.Node) *yaml.Node {
	i := at
	for i < len(l.src) && l.src[i] == ' ' {
		i++
	}
	if i == len(l.src) || l.src[i] == '#' {
		if i < len(l.src) {
			if key == nil {
				p.fail = true // a comment after a bare "-": leave it to yaml.v3
				return &yaml.Node{}
			}
			key.LineComment = string(l.src[i:])
		}
		p.i++
		p.skipBlank()
		if p.i < len(p.lines) {
			n := p.lines[p.i]
			t := n.src[n.indent:]
			isSeq := t[0] == '-' && (len(t) == 1 || t[1] == ' ')
			if n.indent > parentInd || (key != nil && n.indent == parentInd && isSeq) {
				if n.isMarker("---") {
					return p.nullAt(l, at)
				}
				return p.block(n.indent)
			}
		}
		return p.nullAt(l, at)
	}
	c := l.src[i]
	switch c {
	case '&', '*', '!', '%', '@', '`', '?', '>', ',', ']', '}':
		p.fail = true
		return &yaml.Node{}
	case '|':
		return p.literal(l, i, parentInd)
	case '[', '{':
		n, end, ok := p.flow(l, i)
		if !ok {
			p.fail = true
			return &yaml.Node{}
		}
		p.trailing(l, end, n)
		p.i++
		return n
	case '"', '\'':
		end := quotedEnd(l.src, i)
		if end < 0 {
			p.fail = true // multi-line quoted scalar
			return &yaml.Node{}
		}
		v, ok := unquote(l.src[i:end])
		if !ok {
			p.fail = true
			return &yaml.Node{}
		}
		n := p.node(yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Line: l.num, Column: col(l, i)})
		if c == '"' {
			n.Style = yaml.DoubleQuotedStyle
		} else {
			n.Style = yaml.SingleQuotedStyle
		}
		p.trailing(l, end, n)
		p.i++
		return n
	case '-':
		if i+1 == len(l.src) || l.src[i+1] == ' ' {
			if key == nil {
				p.fail = true // "- - x": nested inline sequences
				return &yaml.Node{}
			}
			p.fail = true // "key: - x" is not valid YAML
			return &yaml.Node{}
		}
	case ':':
		if i+1 == len(l.src) || l.src[i+1] == ' ' {
			p.fail = true
			return &yaml.Node{}
		}
	}
	if key == nil {
		// A sequence item: "- key: value" starts a mapping at the key's column.
		if _, ok := splitKey(l.src[i:]); ok {
			return p.mapping(i, i)
		}
	}
	// A plain scalar: to the end of the line or a " #" comment.
	end := len(l.src)
	comment := -1
	for j := i; j < len(l.src); j++ {
		if l.src[j] == '#' && l.src[j-1] == ' ' {
			end, comment = j, j
			break
		}
		if l.src[j] == ':' && (j+1 == len(l.src) || l.src[j+1] == ' ') {
			p.fail = true // "a: b: c"
			return &yaml.Node{}
		}
	}
	v := strings.TrimRight(string(l.src[i:end]), " ")
	n := p.node(yaml.Node{Kind: yaml.ScalarNode, Value: v, Line: l.num, Column: col(l, i), Tag: p.resolve(v)})
	if comment >= 0 {
		n.LineComment = string(l.src[comment:])
	}
	p.i++
	// A more indented line that follows continues a multi-line plain scalar.
	save := p.i
	p.skipBlank()
	if p.i < len(p.lines) && p.lines[p.i].indent > parentInd && !p.lines[p.i].isMarker("---") {
		p.fail = true
	}
	p.i = save
	return n
}

func (p *fastParser) nullAt(l fastLine, at int) *yaml.Node {
	return p.node(yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: l.num, Column: col(l, at)})
}

// trailing checks what follows a value on its line: nothing, or a comment.
func (p *fastParser) trailing(l fastLine, end int, n *yaml.Node) {
	j := end
	for j < len(l.src) && l.src[j] == ' ' {
		j++
	}
	if j == len(l.src) {
		return
	}
	if l.src[j] == '#' && j > end {
		n.LineComment = string(l.src[j:])
		return
	}
	p.fail = true
}

// sequence parses a block sequence whose dashes sit at column ind.
func (p *fastParser) sequence(ind int) *yaml.Node {
	s := p.node(yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"})
	for !p.fail {
		l := p.lines[p.i]
		if s.Line == 0 {
			s.Line, s.Column = l.num, col(l, ind)
		}
		item := p.value(l, ind+1, ind, nil)
		s.Content = append(s.Content, item)
		if p.fail {
			break
		}
		p.skipBlank()
		if p.i >= len(p.lines) {
			break
		}
		n := p.lines[p.i]
		if n.indent < ind || n.isMarker("---") {
			break
		}
		t := n.src[n.indent:]
		if n.indent > ind || t[0] != '-' || !(len(t) == 1 || t[1] == ' ') {
			if n.indent == ind {
				break // a key of the parent mapping (an indentless sequence ended)
			}
			p.fail = true
			break
		}
	}
	return s
}

// literal parses a "|" block scalar whose indicator is at byte i of line l.
func (p *fastParser) literal(l fastLine, i, parentInd int) *yaml.Node {
	head := strings.TrimRight(string(l.src[i+1:]), " ")
	chomp := byte(0)
	if head != "" && (head[0] == '-' || head[0] == '+') {
		chomp, head = head[0], head[1:]
	}
	if strings.TrimSpace(head) != "" {
		p.fail = true // indentation indicators and comments after the indicator
		return &yaml.Node{}
	}
	n := p.node(yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Style: yaml.LiteralStyle, Line: l.num, Column: col(l, i)})
	p.i++
	// The content's indentation is that of its first non-empty line.
	ind := -1
	var b strings.Builder
	last, lastContent, leading := p.i, -1, 0
	for j := p.i; j < len(p.lines); j++ {
		ln := p.lines[j]
		empty := ln.indent == len(ln.src)
		if ind < 0 {
			if empty {
				leading = max(leading, len(ln.src))
				continue
			}
			if ln.indent <= parentInd {
				break
			}
			ind = ln.indent
			if leading > ind {
				p.fail = true // a leading empty line indented deeper than the content
				return n
			}
		}
		if !empty && ln.indent < ind {
			break
		}
		if empty && len(ln.src) > ind {
			p.fail = true // spaces beyond the indentation on an empty line
			return n
		}
		last = j + 1
		if !empty {
			lastContent = j
		}
	}
	if ind < 0 {
		p.fail = true // an empty block scalar: rare, leave it to yaml.v3
		return n
	}
	for j := p.i; j < last; j++ {
		ln := p.lines[j]
		if ln.indent < len(ln.src) {
			b.Write(ln.src[ind:])
		}
		b.WriteByte('\n')
	}
	v := b.String()
	// Trailing empty lines belong to the scalar only under "+"; the last line break is
	// kept under the default "clip" and dropped under "-".
	trimmed := strings.TrimRight(v, "\n")
	switch chomp {
	case '-':
		v = trimmed
	case '+':
		// keep everything, including empty lines after the content
		for j := last; j < len(p.lines) && p.lines[j].indent == len(p.lines[j].src); j++ {
			v += "\n"
			last = j + 1
		}
	default:
		v = trimmed + "\n"
	}
	if chomp == '+' && last == len(p.lines) && !bytes.HasSuffix(p.src, []byte("\n")) {
		p.fail = true // kept line breaks at the end of a file without a final newline
		return n
	}
	if lastContent == len(p.lines)-1 && !bytes.HasSuffix(p.src, []byte("\n")) {
		// The scalar runs to the end of a file without a final newline: there is no
		// line break to keep.
		if chomp == '+' {
			p.fail = true
			return n
		}
		v = trimmed
	}
	n.Value = v
	p.i = last
	return n
}

// flow parses a one-line flow collection starting at byte i of line l; it returns the
// node and the byte index after it.
func (p *fastParser) flow(l fastLine, i int) (*yaml.Node, int, bool) {
	open := l.src[i]
	n := p.node(yaml.Node{Style: yaml.FlowStyle, Line: l.num, Column: col(l, i)})
	closer := byte(']')
	if open == '[' {
		n.Kind, n.Tag = yaml.SequenceNode, "!!seq"
	} else {
		n.Kind, n.Tag, closer = yaml.MappingNode, "!!map", '}'
	}
	j := i + 1
	skip := func() {
		for j < len(l.src) && l.src[j] == ' ' {
			j++
		}
	}
	// scalar reads one flow scalar (plain or quoted) at j.
	scalar := func(isKey bool) (*yaml.Node, bool) {
		skip()
		if j >= len(l.src) {
			return nil, false
		}
		c := l.src[j]
		if c == '"' || c == '\'' {
			end := quotedEnd(l.src, j)
			if end < 0 {
				return nil, false
			}
			v, ok := unquote(l.src[j:end])
			if !ok {
				return nil, false
			}
			s := p.node(yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v, Line: l.num, Column: col(l, j)})
			if c == '"' {
				s.Style = yaml.DoubleQuotedStyle
			} else {
				s.Style = yaml.SingleQuotedStyle
			}
			j = end
			return s, true
		}
		if strings.IndexByte("[]{},:#&*!|>%@`?-", c) >= 0 {
			return nil, false
		}
		k := j
		for k < len(l.src) && strings.IndexByte(",[]{}#", l.src[k]) < 0 {
			if l.src[k] == ':' && (k+1 == len(l.src) || strings.IndexByte(" ,[]{}", l.src[k+1]) >= 0) {
				break
			}
			k++
		}
		if k < len(l.src) && l.src[k] == '#' {
			return nil, false
		}
		v := strings.TrimRight(string(l.src[j:k]), " ")
		for _, r := range []byte(v) {
			// libyaml's flow scanner has quirks around indicators; plain words only.
			if !flowSafe(r) {
				return nil, false
			}
		}
		s := p.node(yaml.Node{Kind: yaml.ScalarNode, Value: v, Line: l.num, Column: col(l, j), Tag: p.resolve(v)})
		j = k
		return s, true
	}
	skip()
	if j < len(l.src) && l.src[j] == closer {
		return n, j + 1, true
	}
	for {
		if n.Kind == yaml.SequenceNode {
			skip()
			if j < len(l.src) && (l.src[j] == '[' || l.src[j] == '{') {
				return nil, 0, false
			}
			s, ok := scalar(false)
			if !ok || s.Value == "" && s.Style == 0 {
				return nil, 0, false
			}
			n.Content = append(n.Content, s)
		} else {
			k, ok := scalar(true)
			if !ok || k.Value == "" && k.Style == 0 {
				return nil, 0, false
			}
			skip()
			if j >= len(l.src) || l.src[j] != ':' {
				return nil, 0, false
			}
			j++
			skip()
			if j < len(l.src) && (l.src[j] == '[' || l.src[j] == '{' || l.src[j] == ',' || l.src[j] == '}') {
				return nil, 0, false
			}
			v, ok := scalar(false)
			if !ok || v.Value == "" && v.Style == 0 {
				return nil, 0, false
			}
			n.Content = append(n.Content, k, v)
		}
		skip()
		if j >= len(l.src) {
			return nil, 0, false
		}
		switch l.src[j] {
		case ',':
			j++
			skip()
			if j < len(l.src) && l.src[j] == closer {
				return nil, 0, false // a trailing comma: leave it to yaml.v3
			}
		case closer:
			return n, j + 1, true
		default:
			return nil, 0, false
		}
	}
}

// quotedEnd returns the index after the closing quote of the scalar at i, or -1 when it
// does not close on this line.
func quotedEnd(line []byte, i int) int {
	q := line[i]
	for j := i + 1; j < len(line); j++ {
		if line[j] == '\\' && q == '"' {
			j++
			continue
		}
		if line[j] == q {
			if q == '\'' && j+1 < len(line) && line[j+1] == '\'' {
				j++
				continue
			}
			return j + 1
		}
	}
	return -1
}

// unquote decodes a one-line quoted scalar, quotes included. Escapes beyond the common
// ones are left to yaml.v3.
func unquote(raw []byte) (string, bool) {
	if len(raw) < 2 {
		return "", false
	}
	body := raw[1 : len(raw)-1]
	if raw[0] == '\'' {
		return strings.ReplaceAll(string(body), "''", "'"), true
	}
	if bytes.IndexByte(body, '\\') < 0 {
		return string(body), true
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(body) {
			return "", false
		}
		switch body[i] {
		case '\\':
			b.WriteByte('\\')
		case '"':
			b.WriteByte('"')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0':
			b.WriteByte(0)
		default:
			return "", false
		}
	}
	return b.String(), true
}

// resolve gives a plain scalar the tag yaml.v3 would. Words are strings unless they are
// one of YAML's null or boolean spellings; anything that may be a number or a timestamp
// is resolved by yaml.v3 itself, once per distinct spelling.
func (p *fastParser) resolve(v string) string {
	if v == "" {
		return "!!null"
	}
	switch v {
	case "~", "null", "Null", "NULL":
		return "!!null"
	case "true", "True", "TRUE", "false", "False", "FALSE":
		return "!!bool"
	case "<<":
		p.fail = true // merge keys
		return ""
	}
	c := v[0]
	if c == '+' || c == '-' || c == '.' || (c >= '0' && c <= '9') {
		return resolveByYAML(v)
	}
	return "!!str"
}

var (
	tagCacheMu sync.Mutex
	tagCache   = map[string]string{}
)

// resolveByYAML asks yaml.v3 for the tag of a plain scalar that looks numeric. Ports,
// replica counts and seconds repeat across manifests, so a small cache answers most.
func resolveByYAML(v string) string {
	tagCacheMu.Lock()
	t, ok := tagCache[v]
	tagCacheMu.Unlock()
	if ok {
		return t
	}
	var n yaml.Node
	t = "!!str"
	if err := yaml.Unmarshal([]byte("x: "+v), &n); err == nil && len(n.Content) == 1 && len(n.Content[0].Content) == 2 && n.Content[0].Content[1].Value == v {
		t = n.Content[0].Content[1].Tag
	}
	tagCacheMu.Lock()
	if len(tagCache) < 10000 {
		tagCache[v] = t
	}
	tagCacheMu.Unlock()
	return t
}

func flowSafe(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(" ._/=+-", c) >= 0
}
