package suppress

import (
	"bytes"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/config"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// ApplyConfig drops the findings that an entry of the config's suppress: section covers:
// by the finding's file (a glob relative to the config's directory) and, for Kubernetes
// manifests, by the object the finding sits in (kind, namespace, name). cwd is the
// directory the findings' paths are relative to. Unlike inline suppressions these are
// honoured by --strict (they are reviewed in one place); --no-ignore shows every
// finding, so the caller skips this step then.
func ApplyConfig(m *parsers.Model, cfg *config.Config, fs []rules.Finding, cwd string) []rules.Finding {
	if cfg == nil || len(cfg.Suppress) == 0 || m == nil {
		return fs
	}
	objects := map[string][]object{}
	kept := fs[:0:0]
	for _, f := range fs {
		if f.Rule.ID == rules.UnusedSuppressionID || f.Rule.ID == rules.InlineSuppressionID {
			kept = append(kept, f)
			continue
		}
		abs := f.Pos.File
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(cwd, filepath.FromSlash(abs))
		}
		dropped := false
		for _, s := range cfg.Suppress {
			if !s.Covers(f.Rule.ID) || !cfg.MatchFile(s, abs) {
				continue
			}
			if s.K8s() {
				objs, ok := objects[f.Pos.File]
				if !ok {
					objs = k8sObjects(m.File(f.Pos.File))
					objects[f.Pos.File] = objs
				}
				o := objectAt(objs, int(f.Pos.Line))
				if o == nil || !s.MatchObject(o.kind, o.namespace, o.name) {
					continue
				}
			}
			dropped = true
			break
		}
		if !dropped {
			kept = append(kept, f)
		}
	}
	return kept
}

// object is one Kubernetes object of a manifest: its identity and its lines.
type object struct {
	kind, namespace, name string
	first, last           int
}

func objectAt(objs []object, line int) *object {
	for i := range objs {
		if line >= objs[i].first && line <= objs[i].last {
			return &objs[i]
		}
	}
	return nil
}

// k8sObjects lists the objects of a Kubernetes manifest, one per YAML document; a List
// document is not split (its items are matched as the List).
func k8sObjects(f *parsers.File) []object {
	if f == nil || f.Format != parsers.FormatK8s {
		return nil
	}
	lines := lineSpans(f.Src)
	var out []object
	first := 0
	flush := func(end int) {
		if end <= first {
			return
		}
		doc := f.Src[lines[first].start:lines[end-1].next]
		var meta struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Name      string `yaml:"name"`
				Namespace string `yaml:"namespace"`
			} `yaml:"metadata"`
		}
		if len(bytes.TrimSpace(doc)) == 0 || yaml.Unmarshal(doc, &meta) != nil || meta.Kind == "" {
			return
		}
		out = append(out, object{kind: meta.Kind, namespace: meta.Metadata.Namespace, name: meta.Metadata.Name, first: first + 1, last: end})
	}
	for i, ln := range lines {
		t := f.Src[ln.start:ln.end]
		if bytes.HasPrefix(t, []byte("---")) && (len(t) == 3 || t[3] == ' ' || t[3] == '\t') {
			flush(i)
			first = i + 1
		}
	}
	flush(len(lines))
	return out
}
