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

// More of issue 16's classes, end to end through lint.Fix, each checked with the real
// nginx where the class is about what nginx reads.

// nginxReads writes files to a directory and returns nginx -T's view of them (the test is
// skipped without nginx, except under CI=true).
func nginxReads(t *testing.T, files map[string]string) string {
	t.Helper()
	bin := tool(t, "nginx", "/usr/sbin/nginx")
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	view, err := nginxStubbedView(bin, dir, map[string]string{}, map[string]string{})
	if err != nil {
		t.Fatalf("nginx rejects the fixed config: %v", err)
	}
	return view
}

// merged returns the files with the fixed ones replaced.
func merged(files, after map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range files {
		out[k] = v
	}
	for k, v := range after {
		out[k] = v
	}
	return out
}

// activeLines lists the lines nginx -T shows with their comments cut off.
func activeLines(view string) []string {
	var out []string
	for _, l := range strings.Split(view, "\n") {
		l, _, _ = strings.Cut(l, "#")
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func hasActive(view, directive string) bool {
	for _, l := range activeLines(view) {
		if strings.Contains(l, directive) {
			return true
		}
	}
	return false
}

// albChain puts the ALB of alb.tf in front of nginx.conf.
const albChain = "chain: [alb.tf:aws_lb.web, nginx.conf]\n"

const upstreamApp = "  upstream app {\n    server 127.0.0.1:8080;\n    server 127.0.0.2:8080;\n  }\n"

// A directive inserted into a block whose brace shares its line with a directive, into
// one-line blocks, and a directive written over two lines replaced whole: nginx still
// reads the proxy_pass, the new timeout, and no stray word.
func TestFixBlockShapes(t *testing.T) {
	for _, c := range []struct{ name, location string }{
		{"brace shares its line", "    location /a/ {proxy_pass http://app;\n    }\n"},
		{"one-line block", "    location /a/ { proxy_pass http://app; }\n"},
		{"one-line block, no spaces", "    location /a/ {proxy_pass http://app;}\n"},
		{"directive over two lines", "    location /a/ {\n      proxy_pass http://app;\n      proxy_read_timeout\n        30s;\n    }\n"},
		{"one-line block, directive over two lines", "    location /a/ { proxy_pass http://app; proxy_read_timeout\n 30s; }\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			conf := "events {}\nhttp {\n" + upstreamApp + "  server {\n    listen 80;\n" + c.location + "  }\n}\n"
			files := map[string]string{"nginx.conf": conf, ".no502.yaml": budget}
			_, after := fixDir(t, files, false)
			if after["nginx.conf"] == "" {
				t.Fatalf("nothing fixed in:\n%s", conf)
			}
			view := nginxReads(t, merged(files, after))
			if !hasActive(view, "proxy_pass http://app;") || !hasActive(view, "proxy_read_timeout 100s;") {
				t.Errorf("nginx does not read the proxy_pass and the new timeout:\n%s", after["nginx.conf"])
			}
			if hasActive(view, "30s") {
				t.Errorf("a part of the old directive is left:\n%s", after["nginx.conf"])
			}
		})
	}
}

// The same one-line block inside a Kubernetes ConfigMap: the nginx.conf in the fixed
// manifest is still whole.
func TestFixOneLineBlockInConfigMap(t *testing.T) {
	manifest := `apiVersion: v1
kind: ConfigMap
metadata:
  name: proxy-conf
data:
  nginx.conf: |
    events {}
    http {
      upstream app { server 127.0.0.1:8080; server 127.0.0.2:8080; }
      server { listen 80; location /a/ { proxy_pass http://app; } }
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
          volumeMounts:
            - name: conf
              mountPath: /etc/nginx/nginx.conf
              subPath: nginx.conf
      volumes:
        - name: conf
          configMap:
            name: proxy-conf
`
	_, after := fixDir(t, map[string]string{"app.yaml": manifest, ".no502.yaml": budget}, false)
	got := after["app.yaml"]
	if got == "" {
		t.Fatal("nothing fixed")
	}
	docs, err := yamlDocs([]byte(got))
	if err != nil {
		t.Fatalf("the fixed manifest is not YAML: %v\n%s", err, got)
	}
	conf := docs[0].(map[string]any)["data"].(map[string]any)["nginx.conf"].(string)
	view := nginxReads(t, map[string]string{"nginx.conf": conf})
	if !hasActive(view, "proxy_pass http://app;") || !hasActive(view, "proxy_read_timeout 100s;") {
		t.Errorf("nginx does not read the proxy_pass and the new timeout:\n%s", conf)
	}
}

// Settings that come from an include in the same block: the fix changes the include
// (used there only) or stays a snippet, never adds a second directive (nginx: "is
// duplicate") or one the include overrides.
func TestFixSettingsFromIncludeNginxReads(t *testing.T) {
	t.Run("proxy_next_upstream off in an include", func(t *testing.T) {
		conf := "events {}\nhttp {\n" + upstreamApp + "  server {\n    listen 80;\n    location /a/ {\n      include retry.conf;\n      proxy_pass http://app;\n    }\n  }\n}\n"
		files := map[string]string{"nginx.conf": conf, "retry.conf": "proxy_next_upstream off;\n"}
		fr, after := fixDir(t, files, false)
		view := nginxReads(t, merged(files, after))
		if len(after) == 0 {
			t.Fatalf("no fix written (want retry.conf, included here only, changed)")
		}
		if hasActive(view, "proxy_next_upstream off;") || !hasActive(view, "proxy_next_upstream error timeout") {
			t.Errorf("nginx does not read the retries the fix writes:\n%v", after)
		}
		for _, f := range fr.Final.Findings {
			if f.Rule.ID == "no-retry-on-failure" {
				t.Errorf("left after the fix: %s", f.Message)
			}
		}
	})
	t.Run("client keepalive_timeout in an include of the server", func(t *testing.T) {
		alb := "resource \"aws_lb\" \"web\" {\n  name               = \"web\"\n  load_balancer_type = \"application\"\n  idle_timeout       = 120\n}\n\nresource \"aws_lb_target_group\" \"nginx\" {\n  name     = \"nginx\"\n  port     = 80\n  protocol = \"HTTP\"\n}\n\nresource \"aws_lb_listener\" \"http\" {\n  load_balancer_arn = aws_lb.web.arn\n  port              = 80\n  protocol          = \"HTTP\"\n\n  default_action {\n    type             = \"forward\"\n    target_group_arn = aws_lb_target_group.nginx.arn\n  }\n}\n"
		conf := "events {}\nhttp {\n" + upstreamApp + "  server {\n    listen 80;\n    include timeouts.conf;\n    location / {\n      proxy_pass http://app;\n    }\n  }\n}\n"
		files := map[string]string{"alb.tf": alb, "nginx.conf": conf, "timeouts.conf": "keepalive_timeout 75s;\n", ".no502.yaml": albChain}
		_, after := fixDir(t, files, false)
		view := nginxReads(t, merged(files, after)) // no "is duplicate"
		if strings.Contains(after["nginx.conf"], "keepalive_timeout") {
			t.Errorf("a second keepalive_timeout in the server block:\n%s", after["nginx.conf"])
		}
		if !hasActive(view, "keepalive_timeout 125s;") {
			t.Errorf("the included keepalive_timeout (used by this server only) was not raised:\n%v", after)
		}
	})
	t.Run("a server block in an included file", func(t *testing.T) {
		conf := "events {}\nhttp {\n" + upstreamApp + "  include sites/*.conf;\n}\n"
		site := "# the site\nserver {\n    listen 80;\n    location /a/ {\n        proxy_pass http://app;\n    }\n}\n"
		files := map[string]string{"nginx.conf": conf, "sites/a.conf": site, ".no502.yaml": budget}
		_, after := fixDir(t, files, false)
		if _, ok := after["nginx.conf"]; ok {
			t.Errorf("the main file changed (offsets of the included file applied to it):\n%s", after["nginx.conf"])
		}
		if !strings.Contains(after["sites/a.conf"], "proxy_read_timeout 100s;") {
			t.Errorf("the included file was not fixed:\n%s", after["sites/a.conf"])
		}
		view := nginxReads(t, merged(files, after))
		if !hasActive(view, "proxy_read_timeout 100s;") || !hasActive(view, "proxy_pass http://app;") {
			t.Errorf("nginx does not read the fix:\n%s", view)
		}
	})
}

// The health check route's fix copies the app route's proxy_pass only when it can be
// copied as it is: an https upstream stays https, a variable or a fastcgi/grpc server is a
// snippet.
func TestFixHealthProxyTarget(t *testing.T) {
	alb := "resource \"aws_lb\" \"web\" {\n  name               = \"web\"\n  load_balancer_type = \"application\"\n}\n\nresource \"aws_lb_target_group\" \"nginx\" {\n  name     = \"nginx\"\n  port     = 80\n  protocol = \"HTTP\"\n\n  health_check {\n    matcher = \"200\"\n  }\n}\n\nresource \"aws_lb_listener\" \"http\" {\n  load_balancer_arn = aws_lb.web.arn\n  port              = 80\n  protocol          = \"HTTP\"\n\n  default_action {\n    type             = \"forward\"\n    target_group_arn = aws_lb_target_group.nginx.arn\n  }\n}\n"
	conf := func(app string) string {
		return "events {}\nhttp {\n" + upstreamApp + "  server {\n    listen 80;\n    location = / {\n      return 200 \"welcome\";\n    }\n    location / {\n      " + app + "\n    }\n  }\n}\n"
	}
	t.Run("https", func(t *testing.T) {
		files := map[string]string{"alb.tf": alb, "nginx.conf": conf("proxy_pass https://app;"), ".no502.yaml": albChain}
		_, after := fixDir(t, files, true)
		if got := after["nginx.conf"]; !strings.Contains(got, "proxy_pass https://app;  # let the app answer") {
			t.Errorf("want the health route proxied to https://app:\n%s", got)
		}
		nginxReads(t, merged(files, after))
	})
	for _, c := range []struct{ name, app, why string }{
		{"variable", "set $be app;\n      proxy_pass http://$be;", "resolved at request time"},
		{"fastcgi", "fastcgi_pass 127.0.0.1:9000;", "fastcgi"},
		{"grpc", "grpc_pass grpc://127.0.0.1:9000;", "grpc"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fr, after := fixDir(t, map[string]string{"alb.tf": alb, "nginx.conf": conf(c.app), ".no502.yaml": albChain}, true)
			if got, ok := after["nginx.conf"]; ok {
				t.Errorf("a guessed proxy_pass was written:\n%s", got)
			}
			fix := finalFix(fr, "lb-health-answered-by-proxy")
			if fix == nil || fix.Safety() != rules.FixSnippet || !strings.Contains(fix.Description, c.why) {
				t.Errorf("fix = %+v, want a snippet saying %q", fix, c.why)
			}
		})
	}
}

