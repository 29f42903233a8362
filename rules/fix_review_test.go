package rules

import (
	"reflect"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

func resolveOne(t *testing.T, src string, patch ymap, newObj bool) (edits []Edit, out string) {
	t.Helper()
	m := &parsers.Model{Files: []*parsers.File{{Path: "app.yaml", Format: parsers.FormatK8s, Src: []byte(src)}}}
	fix := k8sFix("t", patch)
	if newObj {
		fix = k8sNewObjectFix("t", patch)
	}
	fs := []Finding{{Pos: parsers.Pos{File: "app.yaml", Line: 1, Col: 1}, Fix: fix}}
	ResolveEdits(m, fs)
	return fs[0].Fix.Edits, string(ApplyEdits([]byte(src), fs[0].Fix.Edits))
}

func decodeAll(s string) ([]any, error) {
	docs, err := decodeNodes([]byte(s))
	if err != nil {
		return nil, err
	}
	var out []any
	for _, d := range docs {
		var v any
		if err := d.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func TestPatchEditsYAMLStyles(t *testing.T) {
	deploy := func(body ...ykv) ymap { return objectPatch("Deployment", "default", "web", body...) }
	replicas := deploy(ykv{"spec", ymap{}.set("replicas", 2)})
	minReady := deploy(ykv{"spec", ymap{}.set("minReadySeconds", 5)})
	grace := deploy(ykv{"spec", ymap{}.set("template", ymap{}.set("spec", ymap{}.set("terminationGracePeriodSeconds", 45)))})
	probe := deploy(ykv{"spec", ymap{}.set("template", ymap{}.set("spec", ymap{}.set("containers", []ymap{ymap{}.set("name", "app").set("readinessProbe", ymap{}.set("failureThreshold", 6))})))})
	env := deploy(ykv{"spec", ymap{}.set("template", ymap{}.set("spec", ymap{}.set("containers", []ymap{ymap{}.set("name", "app").set("env", []ymap{ymap{}.set("name", "X").set("value", `"1"`)})})))})
	patches := map[string]ymap{"replicas": replicas, "minReady": minReady, "grace": grace, "probe": probe, "env": env}
	base := "kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: app\n        image: x\n        env:\n        - name: A\n          value: a\n"
	srcs := map[string]string{
		"base":                base,
		"docstart":            "---\n" + base + "...\n",
		"docend-next":         base + "...\n---\nkind: Service\nmetadata:\n  name: web\n",
		"quotedkeys":          strings.ReplaceAll(strings.ReplaceAll(base, "spec:", "\"spec\":"), "replicas:", "'replicas':"),
		"comments":            strings.Replace(base, "  template:\n", "  # about template\n  template:\n", 1) + "  # trailing comment\n",
		"anchor":              strings.Replace(base, "replicas: 1", "replicas: &r 1", 1) + "  paused: *r\n",
		"anchor2":             strings.Replace(base, "replicas: 1", "replicas: &rä 1", 1),
		"merge":               "kind: Deployment\nmetadata:\n  name: web\nx: &t\n  replicas: 1\nspec:\n  <<: *t\n",
		"tab":                 strings.Replace(base, "replicas: 1", "replicas:\t1", 1),
		"crlf":                strings.ReplaceAll(base, "\n", "\r\n"),
		"crlf-nonl":           strings.TrimSuffix(strings.ReplaceAll(base, "\n", "\r\n"), "\r\n"),
		"nonl":                strings.TrimSuffix(base, "\n"),
		"emptydocs":           "---\n---\n" + base + "---\n",
		"blockscalar+":        strings.Replace(base, "        image: x\n", "        args: |+\n          a\n\n", 1),
		"blockscalar-empty":   base + "        command: |\n",
		"folded":              base + "        note: >\n          a\n          b\n",
		"multiline":           base + "        note: a\n          b\n",
		"indentless":          base,
		"seqindented":         strings.ReplaceAll(base, "      - name: app\n        image: x\n        env:\n        - name: A\n          value: a\n", "        - name: app\n          image: x\n          env:\n            - name: A\n              value: a\n"),
		"nonascii":            strings.Replace(base, "name: web\n", "name: web\n  annotations: {ä: ö}\n", 1),
		"nonascii-val":        strings.Replace(base, "        image: x\n", "        image: \"ü\"  # ü\n", 1),
		"dup-docs":            base + "---\n" + base,
		"tagged":              strings.Replace(base, "replicas: 1", "replicas: !!int 1", 1),
		"replicas-str":        strings.Replace(base, "replicas: 1", "replicas: \"1\"", 1),
		"bom":                 "\ufeff" + base,
		"comment-last":        base + "# end\n",
		"tmplspec-last-blank": base + "\n\n",
		"explicitkey":         strings.Replace(base, "  replicas: 1\n", "  ? replicas\n  : 1\n", 1),
		"inline-seq-map":      strings.Replace(base, "      - name: app\n        image: x\n", "      - image: x\n        name: app\n", 1),
		"dash-tab":            strings.Replace(base, "      - name: app\n", "      -\tname: app\n", 1),
		"dash-newline":        strings.Replace(base, "      - name: app\n", "      -\n        name: app\n", 1),
	}
	for sn, src := range srcs {
		for pn, p := range patches {
			name := sn + "/" + pn
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s: PANIC %v", name, r)
					}
				}()
				edits, out := resolveOne(t, src, p, false)
				if len(edits) == 0 {
					t.Logf("%s: no edits", name)
					return
				}
				before, err1 := decodeAll(src)
				after, err := decodeAll(out)
				if err != nil || err1 != nil || len(after) != len(before) {
					t.Errorf("%s: broken output %v %v:\n%s", name, err, err1, out)
					return
				}
				// every doc except the first Deployment/web unchanged
				changed := 0
				for i := range before {
					if !reflect.DeepEqual(before[i], after[i]) {
						changed++
					}
				}
				if changed != 1 {
					t.Errorf("%s: %d docs changed:\n%s", name, changed, out)
				}
				if strings.Count(out, "#") != strings.Count(src, "#") {
					t.Errorf("%s: comments changed:\n%s", name, out)
				}
				t.Logf("%s: OK\n%s", name, out)
			}()
		}
	}
}

