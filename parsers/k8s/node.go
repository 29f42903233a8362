package k8s

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Walkers never follow aliases recursively: an alias is resolved one level, and an alias
// to an alias is treated as absent. This keeps billion-laughs documents cheap, since the
// decoder itself leaves aliases unexpanded in the node tree.
func deref(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
		if n != nil && n.Kind == yaml.AliasNode {
			return nil
		}
	}
	return n
}

// get returns the key and value nodes of key in mapping m.
func get(m *yaml.Node, key string) (k, v *yaml.Node) {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i].Kind == yaml.ScalarNode {
			return m.Content[i], deref(m.Content[i+1])
		}
	}
	return nil, nil
}

// val returns the value node of a path of keys.
func val(m *yaml.Node, path ...string) *yaml.Node {
	for _, k := range path {
		_, m = get(m, k)
		if m == nil {
			return nil
		}
	}
	return m
}

// str returns the scalar value at path, or "".
func str(m *yaml.Node, path ...string) string {
	n := val(m, path...)
	if n == nil || n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		return ""
	}
	return n.Value
}

// isNull reports whether n is absent or an explicit null.
func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null")
}

// items returns the elements of a sequence node (nil for anything else).
func items(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, c := range n.Content {
		if c = deref(c); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// pairs returns the scalar key/value pairs of a mapping (labels, annotations, data).
func pairs(m *yaml.Node) (keys, vals []*yaml.Node) {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil, nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], deref(m.Content[i+1])
		if k.Kind != yaml.ScalarNode || v == nil || v.Kind != yaml.ScalarNode {
			continue
		}
		keys = append(keys, k)
		vals = append(vals, v)
	}
	return keys, vals
}

// strMap reads a mapping of strings (labels, matchLabels).
func strMap(m *yaml.Node) map[string]string {
	ks, vs := pairs(m)
	if len(ks) == 0 {
		return nil
	}
	out := make(map[string]string, len(ks))
	for i := range ks {
		out[ks[i].Value] = vs[i].Value
	}
	return out
}

// strList reads a sequence of scalars (command, args, values).
func strList(n *yaml.Node) []string {
	var out []string
	for _, c := range items(n) {
		if c.Kind == yaml.ScalarNode {
			out = append(out, c.Value)
		}
	}
	return out
}

// atoi parses an integer scalar; ok is false for anything else (a template, a string).
func atoi(n *yaml.Node) (int, bool) {
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0, false
	}
	v, err := strconv.Atoi(strings.TrimSpace(n.Value))
	return v, err == nil
}
