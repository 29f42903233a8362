package lint_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
)

// A line written into a location reaches the locations nested in it that leave the
// directive unset (nginx merges it from the enclosing location): a fix there must not
// change a nested route its finding is not about (session 17).
func TestFixNestedLocationInherits(t *testing.T) {
	const up = "  upstream app { server 127.0.0.1:8080; server 127.0.0.2:8080; keepalive 16; }\n" +
		"  upstream other { server 127.0.0.1:8090; server 127.0.0.2:8090; }\n"
	wrap := func(loc string) string {
		return "events {}\nhttp {\n" + up + "  server {\n    listen 80;\n    proxy_set_header Host $host;\n" + loc + "  }\n}\n"
	}
	t.Run("keep-alive: the nested location forwards elsewhere", func(t *testing.T) {
		conf := wrap("    location /b/ {\n      proxy_pass http://app;\n      location /b/static/ {\n        proxy_pass http://other;\n      }\n    }\n")
		files := map[string]string{"nginx.conf": conf}
		fr, after := fixDir(t, files, true)
		if strings.Contains(after["nginx.conf"], "proxy_http_version") || strings.Contains(after["nginx.conf"], "Connection") {
			t.Errorf("the fix of /b/ was written, and /b/static/ (upstream other) now sends HTTP/1.1 without Connection: close too:\n%s", after["nginx.conf"])
		}
		fix := finalFix(fr, "upstream-keepalive-unused")
		if fix == nil || fix.Safety() != "snippet" || !strings.Contains(fix.Description, "location /b/static/ inside it sets no proxy_http_version of its own") {
			t.Errorf("want a snippet naming /b/static/, got %+v", fix)
		}
		nginxReads(t, merged(files, after))
	})
	t.Run("keep-alive: the nested location sets its own", func(t *testing.T) {
		conf := wrap("    location /b/ {\n      proxy_pass http://app;\n      location /b/static/ {\n        proxy_http_version 1.0;\n        proxy_set_header Connection close;\n        proxy_pass http://other;\n      }\n    }\n")
		files := map[string]string{"nginx.conf": conf}
		_, after := fixDir(t, files, false)
		if !strings.Contains(after["nginx.conf"], "proxy_http_version 1.1;") {
			t.Errorf("the fix of /b/ was not written, though /b/static/ sets both its own:\n%s", after["nginx.conf"])
		}
		view := nginxReads(t, merged(files, after))
		if !hasActive(view, "proxy_http_version 1.0;") || !hasActive(view, "proxy_set_header Connection close;") {
			t.Errorf("the nested location's own lines changed:\n%s", view)
		}
	})
	t.Run("read timeout: the nested location has a finding of its own", func(t *testing.T) {
		conf := wrap("    location /a/ {\n      proxy_pass http://app;\n      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n      location /a/x/ {\n        proxy_pass http://other;\n      }\n    }\n")
		files := map[string]string{"nginx.conf": conf, ".no502.yaml": budget}
		fr, after := fixDir(t, files, false)
		// Written over two rounds: the nested location's own line first, then the outer one.
		if n := strings.Count(after["nginx.conf"], "proxy_read_timeout 100s;"); n != 2 {
			t.Errorf("want both locations raised, got %d lines:\n%s", n, after["nginx.conf"])
		}
		if f := finalFix(fr, "read-timeout-below-budget"); f != nil {
			t.Errorf("left: %s", f.Description)
		}
		nginxReads(t, merged(files, after))
	})
	t.Run("retry: a location between the two sets it", func(t *testing.T) {
		conf := wrap("    location /a/ {\n      proxy_pass http://app;\n      proxy_next_upstream off;\n      location /a/m/ {\n        proxy_next_upstream error;\n        proxy_next_upstream_tries 2;\n        location /a/m/x/ {\n          proxy_pass http://other;\n        }\n      }\n    }\n")
		files := map[string]string{"nginx.conf": conf}
		_, after := fixDir(t, files, false)
		if !strings.Contains(after["nginx.conf"], "proxy_next_upstream error timeout;") {
			t.Errorf("the retry fix of /a/ was not written, though the locations inside it take their retries from /a/m/:\n%s", after["nginx.conf"])
		}
		nginxReads(t, merged(files, after))
	})
}

