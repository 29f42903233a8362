package k8s

import (
	"testing"
	"time"
)

// TestSleepIn: the delay a preStop exec command sleeps, read as a shell runs it. A quoted
// "sleep 10" is one word, a command sh cannot find (sh: sleep 10: not found, exit 127):
// the hook fails at once, so it is no known delay (out-of-corpus audit: a Helm chart's
// ["sh", "-c", "'sleep 10'"]). busybox runs its sleep applet as sleep does.
func TestSleepIn(t *testing.T) {
	for _, tc := range []struct {
		cmd  []string
		want time.Duration
		ok   bool
	}{
		{[]string{"sleep", "10"}, 10 * time.Second, true},
		{[]string{"/bin/sh", "-c", "sleep 10"}, 10 * time.Second, true},
		{[]string{"sh", "-c", "echo 'draining'; sleep 15"}, 15 * time.Second, true},
		{[]string{"sh", "-c", "sleep 5 && /usr/sbin/nginx -s quit"}, 5 * time.Second, true},
		{[]string{"/bin/busybox", "sleep", "4"}, 4 * time.Second, true},
		{[]string{"sh", "-c", "'sleep 10'"}, 0, false},
		{[]string{"sh", "-c", `"sleep 10"`}, 0, false},
		{[]string{"sh", "-c", "while [ -f /tmp/busy ]; do sleep 1; done"}, 0, false},
		{[]string{"sleep", "infinity"}, 0, false},
		{[]string{"/usr/sbin/nginx", "-s", "quit"}, 0, false},
	} {
		got, ok := sleepIn(tc.cmd)
		if got != tc.want || ok != tc.ok {
			t.Errorf("sleepIn(%q) = %v, %v; want %v, %v", tc.cmd, got, ok, tc.want, tc.ok)
		}
	}
}

// TestStopsFirst: a hook that stops the app before any sleep makes it stop accepting at
// once, while its endpoint is still in rotation: nginx -s quit (returned in 8ms on
// loopback, the next connection refused while a slow request completed), kill -TERM 1
// when PID 1 is a server that handles the signal (gunicorn as PID 1 of a PID namespace:
// "Handling signal: term", the next request got no answer while the one in flight
// completed), apachectl -k graceful-stop, caddy stop. A kill that may do nothing is
// unknown: SIGKILL, or any signal, to PID 1 without a handler (sh -c "a && gunicorn", node
// without a SIGTERM handler) is dropped by the kernel (both served the next request on
// loopback), and a server the hook names may not be running. So is a call to the app's
// own stop or shutdown endpoint (Spring's answers 404 unless enabled). A harmless first
// command (echo, a deregistration call, kill -0) is neither.
func TestStopsFirst(t *testing.T) {
	gunicorn := []string{"gunicorn", "--bind", "0.0.0.0:8000", "app:app"}
	for _, tc := range []struct {
		cmd, argv []string
		want      string // what stops ("" none)
		unknown   bool
	}{
		{[]string{"/usr/sbin/nginx", "-s", "quit"}, nil, "nginx", false},
		{[]string{"nginx", "-c", "/etc/nginx/nginx.conf", "-s", "stop"}, nil, "nginx", false},
		{[]string{"/usr/local/openresty/bin/openresty", "-squit"}, nil, "openresty", false},
		{[]string{"/bin/sh", "-c", "nginx -s quit; while killall -0 nginx; do sleep 1; done"}, nil, "nginx", false},
		{[]string{"sh", "-c", "/usr/sbin/nginx -s quit; sleep 10"}, nil, "nginx", false},
		{[]string{"sh", "-c", "sleep 5 && nginx -s quit"}, nil, "", false},
		{[]string{"nginx", "-s", "reload"}, nil, "", false},
		{[]string{"sh", "-c", "if [ -f /run/nginx.pid ]; then nginx -s quit; fi"}, nil, "", false},
		{[]string{"sleep", "10"}, nil, "", false},

		{[]string{"sh", "-c", "kill -TERM 1 && sleep 10"}, gunicorn, "gunicorn", false},
		{[]string{"/bin/sh", "-c", "kill 1; sleep 10"}, gunicorn, "gunicorn", false},
		{[]string{"kill", "-s", "SIGINT", "1"}, []string{"/usr/local/bin/uvicorn", "main:app"}, "uvicorn", false},
		{[]string{"sh", "-c", "kill -QUIT 1; sleep 5"}, []string{"tini", "--", "php-fpm", "-F"}, "php-fpm", false},
		{[]string{"sh", "-c", "kill -15 1 && sleep 10"}, []string{"sh", "-c", "python manage.py migrate && exec gunicorn app.wsgi"}, "gunicorn", false},
		{[]string{"sh", "-c", "kill -TERM 1 && sleep 10"}, []string{"python", "-m", "uvicorn", "main:app"}, "uvicorn", false},
		{[]string{"sh", "-c", "pkill -TERM gunicorn; sleep 10"}, gunicorn, "gunicorn", false},
		{[]string{"sh", "-c", "killall java && sleep 10"}, []string{"java", "-jar", "/app.jar"}, "java", false},
		{[]string{"apachectl", "-k", "graceful-stop"}, nil, "Apache httpd", false},
		{[]string{"sh", "-c", "caddy stop; sleep 5"}, nil, "Caddy", false},

		{[]string{"sh", "-c", "kill -9 1; sleep 10"}, gunicorn, "", true},
		{[]string{"sh", "-c", "kill -QUIT 1; sleep 10"}, []string{"uvicorn", "main:app"}, "", true},
		{[]string{"sh", "-c", "kill 1 && sleep 10"}, nil, "", true},
		{[]string{"sh", "-c", "kill 1 && sleep 10"}, []string{"sh", "-c", "python manage.py migrate && gunicorn app.wsgi"}, "", true},
		{[]string{"sh", "-c", "kill 1 && sleep 10"}, []string{"node", "server.js"}, "", true},
		{[]string{"sh", "-c", "pkill gunicorn; sleep 10"}, []string{"python", "-m", "gunicorn", "app:app"}, "", true},
		{[]string{"sh", "-c", "kill $(cat /tmp/app.pid); sleep 10"}, gunicorn, "", true},
		{[]string{"sh", "-c", "wget -qO- http://localhost:7299/stop ; sleep 15"}, nil, "", true},
		{[]string{"sh", "-c", "curl -X POST http://127.0.0.1:8080/actuator/shutdown && sleep 10"}, nil, "", true},

		{[]string{"sh", "-c", "echo draining; sleep 10"}, gunicorn, "", false},
		{[]string{"sh", "-c", "curl -s -X PUT http://consul:8500/v1/agent/service/deregister/web; sleep 15"}, gunicorn, "", false},
		{[]string{"sh", "-c", "wget -qO- http://localhost:8080/prestop; sleep 15"}, gunicorn, "", false},
		{[]string{"sh", "-c", "kill -0 1 && sleep 10"}, gunicorn, "", false},
		{[]string{"sh", "-c", "sleep 10; kill -TERM 1"}, gunicorn, "", false},
	} {
		got, unknown := stopsFirst(tc.cmd, tc.argv)
		if got != tc.want || unknown != tc.unknown {
			t.Errorf("stopsFirst(%q, %q) = %q, %v; want %q, %v", tc.cmd, tc.argv, got, unknown, tc.want, tc.unknown)
		}
	}
}

