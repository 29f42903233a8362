package rules

import (
	"testing"

	"github.com/no502/no502/parsers"
)

// TestPatchEdits turns patches into edits of YAML written in the styles manifests use,
// and checks the exact text: only what the patch changes moves.
func TestPatchEdits(t *testing.T) {
	deploy := func(body ...ykv) ymap { return objectPatch("Deployment", "default", "web", body...) }
	container := func(fields ymap) ymap {
		return deploy(ykv{"spec", ymap{}.set("template", ymap{}.set("spec", ymap{}.set("containers", []ymap{append(ymap{}.set("name", "app"), fields...)})))})
	}
	cases := []struct {
		name, src string
		patch     ymap
		want      string // "" when no edits are expected
	}{
		{
			name:  "scalar in place, comment kept",
			src:   "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1  # one for now\n",
			patch: deploy(ykv{"spec", ymap{}.set("replicas", 2)}),
			want:  "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2  # one for now\n",
		},
		{
			name:  "quoted scalar",
			src:   "kind: Deployment\nmetadata:\n  name: web\nspec:\n  strategy:\n    rollingUpdate:\n      maxUnavailable: \"100%\"\n",
			patch: deploy(ykv{"spec", ymap{}.set("strategy", ymap{}.set("rollingUpdate", ymap{}.set("maxUnavailable", 0)))}),
			want:  "kind: Deployment\nmetadata:\n  name: web\nspec:\n  strategy:\n    rollingUpdate:\n      maxUnavailable: 0\n",
		},
		{
			name:  "missing key at the end of its mapping, four-space indentation",
			src:   "kind: Deployment\nmetadata:\n    name: web\nspec:\n    template:\n        spec:\n            containers:\n                - name: app\n                  image: web:1\n",
			patch: container(ymap{}.set("lifecycle", ymap{}.set("preStop", ymap{}.set("sleep", ymap{}.set("seconds", 10))))),
			want:  "kind: Deployment\nmetadata:\n    name: web\nspec:\n    template:\n        spec:\n            containers:\n                - name: app\n                  image: web:1\n                  lifecycle:\n                    preStop:\n                      sleep:\n                        seconds: 10\n",
		},
		{
			name: "containers merge by name, indentless list, the other container untouched",
			src: "kind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: sidecar\n        image: proxy:1\n      - name: app\n        image: web:1\n" +
				"        command: |\n          run\n          --fast\n      volumes: []\n",
			patch: container(ymap{}.set("livenessProbe", ymap{}.set("failureThreshold", 6))),
			want: "kind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: sidecar\n        image: proxy:1\n      - name: app\n        image: web:1\n" +
				"        command: |\n          run\n          --fast\n        livenessProbe:\n          failureThreshold: 6\n      volumes: []\n",
		},
		{
			name:  "the second document of three",
			src:   "kind: Service\nmetadata:\n  name: web\n---\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n---\nkind: Deployment\nmetadata:\n  name: other\nspec:\n  replicas: 1\n",
			patch: deploy(ykv{"spec", ymap{}.set("template", ymap{}.set("spec", ymap{}.set("terminationGracePeriodSeconds", 45)))}),
			want:  "kind: Service\nmetadata:\n  name: web\n---\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      terminationGracePeriodSeconds: 45\n---\nkind: Deployment\nmetadata:\n  name: other\nspec:\n  replicas: 1\n",
		},
		{
			name:  "no final newline",
			src:   "kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1",
			patch: deploy(ykv{"spec", ymap{}.set("minReadySeconds", 5)}),
			want:  "kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  minReadySeconds: 5\n",
		},
		{
			name:  "another namespace is another object",
			src:   "kind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 1\n",
			patch: deploy(ykv{"spec", ymap{}.set("replicas", 2)}),
		},
		{
			name:  "flow style on the path is left alone",
			src:   "kind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1}\n",
			patch: deploy(ykv{"spec", ymap{}.set("replicas", 2)}),
		},
		{
			name:  "a key deleted with its value",
			src:   "kind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  minAvailable: 0\n  selector:\n    matchLabels:\n      app: web\n",
			patch: objectPatch("PodDisruptionBudget", "default", "web", ykv{"spec", ymap{}.set("maxUnavailable", 1).set("minAvailable", nil)}),
			want:  "kind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  maxUnavailable: 1\n",
		},
		{
			name:  "a new environment variable after the others",
			src:   "kind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - name: A\n              value: \"1\"\n",
			patch: container(ymap{}.set("env", []ymap{ymap{}.set("name", "WEB_KEEPALIVE").set("value", `"65"`)})),
			want:  "kind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - name: A\n              value: \"1\"\n            - name: WEB_KEEPALIVE\n              value: \"65\"\n",
		},
		{
			name:  "a one-line flow list replaced",
			src:   "kind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          command: [\"gunicorn\", \"--keep-alive\", \"5\", \"app:wsgi\"]  # the server\n",
			patch: container(ymap{}.set("command", `["gunicorn", "--keep-alive", "65", "app:wsgi"]`)),
			want:  "kind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          command: [\"gunicorn\", \"--keep-alive\", \"65\", \"app:wsgi\"]  # the server\n",
		},
		{
			name:  "a plain scalar folded over two lines: the check refuses a wrong insertion",
			src:   "kind: Deployment\nmetadata:\n  name: web\n  labels:\n    note: a long\n      folded note\nspec:\n  replicas: 1\n",
			patch: deploy(ykv{"metadata", ymap{}.set("labels", ymap{}.set("tier", "web"))}),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := &parsers.Model{Files: []*parsers.File{{Path: "app.yaml", Format: parsers.FormatK8s, Src: []byte(c.src)}}}
			fs := []Finding{{Pos: parsers.Pos{File: "app.yaml", Line: 1, Col: 1}, Fix: k8sFix("test", c.patch)}}
			ResolveEdits(m, fs)
			edits := fs[0].Fix.Edits
			if c.want == "" {
				if len(edits) > 0 {
					t.Fatalf("want no edits, got %+v:\n%s", edits, ApplyEdits([]byte(c.src), edits))
				}
				return
			}
			if got := string(ApplyEdits([]byte(c.src), edits)); got != c.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, c.want)
			}
		})
	}
}

// TestNewObjectEdits: a new PodDisruptionBudget goes in as the document after the
// workload's, without a namespace when the workload names none.
func TestNewObjectEdits(t *testing.T) {
	src := "kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n---\nkind: Service\nmetadata:\n  name: web\n"
	pdb := objectPatch("PodDisruptionBudget", "default", "web", ykv{"spec", ymap{}.set("maxUnavailable", 1)})
	m := &parsers.Model{Files: []*parsers.File{{Path: "app.yaml", Format: parsers.FormatK8s, Src: []byte(src)}}}
	fs := []Finding{{Pos: parsers.Pos{File: "app.yaml", Line: 2, Col: 1}, Fix: k8sNewObjectFix("add", pdb)}}
	ResolveEdits(m, fs)
	want := "kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  maxUnavailable: 1\n---\nkind: Service\nmetadata:\n  name: web\n"
	if got := string(ApplyEdits([]byte(src), fs[0].Fix.Edits)); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
