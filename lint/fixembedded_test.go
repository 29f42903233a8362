package lint_test

import (
	"strings"
	"testing"

	"github.com/no502/no502/rules"
)

// Fix safety review, round 2 (session 8): fixes of configs written in more than one
// place (a Kustomize base and its overlays) or embedded in other files.

const overlayBase = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: ghcr.io/example/web:1.4.2
          ports:
            - containerPort: 8080
          livenessProbe:
            httpGet:
              path: /healthz
              port: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
    - port: 80
      targetPort: 8080
`

// A readiness probe written into a Kustomize base whose prod overlay patches in a
// readiness probe of its own (exec) renders, through the overlay, a probe with two
// handlers (kubectl kustomize shows exec and httpGet both), which the API server
// rejects. The fix stays a snippet naming the overlay; with an overlay that sets
// nothing the fix writes (only replicas), the base is fixed.
func TestK8sFixLeavesBaseAnOverlayPatches(t *testing.T) {
	overlay := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          readinessProbe:
            exec:
              command: ["/bin/check-ready"]
`
	files := map[string]string{
		"base/deployment.yaml":             overlayBase,
		"base/kustomization.yaml":          "resources:\n  - deployment.yaml\n",
		"overlays/prod/kustomization.yaml": "resources:\n  - ../../base\npatches:\n  - path: readiness.yaml\n",
		"overlays/prod/readiness.yaml":     overlay,
	}
	fr, after := fixDir(t, files, false)
	if got := after["base/deployment.yaml"]; strings.Contains(got, "readinessProbe") {
		t.Errorf("a readiness probe was written into the base the prod overlay patches one into:\n%s", got)
	}
	fix := finalFix(fr, "readiness-probe-missing")
	if fix == nil || fix.Safety() != rules.FixSnippet || !strings.Contains(fix.Description, "overlays/prod/readiness.yaml") {
		t.Errorf("fix = %+v, want a snippet naming the overlay", fix)
	}

	files["overlays/prod/readiness.yaml"] = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 4\n"
	_, after = fixDir(t, files, false)
	if got := after["base/deployment.yaml"]; !strings.Contains(got, "readinessProbe") {
		t.Errorf("an overlay that sets only replicas kept the base's readiness probe from being written:\n%s", got)
	}
}

// A value written as an environment placeholder with a default ({$RHT:30s} in a
// Caddyfile, ${HOOKS_GRACE:-30s} in Compose) was replaced by the fix's literal: a
// deployment that sets the variable (RHT=300s: caddy adapt reads 300s) then got the
// fix's value instead (100s, a shorter timeout than it had). The fix now changes the
// default and keeps the variable.
func TestFixKeepsEnvPlaceholders(t *testing.T) {
	caddyfile := "api.example.com {\n\treverse_proxy app:8080 {\n\t\ttransport http {\n\t\t\tresponse_header_timeout {$RHT:30s}\n\t\t}\n\t}\n}\n"
	_, after := fixDir(t, map[string]string{
		"Caddyfile":   caddyfile,
		".no502.yaml": "routes:\n  - match: /\n    handler_timeout: 90s\n",
	}, false)
	if got := after["Caddyfile"]; !strings.Contains(got, "response_header_timeout {$RHT:100s}\n") {
		t.Errorf("want the placeholder's default raised, got:\n%s", got)
	}

	compose := `services:
  caddy:
    image: caddy:2.8
    ports: ["443:443"]
    volumes:
      - ./Caddyfile:/etc/caddy/Caddyfile:ro
  hooks:
    build: ./hooks
    command: uvicorn hooks.main:app --host 0.0.0.0 --port 8000 --timeout-keep-alive 300
    stop_grace_period: "${HOOKS_GRACE:-30s}"
    deploy:
      replicas: 2
`
	_, after = fixDir(t, map[string]string{
		"compose.yaml": compose,
		"Caddyfile":    "api.example.com {\n\treverse_proxy hooks:8000\n}\n",
		".no502.yaml":  "routes:\n  - match: /\n    handler_timeout: 60s\n",
	}, true)
	if got := after["compose.yaml"]; !strings.Contains(got, `stop_grace_period: "${HOOKS_GRACE:-70s}"`) {
		t.Errorf("want the variable's default raised, got:\n%s", got)
	}
}
