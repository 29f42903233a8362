package k8s

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// An inline JSON 6902 patch of a kustomization (patches: or patchesJson6902: with a
// target and a patch: written as a literal block) is read for what it does to the
// target's replica count, when that is certain; any other patch that may touch the
// count leaves it unknown (mayTouchReplicas), as before.
//
//   - The target names one object: a kind and a name of plain letters (kustomize matches
//     both as anchored regular expressions, so a "." or a "*" could match others), no
//     namespace, label or annotation selector, and a group/version, when written,
//     that is the kind's (apps/v1). Under namePrefix or nameSuffix the target is
//     matched by name as kustomize matches it (buildCount, workloadNames).
//   - The operations are applied in order: replace or add of /spec/replicas with an
//     integer sets the count (kubectl kustomize v5.5.0 built the value written); test
//     changes nothing; any other operation on /spec/replicas, or one that moves or
//     copies from it, or one on a path above it (/, /spec) or on the target's identity
//     (/kind, /apiVersion, /metadata, /metadata/name, /metadata/namespace) leaves the
//     count unknown; an operation on any other path (/spec/template/...) leaves it.
//   - The value's position is exact: the patch is a literal block (| or |-, without an
//     indentation indicator), whose lines are the file's lines less their indentation,
//     and the value's line reads the same in both. A patch in another style (a quoted
//     or folded string) is not placed, and leaves the count unknown when it sets it.
//
// The count set this way is a Setting in the kustomization file (Text says it comes from
// a JSON 6902 patch), which single-replica reports where it is written; its fix is a
// snippet, as for a replicas: entry. A patch file (path: with a target) is read the same
// way when the run holds it (json6902File, readJSON6902Files), the value placed in it;
// when the run does not, the target's count stays unknown, as before.

// json6902Replicas reads inline patch p (an item of patches or patchesJson6902) of the
// kustomization in s. touches is false when the patch certainly leaves every count as
// it is; set is the count it certainly sets its target to (kind, name), nil when it
// sets none or is not read.
func json6902Replicas(s *source, p *yaml.Node) (set *parsers.Setting[int], touches, ok bool) {
	_, body := get(p, "patch")
	t := val(p, "target")
	if body == nil || body.Kind != yaml.ScalarNode || t == nil {
		return nil, false, false
	}
	var doc yaml.Node
	if yaml.Unmarshal([]byte(body.Value), &doc) != nil || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.SequenceNode {
		return nil, false, false // not a JSON 6902 patch, or not one that parses
	}
	return json6902Ops(doc.Content[0], singleTarget(t), func(v *yaml.Node) (parsers.Pos, bool) { return blockPos(s, body, v) }, "")
}

// singleTarget reports whether patch target t names one object whose count the patch
// can be read for (see above): a plain kind and name, no namespace or selectors, and a
// group/version that is the kind's. Which workload the name selects, under namePrefix
// or nameSuffix too, is buildCount's to say.
func singleTarget(t *yaml.Node) bool {
	kind, name := str(t, "kind"), str(t, "name")
	single := plainName.MatchString(kind) && plainName.MatchString(name) &&
		str(t, "namespace") == "" && str(t, "labelSelector") == "" && str(t, "annotationSelector") == ""
	if g, v := str(t, "group"), str(t, "version"); single && (g != "" || v != "") {
		wg, wv, _ := strings.Cut(apiVersionOf(kind), "/")
		single = (g == "" || g == wg) && (v == "" || v == wv) && wv != ""
	}
	return single
}

// json6902File reads a JSON 6902 patch file (a kustomization's patches: or
// patchesJson6902: entry with a path and a target) at path, as json6902Replicas reads an
// inline patch: src is its content (YAML or JSON, a list of operations), target the
// entry's target. A value set is placed in the file itself. ok is false when the file
// is not a list of operations.
func json6902File(path string, src []byte, target *yaml.Node) (set *parsers.Setting[int], touches, ok bool) {
	var doc yaml.Node
	if target == nil || yaml.Unmarshal(src, &doc) != nil || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.SequenceNode {
		return nil, false, false
	}
	s := newSource(path, src)
	return json6902Ops(doc.Content[0], singleTarget(target), func(v *yaml.Node) (parsers.Pos, bool) {
		at := s.pos(v)
		return at, v.Kind == yaml.ScalarNode && at.EndOffset > at.Offset
	}, " file "+filepath.Base(path))
}

