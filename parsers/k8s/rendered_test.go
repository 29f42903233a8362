package k8s

import (
	"testing"

	"github.com/no502/no502/parsers"
)

func TestRenderedDocuments(t *testing.T) {
	src := `---
# Source: mychart/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
---
# Source: mychart/charts/cache/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cache
  namespace: shop
spec:
  template:
    spec:
      containers:
      - name: cache
        image: "nginx"
        # Source: not the header, a comment of the template
---
apiVersion: v1
kind: Service
metadata:
  name: by-hand
---
apiVersion: v1
kind: Service
metadata:
  name: kustomized
  annotations:
    config.kubernetes.io/origin: |
      path: ../base/service.yaml
`
	m := Parse([]parsers.Input{{Path: "out.yaml", Src: []byte(src)}}, parsers.Options{})
	f := m.File("out.yaml")
	want := []parsers.Rendered{
		{Line: 2, EndLine: 9, From: "mychart/templates/service.yaml", By: "helm", Kind: "Service", Namespace: "default", Name: "web"},
		{Line: 11, EndLine: 23, From: "mychart/charts/cache/templates/deployment.yaml", By: "helm", Kind: "Deployment", Namespace: "shop", Name: "cache"},
		{Line: 30, EndLine: 37, From: "../base/service.yaml", By: "kustomize", Kind: "Service", Namespace: "default", Name: "kustomized"},
	}
	if len(f.Rendered) != len(want) {
		t.Fatalf("rendered %+v, want %+v", f.Rendered, want)
	}
	for i := range want {
		if f.Rendered[i] != want[i] {
			t.Errorf("rendered[%d] = %+v, want %+v", i, f.Rendered[i], want[i])
		}
	}
	for line, from := range map[int]string{1: "", 5: "mychart/templates/service.yaml", 20: "mychart/charts/cache/templates/deployment.yaml", 26: "", 33: "../base/service.yaml"} {
		r, _ := f.RenderedAt(line)
		if r.From != from {
			t.Errorf("line %d rendered from %q, want %q", line, r.From, from)
		}
	}
}

func TestKustomizeOrigin(t *testing.T) {
	for v, want := range map[string]string{
		"path: deployment.yaml\n": "deployment.yaml",
		"path: examples/multibases/base/pod.yaml\nrepo: https://github.com/kubernetes-sigs/kustomize\nref: v1.0.6\n": "https://github.com/kubernetes-sigs/kustomize//examples/multibases/base/pod.yaml?ref=v1.0.6",
		"configuredIn: kustomization.yaml\nconfiguredBy:\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n":       "kustomization.yaml",
		"": "",
	} {
		if got := kustomizeOrigin(v); got != want {
			t.Errorf("kustomizeOrigin(%q) = %q, want %q", v, got, want)
		}
	}
}

// helm template --output-dir writes chart/templates/x.yaml: rendered, read even when a
// value holds "{{"; a template of the chart itself is skipped with a note.
func TestRenderedTemplatesDirIsRead(t *testing.T) {
	rendered := "---\n# Source: mychart/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tpl\ndata:\n  page: \"{{ .Title }}\"\n"
	template := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n"
	m := Parse([]parsers.Input{
		{Path: "out/mychart/templates/cm.yaml", Src: []byte(rendered)},
		{Path: "chart/templates/cm.yaml", Src: []byte(template)},
	}, parsers.Options{})
	if len(m.File("out/mychart/templates/cm.yaml").Rendered) != 1 {
		t.Errorf("the rendered file was not read")
	}
	if len(m.Diags) != 1 || m.Diags[0].Pos.File != "chart/templates/cm.yaml" {
		t.Errorf("diags %v, want one note on the chart template", m.Diags)
	}
}

// A Helm hook (the test pod of every `helm create` chart) is no workload, even when a
// Service selects its labels.
func TestHelmHookIsNoWorkload(t *testing.T) {
	src := `apiVersion: v1
kind: Pod
metadata:
  name: web-test-connection
  labels: {app: web}
  annotations:
    "helm.sh/hook": test
spec:
  containers:
  - name: wget
    image: busybox
    command: ['wget']
    args: ['web:80']
`
	m := Parse([]parsers.Input{{Path: "p.yaml", Src: []byte(src)}}, parsers.Options{})
	if len(m.Workloads) != 0 {
		t.Errorf("workloads %v, want none", m.Workloads)
	}
}
