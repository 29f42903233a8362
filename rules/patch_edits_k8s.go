package rules

import (
	"bytes"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/k8s"
)

// A Kubernetes fix is a strategic merge patch (patch_k8s.go). ResolveEdits turns the
// patches of findings into byte edits of the manifests they patch, so that lint --fix can
// write them: a changed scalar is replaced in place, a missing key is inserted as block
// YAML at the end of its mapping, at that mapping's indentation, and containers merge by
// name. The rest of the file (comments, quoting, order, other documents) stays as it is.
//
// It does not run on every lint: it parses the patched files again with yaml.v3, which a
// plain lint has no use for. Every result is checked: the edited document must decode to
// exactly what the patch merged into the original gives, and must still parse; otherwise
// the finding keeps its snippet and gets no edits. Flow-style YAML ({...}, [...]) on the
// patch's path is left alone the same way.

// ResolveEdits makes the fixes of findings writable into the files they came from: it
// fills in the edits of a Kubernetes patch of an object in one of the model's files, when
// the rule gave none, and moves the edits of config text held in a ConfigMap into the
// manifest (embedded_edits.go).
func ResolveEdits(m *parsers.Model, findings []Finding) {
	mapEmbeddedEdits(m, findings)
	files := map[string]*yamlFile{}
	for i := range findings {
		f := &findings[i]
		if f.Fix == nil || f.Fix.patch == nil || len(f.Fix.Edits) > 0 {
			continue
		}
		for _, name := range candidateFiles(m, f) {
			yf, ok := files[name]
			if !ok {
				yf = readYAMLFile(m, name)
				files[name] = yf
			}
			if yf == nil {
				continue
			}
			if doc := yf.find(f.Fix.patch); doc != nil {
				f.Fix.Edits = yf.patchEdits(doc, f.Fix.patch)
				break
			}
		}
		if len(f.Fix.Edits) == 0 && f.Fix.newObject {
			// A new object (a PodDisruptionBudget) goes right after the document of the
			// object the finding is about.
			if yf := files[f.Pos.File]; yf != nil {
				f.Fix.Edits = yf.appendObject(int(f.Pos.Line), f.Fix.patch)
			}
		}
	}
}

