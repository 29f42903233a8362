package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/parsers/caddy"
	"github.com/no502/no502/rules"
	"github.com/no502/no502/rules/rulestest"
)

// Crafted cases of issue 16: each is a fix that wrote something wrong before and now is
// either written right or kept as a snippet saying why.

func TestCaddyFixNotIntoFastCGITransport(t *testing.T) {
	src := "example.com {\n\treverse_proxy /webhooks/* php:9000 {\n\t\ttransport fastcgi {\n\t\t\tsplit .php\n\t\t}\n\t}\n}\n"
	cf, diags := caddy.ParseFile("Caddyfile", []byte(src))
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	d := cf.Directives[0].Block[0]
	e := cf.Edit()
	if e.SetProxy(d, caddy.Subdirective{Name: "response_header_timeout", Value: "100s", Transport: true}) || len(e.Edits()) > 0 {
		t.Errorf("response_header_timeout written into transport fastcgi: %+v", e.Edits())
	}
	e = cf.Edit()
	if !e.SetProxy(d, caddy.Subdirective{Name: "lb_try_duration", Value: "5s"}) || len(e.Edits()) == 0 {
		t.Errorf("a reverse_proxy subdirective is not written beside a fastcgi transport")
	}
}

func TestCaddyFixSharedSnippet(t *testing.T) {
	src := "(proxy) {\n\treverse_proxy app-1:8080 app-2:8080\n}\na.example.com {\n\timport proxy\n}\nb.example.com {\n\timport proxy\n}\n"
	_, fix := fixOf(t, src, "", "dead-upstream-in-rotation")
	if fix.Safety() != rules.FixSnippet || !strings.Contains(fix.Description, "imported 2 times") {
		t.Errorf("a snippet imported by two sites would be edited for one: %+v", fix)
	}
	// Imported once, the snippet is the site's own: written (with --unsafe-fixes, as
	// every passive-health fix: TestCaddyPassiveHealthFixUnsafe).
	one := "(proxy) {\n\treverse_proxy app-1:8080 app-2:8080\n}\na.example.com {\n\timport proxy\n}\n"
	_, fix = fixOf(t, one, "", "dead-upstream-in-rotation")
	if fix.Safety() != rules.FixUnsafe || len(fix.Edits) == 0 {
		t.Errorf("a snippet imported once: %+v", fix)
	}
}

// healthFixOf lints a Caddyfile behind an ALB that checks /healthz (chained in
// .no502.yaml: health-answered-by-proxy needs a check that routes traffic) and returns
// the health-answered-by-proxy fix.
func healthFixOf(t *testing.T, caddyfile string) *rules.Fix {
	t.Helper()
	dir := writeDir(t, map[string]string{
		"Caddyfile":   caddyfile,
		".no502.yaml": "chain: [alb.tf:aws_lb.web, Caddyfile]\n",
		"alb.tf": `resource "aws_lb" "web" {
  name = "web"
}
resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.caddy.arn
  }
}
resource "aws_lb_target_group" "caddy" {
  name     = "caddy"
  port     = 80
  protocol = "HTTP"
  health_check {
    path    = "/healthz"
    matcher = "200"
  }
}
`})
	_, findings := rulestest.Lint(t, dir)
	for _, f := range findings {
		if f.Rule.ID == "health-answered-by-proxy" && f.Fix != nil {
			return f.Fix
		}
	}
	t.Fatalf("no health-answered-by-proxy finding with a fix: %v", findings)
	return nil
}

func TestCaddyHealthFixHandlePath(t *testing.T) {
	src := ":80 {\n\thandle_path /healthz* {\n\t\trespond 200\n\t}\n\treverse_proxy app:8080\n}\n"
	fix := healthFixOf(t, src)
	if fix.Safety() != rules.FixSnippet || len(fix.Edits) > 0 {
		t.Errorf("a handle_path health route would become a proxy with its prefix stripped: %+v", fix)
	}
}

func TestCaddyHealthFixIsUnsafe(t *testing.T) {
	fix := healthFixOf(t, ":80 {\n\trespond /healthz 200\n\treverse_proxy app:8080\n}\n")
	if fix.Safety() != rules.FixUnsafe {
		t.Errorf("safety %s, want unsafe (the health check starts to depend on the app)", fix.Safety())
	}
}

