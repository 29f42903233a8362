package rules

import (
	"bytes"
	"strings"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/k8s"
	"github.com/no502/no502/parsers/terraform"
)

// ResolveEdits makes the fixes of findings writable into the files they came from: it
// fills in the edits of a Kubernetes patch of an object in one of the model's files, when
// the rule gave none (k8s.Manifest.Merge), and moves the edits of config text held in a
// ConfigMap into the manifest (k8s.HostEdits). Every run does it, so every output shows
// the edits --fix writes (issue 16).
func ResolveEdits(m *parsers.Model, findings []Finding) {
	new(EditCache).Resolve(m, findings)
}

// EditCache remembers the edits resolved for each manifest text and patch, so that the
// rounds of a fix run (and the check of each) resolve again only the patches of the files
// a round changed: merging re-reads the manifest and decodes the edited document, the
// dearest part of a Kubernetes lint. It also keeps the Terraform fixes' edits for
// RunCached. The zero value is ready; it is safe for one goroutine at a time (one Resolve
// or RunCached at once).
type EditCache struct {
	merges    map[mergeKey]*mergeResult
	terraform terraform.EditCache
	// DeferTerraform makes RunCached leave the Terraform fixes' edits and snippets to
	// ResolveWhere, as Kubernetes patches are: a fix run that writes only some fixes (the
	// safe ones) then formats only the blocks of those. Resolve works them all out.
	DeferTerraform bool
}

// mergeKey is one resolve operation: a patch merged into a file, or appended to it as a
// new object after the document holding line.
type mergeKey struct {
	file, patch string
	append      bool // AppendObject after the document holding line; else Merge
	line        int
}

// mergeResult is the outcome for the file's text src (a hit needs the same text).
type mergeResult struct {
	src   []byte
	edits []parsers.Edit
	found bool
}

// Resolve is ResolveEdits with the results of earlier runs reused where the file's text
// is the same.
func (c *EditCache) Resolve(m *parsers.Model, findings []Finding) {
	c.ResolveWhere(m, findings, nil)
}

// ResolveWhere is Resolve for the Kubernetes patches of the findings want accepts (all
// when want is nil); the others keep their patch, unresolved, for a later Resolve. A fix
// run that shows only what it writes (lint --diff) has no use for the edits of fixes it
// cannot write, and resolving is the dearest part of a Kubernetes lint.
func (c *EditCache) ResolveWhere(m *parsers.Model, findings []Finding, want func(*Finding) bool) {
	for i := range findings {
		f := &findings[i]
		if f.Fix == nil || f.Fix.tf == nil || want != nil && !want(f) {
			continue
		}
		// As tfFix works them out when it does not defer: a snippet-only fix keeps
		// its snippet and no edits.
		edits, snippet := c.terraform.Edits(m, f.Fix.tf...)
		sets := f.Fix.tf
		f.Fix.Snippet, f.Fix.tf = snippet, nil
		if !f.Fix.manual {
			f.Fix.Edits = edits
			if len(edits) == 0 {
				f.Fix.guess(tfUnwritten(sets))
			}
		}
	}
	mapEmbeddedEdits(m, findings)
	if c.merges == nil {
		c.merges = map[mergeKey]*mergeResult{}
	}
	// The model's files by path (the first of a path, as Model.File finds it) and the
	// Kubernetes manifests among them: looked up for every finding.
	byPath := map[string]*parsers.File{}
	manifests := map[string]bool{}
	for _, file := range m.Files {
		if _, ok := byPath[file.Path]; !ok {
			byPath[file.Path] = file
		}
		if file.Format == parsers.FormatK8s && file.Host == "" {
			manifests[file.Path] = true
		}
	}
	// The manifests read, for the findings of the same file (they come sorted by file):
	// a few at a time, since a manifest holds its whole node tree.
	files := map[string]*k8s.Manifest{}
	manifest := func(name string, src []byte) *k8s.Manifest {
		mf, ok := files[name]
		if !ok {
			if len(files) >= 8 {
				clear(files)
			}
			mf = k8s.ReadManifest(name, src)
			files[name] = mf
		}
		return mf
	}
	// op returns the cached outcome of key on the file's current text, or computes it.
	op := func(key mergeKey, compute func(mf *k8s.Manifest) ([]parsers.Edit, bool)) ([]parsers.Edit, bool) {
		file := byPath[key.file]
		if file == nil {
			return nil, false
		}
		if r := c.merges[key]; r != nil && bytes.Equal(r.src, file.Src) {
			return append([]parsers.Edit(nil), r.edits...), r.found
		}
		r := &mergeResult{src: file.Src}
		if mf := manifest(key.file, file.Src); mf != nil {
			r.edits, r.found = compute(mf)
		}
		c.merges[key] = r
		return append([]parsers.Edit(nil), r.edits...), r.found
	}
	for i := range findings {
		f := &findings[i]
		if f.Fix == nil || f.Fix.patch == nil || len(f.Fix.Edits) > 0 || want != nil && !want(f) {
			continue
		}
		text := f.Fix.patch.Text()
		cands := candidateFiles(manifests, f)
		holder := "" // the file found holding the patched object
		for _, name := range cands {
			edits, found := op(mergeKey{file: name, patch: text}, func(mf *k8s.Manifest) ([]parsers.Edit, bool) {
				return mf.Merge(f.Fix.patch)
			})
			if found {
				f.Fix.Edits, holder = edits, name
				break
			}
		}
		appended := len(f.Fix.Edits) == 0 && f.Fix.newObject && len(cands) > 0 && cands[0] == f.Pos.File
		if appended {
			// A new object (a PodDisruptionBudget) goes right after the document of the
			// object the finding is about.
			line := int(f.Pos.Line)
			f.Fix.Edits, _ = op(mergeKey{file: f.Pos.File, patch: text, append: true, line: line}, func(mf *k8s.Manifest) ([]parsers.Edit, bool) {
				return mf.AppendObject(line, f.Fix.patch), true
			})
		}
		if len(f.Fix.Edits) == 0 {
			// No edits to show or write: the fix is the patch to apply by hand, and
			// says why, rather than a safe or unsafe fix that changes nothing.
			why := unresolvedWhy(f.Fix.patch, cands, holder, appended)
			if holder != "" {
				if mf := manifest(holder, byPath[holder].Src); mf != nil && mf.Defines(f.Fix.patch) > 1 {
					why = "its object is defined twice in " + holder + " (kubectl apply applies both documents, the later over the earlier); apply it by hand to the one you keep"
				} else if ob := obstacle(mf, f.Fix.patch); ob != "" {
					why = "no502 cannot merge it into " + holder + " and check the result: " + ob + "; apply it by hand"
				}
			} else if !appended {
				for _, name := range cands {
					if mf := manifest(name, byPath[name].Src); mf != nil && mf.InList(f.Fix.patch) {
						why = f.Fix.patch.Object() + " is an item of the List in " + name + ", and no502 edits only objects that are documents of their own; apply it by hand"
						break
					}
				}
			}
			f.Fix.guess(why)
		}
	}
	guardRenderedEdits(m, findings)
}

