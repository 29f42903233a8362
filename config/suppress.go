package config

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/internal/suggest"
	"github.com/no502/no502/parsers"
)

// Suppression is one entry of the suppress: section: findings to drop in files that
// cannot carry a no502:ignore comment (a vendored chart, generated manifests). Every
// criterion given must match; an entry gives at least one of Path, Kind, Namespace,
// Name. Unlike ignore:, the files are still read, so the links they make (a Service in
// front of a Deployment) still count.
type Suppression struct {
	// Path is a glob of files, relative to the config file's directory, matched as an
	// ignore: glob is (a glob without a slash also matches the base name; a directory
	// covers what is below it).
	Path string
	// Kind, Namespace and Name select Kubernetes objects by their kind, metadata.namespace
	// and metadata.name (globs: * and ?). A finding matches when it sits in such an
	// object. An object without metadata.namespace has namespace "" and matches only an
	// entry that names no namespace (or "*").
	Kind, Namespace, Name string
	// Rules are the rule IDs dropped; empty: every rule.
	Rules  []string
	Reason string
	Pos    parsers.Pos
	// At holds the span of each criterion's value (path, kind, namespace, name), where
	// a report that the criterion matches nothing points.
	At map[string]parsers.Pos
}

// K8s reports whether the entry selects Kubernetes objects (by kind, namespace or name).
func (s Suppression) K8s() bool { return s.Kind != "" || s.Namespace != "" || s.Name != "" }

// Covers reports whether the entry applies to the rule.
func (s Suppression) Covers(rule string) bool {
	if len(s.Rules) == 0 {
		return true
	}
	for _, r := range s.Rules {
		if r == rule {
			return true
		}
	}
	return false
}

// MatchObject reports whether a Kubernetes object matches the entry's kind, namespace
// and name (those the entry gives).
func (s Suppression) MatchObject(kind, namespace, name string) bool {
	glob := func(pattern, v string) bool {
		if pattern == "" {
			return true
		}
		ok, _ := path.Match(pattern, v)
		return ok
	}
	return glob(s.Kind, kind) && glob(s.Namespace, namespace) && glob(s.Name, name)
}

// MatchFile reports whether the entry's path glob covers a file (its absolute path);
// an entry without a path covers every file.
func (c *Config) MatchFile(s Suppression, abs string) bool {
	if s.Path == "" {
		return true
	}
	rel, ok := c.relPath(abs)
	return ok && globMatch(s.Path, rel)
}

var suppressKeys = []string{"path", "kind", "namespace", "name", "rules", "reason"}

// parseSuppress reads the suppress: list.
func parseSuppress(c *Config, v *yaml.Node, el *errList, str strFunc, known KnownRule, ruleIDs []string) {
	bad := el.bad
	if v.Kind != yaml.SequenceNode {
		bad(v, "suppress must be a list of {path, kind, namespace, name, rules, reason}")
		return
	}
	for _, item := range v.Content {
		if item.Kind != yaml.MappingNode {
			bad(item, "each suppress entry must be a mapping with path, or kind, namespace and name, and optionally rules and reason")
			continue
		}
		s := Suppression{Pos: el.pos(item), At: map[string]parsers.Pos{}}
		ok := true
		for j := 0; j+1 < len(item.Content); j += 2 {
			k, val := item.Content[j], item.Content[j+1]
			var err error
			switch k.Value {
			case "path", "kind", "namespace", "name":
				s.At[k.Value] = scalarSpan(el.pos(val), val, c.Src)
			}
			switch k.Value {
			case "path":
				if s.Path, err = str(val, "suppress.path"); err == nil && !doublestar.ValidatePattern(s.Path) {
					err = bad(val, "suppress.path: %q is not a valid glob", s.Path)
				}
			case "kind", "namespace", "name":
				var g string
				if g, err = str(val, "suppress."+k.Value); err == nil {
					if _, merr := path.Match(g, ""); merr != nil {
						err = bad(val, "suppress.%s: %q is not a valid pattern", k.Value, g)
					}
				}
				switch k.Value {
				case "kind":
					s.Kind = g
				case "namespace":
					s.Namespace = g
				default:
					s.Name = g
				}
			case "rules":
				if val.Kind != yaml.SequenceNode {
					err = bad(val, "suppress.rules must be a list of rule IDs")
					break
				}
				for _, r := range val.Content {
					id, rerr := str(r, "suppress.rules entry")
					if rerr != nil {
						err = rerr
						continue
					}
					if known != nil && !known(id) {
						err = bad(r, "%s", unknownRule(id, "suppress.rules", ruleIDs))
						continue
					}
					s.Rules = append(s.Rules, id)
				}
			case "reason":
				s.Reason, err = str(val, "suppress.reason")
			default:
				err = bad(k, "unknown key %q in suppress entry (want %s)%s", k.Value, strings.Join(suppressKeys, ", "), suggest.Hint(k.Value, suppressKeys))
			}
			if err != nil {
				ok = false
			}
		}
		if !ok {
			continue
		}
		if s.Path == "" && !s.K8s() {
			bad(item, "a suppress entry needs path, or kind, namespace or name: an entry matching everything would turn no502 off")
			continue
		}
		c.Suppress = append(c.Suppress, s)
	}
}

// relPath is abs relative to the config file's directory, with slashes; false when it
// lies outside it.
func (c *Config) relPath(abs string) (string, bool) {
	base := c.dir
	if base == "" {
		// A config parsed without a file (tests, defaults): relative to the working
		// directory.
		base, _ = filepath.Abs(".")
	}
	rel, err := filepath.Rel(base, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// globMatch matches a path (relative, with slashes) against an ignore: or suppress.path
// glob, as .gitignore does: a glob without a slash also matches the base name, and a
// directory glob ("legacy/" or "legacy") covers everything below it.
func globMatch(g, path string) bool {
	if ok, _ := doublestar.Match(g, path); ok {
		return true
	}
	if !strings.Contains(g, "/") {
		if ok, _ := doublestar.Match(g, filepath.Base(path)); ok {
			return true
		}
	}
	dir := strings.TrimSuffix(g, "/")
	return strings.HasPrefix(path, dir+"/")
}

// scalarSpan is pos extended to the end of the one-line scalar v as written in src: a
// plain scalar's text, or a quoted one's quotes and what is between them. A scalar
// over several lines (or one not found where the parser put it) keeps pos as it is.
func scalarSpan(pos parsers.Pos, v *yaml.Node, src []byte) parsers.Pos {
	lines := strings.Split(string(src), "\n")
	if pos.Line < 1 || int(pos.Line) > len(lines) || pos.Col < 1 {
		return pos
	}
	rest := []rune(strings.TrimRight(lines[pos.Line-1], "\r"))
	if int(pos.Col) > len(rest) {
		return pos
	}
	rest = rest[pos.Col-1:]
	n := -1
	switch v.Style {
	case 0:
		if strings.HasPrefix(string(rest), v.Value) {
			n = len([]rune(v.Value))
		}
	case yaml.DoubleQuotedStyle:
		for i := 1; i < len(rest); i++ {
			if rest[i] == '\\' {
				i++
			} else if rest[i] == '"' {
				n = i + 1
				break
			}
		}
	case yaml.SingleQuotedStyle:
		for i := 1; i < len(rest); i++ {
			if rest[i] == '\'' {
				if i+1 < len(rest) && rest[i+1] == '\'' {
					i++
					continue
				}
				n = i + 1
				break
			}
		}
	}
	if n > 0 {
		pos.EndLine, pos.EndCol = pos.Line, pos.Col+int32(n)
	}
	return pos
}