// writeDir writes files into a new temporary directory.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// fixesOf lints dir and returns the fixes of rule id's findings.
func fixesOf(t *testing.T, dir, id string) []*rules.Fix {
	t.Helper()
	_, fs := lintCaddyDir(t, dir)
	var out []*rules.Fix
	for _, f := range fs {
		if f.Rule.ID == id && f.Fix != nil {
			out = append(out, f.Fix)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s finding with a fix in %v", id, fs)
	}
	return out
}

// gunicornBehindNginx: nginx (in a ConfigMap) keeps upstream connections to a gunicorn
// app that closes idle ones after 2s.
const gunicornBehindNginx = `apiVersion: v1
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
          image: nginx:1.14.2
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
  replicas: 2
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
          command: ["gunicorn", "--worker-class", "gthread", "--keep-alive", "2", "app:wsgi"]
`

func TestNginxUpstreamKeepaliveTimeoutNeedsVersion(t *testing.T) {
	old := writeDir(t, map[string]string{"stack.yaml": gunicornBehindNginx, ".no502.yaml": "nginx_version: 1.14.2\n"})
	seen := false
	for _, fix := range fixesOf(t, old, "keepalive-race") {
		if strings.Contains(fix.Snippet, "keepalive_timeout") {
			seen = true
			if fix.Safety() != rules.FixSnippet || !strings.Contains(fix.Description, "1.15.3") {
				t.Errorf("keepalive_timeout in upstream{} written for nginx 1.14.2: %+v", fix)
			}
		}
	}
	if !seen {
		t.Errorf("no keepalive_timeout fix for nginx 1.14.2")
	}
	recent := writeDir(t, map[string]string{"stack.yaml": gunicornBehindNginx, ".no502.yaml": "nginx_version: 1.16.0\n"})
	written := false
	for _, fix := range fixesOf(t, recent, "keepalive-race") {
		written = written || strings.Contains(fix.Snippet, "keepalive_timeout") && fix.Safety() == rules.FixSafe && len(fix.Edits) > 0
	}
	if !written {
		t.Errorf("keepalive_timeout in upstream{} not written for nginx 1.16.0")
	}
}

const ingressToGunicorn = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  ingressClassName: nginx
  rules:
    - http:
        paths:
          - path: /
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
  replicas: 2
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
          command: ["gunicorn", "--worker-class", "gthread", "--keep-alive", "2", "app:wsgi"]
          args: ["--keep-alive", "3"]
          ports:
            - containerPort: 8080
`

// The app's keep-alive set in command and again in args: args come last and win, so the
// fix rewrites args (appending to command left the finding in place).
func TestAppKeepAliveFixEditsEffectiveFlag(t *testing.T) {
	dir := writeDir(t, map[string]string{"stack.yaml": ingressToGunicorn})
	for _, fix := range fixesOf(t, dir, "keepalive-race") {
		if !strings.Contains(fix.Snippet, "args:") || strings.Contains(fix.Snippet, "command:") {
			t.Errorf("the fix does not rewrite args, where the effective --keep-alive is:\n%s", fix.Snippet)
		}
	}
}

// More pods of a workload that binds a hostPort may never schedule: the replicas fix is
// a snippet.
func TestReplicasFixHostPort(t *testing.T) {
	dir := writeDir(t, map[string]string{"app.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: edge
spec:
  replicas: 1
  selector:
    matchLabels:
      app: edge
  template:
    metadata:
      labels:
        app: edge
    spec:
      containers:
        - name: edge
          image: example/edge:1
          ports:
            - containerPort: 8080
              hostPort: 80
          readinessProbe:
            httpGet:
              path: /ready
              port: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: edge
spec:
  selector:
    app: edge
  ports:
    - port: 80
      targetPort: 8080
`})
	for _, fix := range fixesOf(t, dir, "single-replica") {
		if fix.Safety() != rules.FixSnippet || len(fix.Edits) > 0 || !strings.Contains(fix.Description, "hostPort") {
			t.Errorf("replicas raised on pods with a hostPort: %+v", fix)
		}
	}
}

// An nginx older than 1.7.5 has no proxy_next_upstream_tries (the file would not load:
// "unknown directive"), and one older than 1.9.13 passes a POST its server failed after
// receiving on to the next server: the retry fixes must not write the one, and are unsafe
// where they let the other happen.
func TestNginxRetryFixNeedsVersion(t *testing.T) {
	const conf = `events {}
http {
    upstream app { server 10.0.0.1:8000; server 10.0.0.2:8000; }
    server {
        listen 80;
        location /off/ { proxy_pass http://app; proxy_next_upstream off; }
        location /one/ { proxy_pass http://app; proxy_next_upstream_tries 1; }
        location /timeout/ { proxy_pass http://app; proxy_next_upstream timeout; }
    }
}
`
	for _, tc := range []struct {
		version string
		safety  rules.Safety
		tries   bool // the off fix inserts proxy_next_upstream_tries
	}{
		{"1.6.2", rules.FixUnsafe, false},
		{"1.8.1", rules.FixUnsafe, true},
		{"1.9.13", rules.FixSafe, true},
		{"1.22.1", rules.FixSafe, true},
	} {
		dir := writeDir(t, map[string]string{"nginx.conf": conf, ".no502.yaml": "nginx_version: " + tc.version + "\n"})
		_, fs := lintCaddyDir(t, dir)
		n := 0
		for _, f := range fs {
			if f.Rule.ID != "no-retry-on-failure" || f.Fix == nil {
				continue
			}
			n++
			if got := f.Fix.Safety(); got != tc.safety {
				t.Errorf("nginx %s, %s: fix is %s, want %s: %s", tc.version, f.Message, got, tc.safety, f.Fix.Description)
			}
			if tc.safety == rules.FixUnsafe && (strings.Contains(f.Message, "never sent twice") || strings.Contains(f.Fix.Snippet, "never re-sent")) {
				t.Errorf("nginx %s re-sends a failed POST, but the finding says it does not: %s\n%s", tc.version, f.Message, f.Fix.Snippet)
			}
			if strings.HasPrefix(f.Message, "proxy_next_upstream off") && strings.Contains(f.Fix.Snippet, "proxy_next_upstream_tries") != tc.tries {
				t.Errorf("nginx %s: proxy_next_upstream_tries in the fix is %v, want %v:\n%s", tc.version, !tc.tries, tc.tries, f.Fix.Snippet)
			}
		}
		if n != 3 {
			t.Errorf("nginx %s: %d no-retry-on-failure fixes, want 3: %v", tc.version, n, fs)
		}
	}
}

