package compose

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// kind is the shape of a value in a compose tree.
type kind uint8

const (
	nullKind kind = iota
	scalarKind
	seqKind
	mapKind
)

// value is one node of a compose file after alias and merge-key resolution and
// interpolation, remembering where it was written. Merging files combines values; each
// keeps its own position, so the merged model still says which file and line set what.
type value struct {
	kind kind
	// s is the interpolated scalar; when unknown is set it is the text as written.
	s string
	// tag is the YAML tag the scalar resolved to as written (!!str, !!int, !!bool...).
	tag string
	// unknown: the scalar uses a variable that is not set (see interpolate).
	unknown bool
	// via lists the .env lines of the variables the scalar used.
	via  []parsers.Pos
	pos  parsers.Pos
	text string
	// dir is the directory relative paths in this value resolve against: the project
	// directory for the files given, the file's own directory for an extends or include
	// target (as docker compose does).
	dir string

	keys  []*value // mapping keys (scalars), parallel to vals
	vals  []*value
	items []*value

	reset    bool // tagged !reset: removes the attribute from earlier files
	override bool // tagged !override: replaces it without merging
}

func (v *value) isNull() bool { return v == nil || v.kind == nullKind }

// get returns the value of key in a mapping, or nil.
func (v *value) get(key string) *value {
	if v == nil || v.kind != mapKind {
		return nil
	}
	for i, k := range v.keys {
		if k.s == key {
			if v.vals[i].reset {
				return nil // a !reset left in a file read alone
			}
			return v.vals[i]
		}
	}
	return nil
}

// keyOf returns the key node of key in a mapping, or nil.
func (v *value) keyOf(key string) *value {
	if v == nil || v.kind != mapKind {
		return nil
	}
	for _, k := range v.keys {
		if k.s == key {
			return k
		}
	}
	return nil
}

// set replaces or appends key in a mapping.
func (v *value) set(key *value, val *value) {
	for i, k := range v.keys {
		if k.s == key.s {
			v.vals[i] = val
			return
		}
	}
	v.keys = append(v.keys, key)
	v.vals = append(v.vals, val)
}

// del removes key from a mapping.
func (v *value) del(key string) {
	for i, k := range v.keys {
		if k.s == key {
			v.keys = append(v.keys[:i:i], v.keys[i+1:]...)
			v.vals = append(v.vals[:i:i], v.vals[i+1:]...)
			return
		}
	}
}

// shallow copies a container so that merging never changes a tree another service
// (an extends base, a YAML anchor) still shares.
func (v *value) shallow() *value {
	c := *v
	c.keys = append([]*value(nil), v.keys...)
	c.vals = append([]*value(nil), v.vals...)
	c.items = append([]*value(nil), v.items...)
	return &c
}

// equal reports whether two values are the same configuration (positions aside).
func equal(a, b *value) bool {
	if a.isNull() || b.isNull() {
		return a.isNull() == b.isNull()
	}
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case scalarKind:
		return a.s == b.s && a.unknown == b.unknown
	case seqKind:
		if len(a.items) != len(b.items) {
			return false
		}
		for i := range a.items {
			if !equal(a.items[i], b.items[i]) {
				return false
			}
		}
		return true
	}
	if len(a.keys) != len(b.keys) {
		return false
	}
	for i, k := range a.keys {
		if !equal(a.vals[i], b.get(k.s)) || b.keyOf(k.s) == nil {
			return false
		}
	}
	return true
}

// builder converts the YAML nodes of one file into values.
type builder struct {
	src   *source
	env   *environment
	diags *[]parsers.Diag
	// budget bounds the nodes one file may expand to: aliases are expanded, so a
	// billion-laughs document would otherwise take exponential time and memory.
	budget   int
	maxDepth int
	failed   bool
}

// maxNodes is the most values one file may expand into (aliases included). Real compose
// files have a few thousand.
const maxNodes = 200000

func (b *builder) errorf(n *yaml.Node, format string, args ...any) {
	*b.diags = append(*b.diags, parsers.Errorf(b.src.pos(n), format, args...))
}

