package k8s

import (
	"bytes"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// HostEdits maps the edits of config text held in a ConfigMap (ef, an embedded file;
// the edits naming it) into its host manifest's source: each offset moves to its line in
// the block scalar, and every line an edit inserts gets the block's indentation. The
// result is checked: the ConfigMap entry of the edited manifest must read exactly as the
// edited text does; otherwise ok is false and the edits must not be written.
func HostEdits(ef *parsers.File, host []byte, edits []parsers.Edit) ([]parsers.Edit, bool) {
	e := ef.Embedding
	src := ef.Src
	var lineStarts []int // of the embedded text
	lineStarts = append(lineStarts, 0)
	for i, c := range src {
		if c == '\n' {
			lineStarts = append(lineStarts, i+1)
		}
	}
	var hostLines []int
	hostLines = append(hostLines, 0)
	for i, c := range host {
		if c == '\n' {
			hostLines = append(hostLines, i+1)
		}
	}
	indent := strings.Repeat(" ", e.Indent)
	// offset maps an offset of the embedded text to the host: the same column of the
	// line e.Line+L-1, past the block's indentation (an empty line may have none).
	offset := func(o int) (at int, bare, ok bool) {
		if o < 0 || o >= len(src) {
			return 0, false, false // the block's end borders the next key: not mapped
		}
		l := 0
		for l+1 < len(lineStarts) && lineStarts[l+1] <= o {
			l++
		}
		hl := e.Line + l - 1 // 0-based index into hostLines
		if hl < 0 || hl >= len(hostLines) {
			return 0, false, false
		}
		start := hostLines[hl]
		end := len(host)
		if hl+1 < len(hostLines) {
			end = hostLines[hl+1]
		}
		ind := e.Indent
		if l == 0 {
			ind = e.Col - 1
		}
		if start+ind > end-1 {
			ind, bare = max(end-1-start, 0), true // an empty line without the indentation
		}
		return start + ind + (o - lineStarts[l]), bare, true
	}
	var out, mine []parsers.Edit
	for _, ed := range edits {
		if ed.File != ef.Path {
			continue
		}
		mine = append(mine, ed)
		s, bareStart, ok1 := offset(ed.Start)
		end, bareEnd, ok2 := offset(ed.End)
		if !ok1 || !ok2 {
			return nil, false
		}
		// Lines the edit starts after a newline get the block's indentation; the last
		// newline's line is the rest of the old line, which keeps its own. An empty line
		// of the block has none to keep or to lend.
		// Blank lines stay blank (no trailing spaces).
		parts := strings.Split(ed.New, "\n")
		for i := 1; i < len(parts); i++ {
			if parts[i] != "" || i == len(parts)-1 && !bareEnd {
				parts[i] = indent + parts[i]
			}
		}
		text := strings.Join(parts, "\n")
		if bareStart && text != "" {
			text = indent + text
		}
		out = append(out, parsers.Edit{File: e.Host, Start: s, End: end, New: text})
	}
	// Check: the host's entry, decoded, is the edited text, and nothing else of the host
	// changed (an alias of the entry, *conf in another key, would change with it).
	want := parsers.ApplyEdits(src, mine)
	edited := parsers.ApplyEdits(host, out)
	got, ok := configMapEntry(edited, e)
	if !ok || !bytes.Equal(got, want) || !onlyEntryChanged(host, edited, e, string(want)) {
		return nil, false
	}
	return out, true
}

// onlyEntryChanged reports whether the host's documents, decoded, are the same before and
// after but for the entry e embeds, which after reads want.
func onlyEntryChanged(before, after []byte, e *parsers.Embedded, want string) bool {
	key := e.Key
	parts := strings.SplitN(e.Owner, "/", 3) // ConfigMap/namespace/name
	a, err1 := decodeNodes(before)
	b, err2 := decodeNodes(after)
	if err1 != nil || err2 != nil || len(a) != len(b) || len(parts) != 3 {
		return false
	}
	for i := range a {
		var x, y any
		if a[i].Decode(&x) != nil || b[i].Decode(&y) != nil {
			return false
		}
		if m, ok := x.(map[string]any); ok && m["kind"] == "ConfigMap" {
			md, _ := m["metadata"].(map[string]any)
			ns, _ := md["namespace"].(string)
			if ns == "" {
				ns = "default"
			}
			if data, ok := m["data"].(map[string]any); ok && md["name"] == parts[2] && ns == parts[1] {
				if _, has := data[key]; has {
					data[key] = want
				}
			}
		}
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

// configMapEntry reads the value of the entry e embeds ("cm.yaml#nginx.conf") from the
// ConfigMap e.Owner names, in a host file's source.
func configMapEntry(host []byte, e *parsers.Embedded) ([]byte, bool) {
	key := e.Key
	parts := strings.SplitN(e.Owner, "/", 3) // ConfigMap/namespace/name
	if len(parts) != 3 {
		return nil, false
	}
	docs, err := decodeNodes(host)
	if err != nil {
		return nil, false
	}
	for _, d := range docs {
		root := docRoot(d)
		if root == nil || scalarAt(root, "kind") != "ConfigMap" {
			continue
		}
		md := valueOf(root, "metadata")
		ns := scalarAt(md, "namespace")
		if ns == "" {
			ns = "default"
		}
		if scalarAt(md, "name") != parts[2] || ns != parts[1] {
			continue
		}
		v := valueOf(valueOf(root, "data"), key)
		if v == nil || v.Kind != yaml.ScalarNode || v.Style != yaml.LiteralStyle {
			return nil, false
		}
		return []byte(v.Value), true
	}
	return nil, false
}
