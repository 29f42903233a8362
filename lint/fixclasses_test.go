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

// Crafted cases of issue 16's classes, end to end through lint.Fix: what --fix would
// write (Changes) and what is left (Final).

func fixDir(t *testing.T, files map[string]string, unsafe bool) (*lint.FixResult, map[string]string) {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fr, err := lint.Fix(context.Background(), nil, lint.Options{Cwd: dir, UnsafeFixes: unsafe})
	if err != nil {
		t.Fatal(err)
	}
	after := map[string]string{}
	for _, c := range fr.Changes() {
		after[c.Path] = string(c.After)
	}
	for _, e := range fr.Final.Errors {
		t.Errorf("the fixed files do not parse: %s: %s", e.Pos, e.Message)
	}
	return fr, after
}

// finalFix returns the fix of the first finding of rule id left after the fixes.
func finalFix(fr *lint.FixResult, id string) *rules.Fix {
	for _, f := range fr.Final.Findings {
		if f.Rule.ID == id {
			return f.Fix
		}
	}
	return nil
}

const budget = "routes:\n  - match: /a/\n    handler_timeout: 90s\n"

// A proxy_read_timeout that comes from a file included inside the location: an override
// in the location would be a duplicate nginx rejects. Included there only, the file is
// changed; included by another location too, the fix stays a snippet.
func TestFixSettingFromInclude(t *testing.T) {
	conf := "events {}\nhttp {\n  server {\n    listen 80;\n    location /a/ {\n      include proxy.conf;\n      proxy_pass http://127.0.0.1:8080;\n    }\n  }\n}\n"
	_, after := fixDir(t, map[string]string{"nginx.conf": conf, "proxy.conf": "proxy_read_timeout 30s;\n", ".no502.yaml": budget}, false)
	if _, ok := after["nginx.conf"]; ok {
		t.Errorf("nginx.conf changed (a second proxy_read_timeout in the block):\n%s", after["nginx.conf"])
	}
	if !strings.HasPrefix(after["proxy.conf"], "proxy_read_timeout 100s;") {
		t.Errorf("proxy.conf = %q, want the definition nginx uses changed", after["proxy.conf"])
	}

	shared := strings.Replace(conf, "  }\n}\n", "    location /b/ {\n      include proxy.conf;\n      proxy_pass http://127.0.0.1:8080;\n    }\n  }\n}\n", 1)
	fr, after := fixDir(t, map[string]string{"nginx.conf": shared, "proxy.conf": "proxy_read_timeout 30s;\n", ".no502.yaml": budget}, false)
	if len(after) > 0 {
		t.Errorf("a definition shared by two locations was changed for one: %v", after)
	}
	if fix := finalFix(fr, "read-timeout-below-budget"); fix == nil || fix.Safety() != rules.FixSnippet || !strings.Contains(fix.Description, "included here and by 1 other block: change it there") {
		t.Errorf("fix = %+v, want a snippet saying the include is shared", fix)
	}
}

// proxy_set_header lines of a file included in the location are the location's own: the
// keep-alive fix must not copy them in again (Host sent twice).
func TestFixHeadersFromInclude(t *testing.T) {
	conf := "events {}\nhttp {\n  upstream pooled {\n    server 10.0.0.1:8080;\n    server 10.0.0.2:8080;\n    keepalive 16;\n  }\n" +
		"  server {\n    listen 80;\n    proxy_set_header X-Outer 1;\n    location /a/ {\n      include headers.conf;\n      proxy_pass http://pooled;\n    }\n  }\n}\n"
	_, after := fixDir(t, map[string]string{"nginx.conf": conf, "headers.conf": "proxy_set_header Host $host;\n", ".no502.yaml": "nginx_version: 1.28.0\n"}, false)
	got := after["nginx.conf"]
	if !strings.Contains(got, "proxy_http_version 1.1;") {
		t.Fatalf("the keep-alive fix was not written:\n%s", got)
	}
	if strings.Contains(got, "Host") || strings.Contains(got, "X-Outer 1;  # copied") {
		t.Errorf("headers of the included file (or the outer ones it already drops) copied:\n%s", got)
	}
}

// A Terraform variable whose default feeds two autoscaling groups: the fix of one is
// written at its use site, not in the default the other one reads.
func TestFixSharedVariable(t *testing.T) {
	tf := `variable "min" {
  default = 1
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

resource "aws_autoscaling_group" "batch" {
  name     = "batch"
  min_size = var.min
  max_size = 1
}
`
	_, after := fixDir(t, map[string]string{"main.tf": tf}, true)
	got := after["main.tf"]
	if !strings.Contains(got, "default = 1") || !strings.Contains(got, "min_size          = 2") || !strings.Contains(got, "min_size = var.min") {
		t.Errorf("want web's min_size set at its use and the shared default kept:\n%s", got)
	}
}

// An HPA whose maxReplicas is 1: minReplicas 2 alone is rejected by the API.
func TestFixHPAMinAboveMax(t *testing.T) {
	yaml := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
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
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 1
  maxReplicas: 1
`
	_, after := fixDir(t, map[string]string{"app.yaml": yaml}, true)
	if got := after["app.yaml"]; !strings.Contains(got, "minReplicas: 2\n  maxReplicas: 2\n") {
		t.Errorf("want minReplicas and maxReplicas both 2:\n%s", got)
	}
}