// A health location in a file two servers include was rewritten, with --unsafe-fixes, to
// proxy_pass to the first server's upstream: the second server's health path then went
// to the first server's app. Included by one server, the fix is written as before.
func TestNginxHealthFixInSharedInclude(t *testing.T) {
	alb, err := os.ReadFile("testdata/example-lb-health-answered-by-proxy/alb.tf")
	if err != nil {
		t.Fatal(err)
	}
	const health = "location = / {\n    return 200 \"welcome\";\n}\n"
	for _, c := range []struct {
		name, second string
		shared       bool
	}{
		{"two servers", "include health.inc;", true},
		{"one server", "location = / { return 404; }", false},
	} {
		conf := "events {}\nhttp {\n    upstream app { server 10.0.0.1:8080; server 10.0.0.2:8080; }\n    upstream other { server 10.0.1.1:9090; server 10.0.1.2:9090; }\n" +
			"    server {\n        listen 80;\n        include health.inc;\n        location / { proxy_pass http://app; }\n    }\n" +
			"    server {\n        listen 8081;\n        " + c.second + "\n        location / { proxy_pass http://other; }\n    }\n}\n"
		dir := writeDir(t, map[string]string{"nginx.conf": conf, "health.inc": health, "alb.tf": string(alb), ".no502.yaml": "chain: [alb.tf:aws_lb.web, nginx.conf]\n"})
		fixes := fixesOf(t, dir, "lb-health-answered-by-proxy")
		for _, fix := range fixes {
			if c.shared && (fix.Safety() != rules.FixSnippet || !strings.Contains(fix.Description, "2 servers include")) {
				t.Errorf("%s: the shared location is rewritten: %s, %s", c.name, fix.Safety(), fix.Description)
			}
			if !c.shared && fix.Safety() != rules.FixUnsafe {
				t.Errorf("%s: %s, want unsafe: %s", c.name, fix.Safety(), fix.Description)
			}
		}
	}
}

// nginx's health fix forwarded the path to the first location with an upstream: in a
// server with location /api/ (api) before location / (web), `location = / { return
// 200; }` became proxy_pass http://api, so the site's root and the ALB's check went to
// the API. It goes to the location that serves the path without it; when that cannot be
// told (no prefix location covers it, or a regex one may take it first) the fix is a
// snippet.
func TestNginxHealthFixPicksTheServingLocation(t *testing.T) {
	alb, err := os.ReadFile("testdata/example-lb-health-answered-by-proxy/alb.tf")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, locations, want string // want: the proxy_pass written, "" for a snippet
	}{
		{"prefix /", "location /api/ { proxy_pass http://api; }\n        location / { proxy_pass http://web; }", "proxy_pass http://web;"},
		{"one app", "location /api/ { proxy_pass http://api; }\n        location /v2/ { proxy_pass http://api; }", "proxy_pass http://api;"},
		{"no covering location", "location /api/ { proxy_pass http://api; }\n        location /web/ { proxy_pass http://web; }", ""},
		{"a regex may take it", "location ~ ^/ { proxy_pass http://api; }\n        location / { proxy_pass http://web; }", ""},
	} {
		conf := "events {}\nhttp {\n    upstream api { server 10.0.0.1:8080; server 10.0.0.2:8080; }\n    upstream web { server 10.0.1.1:3000; server 10.0.1.2:3000; }\n" +
			"    server {\n        listen 80;\n        location = / { return 200 \"ok\"; }\n        " + c.locations + "\n    }\n}\n"
		dir := writeDir(t, map[string]string{"nginx.conf": conf, "alb.tf": string(alb), ".no502.yaml": "chain: [alb.tf:aws_lb.web, nginx.conf]\n"})
		for _, fix := range fixesOf(t, dir, "lb-health-answered-by-proxy") {
			switch {
			case c.want == "" && (fix.Safety() != rules.FixSnippet || !strings.Contains(fix.Description, "several apps")):
				t.Errorf("%s: want a snippet naming the apps: %s, %s\n%s", c.name, fix.Safety(), fix.Description, fix.Snippet)
			case c.want != "" && (fix.Safety() != rules.FixUnsafe || !strings.Contains(fix.Snippet, c.want)):
				t.Errorf("%s: want %q written (unsafe): %s, %s\n%s", c.name, c.want, fix.Safety(), fix.Description, fix.Snippet)
			}
		}
	}
}