// appendObject inserts patch as a new document after the one holding line.
func (yf *yamlFile) appendObject(line int, patch ymap) []Edit {
	idx := -1
	for i, d := range yf.docs {
		if root := docRoot(d); root != nil && root.Line <= line {
			idx = i
		}
	}
	if idx < 0 {
		return nil
	}
	// The new object lives where its neighbour does: no namespace when that one names
	// none (kubectl apply -n puts both in the same one).
	if scalarAt(valueOf(docRoot(yf.docs[idx]), "metadata"), "namespace") == "" {
		patch = withoutNamespace(patch)
	}
	at, ok := yf.lineStart(yf.endLine(yf.docs[idx]) + 1)
	if !ok {
		return nil
	}
	e := Edit{File: yf.name, Start: at, End: at, New: yf.onNewLine(at, "---\n"+yamlText(patch))}
	docs, err := decodeNodes(ApplyEdits(yf.src, []Edit{e}))
	if err != nil || len(docs) != len(yf.docs)+1 {
		return nil
	}
	var want, got any
	if yaml.Unmarshal([]byte(yamlText(patch)), &want) != nil || docs[idx+1].Decode(&got) != nil || !reflect.DeepEqual(want, got) {
		return nil
	}
	for i, d := range yf.docs {
		j := i
		if i > idx {
			j = i + 1
		}
		var a, b any
		if d.Decode(&a) != nil || docs[j].Decode(&b) != nil || !reflect.DeepEqual(a, b) {
			return nil
		}
	}
	return []Edit{e}
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

// yamlFile is one manifest file parsed with positions.
type yamlFile struct {
	name  string
	src   []byte
	docs  []*yaml.Node // document nodes
	lines []int        // byte offset of each line's start; lines[0] is line 1
	marks []int        // document markers, once computed
}

func readYAMLFile(m *parsers.Model, name string) *yamlFile {
	var src []byte
	for _, f := range m.Files {
		if f.Path == name {
			src = f.Src
			break
		}
	}
	if src == nil {
		return nil
	}
	docs, err := decodeNodes(src)
	if err != nil {
		return nil
	}
	yf := &yamlFile{name: name, src: src, docs: docs, lines: []int{0}}
	for i, c := range src {
		if c == '\n' {
			yf.lines = append(yf.lines, i+1)
		}
	}
	return yf
}

// decodeNodes parses a manifest into document nodes (the k8s parser's fast path where it
// applies: re-reading the patched files is a third of a large --fix run).
func decodeNodes(src []byte) ([]*yaml.Node, error) { return k8s.DecodeDocuments(src) }

// find returns the document whose object the patch names (kind, metadata.name and
// namespace, "default" when absent).
func (yf *yamlFile) find(patch ymap) *yaml.Node {
	kind, _ := patchScalar(patch, "kind")
	md, _ := patchMap(patch, "metadata")
	name, _ := patchScalar(md, "name")
	ns, _ := patchScalar(md, "namespace")
	if ns == "" {
		ns = "default"
	}
	for _, d := range yf.docs {
		root := docRoot(d)
		if root == nil || scalarAt(root, "kind") != kind {
			continue
		}
		dmd := valueOf(root, "metadata")
		dns := scalarAt(dmd, "namespace")
		if dns == "" {
			dns = "default"
		}
		if scalarAt(dmd, "name") == name && dns == ns {
			return d
		}
	}
	return nil
}

// patchEdits computes the edits that merge patch into doc, checked against the merged
// object; nil when they cannot be computed or do not check out.
func (yf *yamlFile) patchEdits(doc *yaml.Node, patch ymap) []Edit {
	root := docRoot(doc)
	var edits []Edit
	if !yf.mergeMapping(root, patch, true, &edits) || len(edits) == 0 {
		return nil
	}
	if !yf.checks(doc, patch, edits) {
		return nil
	}
	return edits
}

// mergeMapping adds to edits what merges patch into the block mapping node. top is true
// for the object's root, whose apiVersion, kind and metadata name the object.
func (yf *yamlFile) mergeMapping(node *yaml.Node, patch ymap, top bool, edits *[]Edit) bool {
	if node == nil || node.Kind != yaml.MappingNode || node.Style&yaml.FlowStyle != 0 || len(node.Content) == 0 {
		return false
	}
	var missing ymap
	for _, kv := range patch {
		if top && (kv.k == "apiVersion" || kv.k == "kind") {
			continue
		}
		val := valueOf(node, kv.k)
		if val == nil {
			missing = append(missing, kv)
			continue
		}
		switch pv := kv.v.(type) {
		case ymap:
			if top && kv.k == "metadata" {
				pv = withoutKeys(pv, "name", "namespace")
				if len(pv) == 0 {
					continue
				}
			}
			if !yf.mergeMapping(val, pv, false, edits) {
				return false
			}
		case []ymap:
			if !yf.mergeNamedList(val, pv, edits) {
				return false
			}
		case int, string:
			e, ok := yf.replaceScalar(val, kv.v)
			if !ok {
				return false
			}
			*edits = append(*edits, e)
		case nil:
			e, ok := yf.deleteEntry(node, kv.k)
			if !ok {
				return false
			}
			*edits = append(*edits, e)
		default:
			return false
		}
	}
	if len(missing) > 0 {
		// Appended after the mapping's last entry, at the column of its keys.
		col := node.Content[0].Column - 1
		var b strings.Builder
		writeMap(&b, missing, col, "")
		at, ok := yf.lineStart(yf.endLine(node) + 1)
		if !ok {
			return false
		}
		*edits = append(*edits, Edit{File: yf.name, Start: at, End: at, New: yf.onNewLine(at, b.String())})
	}
	return true
}

// mergeNamedList merges list items into a block sequence of mappings by their name key.
func (yf *yamlFile) mergeNamedList(seq *yaml.Node, items []ymap, edits *[]Edit) bool {
	if seq.Kind != yaml.SequenceNode || seq.Style&yaml.FlowStyle != 0 {
		return false
	}
	for _, it := range items {
		name, ok := patchScalar(it, "name")
		if !ok {
			return false
		}
		var elem *yaml.Node
		for _, e := range seq.Content {
			if scalarAt(e, "name") == name {
				elem = e
			}
		}
		if elem == nil {
			// A new item (an environment variable): appended after the last one, at the
			// column of their dashes.
			col := seq.Column - 1
			var b strings.Builder
			writeMap(&b, it, col+2, strings.Repeat(" ", col)+"- ")
			at, ok := yf.lineStart(yf.endLine(seq) + 1)
			if !ok {
				return false
			}
			*edits = append(*edits, Edit{File: yf.name, Start: at, End: at, New: yf.onNewLine(at, b.String())})
			continue
		}
		if !yf.mergeMapping(elem, withoutKeys(it, "name"), false, edits) {
			return false
		}
	}
	return true
}

// onNewLine prefixes text inserted at the end of a file that lacks a final newline.
func (yf *yamlFile) onNewLine(at int, text string) string {
	if at == len(yf.src) && len(yf.src) > 0 && yf.src[len(yf.src)-1] != '\n' {
		return "\n" + text
	}
	return text
}

// deleteEntry removes key and its value from a block mapping: the lines from the key's to
// the value's last. The key must start its line (not follow a list's dash).
func (yf *yamlFile) deleteEntry(m *yaml.Node, key string) (Edit, bool) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Value != key {
			continue
		}
		from, ok := yf.lineStart(k.Line)
		if !ok || strings.TrimSpace(string(yf.src[from:from+k.Column-1])) != "" {
			return Edit{}, false
		}
		to, ok := yf.lineStart(yf.endLine(m.Content[i+1]) + 1)
		if !ok {
			return Edit{}, false
		}
		return Edit{File: yf.name, Start: from, End: to, New: ""}, true
	}
	return Edit{}, false
}

