package lint_test

import (
	"strings"
	"testing"

	"github.com/no502/no502/rules"
)

// Session 7's review of the Kubernetes and Compose fixes, end to end through lint.Fix.

func manifestWithLiveness(liveness string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      terminationGracePeriodSeconds: 60
      containers:
        - name: app
          image: example/web:1.0
          command: ["gunicorn", "-b", "0.0.0.0:8080", "app:app"]
          ports:
            - name: http
              containerPort: 8443
          lifecycle:
            preStop:
              sleep:
                seconds: 10
          livenessProbe:
            httpGet:
` + liveness + `            periodSeconds: 10
            failureThreshold: 3
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
}

// The readiness probe copied from the liveness probe asks the same request: scheme:
// HTTPS (plain HTTP to a TLS port never gets ready), the Host header and host. A field
// no502 does not read leaves the fix a snippet.
func TestReadinessFixCopiesTheWholeRequest(t *testing.T) {
	cases := []struct{ liveness, want string }{
		{"              path: /live\n              port: 8443\n              scheme: HTTPS\n", "              scheme: HTTPS\n"},
		{"              path: /live\n              port: 8443\n              httpHeaders:\n                - name: Host\n                  value: web.internal\n",
			"              httpHeaders:\n                - name: \"Host\"\n                  value: \"web.internal\"\n"},
		{"              path: /live\n              port: 8443\n              host: 10.0.0.1\n", "              host: \"10.0.0.1\"\n"},
	}
	for _, tc := range cases {
		_, after := fixDir(t, map[string]string{"app.yaml": manifestWithLiveness(tc.liveness)}, false)
		got := after["app.yaml"]
		i := strings.Index(got, "readinessProbe:")
		if i < 0 {
			t.Errorf("no readinessProbe written for liveness\n%s", tc.liveness)
			continue
		}
		if !strings.Contains(got[i:], tc.want) {
			t.Errorf("the readinessProbe lost part of the request, want %q in\n%s", tc.want, got[i:])
		}
	}
	fr, after := fixDir(t, map[string]string{"app.yaml": manifestWithLiveness("              path: /live\n              port: 8443\n              x-future: 1\n")}, false)
	if strings.Contains(after["app.yaml"], "readinessProbe") {
		t.Errorf("a probe with a field no502 does not read was copied:\n%s", after["app.yaml"])
	}
	if fix := finalFix(fr, "readiness-probe-missing"); fix == nil || fix.Safety() != rules.FixSnippet {
		t.Errorf("fix = %+v, want a snippet", fix)
	}
}
