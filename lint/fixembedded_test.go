package lint_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
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

// edgeConfigMap is a ConfigMap holding an nginx.conf whose location sets extra (a
// directive line, or "").
func edgeConfigMap(ns, extra string) string {
	return `apiVersion: v1
kind: ConfigMap
metadata:
  name: edge-conf
  namespace: ` + ns + `
data:
  nginx.conf: |
    events {}
    http {
        upstream app {
            server app-1.internal:8080;
            server app-2.internal:8080;
        }
        server {
            listen 80;
            location / {
                proxy_pass http://app;
` + extra + `            }
        }
    }
`
}

// Two ConfigMaps of one file with an nginx.conf each (staging and prod) were one
// virtual file "stack.yaml#nginx.conf": prod's finding was shown at staging's lines
// (18:17, the closing brace of staging's location) and its fix was not written. Each
// entry is now a file of its own.
func TestTwoConfigMapsWithOneKey(t *testing.T) {
	src := edgeConfigMap("staging", "") + "---\n" + edgeConfigMap("prod", "                proxy_next_upstream off;\n")
	fr, after := fixDir(t, map[string]string{"stack.yaml": src}, false)
	want := edgeConfigMap("staging", "") + "---\n" + edgeConfigMap("prod", "                proxy_next_upstream_tries 2;\n                proxy_next_upstream error timeout;  # POST/PATCH are never re-sent once sent\n")
	got := after["stack.yaml"]
	// The tries line goes before proxy_pass: compare the set of lines of prod's location.
	for _, l := range []string{"proxy_next_upstream_tries 2;", "proxy_next_upstream error timeout"} {
		if i := strings.Index(got, l); i < 0 || i < strings.Index(got, "namespace: prod") {
			t.Errorf("want %q written into prod's nginx.conf, got:\n%s", l, got)
		}
	}
	if strings.Contains(got, "proxy_next_upstream off") || len(got) != len(want) {
		t.Errorf("got:\n%s\nwant (up to line order):\n%s", got, want)
	}
	_ = fr
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "stack.yaml"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Findings {
		if f.Rule.ID == "no-retry-on-failure" && f.Pos.Line != 39 {
			t.Errorf("finding at %s, want stack.yaml:39 (prod's proxy_next_upstream)", f.Pos)
		}
	}
}

// An entry aliased by another key (nginx.conf: &edge |, default.conf: *edge) changes
// with it: the fix, checked only against its own entry, edited both. It is a snippet now.
func TestConfigMapFixLeavesAliasedEntry(t *testing.T) {
	src := strings.Replace(edgeConfigMap("prod", "                proxy_next_upstream off;\n"), "nginx.conf: |", "nginx.conf: &edge |", 1) + "  backup.conf: *edge\n"
	fr, after := fixDir(t, map[string]string{"stack.yaml": src}, false)
	if got, ok := after["stack.yaml"]; ok {
		t.Errorf("the aliased entry was edited:\n%s", got)
	}
	if fix := finalFix(fr, "no-retry-on-failure"); fix == nil || fix.Safety() != rules.FixSnippet || !strings.Contains(fix.Description, "not written") {
		t.Errorf("fix = %+v, want a snippet saying why", fix)
	}
}

// A snippet imported once whose timeout is its argument ({args[1]}): the fix wrote 100s
// over the placeholder, valid but leaving the import's "30s" dead for the next reader to
// change in vain. It is a snippet saying where the value is given.
func TestCaddyFixLeavesSnippetArgument(t *testing.T) {
	caddyfile := "(proxy) {\n\treverse_proxy {args[0]} {\n\t\ttransport http {\n\t\t\tresponse_header_timeout {args[1]}\n\t\t}\n\t}\n}\napi.example.com {\n\timport proxy app:8080 30s\n}\n"
	fr, after := fixDir(t, map[string]string{
		"Caddyfile":   caddyfile,
		".no502.yaml": "routes:\n  - match: /\n    handler_timeout: 90s\n",
	}, false)
	if got, ok := after["Caddyfile"]; ok {
		t.Errorf("the snippet's argument was written over:\n%s", got)
	}
	if fix := finalFix(fr, "read-timeout-below-budget"); fix == nil || fix.Safety() != rules.FixSnippet || !strings.Contains(fix.Description, "{args[1]}") {
		t.Errorf("fix = %+v, want a snippet naming {args[1]}", fix)
	}
}

// Two whole copies of one Deployment (examples of one repository, both with a selector)
// are not an overlay and its base: each is fixed on its own.
func TestK8sFixWritesBesideAnotherCopy(t *testing.T) {
	files := map[string]string{
		"a/deployment.yaml": overlayBase,
		"b/deployment.yaml": strings.Replace(overlayBase, "          livenessProbe:", "          readinessProbe:\n            tcpSocket:\n              port: 8080\n          livenessProbe:", 1),
	}
	_, after := fixDir(t, files, false)
	if got := after["a/deployment.yaml"]; !strings.Contains(got, "readinessProbe") {
		t.Errorf("a whole copy of the Deployment in b/ kept a/'s readiness probe from being written:\n%s", got)
	}
}

