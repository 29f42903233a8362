package k8s

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/parsers"
)

var cases = []struct {
	name string
	o    WorkloadOptions
}{
	{"gunicorn", WorkloadOptions{Name: "hooks", Image: "ghcr.io/acme/hooks:1.4", Port: 8080, HealthPath: "/ready", HandlerTimeout: 90 * time.Second, App: "gunicorn", AppModule: "app:app"}},
	{"uvicorn in a namespace", WorkloadOptions{Name: "api", Namespace: "web", Image: "api:2", Port: 8000, HealthPath: "/healthz", App: "uvicorn", AppModule: "main:app", Replicas: 3}},
	{"node", WorkloadOptions{Name: "web", Image: "web:1", Port: 3000, HealthPath: "/ready", HandlerTimeout: 20 * time.Second, App: "node"}},
	{"no app, exec preStop", WorkloadOptions{Name: "svc", Image: "svc:1", Port: 9000, HealthPath: "/ready", PreStopExec: true, PreStop: 15 * time.Second}},
}

// documents splits the generated text into its YAML documents.
func documents(text string) [][]byte {
	var out [][]byte
	for _, d := range strings.Split(text, "\n---\n") {
		out = append(out, []byte(d))
	}
	return out
}

// TestAPIStrict decodes every generated object into the k8s.io/api types with unknown
// fields as errors: kubectl cannot validate offline here, and this is the schema it
// would check against (k8s.io/api is a test-only dependency).
func TestAPIStrict(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, err := GenerateWorkload(c.o)
			if err != nil {
				t.Fatal(err)
			}
			docs := documents(w.Text)
			if len(docs) != 3 {
				t.Fatalf("want 3 documents, got %d", len(docs))
			}
			var d appsv1.Deployment
			var s corev1.Service
			var p policyv1.PodDisruptionBudget
			for i, into := range []any{&d, &s, &p} {
				if err := yaml.UnmarshalStrict(docs[i], into); err != nil {
					t.Fatalf("document %d: %v\n%s", i, err, docs[i])
				}
			}
			ct := d.Spec.Template.Spec.Containers[0]
			grace := *d.Spec.Template.Spec.TerminationGracePeriodSeconds
			if d.Kind != "Deployment" || s.Kind != "Service" || p.Kind != "PodDisruptionBudget" {
				t.Errorf("kinds: %s %s %s", d.Kind, s.Kind, p.Kind)
			}
			if *d.Spec.Replicas < 2 || d.Spec.Strategy.RollingUpdate.MaxUnavailable.IntValue() != 0 {
				t.Errorf("replicas %d, maxUnavailable %v", *d.Spec.Replicas, d.Spec.Strategy.RollingUpdate.MaxUnavailable)
			}
			if ct.ReadinessProbe.HTTPGet == nil || ct.ReadinessProbe.HTTPGet.Path != c.o.HealthPath || ct.LivenessProbe.TCPSocket == nil {
				t.Errorf("probes: readiness %+v liveness %+v", ct.ReadinessProbe, ct.LivenessProbe)
			}
			if c.o.PreStopExec != (ct.Lifecycle.PreStop.Exec != nil) || !c.o.PreStopExec && ct.Lifecycle.PreStop.Sleep == nil {
				t.Errorf("preStop: %+v", ct.Lifecycle.PreStop)
			}
			if grace < 15 {
				t.Errorf("terminationGracePeriodSeconds %d", grace)
			}
			if s.Spec.Ports[0].TargetPort.String() != "http" || p.Spec.UnhealthyPodEvictionPolicy == nil {
				t.Errorf("service %+v pdb %+v", s.Spec, p.Spec)
			}
		})
	}
}

// lintDir writes files into a fresh directory and lints it as `no502 lint` does.
func lintDir(t *testing.T, files map[string]string) *lint.Result {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestLintsClean: the generated objects give no finding, alone, with a handler budget in
// .no502.yaml, and behind nginx and ingress-nginx with their default 60s upstream keep-alive
// (the app's keep-alive must outlive it).
func TestLintsClean(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w, err := GenerateWorkload(c.o)
			if err != nil {
				t.Fatal(err)
			}
			host := c.o.Name + "." + ns(c.o) + ".svc.cluster.local"
			port := strconv.Itoa(c.o.Port)
			nginx := "events {}\nhttp {\n  upstream app {\n    server " + host + ":" + port + ";\n    server " + host + ":" + port + " backup;\n    keepalive 16;\n  }\n" +
				"  server {\n    listen 80;\n    location / {\n      proxy_pass http://app;\n      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n      proxy_read_timeout 120s;\n    }\n  }\n}\n"
			budget := c.o.HandlerTimeout
			if budget == 0 {
				budget = 30 * time.Second
			}
			cfg := "routes:\n  - match: /\n    handler_timeout: " + parsers.FormatDuration(budget) + "\n"
			for name, files := range map[string]map[string]string{
				"alone":          {"app.yaml": w.Text},
				"behind nginx":   {"app.yaml": w.Text, "nginx.conf": nginx, ".no502.yaml": cfg},
				"behind ingress": {"app.yaml": w.Text, "ingress.yaml": ingress(c.o)},
			} {
				res := lintDir(t, files)
				for _, d := range res.Errors {
					t.Errorf("%s: does not parse: %s", name, d)
				}
				for _, f := range res.Findings {
					t.Errorf("%s: %s: %s %s", name, f.Pos, f.Rule.ID, f.Message)
				}
			}
		})
	}
}

