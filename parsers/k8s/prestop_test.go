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

// TestNginxStopsFirst: a hook that signals nginx to quit (or stop) before any sleep makes
// it close its listening sockets at once (nginx -s quit returned in 8ms on loopback, and
// the next connection was refused while a slow request in flight completed).
func TestNginxStopsFirst(t *testing.T) {
	for _, tc := range []struct {
		cmd  []string
		want bool
	}{
		{[]string{"/usr/sbin/nginx", "-s", "quit"}, true},
		{[]string{"nginx", "-c", "/etc/nginx/nginx.conf", "-s", "stop"}, true},
		{[]string{"/usr/local/openresty/bin/openresty", "-squit"}, true},
		{[]string{"/bin/sh", "-c", "nginx -s quit; while killall -0 nginx; do sleep 1; done"}, true},
		{[]string{"sh", "-c", "/usr/sbin/nginx -s quit; sleep 10"}, true},
		{[]string{"sh", "-c", "sleep 5 && nginx -s quit"}, false},
		{[]string{"nginx", "-s", "reload"}, false},
		{[]string{"sh", "-c", "if [ -f /run/nginx.pid ]; then nginx -s quit; fi"}, false},
		{[]string{"sleep", "10"}, false},
	} {
		if got := nginxStopsFirst(tc.cmd); got != tc.want {
			t.Errorf("nginxStopsFirst(%q) = %v, want %v", tc.cmd, got, tc.want)
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
