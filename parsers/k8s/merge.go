package k8s

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// Merging a strategic merge patch (a Patch) into a manifest as byte edits. It parses the
// patched file again with yaml.v3 (with positions), which a plain lint has no use for, so
// it runs only when a run writes or shows the edits.

// Manifest is one manifest file parsed with positions, to merge patches into. Read each
// file once for all the patches of a run: ReadManifest parses it.
type Manifest struct {
	name  string
	src   []byte
	docs  []*yaml.Node  // document nodes
	lines parsers.Lines // where each line starts
	marks []int         // document markers, once computed
	// arena holds the fast decoder's buffers for every decode of this file (the file,
	// each edited document, each patch): a fresh one costs a slab of nodes each time.
	arena *fastArena
}

// ReadManifest parses the manifest file name whose source is src; nil when it does not
// parse.
func ReadManifest(name string, src []byte) *Manifest {
	if src == nil {
		return nil
	}
	mf := &Manifest{name: name, src: src, arena: &fastArena{}}
	docs, err := mf.decodeNodes(src)
	if err != nil {
		return nil
	}
	mf.docs, mf.lines = docs, parsers.NewLines(src)
	return mf
}

// decodeNodes parses a manifest into document nodes (the fast block-YAML path where it
// applies: re-reading the patched files is a third of a large --fix run).
func decodeNodes(src []byte) ([]*yaml.Node, error) { return DecodeDocuments(src) }

// decodeNodes is decodeNodes with the manifest's buffers.
func (mf *Manifest) decodeNodes(src []byte) ([]*yaml.Node, error) {
	return decodeDocuments(src, mf.arena)
}

// Merge returns the edits that merge patch into the object it names (kind,
// metadata.name and namespace, "default" when absent): a changed scalar is replaced in
// place, a missing key is inserted as block YAML at the end of its mapping, at that
// mapping's indentation, and containers merge by name; the rest of the file (comments,
// quoting, order, other documents) stays as it is. The result is checked: the edited
// document must decode to exactly what the patch merged into the original gives, and
// the file must still parse; otherwise, and for flow-style YAML on the patch's path, the
// edits are nil. found reports whether the file holds the object.
//
// An object the file defines twice (two documents with its kind, name and namespace,
// such as one per apiVersion) is found but not edited: kubectl apply applies both, the
// later over the earlier, and which one the finding is about is a guess (Defines).
func (mf *Manifest) Merge(patch Patch) (edits []parsers.Edit, found bool) {
	docs := mf.find(patch)
	if len(docs) == 1 {
		return mf.patchEdits(docs[0], patch), true
	}
	return nil, len(docs) > 0
}

// Defines counts the documents of the file that define the object patch names.
func (mf *Manifest) Defines(patch Patch) int { return len(mf.find(patch)) }

// AppendObject returns the edit that inserts patch as a new object: a document of its own
// right after the one holding line, checked to decode to the patch and to leave every
// other document as it was; nil when it does not check out.
func (mf *Manifest) AppendObject(line int, patch Patch) []parsers.Edit {
	idx := -1
	for i, d := range mf.docs {
		if root := docRoot(d); root != nil && root.Line <= line {
			idx = i
		}
	}
	if idx < 0 {
		return nil
	}
	// The new object lives where its neighbour does: no namespace when that one names
	// none (kubectl apply -n puts both in the same one).
	if scalarAt(valueOf(docRoot(mf.docs[idx]), "metadata"), "namespace") == "" {
		patch = withoutNamespace(patch)
	}
	at, ok := mf.lineStart(mf.endLine(mf.docs[idx]) + 1)
	if !ok {
		return nil
	}
	e := parsers.Edit{File: mf.name, Start: at, End: at, New: mf.onNewLine(at, "---\n"+patch.Text())}
	docs, err := mf.decodeNodes(parsers.ApplyEdits(mf.src, []parsers.Edit{e}))
	if err != nil || len(docs) != len(mf.docs)+1 {
		return nil
	}
	var want, got any
	if yaml.Unmarshal([]byte(patch.Text()), &want) != nil || docs[idx+1].Decode(&got) != nil || !reflect.DeepEqual(want, got) {
		return nil
	}
	for i, d := range mf.docs {
		j := i
		if i > idx {
			j = i + 1
		}
		var a, b any
		if d.Decode(&a) != nil || docs[j].Decode(&b) != nil || !reflect.DeepEqual(a, b) {
			return nil
		}
	}
	return []parsers.Edit{e}
}

// find returns the documents that define the object the patch names.
func (mf *Manifest) find(patch Patch) []*yaml.Node {
	kind, _ := patchScalar(patch, "kind")
	md, _ := patchMap(patch, "metadata")
	name, _ := patchScalar(md, "name")
	ns, _ := patchScalar(md, "namespace")
	if ns == "" {
		ns = "default"
	}
	var out []*yaml.Node
	for _, d := range mf.docs {
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
			out = append(out, d)
		}
	}
	return out
}

