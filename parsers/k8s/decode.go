package k8s

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// Limits on hostile input. The YAML decoder already rejects nesting deeper than 10000;
// streams of many tiny documents are bounded by --max-documents and huge files by the
// loader's --max-file-size (one limit, one flag: there is no separate manifest size
// limit).

// object is one Kubernetes object found in a file: its identity, where it sits, and its
// root mapping node for the kind-specific readers.
type object struct {
	src         *source
	node        *yaml.Node // the object's mapping
	apiVersion  string
	kind        string
	name        string
	namespace   string
	pos         parsers.Pos // the kind: line
	block       parsers.Pos
	annotations map[string]annotation

	// Ingress only: read when the object is met, so its node tree can be dropped.
	class string
	paths []ingressPath
}

// annotation keeps an annotation's value with its position and line as written.
type annotation struct {
	value string
	pos   parsers.Pos
	text  string
}

// decodeFile reads every document of one file into objects. Errors and notes go to diags;
// the documents a tool rendered from a source the user edits go to rendered; the spans of
// mappings that YAML merge keys read into other mappings go to shared.
func decodeFile(s *source, maxDocs int, diags *[]parsers.Diag, a *fastArena, rendered *[]parsers.Rendered, shared *[]parsers.Pos) []*object {
	seps := separators(s.src)
	var out []*object
	if docs, ok := fastDecode(s.src, a); ok && len(docs) <= maxDocs {
		for _, doc := range docs {
			root := doc.Content[0]
			if root.Kind != yaml.MappingNode {
				continue
			}
			out = appendObjects(out, s, root, docRange(s, seps, root.Line))
			noteRendered(s, seps, root, rendered)
		}
		return out
	}
	dec := yaml.NewDecoder(bytes.NewReader(s.src))
	for n := 0; ; n++ {
		if n == maxDocs {
			// An error, not a note: what the limit skips is not linted, and the run
			// must not pass as if it were (issue 17).
			*diags = append(*diags, parsers.Errorf(parsers.Pos{File: s.path, Line: 1, Col: 1},
				"stopped after %s; the rest of the file is not analysed (raise --max-documents)", parsers.Plural(maxDocs, "YAML document", "YAML documents")))
			break
		}
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			*diags = append(*diags, yamlError(s, err))
			break
		}
		if len(doc.Content) == 0 {
			continue // comment-only document
		}
		root := deref(doc.Content[0])
		if root == nil || root.Kind != yaml.MappingNode {
			continue
		}
		expandMerges(s, root, shared)
		blk := docRange(s, seps, root.Line)
		out = appendObjects(out, s, root, blk)
		noteRendered(s, seps, root, rendered)
	}
	return out
}

// noteRendered records the document of root in rendered when a tool rendered it.
func noteRendered(s *source, seps []int, root *yaml.Node, rendered *[]parsers.Rendered) {
	if rendered == nil {
		return
	}
	first, last := docLines(s, seps, root.Line)
	if r, ok := renderedDoc(s, root, first, last); ok {
		*rendered = append(*rendered, r)
	}
}

// appendObjects adds root (or, for a List kind, each of its items) as objects.
func appendObjects(out []*object, s *source, root *yaml.Node, blk parsers.Pos) []*object {
	kind := str(root, "kind")
	if strings.HasSuffix(kind, "List") {
		its := items(val(root, "items"))
		for i, it := range its {
			if it.Kind != yaml.MappingNode {
				continue
			}
			r := blk
			r.Offset = int32(s.lineStart(it.Line))
			if i+1 < len(its) {
				r.EndOffset = int32(s.lineStart(its[i+1].Line))
			}
			out = appendObjects(out, s, it, r)
		}
		return out
	}
	if kind == "" || str(root, "apiVersion") == "" {
		return out
	}
	kk, _ := get(root, "kind")
	o := &object{
		src:        s,
		node:       root,
		apiVersion: str(root, "apiVersion"),
		kind:       kind,
		name:       str(root, "metadata", "name"),
		namespace:  str(root, "metadata", "namespace"),
		pos:        s.pos(kk),
		block:      blk,
	}
	if o.namespace == "" {
		o.namespace = "default"
	}
	ks, vs := pairs(val(root, "metadata", "annotations"))
	if len(ks) > 0 {
		o.annotations = make(map[string]annotation, len(ks))
		for i := range ks {
			o.annotations[ks[i].Value] = annotation{value: vs[i].Value, pos: s.pos(vs[i]), text: s.text(ks[i], vs[i])}
		}
	}
	return append(out, o)
}

