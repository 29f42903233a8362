package k8s

import (
	"testing"
	"time"

	"github.com/no502/no502/parsers"
)

// TestConfigMapGenerators: what a configMapGenerator's literals make of the ConfigMaps no502
// reads (kubectl 1.32's kustomize v5.5.0 built each case). Kubernetes audit, part four.
func TestConfigMapGenerators(t *testing.T) {
	app := `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: api:1
          envFrom: [{configMapRef: {name: api-env}}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8000}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: api}
spec:
  ingressClassName: nginx
  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}]}}]
`
	env := func(m *parsers.Model) (parsers.Setting[string], bool) {
		return m.Workloads[0].Containers[0].EnvVar("PORT")
	}
	route := func(m *parsers.Model) *parsers.Route {
		for _, h := range m.Hops {
			if h.Kind == parsers.HopIngressNginx {
				return h.Routes[0]
			}
		}
		t.Fatal("no ingress-nginx hop")
		return nil
	}

	// Literals only, created: read, quotes dropped as kustomize does.
	m := parse(t, "app.yaml", app, "kustomization.yaml", `resources: [app.yaml]
configMapGenerator:
  - name: api-env
    literals: ["PORT='8000'"]
  - name: ingress-nginx-controller
    namespace: ingress-nginx
    literals:
      - proxy-read-timeout="600"
      - upstream-keepalive-timeout=20
      - proxy-next-upstream=off
`)
	if e, ok := env(m); !ok || e.Unknown || e.Value != "8000" || e.Pos.Line != 4 {
		t.Errorf("PORT = %+v, %v; want 8000 at line 4", e, ok)
	}
	r := route(m)
	if r.ReadTimeout.Unknown || r.ReadTimeout.Value != 600*time.Second || r.ReadTimeout.Pos.Line != 8 {
		t.Errorf("read timeout = %+v; want 600s at line 8", r.ReadTimeout)
	}
	if r.Backend.KeepAliveIdle.Value != 20*time.Second {
		t.Errorf("keepalive idle = %+v; want 20s", r.Backend.KeepAliveIdle)
	}
	if c := r.Retry.Conditions; c.Unknown || len(c.Value) != 1 || c.Value[0] != "off" {
		t.Errorf("retry = %+v; want off", c)
	}

	// An env file beside the literals: the data is unknown.
	m = parse(t, "app.yaml", app, "kustomization.yaml", `resources: [app.yaml]
configMapGenerator:
  - name: api-env
    envs: [api.env]
    literals: [PORT=8000]
`)
	if e, ok := env(m); !ok || !e.Unknown {
		t.Errorf("PORT with an env file = %+v, %v; want unknown", e, ok)
	}

	// An overlay merging into a ConfigMap of the base: that ConfigMap's data is unknown;
	// merging into the controller's ConfigMap makes the keys of either unknown.
	cms := `apiVersion: v1
kind: ConfigMap
metadata: {name: api-env}
data: {PORT: "8000"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ingress-nginx-controller, namespace: ingress-nginx}
data: {proxy-read-timeout: "120", proxy-next-upstream: "error"}
`
	m = parse(t, "base/app.yaml", app, "base/cm.yaml", cms, "base/kustomization.yaml", "resources: [app.yaml, cm.yaml]\n",
		"prod/kustomization.yaml", `resources: [../base]
configMapGenerator:
  - name: api-env
    behavior: merge
    literals: [PORT=9000]
  - name: ingress-nginx-controller
    namespace: ingress-nginx
    behavior: merge
    literals: [proxy-read-timeout=600]
`)
	if e, ok := env(m); !ok || !e.Unknown {
		t.Errorf("PORT merged = %+v, %v; want unknown", e, ok)
	}
	r = route(m)
	if !r.ReadTimeout.Unknown || !r.Retry.Conditions.Unknown {
		t.Errorf("merged controller config: read timeout %+v, retry %+v; want both unknown", r.ReadTimeout, r.Retry.Conditions)
	}
	if r.Backend.KeepAliveIdle.Unknown || r.Backend.KeepAliveIdle.Value != 60*time.Second {
		t.Errorf("keepalive idle = %+v; want the 60s default (set nowhere)", r.Backend.KeepAliveIdle)
	}

	// The controller's ConfigMap generated from a file: every key unknown; an app's
	// generator from a file leaves the controller's defaults alone.
	m = parse(t, "app.yaml", app, "kustomization.yaml", `resources: [app.yaml]
configMapGenerator:
  - name: ingress-nginx-controller
    envs: [controller.env]
`)
	if r := route(m); !r.ReadTimeout.Unknown || !r.Backend.KeepAliveIdle.Unknown {
		t.Errorf("controller from a file: read timeout %+v, idle %+v; want unknown", r.ReadTimeout, r.Backend.KeepAliveIdle)
	}
	m = parse(t, "app.yaml", app, "kustomization.yaml", `resources: [app.yaml]
configMapGenerator:
  - name: api-env
    envs: [api.env]
`)
	if r := route(m); r.ReadTimeout.Unknown || r.ReadTimeout.Value != 60*time.Second {
		t.Errorf("app env from a file: read timeout %+v; want the 60s default", r.ReadTimeout)
	}
}
