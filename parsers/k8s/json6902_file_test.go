package k8s

import (
	"testing"

	"github.com/no502/no502/parsers"
)

func TestIsJSON6902Patch(t *testing.T) {
	for _, c := range []struct {
		src  string
		want bool
	}{
		{"- op: replace\n  path: /spec/replicas\n  value: 1\n", true},
		{"# scale\n---\n- op: add\n  path: /spec/replicas\n  value: 1\n", true},
		{`[{"op": "replace", "path": "/spec/replicas", "value": 2}]`, true},
		{"- op: frobnicate\n  path: /spec/replicas\n", false}, // not an operation kustomize knows
		{"- op: replace\n  value: 1\n", false},                // no path
		{"- name: op\n  path: x\n", false},                    // a list of something else
		{"apiVersion: v1\nkind: Service\nmetadata: {name: op-path}\n", false},
		{"steps:\n  - op: replace\n    path: /a\n", false}, // a mapping, not a list
		{"[]", false},
	} {
		if got := IsJSON6902Patch([]byte(c.src)); got != c.want {
			t.Errorf("IsJSON6902Patch(%q) = %v, want %v", c.src, got, c.want)
		}
	}
}

// A JSON patch file (JSON, not YAML) setting 1 is read, and its value placed in it.
func TestJSON6902FileJSON(t *testing.T) {
	kust := "resources: [app.yaml]\npatches:\n  - path: scale.json\n    target: {kind: Deployment, name: web}\n"
	patch := "[\n  {\"op\": \"replace\", \"path\": \"/spec/replicas\", \"value\": 1}\n]\n"
	m := Parse([]parsers.Input{{Path: "kustomization.yaml", Src: []byte(kust)}, {Path: "app.yaml", Src: []byte(app)}, {Path: "scale.json", Src: []byte(patch)}}, parsers.Options{})
	var got *parsers.Build
	for _, w := range m.Workloads {
		if w.Name == "web" && len(w.Builds) == 1 {
			got = &w.Builds[0]
		}
	}
	if got == nil {
		t.Fatal("no build of Deployment web")
	}
	r := got.Replicas
	if !r.Known() || r.Value != 1 || r.Pos.File != "scale.json" || r.Pos.Line != 2 || r.Pos.Col != 56 {
		t.Fatalf("count = %+v, want 1 at scale.json:2:56", r)
	}
	if want := "value: 1 (JSON 6902 patch file scale.json, op replace /spec/replicas)"; r.Text != want {
		t.Errorf("text = %q, want %q", r.Text, want)
	}
}
