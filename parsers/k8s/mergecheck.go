package k8s

import (
	"go.yaml.in/yaml/v3"
)

// The check of a merge (Manifest.checks) compares the edited document with the patch
// merged into the original as plain data. yaml.v3 decodes a node tree into data by
// reflection, the dearest part of resolving a large run's edits (every lint resolves
// them: issue 16), so quickChecks first compares the trees as they are: a scalar is its
// resolved tag and its text. That is stricter than comparing decoded values (0x10 and
// 16 are both 16 to yaml.v3), so a match proves the merge right; anything else (a
// mismatch, an alias, a merge key, an explicit tag, a key that is not a string) goes to
// the decoded comparison, which decides as before.

// scalar is a plain scalar as written: its resolved tag and its text.
type scalar struct{ tag, value string }

// quickChecks reports whether edited holds exactly what patch merged into doc gives,
// comparing node trees; false means "not shown", not "wrong".
func (mf *Manifest) quickChecks(doc, edited *yaml.Node, patch Patch) bool {
	want, ok := nodeData(doc)
	if !ok {
		return false
	}
	got, ok := nodeData(edited)
	if !ok {
		return false
	}
	pdocs, err := mf.decodeNodes([]byte(patch.Text()))
	if err != nil || len(pdocs) != 1 {
		return false
	}
	pd, ok := nodeData(pdocs[0])
	p, isMap := pd.(map[string]any)
	if !ok || !isMap {
		return false
	}
	delete(p, "apiVersion")
	delete(p, "kind")
	if md, ok := p["metadata"].(map[string]any); ok {
		delete(md, "name")
		delete(md, "namespace")
	}
	return sameData(mergeData(want, p), got)
}

// nodeData turns a node tree into maps, lists and scalars (nil for null); ok is false
// for what it does not handle alike in every tree (aliases, merge keys, explicit tags,
// keys that are not strings, duplicate keys).
func nodeData(n *yaml.Node) (any, bool) {
	if n == nil || n.Style&yaml.TaggedStyle != 0 {
		return nil, false
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, false
		}
		return nodeData(n.Content[0])
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || k.Style&yaml.TaggedStyle != 0 || k.ShortTag() != "!!str" {
				return nil, false
			}
			if _, dup := m[k.Value]; dup {
				return nil, false
			}
			v, ok := nodeData(n.Content[i+1])
			if !ok {
				return nil, false
			}
			m[k.Value] = v
		}
		return m, true
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, ok := nodeData(c)
			if !ok {
				return nil, false
			}
			l = append(l, v)
		}
		return l, true
	case yaml.ScalarNode:
		switch tag := n.ShortTag(); tag {
		case "!!null":
			return nil, true
		case "!!str", "!!int", "!!bool", "!!float":
			return scalar{tag, n.Value}, true
		}
	}
	return nil, false
}

// sameData compares what nodeData and mergeData build.
func sameData(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, av := range a {
			bv, ok := bm[k]
			if !ok || !sameData(av, bv) {
				return false
			}
		}
		return true
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !sameData(a[i], bl[i]) {
				return false
			}
		}
		return true
	case scalar:
		bs, ok := b.(scalar)
		return ok && a == bs
	case nil:
		return b == nil
	}
	return false
}