// patchEdits computes the edits that merge patch into doc, checked against the merged
// object; nil when they cannot be computed or do not check out.
func (mf *Manifest) patchEdits(doc *yaml.Node, patch Patch) []parsers.Edit {
	root := docRoot(doc)
	var edits []parsers.Edit
	if !mf.mergeMapping(root, patch, true, &edits) || len(edits) == 0 {
		return nil
	}
	if !mf.checks(doc, patch, edits) {
		return nil
	}
	return edits
}

// mergeMapping adds to edits what merges patch into the block mapping node. top is true
// for the object's root, whose apiVersion, kind and metadata name the object.
func (mf *Manifest) mergeMapping(node *yaml.Node, patch Patch, top bool, edits *[]parsers.Edit) bool {
	if node == nil || node.Kind != yaml.MappingNode || node.Style&yaml.FlowStyle != 0 || len(node.Content) == 0 || mergeKeyLine(node) > 0 {
		return false
	}
	var missing Patch
	for _, kv := range patch {
		if top && (kv.K == "apiVersion" || kv.K == "kind") {
			continue
		}
		val := valueOf(node, kv.K)
		if val == nil {
			missing = append(missing, kv)
			continue
		}
		switch pv := kv.V.(type) {
		case Patch:
			if top && kv.K == "metadata" {
				pv = withoutKeys(pv, "name", "namespace")
				if len(pv) == 0 {
					continue
				}
			}
			if !mf.mergeMapping(val, pv, false, edits) {
				return false
			}
		case []Patch:
			if !mf.mergeNamedList(val, pv, edits) {
				return false
			}
		case int, string:
			e, ok := mf.replaceScalar(val, kv.V)
			if !ok {
				return false
			}
			*edits = append(*edits, e)
		case nil:
			e, ok := mf.deleteEntry(node, kv.K)
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
		at, ok := mf.lineStart(mf.endLine(node) + 1)
		if !ok {
			return false
		}
		*edits = append(*edits, parsers.Edit{File: mf.name, Start: at, End: at, New: mf.onNewLine(at, b.String())})
	}
	return true
}

// mergeNamedList merges list items into a block sequence of mappings by their name key.
func (mf *Manifest) mergeNamedList(seq *yaml.Node, items []Patch, edits *[]parsers.Edit) bool {
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
			at, ok := mf.lineStart(mf.endLine(seq) + 1)
			if !ok {
				return false
			}
			*edits = append(*edits, parsers.Edit{File: mf.name, Start: at, End: at, New: mf.onNewLine(at, b.String())})
			continue
		}
		if !mf.mergeMapping(elem, withoutKeys(it, "name"), false, edits) {
			return false
		}
	}
	return true
}

// onNewLine prefixes text inserted at the end of a file that lacks a final newline.
func (mf *Manifest) onNewLine(at int, text string) string {
	if at == len(mf.src) && len(mf.src) > 0 && mf.src[len(mf.src)-1] != '\n' {
		return "\n" + text
	}
	return text
}

// deleteEntry removes key and its value from a block mapping: the lines from the key's to
// the value's last. The key must start its line (not follow a list's dash).
func (mf *Manifest) deleteEntry(m *yaml.Node, key string) (parsers.Edit, bool) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Value != key {
			continue
		}
		from, ok := mf.lineStart(k.Line)
		if !ok || strings.TrimSpace(string(mf.src[from:from+k.Column-1])) != "" {
			return parsers.Edit{}, false
		}
		to, ok := mf.lineStart(mf.endLine(m.Content[i+1]) + 1)
		if !ok {
			return parsers.Edit{}, false
		}
		return parsers.Edit{File: mf.name, Start: from, End: to, New: ""}, true
	}
	return parsers.Edit{}, false
}

// replaceScalar replaces a single-line scalar with v written as the patch writes it, or a
// one-line flow list ([a, b]) with the patch's flow list.
func (mf *Manifest) replaceScalar(node *yaml.Node, v any) (parsers.Edit, bool) {
	flow := node.Kind == yaml.SequenceNode && node.Style&yaml.FlowStyle != 0
	if s, ok := v.(string); flow && !(ok && strings.HasPrefix(s, "[")) {
		return parsers.Edit{}, false
	}
	if !flow && (node.Kind != yaml.ScalarNode || node.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 || node.Tag == "!!null" && node.Value == "") {
		return parsers.Edit{}, false
	}
	start, ok := mf.offset(node.Line, node.Column)
	if !ok {
		return parsers.Edit{}, false
	}
	end := lineScalarEnd(mf.src, start)
	if flow {
		end = flowEnd(mf.src, start)
	}
	if end <= start {
		return parsers.Edit{}, false
	}
	var b strings.Builder
	writeMap(&b, Patch{{K: "x", V: v}}, 0, "")
	text := strings.TrimSuffix(strings.TrimPrefix(b.String(), "x: "), "\n")
	return parsers.Edit{File: mf.name, Start: start, End: end, New: text}, true
}