// TestNearMisses: the finding each generated setting prevents comes back when it is
// taken out, so the clean run above means something.
func TestNearMisses(t *testing.T) {
	w, err := GenerateWorkload(cases[0].o)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ from, to, rule string }{
		{"replicas: 2", "replicas: 1", "single-replica"},
		{"        - \"65\"", "        - \"5\"", "keepalive-race"},
		{"      terminationGracePeriodSeconds: 105", "      terminationGracePeriodSeconds: 30", "grace-period-too-short"},
	} {
		text := strings.Replace(w.Text, c.from, c.to, 1)
		if text == w.Text {
			t.Fatalf("%q not in the generated text", c.from)
		}
		files := map[string]string{"app.yaml": text, "ingress.yaml": ingress(cases[0].o)}
		res := lintDir(t, files)
		found := false
		for _, f := range res.Findings {
			found = found || f.Rule.ID == c.rule
		}
		if !found {
			t.Errorf("%s → %s: want %s, got %d findings", c.from, c.to, c.rule, len(res.Findings))
		}
	}
}

func TestBadOptions(t *testing.T) {
	good := cases[0].o
	for name, mod := range map[string]func(o *WorkloadOptions){
		"name":        func(o *WorkloadOptions) { o.Name = "Hooks_1" },
		"port":        func(o *WorkloadOptions) { o.Port = 0 },
		"health path": func(o *WorkloadOptions) { o.HealthPath = "" },
		"replicas":    func(o *WorkloadOptions) { o.Replicas = 1 },
		"app":         func(o *WorkloadOptions) { o.App = "tomcat" },
		"module":      func(o *WorkloadOptions) { o.AppModule = "" },
		"image":       func(o *WorkloadOptions) { o.Image = "" },
		// A Service name is a DNS-1035 label (ValidateServiceName): the API server
		// refuses "1hooks" though a Deployment may carry it.
		"service name":    func(o *WorkloadOptions) { o.Name = "1hooks" },
		"handler timeout": func(o *WorkloadOptions) { o.HandlerTimeout = -5 * time.Second },
		"proxy idle":      func(o *WorkloadOptions) { o.ProxyIdle = -time.Second },
		"prestop":         func(o *WorkloadOptions) { o.PreStop = -time.Second },
		"namespace":       func(o *WorkloadOptions) { o.Namespace = "Web" },
	} {
		o := good
		mod(&o)
		if _, err := GenerateWorkload(o); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

func ns(o WorkloadOptions) string {
	if o.Namespace == "" {
		return "default"
	}
	return o.Namespace
}

// ingress is an ingress-nginx Ingress routing / to the generated Service.
func ingress(o WorkloadOptions) string {
	meta := "  name: " + o.Name + "\n"
	if o.Namespace != "" {
		meta += "  namespace: " + o.Namespace + "\n"
	}
	return "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n" + meta +
		"spec:\n  ingressClassName: nginx\n  rules:\n    - http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: " + o.Name + "\n                port:\n                  name: http\n"
}

// TestAppCommandStarts runs the generated gunicorn and uvicorn command lines with the
// real servers (the Debian packages CI installs) and waits for them to listen. The
// uvicorn line had --timeout-graceful-shutdown, which uvicorn added in 0.22.0 (release
// notes, 2023-04-28): Debian 12's uvicorn 0.17.6 exits at once ("No such option"), and a
// pod with that command never starts.
func TestAppCommandStarts(t *testing.T) {
	for _, c := range []struct {
		app, bin string
		prefix   []string // how the command's first word is run here
		src      string
	}{
		{"gunicorn", "/usr/bin/gunicorn", []string{"/usr/bin/gunicorn"}, "def app(environ, start_response):\n    start_response('200 OK', [])\n    return [b'ok']\n"},
		{"uvicorn", "/usr/bin/python3", []string{"/usr/bin/python3", "-m", "uvicorn"}, "async def app(scope, receive, send):\n    pass\n"},
	} {
		t.Run(c.app, func(t *testing.T) {
			missing := false
			if c.app == "uvicorn" {
				missing = exec.Command(c.bin, "-c", "import uvicorn").Run() != nil
			} else if _, err := os.Stat(c.bin); err != nil {
				missing = true
			}
			if missing {
				// .ci/run installs both: CI must not pass by skipping the check that
				// the generated command starts.
				if os.Getenv("CI") == "true" {
					t.Fatalf("%s is not installed (CI=true: .ci/run must install it)", c.app)
				}
				t.Skipf("%s is not installed: skipping", c.app)
			}
			port := freePort(t)
			w, err := GenerateWorkload(WorkloadOptions{Name: "api", Image: "api:1", Port: port, HealthPath: "/ready", App: c.app, AppModule: "main:app", HandlerTimeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			var d appsv1.Deployment
			if err := yaml.Unmarshal(documents(w.Text)[0], &d); err != nil {
				t.Fatal(err)
			}
			args := append(append([]string(nil), c.prefix...), d.Spec.Template.Spec.Containers[0].Command[1:]...)
			for i, a := range args { // listen on loopback only
				args[i] = strings.Replace(a, "0.0.0.0", "127.0.0.1", 1)
			}
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "main.py"), []byte(c.src), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
			var out strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			go func() { cmd.Wait(); close(exited) }()
			defer func() { cmd.Process.Kill(); <-exited }()
			deadline := time.Now().Add(10 * time.Second)
			for {
				if c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
					c.Close()
					return
				}
				select {
				case <-exited:
					t.Fatalf("%v exited before listening:\n%s", args, out.String())
				case <-time.After(100 * time.Millisecond):
				}
				if time.Now().After(deadline) {
					t.Fatalf("%v did not listen within 10s:\n%s", args, out.String())
				}
			}
		})
	}
}

// freePort asks the kernel for a loopback port nothing listens on.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