// blockFixOn runs BlockFix on the block starting at blockStart (a substring of src) and
// ending at its matching closing brace (braces inside quotes do not count), and returns
// the edited source. A change's At is given the offsets of the directive its Line names.
func blockFixOn(t *testing.T, src, blockStart string, changes ...LineChange) string {
	t.Helper()
	m := &parsers.Model{Files: []*parsers.File{{Path: "n.conf", Format: parsers.FormatNginx, Src: []byte(src)}}}
	s := strings.Index(src, blockStart)
	e, depth, quote := -1, 0, byte(0)
	for i := s; i < len(src) && e < 0; i++ {
		switch c := src[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '{':
			depth++
		case c == '}':
			if depth--; depth == 0 {
				e = i + 1
			}
		}
	}
	for i := range changes {
		if changes[i].At.File == "n.conf" {
			name := changes[i].Line[:strings.IndexByte(changes[i].Line, ' ')]
			off := strings.Index(src, name+" ")
			changes[i].At.Offset = int32(off)
			changes[i].At.EndOffset = int32(off + strings.IndexByte(src[off:], ';') + 1)
		}
	}
	f := BlockFix(m, parsers.ByteRange("n.conf", s, e), nginxIndent, "d", changes...)
	return string(ApplyEdits([]byte(src), f.Edits))
}