// TestScriptBlockArgPos: a script in a literal block scalar (args: - |) gets the span of
// its content, first line to last, so each of its lines can be placed: a flag on the
// script's third line is reported there, not at the "|" above it (out-of-corpus audit:
// Django images that migrate, then exec gunicorn).
func TestScriptBlockArgPos(t *testing.T) {
	m := parse(t, "d.yaml", `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: example/api:1
          command: ["/bin/sh", "-c"]
          args:
            - |
              python manage.py migrate

              gunicorn --bind 0.0.0.0:8000 --timeout 120 app.wsgi
`)
	if len(m.Workloads) != 1 || len(m.Workloads[0].Containers) != 1 {
		t.Fatalf("workloads: %+v", m.Workloads)
	}
	c := m.Workloads[0].Containers[0]
	if len(c.ArgPos) != 3 {
		t.Fatalf("ArgPos: %+v", c.ArgPos)
	}
	if p := c.ArgPos[2]; p.Line != 16 || p.EndLine != 18 || p.Col != 15 || p.EndOffset != 0 {
		t.Errorf("script position %+v, want lines 16-18 from column 15, no end offset", p)
	}
	if p := c.ArgPos[0]; p.Line != 13 || p.EndOffset <= p.Offset {
		t.Errorf("command item position %+v, want line 13 with its span", p)
	}
}

// TestStopsFirstImageEntrypoint: a container that sets only args runs them under the
// image's entrypoint, which may be a shell script that does not exec them (the kernel
// then drops kill -TERM 1): the kill is not known to stop gunicorn, and the hook's sleep
// is no known delay.
func TestStopsFirstImageEntrypoint(t *testing.T) {
	m := parse(t, "d.yaml", `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: example/api:1
          args: ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
          lifecycle:
            preStop:
              exec:
                command: ["/bin/sh", "-c", "kill -TERM 1 && sleep 10"]
`)
	c := m.Workloads[0].Containers[0]
	if c.PreStopStopsApp.IsValid() || c.PreStopDelay.Known() {
		t.Errorf("stops %q at %v, delay %+v; want neither known", c.PreStopStops, c.PreStopStopsApp, c.PreStopDelay)
	}
}