// The ingress-nginx read timeout annotation is the Ingress's: every path of it gets the
// new value. Raised for /reports' 90s budget, it also made / (another Service) wait 100s
// instead of 30s, as a "safe" fix. With other Services behind the Ingress it is unsafe.
func TestIngressAnnotationFixSharedByPaths(t *testing.T) {
	ingress := `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "30"
spec:
  ingressClassName: nginx
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /reports
            pathType: Prefix
            backend:
              service:
                name: reports
                port:
                  number: 80
`
	other := `          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
`
	budget := "routes:\n  - match: /reports\n    handler_timeout: 90s\n"
	fr, after := fixDir(t, map[string]string{"ing.yaml": ingress + other, ".no502.yaml": budget}, false)
	if got, ok := after["ing.yaml"]; ok {
		t.Errorf("plain --fix raised the timeout of every path of the Ingress:\n%s", got)
	}
	if fix := finalFix(fr, "read-timeout-below-budget"); fix == nil || fix.Safety() != rules.FixUnsafe || !strings.Contains(fix.Description, "/ (default/web:80)") {
		t.Errorf("fix = %+v, want unsafe, naming / (default/web:80)", fix)
	}
	_, after = fixDir(t, map[string]string{"ing.yaml": ingress, ".no502.yaml": budget}, false)
	if got := after["ing.yaml"]; !strings.Contains(got, `proxy-read-timeout: "100"`) {
		t.Errorf("an Ingress serving only /reports was not fixed:\n%s", got)
	}
}

// An ALB Ingress's idle timeout is the whole load balancer's, as in Terraform: raised
// from 30s to 100s for a 90s budget while gunicorn behind it (in sh -c, which no502 does
// not rewrite) keeps connections 75s, the safe fix made a keepalive race (502s) that the
// next lint reported and could not fix. Now it is a snippet saying so; with another
// Service behind the Ingress it is unsafe.
func TestALBIngressFixLikeTerraform(t *testing.T) {
	ingress := strings.NewReplacer(
		`nginx.ingress.kubernetes.io/proxy-read-timeout: "30"`, "alb.ingress.kubernetes.io/load-balancer-attributes: idle_timeout.timeout_seconds=30\n    alb.ingress.kubernetes.io/target-type: ip",
		"ingressClassName: nginx", "ingressClassName: alb").Replace(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "30"
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths:
          - path: /reports
            pathType: Prefix
            backend:
              service:
                name: reports
                port:
                  number: 80
`)
	app := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: reports
spec:
  replicas: 3
  selector:
    matchLabels:
      app: reports
  template:
    metadata:
      labels:
        app: reports
    spec:
      containers:
        - name: app
          image: example/reports:1.0
          command: ["sh", "-c", "exec gunicorn --threads 4 --keep-alive 75 -b 0.0.0.0:8080 app:app"]
          ports:
            - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: reports
spec:
  selector:
    app: reports
  ports:
    - port: 80
      targetPort: 8080
`
	budget := "routes:\n  - match: /reports\n    handler_timeout: 90s\n"
	fr, after := fixDir(t, map[string]string{"ing.yaml": ingress, "app.yaml": app, ".no502.yaml": budget}, false)
	if got, ok := after["ing.yaml"]; ok {
		t.Errorf("the ALB idle timeout was raised past gunicorn's 75s keep-alive:\n%s", got)
	}
	if fix := finalFix(fr, "read-timeout-below-budget"); fix == nil || fix.Safety() != rules.FixSnippet || !strings.Contains(fix.Description, "keepalive-race") {
		t.Errorf("fix = %+v, want a snippet naming the keepalive race", fix)
	}
	two := ingress + `          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
`
	fr, after = fixDir(t, map[string]string{"ing.yaml": two, ".no502.yaml": budget}, false)
	if got, ok := after["ing.yaml"]; ok {
		t.Errorf("plain --fix raised the idle timeout of a load balancer serving another Service:\n%s", got)
	}
	if fix := finalFix(fr, "read-timeout-below-budget"); fix == nil || fix.Safety() != rules.FixUnsafe {
		t.Errorf("fix = %+v, want unsafe", fix)
	}
}

// Ingresses of one IngressGroup share an ALB and must agree on its attributes (the AWS
// Load Balancer Controller fails to build the group on "conflicting load balancer
// attributes"). The fix added idle_timeout 100 to one member while another said 30; it is
// a snippet asking for the value in every member now.
func TestALBIngressGroupFixIsSnippet(t *testing.T) {
	member := func(name, path, extra string) string {
		return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ` + name + `
  annotations:
    alb.ingress.kubernetes.io/group.name: shop
    alb.ingress.kubernetes.io/target-type: ip
` + extra + `spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - path: ` + path + `
            pathType: Prefix
            backend:
              service:
                name: ` + name + `
                port:
                  number: 80
`
	}
	src := member("reports", "/reports", "") + "---\n" + member("web", "/", "    alb.ingress.kubernetes.io/load-balancer-attributes: idle_timeout.timeout_seconds=30\n")
	fr, after := fixDir(t, map[string]string{"ing.yaml": src, ".no502.yaml": "routes:\n  - match: /reports\n    handler_timeout: 90s\n"}, true)
	if got, ok := after["ing.yaml"]; ok {
		t.Errorf("one member of the IngressGroup was given other ALB attributes:\n%s", got)
	}
	if fix := finalFix(fr, "read-timeout-below-budget"); fix == nil || fix.Safety() != rules.FixSnippet || !strings.Contains(fix.Description, "IngressGroup shop") {
		t.Errorf("fix = %+v, want a snippet naming the group", fix)
	}
}
