package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/rules/rulestest"
)

// A keep-alive flag already written in a shell script (sh -c "uvicorn ... --timeout-keep-
// alive=5") cannot be rewritten in place, so the fix is a snippet; it must tell the user to
// change that flag, not to add a second one (the script would then hold both, and which
// one counts depends on their order).
func TestKeepAliveSnippetReplacesScriptFlag(t *testing.T) {
	for _, tc := range []struct{ name, command, args, flag, old string }{
		{"uvicorn-command", `["sh", "-c", "uvicorn main:app --timeout-keep-alive=5"]`, "", "--timeout-keep-alive", "--timeout-keep-alive=5"},
		{"uvicorn-args", `["sh", "-c"]`, `["exec uvicorn main:app --timeout-keep-alive 5 --port 8000"]`, "--timeout-keep-alive", "--timeout-keep-alive 5"},
		{"gunicorn-args", `["/bin/sh", "-c"]`, `["gunicorn -k uvicorn.workers.UvicornWorker --keep-alive=5 main:app"]`, "--keep-alive", "--keep-alive=5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := ""
			if tc.args != "" {
				args = "\n          args: " + tc.args
			}
			manifest := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 2
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: example/api:1
          command: ` + tc.command + args + `
          ports:
            - containerPort: 8000
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector: {app: api}
  ports:
    - port: 80
      targetPort: 8000
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  annotations:
    alb.ingress.kubernetes.io/target-type: ip
spec:
  ingressClassName: alb
  rules:
    - http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service: {name: api, port: {number: 80}}
`
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "app.yaml"), []byte(manifest), 0o644); err != nil {
				t.Fatal(err)
			}
			_, findings := rulestest.Lint(t, dir)
			seen := false
			for _, f := range findings {
				if f.Rule.ID != "keepalive-race" {
					continue
				}
				seen = true
				if f.Fix == nil || len(f.Fix.Edits) != 0 {
					t.Fatalf("want a snippet, got %+v", f.Fix)
				}
				s := f.Fix.Snippet
				if strings.Contains(s, "# add ") || !strings.Contains(s, tc.old) || !strings.Contains(s, tc.flag+" 65") {
					t.Errorf("snippet %q: want it to replace %s with %s 65", s, tc.old, tc.flag)
				}
			}
			if !seen {
				t.Fatal("no keepalive-race finding")
			}
		})
	}
}
