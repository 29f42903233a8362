package lint_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
)

// One cause, one fix (issue 16): an upstream whose keep-alive is too short for both a
// load balancer and a proxy in front of it gets one fix, on the side the keepalive-race
// doc names for the load balancer (the upstream's keep-alive). The proxy's own fix (a
// shorter pool timeout, with a comment quoting the keep-alive the raise changes) is not
// written in the same round: raised above the proxy's pool timeout, the race is gone;
// raised less, the proxy's fix is made against the raised value.

// oneCauseStack is an ALB (idle timeout 100s) in front of nginx (a ConfigMap, pooling
// connections to app) and, for /direct, in front of app itself: gunicorn --keep-alive 2.
const oneCauseStack = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    alb.ingress.kubernetes.io/scheme: internet-facing
    alb.ingress.kubernetes.io/load-balancer-attributes: idle_timeout.timeout_seconds=100
spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: proxy
                port:
                  number: 80
          - path: /direct
            pathType: Prefix
            backend:
              service:
                name: app
                port:
                  number: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: proxy
spec:
  selector:
    app: proxy
  ports:
    - port: 80
      targetPort: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: proxy-conf
data:
  nginx.conf: |
    events {}
    http {
      upstream app {
        server app.default.svc.cluster.local:8080;
        keepalive 16;
      }
      server {
        listen 80;
        location / {
          proxy_pass http://app;
          proxy_http_version 1.1;
          proxy_set_header Connection "";
        }
      }
    }
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: proxy
spec:
  replicas: 2
  selector:
    matchLabels:
      app: proxy
  template:
    metadata:
      labels:
        app: proxy
    spec:
      containers:
        - name: nginx
          image: nginx:1.28
          ports:
            - name: http
              containerPort: 80
          volumeMounts:
            - name: conf
              mountPath: /etc/nginx/nginx.conf
              subPath: nginx.conf
      volumes:
        - name: conf
          configMap:
            name: proxy-conf
---
apiVersion: v1
kind: Service
metadata:
  name: app
spec:
  selector:
    app: app
  ports:
    - port: 8080
      targetPort: 8080
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 3
  selector:
    matchLabels:
      app: app
  template:
    metadata:
      labels:
        app: app
    spec:
      containers:
        - name: app
          image: example/app:1.0
          command: ["gunicorn", "--bind", "0.0.0.0:8080", "--worker-class", "gthread", "--keep-alive", "2", "app:wsgi"]
          ports:
            - name: http
              containerPort: 8080
`

func TestFixOneCauseNginxGunicorn(t *testing.T) {
	fr, after := fixDir(t, map[string]string{"app.yaml": oneCauseStack}, false)
	got := after["app.yaml"]
	if !strings.Contains(got, `"--keep-alive", "105"`) {
		t.Fatalf("gunicorn's keep-alive was not raised above the ALB's 100s:\n%s", got)
	}
	if strings.Contains(got, "keepalive_timeout 1s") || strings.Contains(got, "keep-alive 2s") {
		t.Errorf("a second fix of the same cause (nginx's pool timeout, quoting the old 2s):\n%s", got)
	}
	for _, f := range fr.Final.Findings {
		if f.Rule.ID == "keepalive-race" {
			t.Errorf("left after --fix: %s: %s", f.Pos, f.Message)
		}
	}
}

// Raised to less than the proxy's pool timeout, the proxy's fix is made against the
// raised keep-alive: its number and comment are true after both edits.
func TestFixOneCauseRaisedBelowPool(t *testing.T) {
	stack := strings.Replace(oneCauseStack, "timeout_seconds=100", "timeout_seconds=30", 1)
	fr, after := fixDir(t, map[string]string{"app.yaml": stack}, false)
	got := after["app.yaml"]
	if !strings.Contains(got, `"--keep-alive", "35"`) || !strings.Contains(got, "keepalive_timeout 34s;  # below gunicorn in Deployment app's keep-alive 35s") {
		t.Errorf("want gunicorn at 35s and nginx's pool at 34s, below it:\n%s", got)
	}
	for _, f := range fr.Final.Findings {
		if f.Rule.ID == "keepalive-race" {
			t.Errorf("left after --fix: %s: %s", f.Pos, f.Message)
		}
	}
}

// caddyUvicorn is an ALB (idle 100s) in front of uvicorn (its default keep-alive 5s),
// which a Caddyfile also proxies to (Caddy's pool: 2m).
const caddyUvicorn = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  namespace: shop
  annotations:
    alb.ingress.kubernetes.io/load-balancer-attributes: idle_timeout.timeout_seconds=100
spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: api
                port:
                  number: 3000
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 3
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
        - name: api
          image: example/api:2.0.0
          command: ["uvicorn", "main:app", "--port", "3000"]
          ports:
            - containerPort: 3000
---
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
spec:
  selector:
    app: api
  ports:
    - port: 3000
      targetPort: 3000
`

