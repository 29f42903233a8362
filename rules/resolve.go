package rules

import (
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/k8s"
)

// ResolveEdits makes the fixes of findings writable into the files they came from: it
// fills in the edits of a Kubernetes patch of an object in one of the model's files, when
// the rule gave none (k8s.Manifest.Merge), and moves the edits of config text held in a
// ConfigMap into the manifest (k8s.HostEdits). It does not run on every lint: merging
// parses the patched files again, which a plain lint has no use for.
func ResolveEdits(m *parsers.Model, findings []Finding) {
	mapEmbeddedEdits(m, findings)
	files := map[string]*k8s.Manifest{}
	for i := range findings {
		f := &findings[i]
		if f.Fix == nil || f.Fix.patch == nil || len(f.Fix.Edits) > 0 {
			continue
		}
		for _, name := range candidateFiles(m, f) {
			mf, ok := files[name]
			if !ok {
				if file := m.File(name); file != nil {
					mf = k8s.ReadManifest(name, file.Src)
				}
				files[name] = mf
			}
			if mf == nil {
				continue
			}
			if edits, found := mf.Merge(f.Fix.patch); found {
				f.Fix.Edits = edits
				break
			}
		}
		if len(f.Fix.Edits) == 0 && f.Fix.newObject {
			// A new object (a PodDisruptionBudget) goes right after the document of the
			// object the finding is about.
			if mf := files[f.Pos.File]; mf != nil {
				f.Fix.Edits = mf.AppendObject(int(f.Pos.Line), f.Fix.patch)
			}
		}
	}
	guardRenderedEdits(m, findings)
}

// candidateFiles lists the Kubernetes files that may hold the patched object: the
// finding's own, then those of its related positions.
func candidateFiles(m *parsers.Model, f *Finding) []string {
	var out []string
	seen := map[string]bool{}
	add := func(name string) {
		if name != "" && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	add(f.Pos.File)
	for _, r := range f.Related {
		add(r.Pos.File)
	}
	var k8s []string
	for _, name := range out {
		for _, file := range m.Files {
			if file.Path == name && file.Format == parsers.FormatK8s && file.Host == "" {
				k8s = append(k8s, name)
				break
			}
		}
	}
	return k8s
}

// Config text held in a ConfigMap (nginx.conf as a literal block scalar) is parsed as a
// file of its own; a fix's edits are offsets into that text. mapEmbeddedEdits has them
// rewritten as edits of the manifest (k8s.HostEdits); when that fails, the fix keeps its
// snippet and loses its edits.

// mapEmbeddedEdits rewrites the edits of fixes that change embedded text into edits of
// its host file.
func mapEmbeddedEdits(m *parsers.Model, findings []Finding) {
	embedded := map[string]*parsers.File{}
	for _, f := range m.Files {
		if f.Embedding != nil {
			embedded[f.Path] = f
		}
	}
	if len(embedded) == 0 {
		return
	}
	for i := range findings {
		fix := findings[i].Fix
		if fix == nil || len(fix.Edits) == 0 {
			continue
		}
		var out []parsers.Edit
		mapped := map[string]bool{}
		for _, e := range fix.Edits {
			ef := embedded[e.File]
			switch {
			case ef == nil:
				out = append(out, e)
				continue
			case mapped[e.File]:
				continue
			}
			mapped[e.File] = true // all of this file's edits at once
			host := m.File(ef.Embedding.Host)
			var he []parsers.Edit
			ok := host != nil
			if ok {
				he, ok = k8s.HostEdits(ef, host.Src, fix.Edits)
			}
			if !ok {
				out = nil // a fix goes in whole or not at all
				break
			}
			out = append(out, he...)
		}
		fix.Edits = out
	}
}
