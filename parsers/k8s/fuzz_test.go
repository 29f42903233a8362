package k8s

import (
	"testing"

	"github.com/no502/no502/internal/hangwatch"
	"github.com/no502/no502/parsers"
)

// FuzzParse feeds arbitrary bytes to the parser: it must never panic or hang, and every
// diagnostic must carry a position.
func FuzzParse(f *testing.F) {
	f.Add([]byte(app))
	f.Add([]byte(ingressNginx))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n  - &a {apiVersion: v1, kind: Service, metadata: {name: *a}}\n"))
	f.Add([]byte("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - lifecycle: {preStop: {exec: {command: [sh, -c, sleep]}}}\n"))
	f.Add([]byte("{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"spec\": {\"ports\": [{\"port\": \"x\"}]}}"))
	// The API server's callers (session 16): an APIService and webhook configurations
	// naming Services, with a service that is not a mapping and a webhook list of scalars.
	f.Add([]byte("apiVersion: v1\nkind: Service\nmetadata: {name: m, namespace: x}\n---\napiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata: {name: v1.m}\nspec: {service: {name: m, namespace: x}}\n---\napiVersion: apiregistration.k8s.io/v1\nkind: APIService\nspec: {service: [m]}\n"))
	f.Add([]byte("apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata: {name: v}\nwebhooks:\n  - clientConfig: {service: {name: w, namespace: x}}\n  - clientConfig: {url: https://x}\n  - 3\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nwebhooks: {a: b}\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		defer hangwatch.Start(len(src))()
		m := Parse([]parsers.Input{{Path: "f.yaml", Src: src}}, parsers.Options{})
		for _, d := range m.Diags {
			if !d.Pos.IsValid() {
				t.Fatalf("diagnostic without position: %v", d)
			}
		}
	})
}

// FuzzKustomization feeds arbitrary bytes to the parser as a kustomization file beside a
// manifest: its generators, patches and labels must never panic or hang the parse.
func FuzzKustomization(f *testing.F) {
	f.Add([]byte("resources: [app.yaml]\nconfigMapGenerator:\n  - name: ingress-nginx-controller\n    literals: [\"proxy-read-timeout='600'\", keep-alive=\"75\", =x, novalue]\n"))
	f.Add([]byte("configMapGenerator:\n  - name: env\n    behavior: merge\n    envs: [a.env]\n    literals: [{k: v}]\n  - literals: [A=1]\n"))
	f.Add([]byte("resources: [app.yaml]\npatches:\n  - path: floor.yaml\n    target: {kind: HorizontalPodAutoscaler}\n  - patch: '[{op: replace, path: /spec/minReplicas, value: 3}]'\n    target: {labelSelector: app=api}\npatchesJson6902:\n  - path: x.yaml\n    target: {kind: Deployment, name: api}\n"))
	f.Add([]byte("resources: [app.yaml]\npatches:\n  - target: {kind: Deployment, name: api}\n    patch: |-\n      - op: replace\n        path: /spec/replicas\n        value: 1\n      - {op: move, from: /spec/replicas, path: /x}\n"))
	f.Add([]byte("resources: [app.yaml]\npatchesJson6902:\n  - target: {group: apps, version: v1, kind: Deployment, name: 'api|web'}\n    patch: |2\n        - op: add\n          path: /spec/replicas\n          value: é\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		defer hangwatch.Start(len(src))()
		m := Parse([]parsers.Input{{Path: "kustomization.yaml", Src: src}, {Path: "app.yaml", Src: []byte(app)}}, parsers.Options{})
		for _, d := range m.Diags {
			if !d.Pos.IsValid() {
				t.Fatalf("diagnostic without position: %v", d)
			}
		}
	})
}
