package k8s

import (
	"path/filepath"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// KustomizePatch is one patch of a kustomization that no502 does not merge into the
// object it patches: an inline patch (patches:, patchesStrategicMerge:,
// patchesJson6902: with the patch written in the kustomization) or a patch file given
// with a target (JSON 6902). Kustomize applies it after the base, so a change the base
// gets where it writes is overridden by it (or merged with it).
type KustomizePatch struct {
	File string // the kustomization
	// target: kind and name ("" when left out; a pattern is kept as written), and
	// whether it has one at all (an inline strategic merge names its object in its text).
	kind, name string
	targeted   bool
	prefixed   bool   // the kustomization has a namePrefix or nameSuffix
	body       string // the patch's text; "" for a patch file the run does not hold
	patchFile  string // the patch file, when it is one
}

// KustomizePatches reads the patches of the kustomization at path (src) that no502 does
// not merge; read returns a file's text when the run holds it. A patch file without a
// target is a strategic-merge patch, read as a definition of the object it names
// (Manifest.Overlap), and is not listed.
func KustomizePatches(path string, src []byte, read func(string) ([]byte, bool)) []KustomizePatch {
	var doc yaml.Node
	if yaml.Unmarshal(src, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	root := doc.Content[0]
	prefixed := str(root, "namePrefix") != "" || str(root, "nameSuffix") != ""
	var out []KustomizePatch
	for _, list := range []string{"patches", "patchesStrategicMerge", "patchesJson6902"} {
		for _, p := range items(val(root, list)) {
			kp := KustomizePatch{File: path, prefixed: prefixed}
			switch {
			case p.Kind == yaml.ScalarNode && strings.Contains(p.Value, "\n"):
				kp.body = p.Value // an inline strategic merge (patchesStrategicMerge)
			case p.Kind != yaml.MappingNode:
				continue // a strategic-merge patch file: a definition of its object
			case str(p, "patch") != "":
				kp.body = str(p, "patch")
			case str(p, "path") != "" && val(p, "target") != nil:
				kp.patchFile = filepath.Join(filepath.Dir(path), str(p, "path"))
				if b, ok := read(kp.patchFile); ok {
					kp.body = string(b)
				}
			default:
				continue
			}
			if t := val(p, "target"); t != nil && p.Kind == yaml.MappingNode {
				kp.targeted, kp.kind, kp.name = true, str(t, "kind"), str(t, "name")
			}
			out = append(out, kp)
		}
	}
	return out
}

// Touches reports whether the patch may set one of keys of the object kind/name: its
// target may select the object (kustomize matches kind and name as anchored patterns:
// one left out or written as a pattern may select it, a label selector anything; with a
// namePrefix or nameSuffix a name holding the object's may), or, without a target, its
// text names the object; and its text names a key as a whole word
// ("terminationGracePeriodSeconds:" in a strategic merge, "/terminationGracePeriodSeconds"
// in a JSON 6902 path). It returns what the patch is ("an inline patch", "the patch
// file x.yaml") and the key ("" for a patch file the run does not hold, which may set
// anything), or what "" when it may not.
func (p KustomizePatch) Touches(kind, name string, keys []string) (what, key string) {
	if len(keys) == 0 {
		return "", ""
	}
	if p.targeted {
		kindOK := p.kind == "" || p.kind == kind || !plainName.MatchString(p.kind)
		nameOK := p.name == "" || p.name == name || !plainName.MatchString(p.name) || p.prefixed && strings.Contains(p.name, name)
		if !kindOK || !nameOK {
			return "", ""
		}
	} else if !p.prefixed && !keyWord(name).MatchString(p.body) {
		return "", ""
	}
	if p.patchFile != "" && p.body == "" {
		return "the patch file " + p.patchFile + " (not among the files no502 read: it may set any field)", ""
	}
	for _, k := range keys {
		if keyWord(k).MatchString(p.body) {
			if p.patchFile != "" {
				return "the patch file " + p.patchFile, k
			}
			return "an inline patch", k
		}
	}
	return "", ""
}

// keyWord matches k as a whole word (a YAML key, a JSON 6902 path segment).
func keyWord(k string) *regexp.Regexp {
	return regexp.MustCompile(`(^|[^A-Za-z0-9_.-])` + regexp.QuoteMeta(k) + `($|[^A-Za-z0-9_-])`)
}