// A Terraform variable with a validation block: a value written into its default could
// fail the validation, so the fix is made at the use site (or is a snippet), never in the
// default.
func TestFixVariableWithValidation(t *testing.T) {
	tf := `variable "min" {
  default = 1

  validation {
    condition     = var.min < 2
    error_message = "min must be below 2"
  }
}

resource "aws_lb_target_group" "api" {
  name     = "api"
  port     = 8080
  protocol = "HTTP"
}

resource "aws_autoscaling_group" "web" {
  name              = "web"
  min_size          = var.min
  max_size          = 4
  health_check_type = "ELB"
  target_group_arns = [aws_lb_target_group.api.arn]
}
`
	_, after := fixDir(t, map[string]string{"main.tf": tf}, true)
	got := after["main.tf"]
	if !strings.Contains(got, "default = 1") || !strings.Contains(got, "min_size          = 2") {
		t.Errorf("want web's min_size set at its use, and the default a validation block checks kept:\n%s", got)
	}
}

// A readiness probe for an HTTP app is never a tcpSocket check (the kind of probe
// readiness-cannot-fail reports): on a guessed path it is a snippet.
func TestFixReadinessProbeHTTPApp(t *testing.T) {
	manifest := `apiVersion: apps/v1
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
          image: example/web:1
          command: ["gunicorn", "--bind", "0.0.0.0:8080", "app:wsgi"]
          ports:
            - name: http
              containerPort: 8080
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
      targetPort: http
`
	fr, after := fixDir(t, map[string]string{"app.yaml": manifest}, true)
	if strings.Contains(after["app.yaml"], "tcpSocket") {
		t.Errorf("a tcpSocket readiness probe was written for an HTTP app:\n%s", after["app.yaml"])
	}
	if fix := finalFix(fr, "readiness-probe-missing"); fix == nil || fix.Safety() != rules.FixSnippet {
		t.Errorf("fix = %+v, want a snippet (the path is a guess)", fix)
	}
}

