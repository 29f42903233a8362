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
	// YAML merge keys: a mapping, a list of them, one merging a mapping that merges, a
	// cycle through an alias, a merge of a scalar.
	f.Add([]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  <<: &d {replicas: 3, x: &e {<<: *d}}\n  template:\n    spec:\n      containers:\n        - <<: [*e, {name: c}]\n          image: i\n        - <<: 3\n"))
	f.Add([]byte("a: &a\n  <<: *a\nkind: Service\napiVersion: v1\nspec:\n  <<: {ports: [{port: 80}]}\n  !!merge <<: {selector: {app: x}}\n"))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems:\n  - &a {apiVersion: v1, kind: Service, metadata: {name: *a}}\n"))
	f.Add([]byte("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - lifecycle: {preStop: {exec: {command: [sh, -c, sleep]}}}\n"))
	f.Add([]byte("{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"spec\": {\"ports\": [{\"port\": \"x\"}]}}"))
	// The API server's callers (session 16): an APIService and webhook configurations
	// naming Services, with a service that is not a mapping and a webhook list of scalars.
	f.Add([]byte("apiVersion: v1\nkind: Service\nmetadata: {name: m, namespace: x}\n---\napiVersion: apiregistration.k8s.io/v1\nkind: APIService\nmetadata: {name: v1.m}\nspec: {service: {name: m, namespace: x}}\n---\napiVersion: apiregistration.k8s.io/v1\nkind: APIService\nspec: {service: [m]}\n"))
	// Elastic Beanstalk configs (session 17): files: entries with nginx content, an
	// indentation indicator, a quoted content, an alias, a list where a mapping goes.
	f.Add([]byte("files:\n  \"/etc/nginx/conf.d/p.conf\":\n    content: |2\n        server { listen 80; }\n  /etc/nginx/nginx.conf: {content: \"x\"}\n  /etc/nginx/a.conf: &a {content: |\n      a;\n  }\n  /etc/nginx/b.conf: *a\n"))
	f.Add([]byte("files: [a, b]\n---\nfiles:\n  /etc/nginx/x.conf: [content]\n"))
	f.Add([]byte("apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata: {name: v}\nwebhooks:\n  - clientConfig: {service: {name: w, namespace: x}}\n  - clientConfig: {url: https://x}\n  - 3\n---\napiVersion: admissionregistration.k8s.io/v1\nkind: MutatingWebhookConfiguration\nwebhooks: {a: b}\n"))
	// GKE BackendConfig (session 17): a Service naming one by both annotation forms and
	// both keys, a timeoutSec that is not a number, and a spec that is not a mapping.
	f.Add([]byte("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: a, annotations: {kubernetes.io/ingress.class: gce}}\nspec: {defaultBackend: {service: {name: s, port: {name: http}}}}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations:\n    cloud.google.com/backend-config: '{\"default\": \"b\", \"ports\": {\"http\": \"c\", \"80\": \"b\"}}'\n    beta.cloud.google.com/backend-config: '{\"ports\": 3}'\nspec: {ports: [{port: 80, name: http}]}\n---\napiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata: {name: b}\nspec: {timeoutSec: 1m}\n---\napiVersion: cloud.google.com/v1beta1\nkind: BackendConfig\nmetadata: {name: c}\nspec: [timeoutSec]\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		defer hangwatch.Start(len(src))()
		m := Parse([]parsers.Input{{Path: "f.yaml", Src: src}, {Path: ".ebextensions/f.config", Src: src}}, parsers.Options{})
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

// FuzzJSON6902File feeds arbitrary bytes as the JSON 6902 patch file a kustomization
// names (path: with a target): reading it must never panic or hang the parse.
func FuzzJSON6902File(f *testing.F) {
	f.Add([]byte("- op: replace\n  path: /spec/replicas\n  value: 1\n"))
	f.Add([]byte(`[{"op": "add", "path": "/spec/replicas", "value": 2}, {"op": "test", "path": "/spec/replicas", "value": 2}]`))
	f.Add([]byte("# c\n---\n- {op: remove, path: /spec/replicas}\n- op: move\n  from: /spec/replicas\n  path: /x\n"))
	f.Add([]byte("- op: replace\n  path: /spec/replicas\n  value: \"1\"\n- op: copy\n"))
	f.Add([]byte("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec: {replicas: 1}\n"))
	kust := []byte("resources: [app.yaml]\npatches:\n  - path: patch.yaml\n    target: {kind: Deployment, name: web}\npatchesJson6902:\n  - path: patch.yaml\n    target: {group: apps, version: v1, kind: Deployment, name: web}\n")
	f.Fuzz(func(t *testing.T, src []byte) {
		defer hangwatch.Start(len(src))()
		_ = IsJSON6902Patch(src)
		m := Parse([]parsers.Input{{Path: "kustomization.yaml", Src: kust}, {Path: "app.yaml", Src: []byte(app)}, {Path: "patch.yaml", Src: src}}, parsers.Options{})
		for _, d := range m.Diags {
			if !d.Pos.IsValid() {
				t.Fatalf("diagnostic without position: %v", d)
			}
		}
		for _, w := range m.Workloads {
			for _, b := range w.Builds {
				if b.Replicas.Known() && b.Replicas.Pos.File == "patch.yaml" && b.Replicas.Pos.EndOffset > int32(len(src)) {
					t.Fatalf("count placed past the end of the patch file: %+v", b.Replicas.Pos)
				}
			}
		}
	})
}
