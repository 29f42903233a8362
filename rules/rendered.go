package rules

import (
	"github.com/no502/no502/parsers"
)

// Rendered output (helm template, kustomize build): a finding keeps its position in the
// stream the user linted and names the template or resource the document came from; a
// fix that would edit a rendered document stays a snippet naming that source, because
// the next render throws the edit away (docs/decisions.md, "Helm/Kustomize and hostPort").

// renderedIndex finds the rendered documents of a run's files.
type renderedIndex struct {
	m     *parsers.Model
	files map[string]*parsers.File // the files holding rendered documents, by path
}

func newRenderedIndex(m *parsers.Model) *renderedIndex {
	var ix *renderedIndex
	for _, f := range m.Files {
		if len(f.Rendered) == 0 {
			continue
		}
		if ix == nil {
			ix = &renderedIndex{m: m, files: map[string]*parsers.File{}}
		}
		ix.files[f.Path] = f
	}
	return ix
}

// at returns the rendered document holding pos.
func (ix *renderedIndex) at(pos parsers.Pos) (parsers.Rendered, bool) {
	f := ix.files[pos.File]
	if f == nil || !pos.IsValid() {
		return parsers.Rendered{}, false
	}
	return f.RenderedAt(int(pos.Line))
}

// edited returns the rendered document an edit falls in. An edit of config text held
// in a ConfigMap is traced through the ConfigMap to its host file.
func (ix *renderedIndex) edited(e parsers.Edit) (parsers.Rendered, bool) {
	f := ix.m.File(e.File)
	if f == nil {
		return parsers.Rendered{}, false
	}
	line, _ := parsers.LineCol(f.Src, e.Start)
	path := f.Path
	if f.Embedding != nil {
		path, line = f.Embedding.Host, f.Embedding.Line+line-1
	}
	if host := ix.files[path]; host != nil {
		return host.RenderedAt(line)
	}
	return parsers.Rendered{}, false
}

// object returns the rendered document holding the object kind/ns/name (ns "": any
// namespace: a patch of an object written without one names none).
func (ix *renderedIndex) object(kind, ns, name string) (parsers.Rendered, bool) {
	if kind == "" || name == "" {
		return parsers.Rendered{}, false
	}
	for _, f := range ix.files {
		for _, r := range f.Rendered {
			if r.Kind == kind && r.Name == name && (ns == "" || r.Namespace == ns) {
				return r, true
			}
		}
	}
	return parsers.Rendered{}, false
}

// fixTarget returns the rendered document a fix of f would write into: one its edits
// fall in, the object its patch names, or, for a patch that adds a new object after
// the finding's document (a PodDisruptionBudget), that document.
func (ix *renderedIndex) fixTarget(f *Finding) (parsers.Rendered, bool) {
	fix := f.Fix
	for _, e := range fix.Edits {
		if r, ok := ix.edited(e); ok {
			return r, true
		}
	}
	if fix.patch != nil {
		if fix.newObject {
			if r, ok := ix.at(f.Pos); ok {
				return r, true
			}
		}
		if r, ok := ix.object(patchObject(fix.patch)); ok {
			return r, true
		}
	}
	return parsers.Rendered{}, false
}

// attributeRendered names, on each finding and related position in a rendered
// document, the source it was rendered from, and keeps the fixes that would edit a
// rendered document as snippets that name the source to change.
func attributeRendered(m *parsers.Model, findings []Finding) {
	ix := newRenderedIndex(m)
	if ix == nil {
		return
	}
	for i := range findings {
		f := &findings[i]
		if r, ok := ix.at(f.Pos); ok {
			f.RenderedFrom = r.From
		}
		for j := range f.Related {
			if r, ok := ix.at(f.Related[j].Pos); ok {
				f.Related[j].RenderedFrom = r.From
			}
		}
		switch {
		case f.Fix == nil:
		case f.Fix.SnippetOnly():
			// Already a snippet (a guessed probe path): still say where it goes.
			if f.RenderedFrom != "" {
				f.Fix.Description += " (rendered: make this change in " + f.RenderedFrom + ")"
			}
		default:
			if r, ok := ix.fixTarget(f); ok {
				f.Fix.guess(renderedWhy(r))
			}
		}
	}
}

// guardRenderedEdits is attributeRendered's check again once ResolveEdits has placed the
// patches: an edit that landed in a rendered document (an object the patch named in a
// way the index did not match) is not written either.
func guardRenderedEdits(m *parsers.Model, findings []Finding) {
	ix := newRenderedIndex(m)
	if ix == nil {
		return
	}
	for i := range findings {
		fix := findings[i].Fix
		if fix == nil || fix.SnippetOnly() {
			continue
		}
		for _, e := range fix.Edits {
			if r, ok := ix.edited(e); ok {
				fix.guess(renderedWhy(r))
				break
			}
		}
	}
}

// renderedWhy says why a fix of a rendered document is not written, naming the source.
func renderedWhy(r parsers.Rendered) string {
	tool := "helm template"
	if r.By == "kustomize" {
		tool = "kustomize"
	}
	return "rendered by " + tool + " from " + r.From + ": make this change there, the next render replaces the rendered text"
}