// The Compose fixes are written: stop_signal by --fix, stop_grace_period (a longer grace
// period slows every stop, as in Kubernetes) with --unsafe-fixes. Before, neither named
// the setting it writes, so the check dropped both as changing something unnamed.
func TestFixComposeSettings(t *testing.T) {
	compose := "services:\n  proxy:\n    image: nginx:1.27\n    volumes:\n      - ./default.conf:/etc/nginx/conf.d/default.conf:ro\n" +
		"  app:\n    build: .\n    command: gunicorn --bind 0.0.0.0:8000 --graceful-timeout 30 hooks.wsgi\n    stop_signal: SIGQUIT\n    deploy:\n      replicas: 2\n"
	site := "server {\n    listen 80;\n    location / {\n        proxy_pass http://app:8000;\n    }\n}\n"
	files := map[string]string{"compose.yaml": compose, "default.conf": site}
	fr, after := fixDir(t, files, false)
	got := after["compose.yaml"]
	if !strings.Contains(got, "stop_signal: SIGTERM") {
		t.Errorf("--fix did not write stop_signal:\n%s", got)
	}
	if strings.Contains(got, "stop_grace_period") {
		t.Errorf("--fix wrote an unsafe fix:\n%s", got)
	}
	if fix := finalFix(fr, "grace-period-too-short"); fix == nil || fix.Safety() != rules.FixUnsafe {
		t.Errorf("grace period fix = %+v, want it unsafe and left for --unsafe-fixes", fix)
	}
	_, after = fixDir(t, files, true)
	if got := after["compose.yaml"]; !strings.Contains(got, "stop_grace_period: 40s") || !strings.Contains(got, "stop_signal: SIGTERM") {
		t.Errorf("--fix --unsafe-fixes did not write both:\n%s", got)
	}
}