// replaceScalar replaces a single-line scalar with v written as the patch writes it, or a
// one-line flow list ([a, b]) with the patch's flow list.
func (yf *yamlFile) replaceScalar(node *yaml.Node, v any) (Edit, bool) {
	flow := node.Kind == yaml.SequenceNode && node.Style&yaml.FlowStyle != 0
	if s, ok := v.(string); flow && !(ok && strings.HasPrefix(s, "[")) {
		return Edit{}, false
	}
	if !flow && (node.Kind != yaml.ScalarNode || node.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 || node.Tag == "!!null" && node.Value == "") {
		return Edit{}, false
	}
	start, ok := yf.offset(node.Line, node.Column)
	if !ok {
		return Edit{}, false
	}
	end := scalarEnd(yf.src, start)
	if flow {
		end = flowEnd(yf.src, start)
	}
	if end <= start {
		return Edit{}, false
	}
	var b strings.Builder
	writeMap(&b, ymap{{"x", v}}, 0, "")
	text := strings.TrimSuffix(strings.TrimPrefix(b.String(), "x: "), "\n")
	return Edit{File: yf.name, Start: start, End: end, New: text}, true
}

// scalarEnd returns where the single-line scalar token starting at start ends: after its
// closing quote, or before a comment or the end of the line for a plain one.
func scalarEnd(src []byte, start int) int {
	switch src[start] {
	case '"':
		for i := start + 1; i < len(src) && src[i] != '\n'; i++ {
			switch src[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return -1
	case '\'':
		for i := start + 1; i < len(src) && src[i] != '\n'; i++ {
			if src[i] == '\'' {
				if i+1 < len(src) && src[i+1] == '\'' {
					i++
					continue
				}
				return i + 1
			}
		}
		return -1
	}
	end := start
	for i := start; i < len(src) && src[i] != '\n'; i++ {
		if src[i] == '#' && i > start && (src[i-1] == ' ' || src[i-1] == '\t') {
			break
		}
		end = i + 1
	}
	for end > start && (src[end-1] == ' ' || src[end-1] == '\t' || src[end-1] == '\r') {
		end--
	}
	return end
}

// flowEnd returns the end of a one-line flow list starting at start ('['), skipping
// quoted strings; -1 when it does not close on that line.
func flowEnd(src []byte, start int) int {
	depth := 0
	for i := start; i < len(src) && src[i] != '\n'; i++ {
		switch src[i] {
		case '"', '\'':
			end := scalarEnd(src, i)
			if end < 0 {
				return -1
			}
			i = end - 1
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// endLine returns the last source line of a node's content: the greatest line among its
// descendants, counting the lines a block scalar spans.
func (yf *yamlFile) endLine(n *yaml.Node) int {
	last := n.Line
	if n.Kind == yaml.ScalarNode && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		last = n.Line + strings.Count(strings.TrimRight(n.Value, "\n"), "\n") + 1
	}
	for _, c := range n.Content {
		if l := yf.endLine(c); l > last {
			last = l
		}
	}
	return last
}

// lineStart returns the byte offset where a line starts; the line after the last is the
// end of the file.
func (yf *yamlFile) lineStart(line int) (int, bool) {
	switch {
	case line >= 1 && line <= len(yf.lines):
		return yf.lines[line-1], true
	case line == len(yf.lines)+1:
		return len(yf.src), true
	}
	return 0, false
}

func (yf *yamlFile) offset(line, col int) (int, bool) {
	at, ok := yf.lineStart(line)
	if !ok || at+col-1 > len(yf.src) {
		return 0, false
	}
	return at + col - 1, true
}

// checks applies the edits and compares the edited document with the patch merged into
// the original, as plain data; the whole file must still parse.
func (yf *yamlFile) checks(doc *yaml.Node, patch ymap, edits []Edit) bool {
	idx := -1
	for i, d := range yf.docs {
		if d == doc {
			idx = i
		}
	}
	if idx < 0 {
		return false
	}
	edited, ok := yf.editedDocument(idx, edits)
	if !ok {
		return false
	}
	var want, got any
	var p map[string]any
	if doc.Decode(&want) != nil || edited.Decode(&got) != nil || yaml.Unmarshal([]byte(yamlText(patch)), &p) != nil {
		return false
	}
	// apiVersion, kind, metadata.name and namespace name the object; they change nothing.
	delete(p, "apiVersion")
	delete(p, "kind")
	if md, ok := p["metadata"].(map[string]any); ok {
		delete(md, "name")
		delete(md, "namespace")
	}
	return reflect.DeepEqual(mergeData(want, p), got)
}

// editedDocument applies edits and returns document idx of the result. When the edits lie
// within the document's part of the file (between its "---" lines), only that part is
// parsed again: a large manifest is not re-read for each of its findings. Otherwise the
// whole file is, and must keep its number of documents.
func (yf *yamlFile) editedDocument(idx int, edits []Edit) (*yaml.Node, bool) {
	root := docRoot(yf.docs[idx])
	if root != nil {
		if at, ok := yf.lineStart(root.Line); ok {
			start, end := 0, len(yf.src)
			for _, m := range yf.markers() {
				if m <= at {
					start = m
				} else {
					end = m
					break
				}
			}
			inside := true
			var shifted []Edit
			for _, e := range edits {
				if e.Start < start || e.End > end {
					inside = false
					break
				}
				e.Start, e.End = e.Start-start, e.End-start
				shifted = append(shifted, e)
			}
			if inside {
				docs, err := decodeNodes(ApplyEdits(yf.src[start:end], shifted))
				if err != nil || len(docs) != 1 {
					return nil, false
				}
				return docs[0], true
			}
		}
	}
	docs, err := decodeNodes(ApplyEdits(yf.src, edits))
	if err != nil || len(docs) != len(yf.docs) {
		return nil, false
	}
	return docs[idx], true
}

// markers returns the offsets of the file's document markers: lines that start with "---"
// followed by nothing, a space or a tab.
func (yf *yamlFile) markers() []int {
	if yf.marks == nil {
		yf.marks = []int{}
		for _, ls := range yf.lines {
			rest := yf.src[ls:]
			if bytes.HasPrefix(rest, []byte("---")) && (len(rest) == 3 || rest[3] == '\n' || rest[3] == '\r' || rest[3] == ' ' || rest[3] == '\t') {
				yf.marks = append(yf.marks, ls)
			}
		}
	}
	return yf.marks
}

// mergeData is the strategic merge of the shapes the fixes emit: mappings merge, null
// deletes, lists of named mappings merge by name, anything else replaces.
func mergeData(dst, patch any) any {
	switch p := patch.(type) {
	case map[string]any:
		d, ok := dst.(map[string]any)
		if !ok {
			return p
		}
		for k, v := range p {
			if v == nil {
				delete(d, k) // null deletes
				continue
			}
			d[k] = mergeData(d[k], v)
		}
		return d
	case []any:
		d, ok := dst.([]any)
		if !ok || !namedItems(p) {
			return p
		}
		for _, pv := range p {
			pm, _ := pv.(map[string]any)
			merged := false
			for i, dv := range d {
				dm, _ := dv.(map[string]any)
				if pm != nil && dm != nil && pm["name"] != nil && dm["name"] == pm["name"] {
					d[i] = mergeData(dm, pm)
					merged = true
				}
			}
			if !merged {
				d = append(d, pv)
			}
		}
		return d
	}
	return patch
}

// namedItems reports whether every item of a list is a mapping with a name (containers,
// env): such lists merge by name; others replace.
func namedItems(l []any) bool {
	for _, v := range l {
		m, ok := v.(map[string]any)
		if !ok || m["name"] == nil {
			return false
		}
	}
	return len(l) > 0
}

func docRoot(d *yaml.Node) *yaml.Node {
	if d == nil || d.Kind != yaml.DocumentNode || len(d.Content) == 0 {
		return nil
	}
	return d.Content[0]
}

// valueOf returns the value of key in a mapping node, or nil.
func valueOf(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalarAt(m *yaml.Node, key string) string {
	if v := valueOf(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

func patchScalar(m ymap, key string) (string, bool) {
	for _, kv := range m {
		if kv.k == key {
			s, ok := kv.v.(string)
			return s, ok
		}
	}
	return "", false
}

func patchMap(m ymap, key string) (ymap, bool) {
	for _, kv := range m {
		if kv.k == key {
			v, ok := kv.v.(ymap)
			return v, ok
		}
	}
	return nil, false
}

// withoutNamespace returns patch without metadata.namespace.
func withoutNamespace(patch ymap) ymap {
	var out ymap
	for _, kv := range patch {
		if md, ok := kv.v.(ymap); ok && kv.k == "metadata" {
			kv = ykv{kv.k, withoutKeys(md, "namespace")}
		}
		out = append(out, kv)
	}
	return out
}

func withoutKeys(m ymap, keys ...string) ymap {
	var out ymap
outer:
	for _, kv := range m {
		for _, k := range keys {
			if kv.k == k {
				continue outer
			}
		}
		out = append(out, kv)
	}
	return out
}
