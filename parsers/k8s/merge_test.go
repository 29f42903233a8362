package k8s

import (
	"reflect"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// resolve merges patch into the manifest src ("app.yaml") as rules.ResolveEdits does for
// a finding on line: into the object it names, else, for a new object, as a document
// after line's.
func resolve(src string, patch Patch, newObj bool, line int) []parsers.Edit {
	mf := ReadManifest("app.yaml", []byte(src))
	if mf == nil {
		return nil
	}
	edits, _ := mf.Merge(patch)
	if len(edits) == 0 && newObj {
		edits = mf.AppendObject(line, patch)
	}
	return edits
}

// TestPatchEdits turns patches into edits of YAML written in the styles manifests use,
// and checks the exact text: only what the patch changes moves.
func TestPatchEdits(t *testing.T) {
	deploy := func(body ...KV) Patch { return ObjectPatch("Deployment", "default", "web", body...) }
	container := func(fields Patch) Patch {
		return deploy(KV{"spec", Patch{}.Set("template", Patch{}.Set("spec", Patch{}.Set("containers", []Patch{append(Patch{}.Set("name", "app"), fields...)})))})
	}
	cases := []struct {
		name, src string
		patch     Patch
		want      string // "" when no edits are expected
	}{
		{
			name:  "scalar in place, comment kept",
			src:   "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1  # one for now\n",
			patch: deploy(KV{"spec", Patch{}.Set("replicas", 2)}),
			want:  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2  # one for now\n",
		},
		{
			name:  "quoted scalar",
			src:   "kind: Deployment\nmetadata:\n  name: web\nspec:\n  strategy:\n    rollingUpdate:\n      maxUnavailable: \"100%\"\n",
			patch: deploy(KV{"spec", Patch{}.Set("strategy", Patch{}.Set("rollingUpdate", Patch{}.Set("maxUnavailable", 0)))}),
			want:  "kind: Deployment\nmetadata:\n  name: web\nspec:\n  strategy:\n    rollingUpdate:\n      maxUnavailable: 0\n",
		},
		{
			name:  "missing key at the end of its mapping, four-space indentation",
			src:   "kind: Deployment\nmetadata:\n    name: web\nspec:\n    template:\n        spec:\n            containers:\n                - name: app\n                  image: web:1\n",
			patch: container(Patch{}.Set("lifecycle", Patch{}.Set("preStop", Patch{}.Set("sleep", Patch{}.Set("seconds", 10))))),
			want:  "kind: Deployment\nmetadata:\n    name: web\nspec:\n    template:\n        spec:\n            containers:\n                - name: app\n                  image: web:1\n                  lifecycle:\n                    preStop:\n                      sleep:\n                        seconds: 10\n",
		},
		{
			name: "containers merge by name, indentless list, the other container untouched",
			src: "kind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: sidecar\n        image: proxy:1\n      - name: app\n        image: web:1\n" +
				"        command: |\n          run\n          --fast\n      volumes: []\n",
			patch: container(Patch{}.Set("livenessProbe", Patch{}.Set("failureThreshold", 6))),
			want: "kind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: sidecar\n        image: proxy:1\n      - name: app\n        image: web:1\n" +
				"        command: |\n          run\n          --fast\n        livenessProbe:\n          failureThreshold: 6\n      volumes: []\n",
		},
		{
			name:  "the second document of three",
			src:   "kind: Service\nmetadata:\n  name: web\n---\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n---\nkind: Deployment\nmetadata:\n  name: other\nspec:\n  replicas: 1\n",
			patch: deploy(KV{"spec", Patch{}.Set("template", Patch{}.Set("spec", Patch{}.Set("terminationGracePeriodSeconds", 45)))}),
			want:  "kind: Service\nmetadata:\n  name: web\n---\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      terminationGracePeriodSeconds: 45\n---\nkind: Deployment\nmetadata:\n  name: other\nspec:\n  replicas: 1\n",
		},
		{
			name:  "no final newline",
			src:   "kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1",
			patch: deploy(KV{"spec", Patch{}.Set("minReadySeconds", 5)}),
			want:  "kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  minReadySeconds: 5\n",
		},
		{
			name:  "another namespace is another object",
			src:   "kind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 1\n",
			patch: deploy(KV{"spec", Patch{}.Set("replicas", 2)}),
		},
		{
			name:  "an object defined twice in the file (two apiVersions of one kind) is left alone",
			src:   "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n---\napiVersion: apps/v1beta1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n",
			patch: deploy(KV{"spec", Patch{}.Set("replicas", 2)}),
		},
		{
			name:  "flow style on the path is left alone",
			src:   "kind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1}\n",
			patch: deploy(KV{"spec", Patch{}.Set("replicas", 2)}),
		},
		{
			name:  "a key deleted with its value",
			src:   "kind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  minAvailable: 0\n  selector:\n    matchLabels:\n      app: web\n",
			patch: ObjectPatch("PodDisruptionBudget", "default", "web", KV{"spec", Patch{}.Set("maxUnavailable", 1).Set("minAvailable", nil)}),
			want:  "kind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  maxUnavailable: 1\n",
		},
		{
			name:  "a new environment variable after the others",
			src:   "kind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - name: A\n              value: \"1\"\n",
			patch: container(Patch{}.Set("env", []Patch{Patch{}.Set("name", "WEB_KEEPALIVE").Set("value", `"65"`)})),
			want:  "kind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - name: A\n              value: \"1\"\n            - name: WEB_KEEPALIVE\n              value: \"65\"\n",
		},
		{
			name:  "a one-line flow list replaced",
			src:   "kind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          command: [\"gunicorn\", \"--keep-alive\", \"5\", \"app:wsgi\"]  # the server\n",
			patch: container(Patch{}.Set("command", `["gunicorn", "--keep-alive", "65", "app:wsgi"]`)),
			want:  "kind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          command: [\"gunicorn\", \"--keep-alive\", \"65\", \"app:wsgi\"]  # the server\n",
		},
		{
			name:  "a plain scalar folded over two lines: the check refuses a wrong insertion",
			src:   "kind: Deployment\nmetadata:\n  name: web\n  labels:\n    note: a long\n      folded note\nspec:\n  replicas: 1\n",
			patch: deploy(KV{"metadata", Patch{}.Set("labels", Patch{}.Set("tier", "web"))}),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			edits := resolve(c.src, c.patch, false, 1)
			if c.want == "" {
				if len(edits) > 0 {
					t.Fatalf("want no edits, got %+v:\n%s", edits, parsers.ApplyEdits([]byte(c.src), edits))
				}
				return
			}
			if got := string(parsers.ApplyEdits([]byte(c.src), edits)); got != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

// TestNewObjectEdits: a new PodDisruptionBudget goes in as the document after the
// workload's, without a namespace when the workload names none.
func TestNewObjectEdits(t *testing.T) {
	src := "kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n---\nkind: Service\nmetadata:\n  name: web\n"
	pdb := ObjectPatch("PodDisruptionBudget", "default", "web", KV{"spec", Patch{}.Set("maxUnavailable", 1)})
	edits := resolve(src, pdb, true, 2)
	want := "kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  maxUnavailable: 1\n---\nkind: Service\nmetadata:\n  name: web\n"
	if got := string(parsers.ApplyEdits([]byte(src), edits)); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func resolveOne(t *testing.T, src string, patch Patch, newObj bool) (edits []parsers.Edit, out string) {
	t.Helper()
	edits = resolve(src, patch, newObj, 1)
	return edits, string(parsers.ApplyEdits([]byte(src), edits))
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
	deploy := func(body ...KV) Patch { return ObjectPatch("Deployment", "default", "web", body...) }
	replicas := deploy(KV{"spec", Patch{}.Set("replicas", 2)})
	minReady := deploy(KV{"spec", Patch{}.Set("minReadySeconds", 5)})
	grace := deploy(KV{"spec", Patch{}.Set("template", Patch{}.Set("spec", Patch{}.Set("terminationGracePeriodSeconds", 45)))})
	probe := deploy(KV{"spec", Patch{}.Set("template", Patch{}.Set("spec", Patch{}.Set("containers", []Patch{Patch{}.Set("name", "app").Set("readinessProbe", Patch{}.Set("failureThreshold", 6))})))})
	env := deploy(KV{"spec", Patch{}.Set("template", Patch{}.Set("spec", Patch{}.Set("containers", []Patch{Patch{}.Set("name", "app").Set("env", []Patch{Patch{}.Set("name", "X").Set("value", `"1"`)})})))})
	patches := map[string]Patch{"replicas": replicas, "minReady": minReady, "grace": grace, "probe": probe, "env": env}
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

func TestEntryAt(t *testing.T) {
	src := "metadata:\n  annotations:\n    a.io/x: \"30\"  # note\n    b.io/y: 'k=v,l=w'\n    - c: plain\n    d:\n      \"next line\"\n"
	at := func(s string) parsers.Pos {
		i := strings.Index(src, s)
		return parsers.Pos{File: "f", Line: 1, Offset: int32(i), EndOffset: int32(i + len(s))}
	}
	for _, c := range []struct{ span, key, val string }{
		{`"30"`, "a.io/x", "30"},
		{`'k=v,l=w'`, "b.io/y", "k=v,l=w"},
		{"plain", "c", "plain"},
		{`"next line"`, "d", "next line"},
	} {
		k, v, ok := EntryAt([]byte(src), at(c.span))
		if !ok || k != c.key || v != c.val {
			t.Errorf("EntryAt(%s) = %q, %q, %v; want %q, %q", c.span, k, v, ok, c.key, c.val)
		}
	}
}