// lineScalarEnd returns where the single-line scalar token starting at start ends: after its
// closing quote, or before a comment or the end of the line for a plain one.
func lineScalarEnd(src []byte, start int) int {
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
			end := lineScalarEnd(src, i)
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
func (mf *Manifest) endLine(n *yaml.Node) int {
	last := n.Line
	if n.Kind == yaml.ScalarNode && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		last = n.Line + strings.Count(strings.TrimRight(n.Value, "\n"), "\n") + 1
	}
	for _, c := range n.Content {
		if l := mf.endLine(c); l > last {
			last = l
		}
	}
	return last
}

// lineStart returns the byte offset where a line starts; the line after the last is the
// end of the file.
func (mf *Manifest) lineStart(line int) (int, bool) {
	switch {
	case line >= 1 && line <= mf.lines.Count():
		return mf.lines.Start(line), true
	case line == mf.lines.Count()+1:
		return len(mf.src), true
	}
	return 0, false
}

func (mf *Manifest) offset(line, col int) (int, bool) {
	at, ok := mf.lineStart(line)
	if !ok || at+col-1 > len(mf.src) {
		return 0, false
	}
	return at + col - 1, true
}

// checks applies the edits and compares the edited document with the patch merged into
// the original, as plain data; the whole file must still parse.
func (mf *Manifest) checks(doc *yaml.Node, patch Patch, edits []parsers.Edit) bool {
	idx := -1
	for i, d := range mf.docs {
		if d == doc {
			idx = i
		}
	}
	if idx < 0 {
		return false
	}
	edited, ok := mf.editedDocument(idx, edits)
	if !ok {
		return false
	}
	return mf.quickChecks(doc, edited, patch) || decodedChecks(doc, edited, patch)
}