// No fix of the rules' testdata is dropped by lint --fix's own check: a fix whose
// constructor forgets to name a setting it writes (fixsafety.go: settingFields) is
// labelled safe or unsafe but never written. (The Compose fixes, and the keep-alive and
// shutdown fixes of a proxy run from a ConfigMap, were: the proxy's settings are also its
// container's App.KeepAlive and App.GracefulTimeout.)
func TestTestdataFixesAreWritten(t *testing.T) {
	cases, _ := filepath.Glob("../rules/testdata/*")
	for _, c := range cases {
		if st, err := os.Stat(c); err != nil || !st.IsDir() {
			continue
		}
		t.Run(filepath.Base(c), func(t *testing.T) {
			fr, err := lint.Fix(context.Background(), nil, lint.Options{Cwd: copyTree(t, c), UnsafeFixes: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fr.Final.Findings {
				if f.Fix != nil && strings.Contains(f.Fix.Description, "(not written: it ") {
					t.Errorf("%s: %s: %s", f.Rule.ID, f.Pos, f.Fix.Description)
				}
			}
		})
	}
}

// A Terraform attribute whose value reads a variable (var.env == "prod" ? 300 : 60, or a
// var.idle_timeout that feeds two load balancers, so its default must not change) is
// rewritten as a constant at its use only with --unsafe-fixes: the constant drops every
// value another environment gives the variable (terraform apply -var-file=prod.tfvars
// read 300 and 400 before, 100 after), a shorter timeout there. A constant attribute is
// still a safe fix, and so is a default that only this attribute reads (a set variable
// still wins over it).
func TestFixTerraformUseSiteKeepsVariables(t *testing.T) {
	tf := `variable "env" {
  type    = string
  default = "staging"
}

variable "idle_timeout" {
  type    = number
  default = 60
}

variable "api_idle" {
  type    = number
  default = 60
}

resource "aws_lb" "web" {
  name         = "web"
  idle_timeout = var.env == "prod" ? 300 : 60
}

resource "aws_lb" "admin" {
  name         = "admin"
  idle_timeout = var.idle_timeout
}

resource "aws_lb" "batch" {
  name         = "batch"
  idle_timeout = var.idle_timeout
}

resource "aws_lb" "api" {
  name         = "api"
  idle_timeout = var.api_idle
}

resource "aws_lb" "static" {
  name         = "static"
  idle_timeout = 30
}
`
	for _, lb := range []string{"web", "admin", "batch", "api", "static"} {
		tf += `
resource "aws_lb_listener" "` + lb + `" {
  load_balancer_arn = aws_lb.` + lb + `.arn
  port              = 80
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.` + lb + `.arn
  }
}

resource "aws_lb_target_group" "` + lb + `" {
  name     = "` + lb + `"
  port     = 8080
  protocol = "HTTP"
}
`
	}
	files := map[string]string{"main.tf": tf, ".no502.yaml": "routes:\n  - match: /\n    handler_timeout: 90s\n"}
	fr, after := fixDir(t, files, false)
	got := after["main.tf"]
	for _, want := range []string{`idle_timeout = var.env == "prod" ? 300 : 60`, "idle_timeout = var.idle_timeout", "default = 100", "idle_timeout = 100\n}\n\nresource \"aws_lb_listener\" \"web\""} {
		if !strings.Contains(got, want) {
			t.Errorf("--fix: want %q in:\n%s", want, got)
		}
	}
	unsafe := 0
	for _, f := range fr.Final.Findings {
		if f.Rule.ID == "read-timeout-below-budget" && f.Fix != nil {
			if f.Fix.Safety() != rules.FixUnsafe || !strings.Contains(f.Fix.Description, "-var-file") {
				t.Errorf("fix left by --fix = %s %q, want unsafe, saying a value another environment sets no longer applies", f.Fix.Safety(), f.Fix.Description)
			}
			unsafe++
		}
	}
	if unsafe != 3 {
		t.Errorf("%d fixes left for --unsafe-fixes, want 3 (web, admin, batch)", unsafe)
	}
	_, after = fixDir(t, files, true)
	if got := after["main.tf"]; strings.Contains(got, "var.env ==") || strings.Contains(got, "= var.idle_timeout") {
		t.Errorf("--fix --unsafe-fixes left a variable in place:\n%s", got)
	}
}

// A Compose setting that cannot be written where the service is (merged from an anchor
// into a flow-style service mapping, where the override must go) is a snippet that says
// why, as every snippet-only fix does.
func TestFixComposeSnippetSaysWhy(t *testing.T) {
	files := map[string]string{
		"compose.yaml": "x-fpm: &fpm\n  image: php:8.3-fpm\n  stop_signal: SIGTERM\n  deploy:\n    replicas: 2\n\n" +
			"services:\n  nginx:\n    image: nginx:1.27\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n" +
			"  blog: {<<: *fpm, environment: {APP: blog}}\n",
		"nginx.conf": "events {}\nhttp {\n  server {\n    listen 80;\n    location / { fastcgi_pass blog:9000; }\n  }\n}\n",
	}
	fr, after := fixDir(t, files, true)
	if len(after) != 0 {
		t.Errorf("--fix changed %v, want nothing written into a flow-style service", after)
	}
	fix := finalFix(fr, "stop-signal-not-graceful")
	if fix == nil || fix.Safety() != rules.FixSnippet || !strings.Contains(fix.Description, "(not written: ") {
		t.Errorf("fix = %+v, want a snippet saying why it is not written", fix)
	}
}