// json6902Ops applies the operations of seq (a JSON 6902 patch) to the replica count of
// a target that names one object when single; place gives the position of a value in
// the file; what names the patch in the setting's text (" file NAME" for a patch file).
func json6902Ops(seq *yaml.Node, single bool, place func(*yaml.Node) (parsers.Pos, bool), what string) (set *parsers.Setting[int], touches, ok bool) {
	for _, op := range seq.Content {
		o, path, from := str(op, "op"), str(op, "path"), str(op, "from")
		if op.Kind != yaml.MappingNode || o == "" || val(op, "path") == nil {
			return nil, true, true // a malformed operation: kustomize refuses it, not read
		}
		if identityPath(path) || o == "move" && (identityPath(from) || from == replicasPath || above(from, replicasPath)) {
			return nil, true, true
		}
		switch {
		case path != replicasPath && !above(path, replicasPath):
			continue // another field
		case path == replicasPath && o == "test":
			continue
		case path == replicasPath && (o == "replace" || o == "add") && single:
			v := val(op, "value")
			n, isInt := atoi(v)
			if !isInt || v.Tag != "!!int" || n < 0 {
				return nil, true, true
			}
			at, placed := place(v)
			if !placed {
				return nil, true, true
			}
			st := parsers.Set(n, at, "value: "+v.Value+" (JSON 6902 patch"+what+", op "+o+" "+replicasPath+")")
			set = &st
		default:
			return nil, true, true
		}
	}
	return set, set != nil, true
}

const replicasPath = "/spec/replicas"

// plainName matches a kind or a name that kustomize's anchored regular expression
// matches only itself with.
var plainName = regexp.MustCompile(`^[A-Za-z0-9-]+$`)

// above reports whether JSON pointer p is a parent of q ("" is the whole document).
func above(p, q string) bool {
	return p == "" || p == "/" || strings.HasPrefix(q, p+"/")
}

// identityPath reports whether a JSON 6902 operation on path changes what object its
// target is (after which later patches and replicas: entries reach it by another kind
// or name) or replaces the whole of it.
func identityPath(path string) bool {
	switch path {
	case "", "/", "/kind", "/apiVersion", "/metadata", "/metadata/name", "/metadata/namespace":
		return true
	}
	return false
}

// blockPos returns the position in the file of v, a scalar of the YAML that body (a
// literal block scalar of s) holds: the block's lines are the file's lines after
// body's, less the block's indentation. ok is false for another style, an explicit
// indentation indicator, or a line that does not read the same in both.
func blockPos(s *source, body, v *yaml.Node) (parsers.Pos, bool) {
	if body.Style != yaml.LiteralStyle || v.Kind != yaml.ScalarNode || v.Line < 1 {
		return parsers.Pos{}, false
	}
	head := strings.TrimSpace(s.line(body.Line)[max(0, body.Column-1):])
	if head != "|" && head != "|-" && head != "|+" {
		return parsers.Pos{}, false // an indentation indicator or a comment: not placed
	}
	first := body.Line + 1
	for first <= s.lines.Count() && strings.TrimSpace(s.line(first)) == "" {
		first++
	}
	indent := len(s.line(first)) - len(strings.TrimLeft(s.line(first), " "))
	inner := strings.Split(body.Value, "\n")
	line := body.Line + v.Line
	if v.Line > len(inner) || line > s.lines.Count() {
		return parsers.Pos{}, false
	}
	fl := s.line(line)
	if len(fl) < indent || strings.TrimSpace(fl[:indent]) != "" || fl[indent:] != inner[v.Line-1] {
		return parsers.Pos{}, false
	}
	moved := *v
	moved.Line, moved.Column = line, v.Column+indent
	at := s.pos(&moved)
	if at.EndOffset <= at.Offset {
		return parsers.Pos{}, false
	}
	return at, true
}

// targetMatches reports whether a patch target's kind or name (pattern) may select an
// object's (v): kustomize matches them as anchored regular expressions ("" selects
// every object), so `web.*` selects web and web-v2. A pattern that does not compile
// may select anything.
func targetMatches(pattern, v string) bool {
	if pattern == "" || pattern == v {
		return true
	}
	if plainName.MatchString(pattern) {
		return false
	}
	re, err := regexp.Compile("^(?:" + pattern + ")$")
	return err != nil || re.MatchString(v)
}

// IsJSON6902Patch reports whether src is a JSON 6902 patch: a YAML or JSON list whose
// every item is an operation (a mapping with an op kustomize knows and a path), as the
// files a kustomization names with path: and a target are. Such a file has no apiVersion
// or kind; the run reads it for the kustomization that names it (readJSON6902Files).
func IsJSON6902Patch(src []byte) bool {
	if !bytes.Contains(src, []byte("op")) || !bytes.Contains(src, []byte("path")) {
		return false
	}
	// The first thing written, past blank lines, comments and a document marker, opens
	// a list: "[" or "- ".
	rest := src
	for len(rest) > 0 {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		t := bytes.TrimSpace(line)
		if len(t) == 0 || t[0] == '#' || bytes.Equal(t, []byte("---")) {
			continue
		}
		if t[0] != '[' && !bytes.HasPrefix(t, []byte("- ")) && !bytes.Equal(t, []byte("-")) {
			return false
		}
		break
	}
	var doc yaml.Node
	if yaml.Unmarshal(src, &doc) != nil || len(doc.Content) != 1 {
		return false
	}
	seq := doc.Content[0]
	if seq.Kind != yaml.SequenceNode || len(seq.Content) == 0 {
		return false
	}
	for _, op := range seq.Content {
		if op.Kind != yaml.MappingNode || val(op, "path") == nil {
			return false
		}
		switch str(op, "op") {
		case "add", "remove", "replace", "move", "copy", "test":
		default:
			return false
		}
	}
	return true
}
