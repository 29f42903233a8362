package lint_test

import (
	"strings"
	"testing"

	"github.com/no502/no502/rules"
)

// Kubernetes and Compose fixes that copy or override what a user wrote elsewhere (a
// liveness probe's request, a value merged from a shared YAML anchor), end to end
// through lint.Fix.

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

// A Compose value merged from an anchor (x-common: &common, <<: *common) that several
// services share is not changed where it is written: worker would stop with SIGTERM
// too. The fix overrides it in the service's own mapping, where a written key wins over
// a merged one.
func TestComposeFixOverridesSharedAnchor(t *testing.T) {
	compose := `x-common: &common
  image: example/app:1.0
  stop_signal: SIGINT
services:
  proxy:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./default.conf:/etc/nginx/conf.d/default.conf:ro
  app:
    <<: *common
    command: ["gunicorn", "--bind", "0.0.0.0:8000", "hooks.wsgi"]
    deploy:
      replicas: 2
  worker:
    <<: *common
    command: ["python", "-m", "hooks.consumer"]
`
	site := "server {\n    listen 80;\n    location / {\n        proxy_pass http://app:8000;\n    }\n}\n"
	_, after := fixDir(t, map[string]string{"compose.yaml": compose, "default.conf": site}, false)
	got := after["compose.yaml"]
	if !strings.Contains(got, "  stop_signal: SIGINT\n") {
		t.Errorf("the shared anchor changed (worker would stop with SIGTERM too):\n%s", got)
	}
	if !strings.Contains(got, "  app:\n    stop_signal: SIGTERM\n    <<: *common\n") {
		t.Errorf("want stop_signal: SIGTERM written in app's own mapping:\n%s", got)
	}
}

// The same in a Kubernetes manifest: a probe anchored in one container and aliased in
// another is not edited through the anchor (the merge check compares the whole decoded
// document, so the other container's change shows).
func TestK8sFixLeavesSharedAnchor(t *testing.T) {
	manifest := `apiVersion: apps/v1
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
      containers:
        - name: app
          image: example/web:1.0
          ports:
            - name: http
              containerPort: 8080
          lifecycle:
            preStop:
              sleep:
                seconds: 10
          readinessProbe:
            httpGet:
              path: /ready
              port: 8080
          livenessProbe: &probe
            httpGet:
              path: /ready
              port: 8080
        - name: side
          image: example/side:1.0
          lifecycle:
            preStop:
              sleep:
                seconds: 10
          readinessProbe:
            httpGet:
              path: /ready
              port: 8080
          livenessProbe: *probe
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
	got := after["app.yaml"]
	if i := strings.Index(got, "livenessProbe: &probe"); i >= 0 {
		if j := strings.Index(got[i:], "- name: side"); j >= 0 && strings.Contains(got[i:i+j], "failureThreshold") {
			t.Errorf("the anchored probe changed (container side changes too):\n%s", got)
		}
	}
	if fix := finalFix(fr, "liveness-same-as-readiness"); fix == nil || fix.Safety() != rules.FixSnippet {
		t.Errorf("fix = %+v, want a snippet left", fix)
	}
}

// The readiness probe copied from the liveness probe waits as long for an answer: a
// liveness timeoutSeconds of 5 (a health endpoint that takes 2s) copied without it would
// get the default 1s, fail every time, and leave no pod ready. A gRPC liveness probe is
// copied as a gRPC readiness probe (an httpGet to a gRPC port never passes), with its
// service name.
func TestReadinessFixCopiesTimeoutAndGRPC(t *testing.T) {
	_, after := fixDir(t, map[string]string{"app.yaml": manifestWithLiveness("              path: /live\n              port: 8443\n            timeoutSeconds: 5\n")}, false)
	got := after["app.yaml"]
	i := strings.Index(got, "readinessProbe:")
	if i < 0 || !strings.Contains(got[i:], "timeoutSeconds: 5") {
		t.Errorf("the readinessProbe did not keep the liveness probe's timeout:\n%s", got)
	}
	grpc := strings.Replace(manifestWithLiveness("              port: 8443\n              service: ready\n"), "            httpGet:\n", "            grpc:\n", 1)
	_, after = fixDir(t, map[string]string{"app.yaml": grpc}, false)
	got = after["app.yaml"]
	i = strings.Index(got, "readinessProbe:")
	if i < 0 || !strings.Contains(got[i:], "grpc:\n              port: 8443\n              service: \"ready\"\n") {
		t.Errorf("want the gRPC check copied into the readinessProbe:\n%s", got)
	}
}