// Regression: the first '{' of the block's range is taken for its opening brace, but a quoted
// regex of a location ("^/a{2}/") holds one: the new line goes inside the regex.
func TestBlockFixBraceInQuotedRegex(t *testing.T) {
	src := "server {\n    location ~ \"^/img/[a-z]{2}/\" {\n        proxy_pass http://app;\n    }\n}\n"
	got := blockFixOn(t, src, "location", LineChange{Line: "proxy_http_version 1.1;"})
	want := "server {\n    location ~ \"^/img/[a-z]{2}/\" {\n        proxy_http_version 1.1;\n        proxy_pass http://app;\n    }\n}\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// Regression: a LineChange replaces the whole line holding the directive, so other directives
// on that line are deleted with it: here proxy_pass, and the location stops proxying.
func TestBlockFixSharedLine(t *testing.T) {
	src := "location /export/ {\n    proxy_pass http://app; proxy_read_timeout 30s;\n}\n"
	got := blockFixOn(t, src, "location", LineChange{At: parsers.Pos{File: "n.conf", Line: 2, Col: 28}, Line: "proxy_read_timeout 100s;"})
	if !strings.Contains(got, "proxy_pass http://app;") || !strings.Contains(got, "proxy_read_timeout 100s;") {
		t.Errorf("proxy_pass lost or timeout not set:\n%s", got)
	}
}

// Regression: same, for a block written on one line: the location header and its closing brace
// are replaced, the directive lands in the enclosing server block and the location is gone.
func TestBlockFixOneLineBlock(t *testing.T) {
	src := "server {\n    location /b/ { proxy_read_timeout 30s; proxy_pass http://app; }\n}\n"
	got := blockFixOn(t, src, "location", LineChange{At: parsers.Pos{File: "n.conf", Line: 2, Col: 20}, Line: "proxy_read_timeout 100s;"})
	if !strings.Contains(got, "location /b/ {") || !strings.Contains(got, "proxy_pass http://app;") {
		t.Errorf("location block destroyed:\n%s", got)
	}
}

// Regression: a line replaced at the block's first body line and a line inserted (at the same
// offset, the start of that line): ApplyEdits sorts the replacement first and then drops the
// insertion as "overlapping". BlockFix's snippet loses it the same way.
func TestBlockFixFirstLineReplacedAndInsert(t *testing.T) {
	src := "location /x/ {\n    proxy_http_version 1.0;\n    proxy_pass http://app;\n}\n"
	got := blockFixOn(t, src, "location",
		LineChange{At: parsers.Pos{File: "n.conf", Line: 2, Col: 5}, Line: "proxy_http_version 1.1;"},
		LineChange{Line: `proxy_set_header Connection "";`})
	if !strings.Contains(got, "proxy_http_version 1.1;") || !strings.Contains(got, `proxy_set_header Connection "";`) {
		t.Errorf("one of the two changes was dropped:\n%s", got)
	}
}

// The root of the previous one: an insertion at the start of a replaced range is dropped.
func TestApplyEditsInsertAtReplacementStart(t *testing.T) {
	got := string(ApplyEdits([]byte("abc\n"), []Edit{{Start: 0, End: 4, New: "ABC\n"}, {Start: 0, End: 0, New: "new\n"}}))
	if !strings.Contains(got, "new\n") {
		t.Errorf("insertion dropped: %q", got)
	}
}

// A refused embedded edit drops the fix's other edits too.
func TestEmbeddedEditsAllOrNothing(t *testing.T) {
	host := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: proxy\ndata:\n  nginx.conf: |\n    events {}\n  other: x\n"
	conf := "events {}\n"
	ef := &parsers.File{Path: "cm.yaml#nginx.conf", Format: parsers.FormatNginx, Src: []byte(conf), Host: "cm.yaml",
		Embedding: &parsers.Embedded{Format: parsers.FormatNginx, Path: "cm.yaml#nginx.conf", Src: []byte(conf), Host: "cm.yaml", Line: 7, Col: 5, Indent: 4, Owner: "ConfigMap/default/proxy"}}
	m := &parsers.Model{Files: []*parsers.File{
		{Path: "cm.yaml", Format: parsers.FormatK8s, Src: []byte(host)},
		ef,
		{Path: "other.conf", Format: parsers.FormatNginx, Src: []byte("x;\n")},
	}}
	fs := []Finding{{Fix: &Fix{Edits: []Edit{
		{File: ef.Path, Start: len(conf), End: len(conf), New: "# refused: the block's end\n"},
		{File: "other.conf", Start: 0, End: 0, New: "y;\n"},
	}}}}
	ResolveEdits(m, fs)
	if len(fs[0].Fix.Edits) != 0 {
		t.Errorf("a refused embedded edit must drop the whole fix, kept %+v", fs[0].Fix.Edits)
	}
}

// A directive sharing its line, whose extent is unknown: replacing the whole line would
// delete its neighbours, so the fix is a snippet only.
func TestBlockFixSharedLineUnknownExtent(t *testing.T) {
	src := "location /export/ {\n    proxy_pass http://app; proxy_read_timeout 30s;\n}\n"
	m := &parsers.Model{Files: []*parsers.File{{Path: "n.conf", Format: parsers.FormatNginx, Src: []byte(src)}}}
	at := parsers.Pos{File: "n.conf", Line: 2, Col: 28, Offset: int32(strings.Index(src, "proxy_read"))}
	f := BlockFix(m, parsers.ByteRange("n.conf", 0, len(src)), nginxIndent, "d", LineChange{At: at, Line: "proxy_read_timeout 100s;"})
	if len(f.Edits) != 0 || !f.SnippetOnly() {
		t.Errorf("want a snippet-only fix, got edits %+v", f.Edits)
	}
}