// unresolvedWhy says why a patch has no edits: the manifests tried (cands) do not hold
// its object, or the one that does (holder) cannot take it as block YAML with the check
// of Merge passing, or (appended) the new object cannot go after its neighbour.
func unresolvedWhy(patch k8s.Patch, cands []string, holder string, appended bool) string {
	switch {
	case holder != "":
		// The caller names the YAML in the way when it finds it (Manifest.Obstacle).
		return "no502 cannot merge it into " + holder + " and check that only this object's fields change; apply it by hand"
	case appended:
		return "no502 cannot add it to " + cands[0] + " as a document of its own and check that the other documents stay as they are; apply it by hand"
	case len(cands) == 0:
		return "no manifest of this run holds " + patch.Object() + "; apply it where the object is defined"
	}
	return "no document of " + strings.Join(cands, ", ") + " defines " + patch.Object() + " with this kind, name and namespace; apply it by hand where it is defined"
}

// obstacle is mf.Obstacle(patch), "" for a manifest that did not parse.
func obstacle(mf *k8s.Manifest, patch k8s.Patch) string {
	if mf == nil {
		return ""
	}
	return mf.Obstacle(patch)
}

// candidateFiles lists the Kubernetes files (manifests) that may hold the patched
// object: the finding's own, then those of its related positions.
func candidateFiles(manifests map[string]bool, f *Finding) []string {
	var out []string
	seen := map[string]bool{}
	add := func(name string) {
		if name != "" && !seen[name] {
			seen[name] = true
			if manifests[name] {
				out = append(out, name)
			}
		}
	}
	add(f.Pos.File)
	for _, r := range f.Related {
		add(r.Pos.File)
	}
	return out
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
		failed, ebFile := "", ""
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
			if ef.Embedding.Owner == k8s.EBExtensionsOwner {
				// An Elastic Beanstalk config's files: entry: no502 does not write into
				// it (the proof HostEdits makes is a ConfigMap's).
				out, failed, ebFile = nil, ef.Embedding.Host, ef.Embedding.Key
				break
			}
			host := m.File(ef.Embedding.Host)
			var he []parsers.Edit
			ok := host != nil
			if ok {
				he, ok = k8s.HostEdits(ef, host.Src, fix.Edits)
			}
			if !ok {
				out, failed = nil, ef.Embedding.Host // a fix goes in whole or not at all
				break
			}
			out = append(out, he...)
		}
		fix.Edits = out
		switch {
		case ebFile != "":
			fix.guess("no502 does not write fixes into the content: of " + ebFile + " in the Elastic Beanstalk config " + failed + "; apply it by hand")
		case failed != "":
			fix.guess("no502 cannot write it into the ConfigMap in " + failed + " so that the entry reads back exactly as the fixed config (an edit at the block's last line, next to the following key, or text the block scalar cannot hold as it is); apply it by hand")
		}
	}
}