// separators returns the 1-based lines that hold a document marker (--- or ...).
func separators(src []byte) []int {
	var out []int
	line := 1
	for i := 0; i < len(src); {
		j := bytes.IndexByte(src[i:], '\n')
		end := len(src)
		if j >= 0 {
			end = i + j
		}
		l := src[i:end]
		if bytes.HasPrefix(l, []byte("---")) || bytes.HasPrefix(l, []byte("...")) {
			if len(l) == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r' {
				out = append(out, line)
			}
		}
		if j < 0 {
			break
		}
		i = end + 1
		line++
	}
	return out
}

// docRange is the byte range of the document whose root starts on line: from just after
// the previous separator to the start of the next one.
func docRange(s *source, seps []int, line int) parsers.Pos {
	start, end := 0, len(s.src)
	for _, l := range seps {
		if l < line {
			start = s.lineStart(l + 1)
		} else if l > line {
			end = s.lineStart(l)
			break
		}
	}
	return parsers.ByteRange(s.path, start, end)
}

// yamlError turns a decoder error into a positioned diagnostic.
func yamlError(s *source, err error) parsers.Diag {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	// go-yaml stops at the start of a file that is not UTF-8: point at the byte.
	if strings.Contains(msg, "UTF-8") {
		if off := parsers.InvalidUTF8(s.src); off >= 0 {
			return parsers.Errorf(parsers.CharAt(s.path, s.src, off), "invalid YAML: not UTF-8 (byte 0x%02x)", s.src[off])
		}
	}
	line := 1
	if i := strings.Index(msg, "line "); i >= 0 {
		var l int
		if _, e := fmt.Sscanf(msg[i+5:], "%d", &l); e == nil && l > 0 {
			line = l
			rest := msg[i+5:]
			if j := strings.Index(rest, ": "); j >= 0 {
				msg = rest[j+2:]
			}
		}
	}
	return parsers.Errorf(parsers.Pos{File: s.path, Line: int32(line), Col: 1}, "invalid YAML: %s", msg)
}

// helmChart returns the chart directory of a Helm template (a file with {{ under a
// templates/ directory), or "" when path is not one.
func helmChart(path string, src []byte) string {
	if !bytes.Contains(src, []byte("{{")) || isRenderedStream(src) {
		return ""
	}
	p := filepath.ToSlash(path)
	i := strings.LastIndex(p, "/templates/")
	if i < 0 {
		if strings.HasPrefix(p, "templates/") {
			return "."
		}
		return ""
	}
	return p[:i]
}

// DecodeDocuments parses a manifest file into its document nodes, leaving out documents
// with no content (a comment-only part between "---" lines): through the fast block-YAML
// path when it applies, else yaml.v3, which also reports any syntax error. For code that
// edits manifests by node positions (the fixes); nodes carry no comments but line ones.
func DecodeDocuments(src []byte) ([]*yaml.Node, error) { return decodeDocuments(src, nil) }

// decodeDocuments is DecodeDocuments with the fast path's buffers taken from a (nil for
// fresh ones): the decodes of one manifest share them.
func decodeDocuments(src []byte, a *fastArena) ([]*yaml.Node, error) {
	if docs, ok := fastDecode(src, a); ok {
		out := docs[:0]
		for _, d := range docs {
			if len(d.Content) > 0 {
				out = append(out, d)
			}
		}
		return out, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var out []*yaml.Node
	for {
		var d yaml.Node
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(d.Content) > 0 {
			out = append(out, &d)
		}
	}
}