// convert turns a node into a value. key/keyLine name the mapping key the node is the
// value of, for Setting.Text.
func (b *builder) convert(n *yaml.Node, key string, keyLine, depth int) *value {
	if n == nil || b.failed {
		return nil
	}
	b.budget--
	if b.budget < 0 {
		b.failed = true
		b.errorf(n, "the file expands to more than %d values (YAML aliases); not read further", maxNodes)
		return nil
	}
	if depth > b.maxDepth {
		b.failed = true
		b.errorf(n, "nesting deeper than %s; not read further", parsers.Plural(b.maxDepth, "level", "levels"))
		return nil
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil
		}
		return b.convert(n.Content[0], key, keyLine, depth)
	}
	tagged := n
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return nil
		}
		// The alias's own tag (!reset *x) is not allowed by YAML; the anchor's applies.
		n = n.Alias
		tagged = n
	}
	v := &value{pos: b.src.pos(n), dir: b.src.dir}
	switch tagged.Tag {
	case "!reset":
		v.reset = true
	case "!override":
		v.override = true
	}
	switch n.Kind {
	case yaml.ScalarNode:
		v.text = b.src.text(key, keyLine, n)
		tag := n.ShortTag()
		if v.reset || v.override {
			// A custom tag hides the scalar's own type: resolve it as if untagged.
			c := *n
			c.Tag = ""
			tag = c.ShortTag()
		}
		if tag == "!!null" {
			v.kind = nullKind
			return v
		}
		v.kind, v.tag, v.s = scalarKind, tag, n.Value
		if tag == "!!str" || n.Style == 0 {
			b.env.interpolate(v)
		}
		return v
	case yaml.SequenceNode:
		v.kind = seqKind
		v.text = b.src.text(key, keyLine, n)
		for _, c := range n.Content {
			if cv := b.convert(c, "", 0, depth+1); cv != nil {
				v.items = append(v.items, cv)
			} else if !b.failed {
				v.items = append(v.items, &value{pos: b.src.pos(c), dir: b.src.dir})
			}
		}
		return v
	case yaml.MappingNode:
		v.kind = mapKind
		v.text = b.src.text(key, keyLine, n)
		b.mapping(v, n, depth)
		return v
	}
	return nil
}

// mapping fills v with the pairs of n. Merge keys (<<) are resolved as YAML 1.1 says:
// keys written in the mapping win over merged ones, and of several merged mappings the
// first wins.
func (b *builder) mapping(v *value, n *yaml.Node, depth int) {
	var merged []*value
	// seen indexes the keys: a hostile mapping may have a hundred thousand of them.
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], n.Content[i+1]
		if kn.Kind == yaml.AliasNode && kn.Alias != nil {
			kn = kn.Alias
		}
		if kn.Kind != yaml.ScalarNode {
			b.errorf(kn, "a mapping key must be a string")
			continue
		}
		if kn.ShortTag() == "!!merge" || kn.Value == "<<" && kn.Style == 0 {
			src := vn
			if src.Kind == yaml.AliasNode && src.Alias != nil {
				src = src.Alias
			}
			var parts []*yaml.Node
			if src.Kind == yaml.SequenceNode {
				parts = src.Content
			} else {
				parts = []*yaml.Node{vn}
			}
			for _, p := range parts {
				if m := b.convert(p, "", 0, depth+1); m != nil && m.kind == mapKind {
					merged = append(merged, m)
				} else if m != nil && !b.failed {
					b.errorf(p, "a merge key (<<) takes a mapping or a list of mappings")
				}
			}
			continue
		}
		k := &value{kind: scalarKind, s: kn.Value, tag: "!!str", pos: b.src.pos(kn), dir: b.src.dir}
		k.text = kn.Value
		if j, dup := seen[k.s]; dup {
			b.errorf(kn, "mapping key %q already defined at line %d", kn.Value, v.keys[j].pos.Line)
			continue
		}
		seen[k.s] = len(v.keys)
		val := b.convert(vn, kn.Value, kn.Line, depth+1)
		if val == nil {
			if b.failed {
				return
			}
			val = &value{pos: b.src.pos(vn), dir: b.src.dir}
		}
		v.keys = append(v.keys, k)
		v.vals = append(v.vals, val)
	}
	for _, m := range merged {
		for i, k := range m.keys {
			if _, ok := seen[k.s]; !ok {
				seen[k.s] = len(v.keys)
				v.keys = append(v.keys, k)
				v.vals = append(v.vals, m.vals[i])
			}
		}
	}
}

// str is a scalar's string; "" for anything else.
func (v *value) str() string {
	if v == nil || v.kind != scalarKind {
		return ""
	}
	return v.s
}

// describe names a value's shape for messages.
func (v *value) describe() string {
	switch {
	case v.isNull():
		return "null"
	case v.kind == scalarKind:
		return fmt.Sprintf("%q", v.s)
	case v.kind == seqKind:
		return "a list"
	}
	return "a mapping"
}

// splitKV splits "KEY=VALUE" (environment, labels in list form).
func splitKV(s string) (key, val string, hasVal bool) {
	key, val, hasVal = strings.Cut(s, "=")
	return key, val, hasVal
}