// decodedChecks compares the edited document with the patch merged into the original
// as yaml.v3 decodes them.
func decodedChecks(doc, edited *yaml.Node, patch Patch) bool {
	var want, got any
	var p map[string]any
	if doc.Decode(&want) != nil || edited.Decode(&got) != nil || yaml.Unmarshal([]byte(patch.Text()), &p) != nil {
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
func (mf *Manifest) editedDocument(idx int, edits []parsers.Edit) (*yaml.Node, bool) {
	root := docRoot(mf.docs[idx])
	if root != nil {
		if at, ok := mf.lineStart(root.Line); ok {
			start, end := 0, len(mf.src)
			for _, m := range mf.markers() {
				if m <= at {
					start = m
				} else {
					end = m
					break
				}
			}
			inside := true
			var shifted []parsers.Edit
			for _, e := range edits {
				if e.Start < start || e.End > end {
					inside = false
					break
				}
				e.Start, e.End = e.Start-start, e.End-start
				shifted = append(shifted, e)
			}
			if inside {
				docs, err := mf.decodeNodes(parsers.ApplyEdits(mf.src[start:end], shifted))
				if err != nil || len(docs) != 1 {
					return nil, false
				}
				return docs[0], true
			}
		}
	}
	docs, err := mf.decodeNodes(parsers.ApplyEdits(mf.src, edits))
	if err != nil || len(docs) != len(mf.docs) {
		return nil, false
	}
	return docs[idx], true
}

// markers returns the offsets of the file's document markers: lines that start with "---"
// followed by nothing, a space or a tab.
func (mf *Manifest) markers() []int {
	if mf.marks == nil {
		mf.marks = []int{}
		for n := 1; n <= mf.lines.Count(); n++ {
			ls := mf.lines.Start(n)
			rest := mf.src[ls:]
			if bytes.HasPrefix(rest, []byte("---")) && (len(rest) == 3 || rest[3] == '\n' || rest[3] == '\r' || rest[3] == ' ' || rest[3] == '\t') {
				mf.marks = append(mf.marks, ls)
			}
		}
	}
	return mf.marks
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

func patchScalar(m Patch, key string) (string, bool) {
	for _, kv := range m {
		if kv.K == key {
			s, ok := kv.V.(string)
			return s, ok
		}
	}
	return "", false
}

func patchMap(m Patch, key string) (Patch, bool) {
	for _, kv := range m {
		if kv.K == key {
			v, ok := kv.V.(Patch)
			return v, ok
		}
	}
	return nil, false
}

// withoutNamespace returns patch without metadata.namespace.
func withoutNamespace(patch Patch) Patch {
	var out Patch
	for _, kv := range patch {
		if md, ok := kv.V.(Patch); ok && kv.K == "metadata" {
			kv = KV{K: kv.K, V: withoutKeys(md, "namespace")}
		}
		out = append(out, kv)
	}
	return out
}

func withoutKeys(m Patch, keys ...string) Patch {
	var out Patch
outer:
	for _, kv := range m {
		for _, k := range keys {
			if kv.K == k {
				continue outer
			}
		}
		out = append(out, kv)
	}
	return out
}

// Object names the object patch is for, as messages do: "Deployment web".
func (m Patch) Object() string {
	kind, _ := patchScalar(m, "kind")
	md, _ := patchMap(m, "metadata")
	name, _ := patchScalar(md, "name")
	return kind + " " + name
}

// InList reports whether the file holds the object patch names only as an item of a
// List document (kind: List, DeploymentList...), which kubectl applies item by item
// and Merge does not edit.
func (mf *Manifest) InList(patch Patch) bool {
	kind, _ := patchScalar(patch, "kind")
	md, _ := patchMap(patch, "metadata")
	name, _ := patchScalar(md, "name")
	for _, d := range mf.docs {
		root := docRoot(d)
		if root == nil || !strings.HasSuffix(scalarAt(root, "kind"), "List") {
			continue
		}
		if items := valueOf(root, "items"); items != nil && items.Kind == yaml.SequenceNode {
			for _, it := range items.Content {
				if scalarAt(it, "kind") == kind && scalarAt(valueOf(it, "metadata"), "name") == name {
					return true
				}
			}
		}
	}
	return false
}

// Obstacle says what on the patch's path through its object keeps Merge from writing it
// as block YAML ("line 7 is flow style ({...} or [...])"); "" when nothing on the path
// is in the way (the merged document failed its check) or the file does not hold the
// object once.
func (mf *Manifest) Obstacle(patch Patch) string {
	docs := mf.find(patch)
	if len(docs) != 1 {
		return ""
	}
	return obstacleOnPath(docRoot(docs[0]), patch, true)
}

// obstacleOnPath walks node along patch as mergeMapping does and describes the first
// node Merge refuses to edit.
func obstacleOnPath(node *yaml.Node, patch Patch, top bool) string {
	if node == nil {
		return ""
	}
	if s := nodeObstacle(node); s != "" {
		return s
	}
	for _, kv := range patch {
		if top && (kv.K == "apiVersion" || kv.K == "kind") {
			continue
		}
		val := valueOf(node, kv.K)
		if val == nil {
			continue
		}
		switch pv := kv.V.(type) {
		case Patch:
			if top && kv.K == "metadata" {
				pv = withoutKeys(pv, "name", "namespace")
			}
			if s := obstacleOnPath(val, pv, false); s != "" {
				return s
			}
		case []Patch:
			if s := nodeObstacle(val); s != "" {
				return s
			}
			for _, it := range pv {
				name, _ := patchScalar(it, "name")
				for _, e := range val.Content {
					if scalarAt(e, "name") == name {
						if s := obstacleOnPath(e, withoutKeys(it, "name"), false); s != "" {
							return s
						}
					}
				}
			}
		default:
			if s := nodeObstacle(val); s != "" {
				return s
			}
			if val.Kind == yaml.ScalarNode && val.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
				return fmt.Sprintf("line %d is a block scalar (| or >), which no502 does not rewrite", val.Line)
			}
		}
	}
	return ""
}

// nodeObstacle describes a node Merge does not edit: flow style, an anchor others may
// alias (an edit there changes them too), or an alias (the text is the anchor's).
func nodeObstacle(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.AliasNode:
		return fmt.Sprintf("line %d is an alias (*%s), whose text is its anchor's, shared with every other use", n.Line, n.Value)
	case n.Anchor != "":
		return fmt.Sprintf("line %d defines an anchor (&%s), so an edit there would change every place that uses it too", n.Line, n.Anchor)
	case n.Style&yaml.FlowStyle != 0:
		return fmt.Sprintf("line %d is flow style ({...} or [...]), which no502 does not edit", n.Line)
	case mergeKeyLine(n) > 0:
		return fmt.Sprintf("line %d merges in keys written elsewhere (<<), which no502 neither reads nor edits", mergeKeyLine(n))
	}
	return ""
}

// mergeKeyLine is the line of mapping n's first YAML merge key ("<<: *defaults"), 0 when
// it has none. A key merged in is not where the mapping's text holds it, and one written
// beside it overrides it: no502 neither reads nor edits such a mapping (an appended
// "replicas: 2" would replace a merged "replicas: 3").
func mergeKeyLine(n *yaml.Node) int {
	if n == nil || n.Kind != yaml.MappingNode {
		return 0
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && (k.Tag == "!!merge" || k.Value == "<<" && k.Style == 0) {
			return k.Line
		}
	}
	return 0
}
