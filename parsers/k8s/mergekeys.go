package k8s

import (
	"strings"

	"github.com/no502/no502/parsers"
	"go.yaml.in/yaml/v3"
)

// maxMergedPairs bounds the entries expandMerges adds to one document: merge keys copy
// entries (pointers, not text), and a document built to multiply them stops there.
const maxMergedPairs = 100000

// expandMerges gives every mapping under root that has YAML merge keys ("<<: *defaults",
// "<<: [*a, *b]", which kubectl reads) the entries it merges in and does not write itself,
// as YAML 1.1 defines them: the mapping's own keys win, then the first source's. The
// entries keep their nodes, so positions point at the text that holds them; the spans of
// the mappings merged in go to shared, since text there is read into more than one place
// and a fix must not edit it. Only the yaml.v3 path of decodeFile gets here: the fast path
// refuses merge keys.
func expandMerges(s *source, root *yaml.Node, shared *[]parsers.Pos) {
	e := &merger{s: s, shared: shared, done: map[*yaml.Node]bool{}, seen: map[*yaml.Node]bool{}}
	e.walk(root, 0)
}

type merger struct {
	s      *source
	shared *[]parsers.Pos
	done   map[*yaml.Node]bool // mappings expanded
	seen   map[*yaml.Node]bool // nodes walked: an entry merged in is walked once
	added  int
}

func (e *merger) walk(n *yaml.Node, depth int) {
	if n == nil || depth > 200 || n.Kind == yaml.AliasNode || e.seen[n] {
		return
	}
	e.seen[n] = true
	if n.Kind == yaml.MappingNode {
		e.expand(n, depth)
	}
	for _, c := range n.Content {
		e.walk(c, depth+1)
	}
}

// isMergeKey reports whether k is a merge key: "<<" written plain, or tagged !!merge.
func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && (k.Tag == "!!merge" || k.Value == "<<" && k.Style == 0)
}

// expand adds to mapping m the entries its merge keys bring in.
func (e *merger) expand(m *yaml.Node, depth int) {
	if e.done[m] || depth > 200 {
		return
	}
	e.done[m] = true
	var sources []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if !isMergeKey(m.Content[i]) {
			continue
		}
		v := deref(m.Content[i+1])
		switch {
		case v == nil:
		case v.Kind == yaml.MappingNode:
			sources = append(sources, v)
		case v.Kind == yaml.SequenceNode:
			for _, it := range v.Content {
				if it = deref(it); it != nil && it.Kind == yaml.MappingNode {
					sources = append(sources, it)
				}
			}
		}
	}
	if len(sources) == 0 {
		return
	}
	has := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i]; !isMergeKey(k) {
			has[k.Value] = true
		}
	}
	for _, src := range sources {
		e.expand(src, depth+1) // its own merges first
		e.share(src)
		for i := 0; i+1 < len(src.Content); i += 2 {
			k := src.Content[i]
			if isMergeKey(k) || has[k.Value] || e.added >= maxMergedPairs {
				continue
			}
			has[k.Value] = true
			m.Content = append(m.Content, k, src.Content[i+1])
			e.added++
		}
	}
}

// share records the lines of mapping src as text read into more than one place.
func (e *merger) share(src *yaml.Node) {
	if e.shared == nil || src.Line < 1 {
		return
	}
	start := e.s.lineStart(src.Line)
	end := len(e.s.src)
	if last := lastLine(src, 0); last+1 <= e.s.lines.Count() {
		end = e.s.lineStart(last + 1)
	}
	if end <= start {
		return
	}
	*e.shared = append(*e.shared, parsers.Pos{File: e.s.path, Line: int32(src.Line), Col: 1, Offset: int32(start), EndOffset: int32(end)})
}

// lastLine is the greatest line among n and its descendants (a block scalar's lines
// counted), not following aliases.
func lastLine(n *yaml.Node, depth int) int {
	last := n.Line
	if n.Kind == yaml.ScalarNode && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		last = n.Line + strings.Count(strings.TrimRight(n.Value, "\n"), "\n") + 1
	}
	if depth > 200 || n.Kind == yaml.AliasNode {
		return last
	}
	for _, c := range n.Content {
		if l := lastLine(c, depth+1); l > last {
			last = l
		}
	}
	return last
}
