package k8s

import (
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// PatchTouches reports whether the kustomization at path (src) patches the object
// kind/name in a way no502 does not merge, at one of keys: an inline patch (patches:,
// patchesStrategicMerge:, patchesJson6902: with the patch written in the
// kustomization) or a patch file given with a target (JSON 6902, read through read when
// the run holds it), whose target may select the object and whose text names a key
// ("terminationGracePeriodSeconds:" in a strategic merge, "/terminationGracePeriodSeconds"
// in a JSON 6902 path). Kustomize applies the patch after the base, so a change the base
// gets there is overridden by it (or merged with it). It returns what the patch is
// ("an inline patch", "the patch file x.yaml") and the key ("" for a patch file the
// run does not hold, which may set anything), or what "" when none may.
// A target is matched as kustomize does loosely: a kind or name left out, or written as
// a pattern, may select it; with a namePrefix or nameSuffix a name holding the object's
// may. A patch file without a target is a strategic-merge patch, read as a definition of
// the object it names (Manifest.Overlap).
func PatchTouches(path string, src []byte, read func(string) ([]byte, bool), kind, name string, keys []string) (what, key string) {
	var doc yaml.Node
	if yaml.Unmarshal(src, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return "", ""
	}
	root := doc.Content[0]
	if len(keys) == 0 {
		return "", ""
	}
	prefixed := str(root, "namePrefix") != "" || str(root, "nameSuffix") != ""
	selects := func(t *yaml.Node) bool {
		tk, tn := str(t, "kind"), str(t, "name")
		kindOK := tk == "" || tk == kind || !plainName.MatchString(tk)
		nameOK := tn == "" || tn == name || !plainName.MatchString(tn) || prefixed && strings.Contains(tn, name)
		return kindOK && nameOK
	}
	names := func(text string) string {
		for _, k := range keys {
			if keyWord(k).MatchString(text) {
				return k
			}
		}
		return ""
	}
	for _, list := range []string{"patches", "patchesStrategicMerge", "patchesJson6902"} {
		for _, p := range items(val(root, list)) {
			var body, file string
			switch {
			case p.Kind == yaml.ScalarNode && strings.Contains(p.Value, "\n"):
				body = p.Value // an inline strategic merge (patchesStrategicMerge)
				if !keyWord(name).MatchString(body) && !prefixed {
					continue
				}
			case p.Kind != yaml.MappingNode:
				continue // a strategic-merge patch file: a definition of its object
			case val(p, "target") != nil && !selects(val(p, "target")):
				continue
			case str(p, "patch") != "":
				body = str(p, "patch")
				if val(p, "target") == nil && !keyWord(name).MatchString(body) && !prefixed {
					continue
				}
			case str(p, "path") != "" && val(p, "target") != nil:
				file = filepath.Join(filepath.Dir(path), str(p, "path"))
				b, ok := read(file)
				if !ok {
					return "the patch file " + file + " (not among the files no502 read: it may set any field)", ""
				}
				body = string(b)
			default:
				continue
			}
			if k := names(body); k != "" {
				if file != "" {
					return "the patch file " + file, k
				}
				return "an inline patch", k
			}
		}
	}
	return "", ""
}

// keyWord matches k as a whole word (a YAML key, a JSON 6902 path segment).
func keyWord(k string) *regexp.Regexp {
	return regexp.MustCompile(`(^|[^A-Za-z0-9_.-])` + regexp.QuoteMeta(k) + `($|[^A-Za-z0-9_-])`)
}