// lint --diff counted an unsafe fix that resolving makes a snippet (a Terraform JSON
// file, which no502 does not write) among the "findings left with unsafe fixes" and told
// the user to run --diff --unsafe-fixes, which then had nothing to show; --fix said
// nothing to fix (session 17).
func TestDiffUnsafeLeftCountsResolvedFixes(t *testing.T) {
	tfJSON := `{"resource": {"aws_lb_target_group": {"app": {"name": "app", "port": 8080, "protocol": "HTTP", "vpc_id": "vpc-1", "deregistration_delay": 0}}}}` + "\n"
	tfHCL := "resource \"aws_lb_target_group\" \"app\" {\n  name                 = \"app\"\n  port                 = 8080\n  protocol             = \"HTTP\"\n  vpc_id               = \"vpc-1\"\n  deregistration_delay = 0\n}\n"
	for _, c := range []struct {
		name, file, src string
		want            int
	}{
		{"Terraform JSON: a snippet", "main.tf.json", tfJSON, 0},
		{"HCL: an unsafe fix", "main.tf", tfHCL, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, c.file), []byte(c.src), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, diff := range []bool{true, false} {
				fr, err := lint.Fix(context.Background(), nil, lint.Options{Cwd: dir, DiffOnly: diff})
				if err != nil {
					t.Fatal(err)
				}
				if fr.UnsafeLeft != c.want {
					t.Errorf("diff=%v: %d findings left with unsafe fixes, want %d", diff, fr.UnsafeLeft, c.want)
				}
			}
		})
	}
}

// YAML merge keys in Kubernetes manifests (<<: *defaults, which kubectl reads). no502
// read none: a Deployment whose spec merges in replicas: 3, a preStop hook and a readiness
// probe got single-replica, prestop-missing and readiness-probe-missing, and --fix
// --unsafe-fixes appended "replicas: 2" to its spec, which overrides the merged 3
// (session 17). The keys merged in are read now; a fix never edits a mapping with merge
// keys (a key written beside them overrides them) nor the text of a mapping merged in
// (every mapping that merges it reads it): both stay snippets that say why.
func TestFixK8sMergeKeys(t *testing.T) {
	t.Run("merged settings are read", func(t *testing.T) {
		fr, after := fixDir(t, map[string]string{"dep.yaml": k8sMergeKeys}, true)
		if got, ok := after["dep.yaml"]; ok {
			t.Errorf("a fix was written into a mapping with merge keys:\n%s", got)
		}
		for _, f := range fr.Final.Findings {
			t.Errorf("%s: %s (the merged replicas, preStop, readiness probe and PDB are there)", f.Rule.ID, f.Message)
		}
	})
	t.Run("fixes stay snippets", func(t *testing.T) {
		fr, after := fixDir(t, map[string]string{"dep.yaml": k8sMergeShared}, true)
		if got, ok := after["dep.yaml"]; ok {
			t.Errorf("a fix was written into merged text or a mapping with merge keys:\n%s", got)
		}
		why := map[string]string{}
		for _, f := range fr.Final.Findings {
			if f.Fix == nil {
				continue
			}
			if f.Fix.Safety() != "snippet" {
				t.Errorf("%s: fix %s (%s), want a snippet", f.Rule.ID, f.Fix.Description, f.Fix.Safety())
			}
			why[f.Rule.ID] += f.Fix.Description
		}
		if !strings.Contains(why["single-replica"], "a mapping merged in with a YAML merge key (<<)") {
			t.Errorf("single-replica's fix does not say the count is merged in: %q", why["single-replica"])
		}
		if !strings.Contains(why["prestop-missing"], "merges in keys written elsewhere (<<)") {
			t.Errorf("prestop-missing's fix does not name the merge key: %q", why["prestop-missing"])
		}
	})
}

const k8sMergeKeys = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  <<: &specdefaults
    replicas: 3
    revisionHistoryLimit: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      <<: &poddefaults
        terminationGracePeriodSeconds: 60
      containers:
        - <<: &ctr
            lifecycle:
              preStop:
                exec:
                  command: ["sleep", "15"]
            readinessProbe:
              httpGet: {path: /healthz, port: 8000}
          name: web
          image: python:3.12
          command: ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
          ports:
            - containerPort: 8000
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 8000
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: web}
`

const k8sMergeShared = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  <<: &one
    replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - <<: &ctr
            image: nginx
            readinessProbe:
              httpGet: {path: /, port: 80}
          name: web
          ports:
            - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
`