const caddyShop = "shop.example.com {\n\treverse_proxy api.shop.svc.cluster.local:3000\n}\n"

func TestFixOneCauseCaddyUvicorn(t *testing.T) {
	fr, after := fixDir(t, map[string]string{"app.yaml": caddyUvicorn, "Caddyfile": caddyShop}, false)
	if !strings.Contains(after["app.yaml"], `"--timeout-keep-alive", "105"`) {
		t.Fatalf("uvicorn's keep-alive was not raised:\n%s", after["app.yaml"])
	}
	if got := after["Caddyfile"]; !strings.Contains(got, "keepalive 104s # below uvicorn in Deployment api's keep-alive 105s") {
		t.Errorf("want Caddy's pool below the raised 105s (not 4s, below the old 5s):\n%s", got)
	}
	for _, f := range fr.Final.Findings {
		if f.Rule.ID == "keepalive-race" {
			t.Errorf("left after --fix: %s: %s", f.Pos, f.Message)
		}
	}
}

// A raise --fix does not write (a Node app's keep-alive is set in its code: a snippet)
// leaves the proxy's own fix in place: that is the one fix written.
func TestFixOneCauseRaiseNotWritten(t *testing.T) {
	node := strings.Replace(caddyUvicorn, `["uvicorn", "main:app", "--port", "3000"]`, `["node", "server.js"]`, 1)
	_, after := fixDir(t, map[string]string{"app.yaml": node, "Caddyfile": caddyShop}, false)
	if _, ok := after["app.yaml"]; ok {
		t.Errorf("the manifest changed:\n%s", after["app.yaml"])
	}
	if got := after["Caddyfile"]; !strings.Contains(got, "keepalive 4s # below node in Deployment api's keep-alive 5s") {
		t.Errorf("want Caddy's pool below Node's 5s (the 1s buffer is not in every release):\n%s", got)
	}
}

// Two rules about one pair: nginx's proxy_read_timeout 3s is below both the route's 90s
// budget (read-timeout-below-budget) and gunicorn's --timeout 120
// (app-timeout-exceeds-proxy). One finding and one edit: a route with a budget is left
// to read-timeout-below-budget (app-timeout-exceeds-proxy's doc), and the budget, not
// the app's limit, is what its handlers need.
func TestFixOneCauseTwoTimeoutRules(t *testing.T) {
	stack := strings.Replace(oneCauseStack, "proxy_set_header Connection \"\";", "proxy_set_header Connection \"\";\n          proxy_read_timeout 3s;", 1)
	stack = strings.Replace(stack, `"--keep-alive", "2",`, `"--keep-alive", "2", "--timeout", "120",`, 1)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "app.yaml"), []byte(stack), 0o644)
	os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte(budget), 0o644)
	first, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	fr, after := fixDir(t, map[string]string{"app.yaml": stack, ".no502.yaml": budget}, false)
	n := 0
	for _, f := range first.Findings {
		if f.Rule.ID == "read-timeout-below-budget" || f.Rule.ID == "app-timeout-exceeds-proxy" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d timeout findings about one location, want 1", n)
	}
	got := after["app.yaml"]
	if c := strings.Count(got, "proxy_read_timeout"); c != 1 || !strings.Contains(got, "proxy_read_timeout 100s;  # above the 90s handler budget") {
		t.Errorf("want one proxy_read_timeout, above the 90s budget:\n%s", got)
	}
	for _, f := range fr.Final.Findings {
		if f.Rule.ID == "read-timeout-below-budget" || f.Rule.ID == "app-timeout-exceeds-proxy" {
			t.Errorf("left after --fix: %s: %s", f.Pos, f.Message)
		}
	}
}
