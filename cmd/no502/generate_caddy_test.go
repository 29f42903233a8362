package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestGenerateCaddyRoute(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"generate", "caddy-route", "--path", "/webhooks/*", "--upstream", "app-1:8080", "--upstream", "app-2:8080", "--handler-timeout", "90s"}, strings.NewReader(""), &out, &errb)
	if code != exitClean {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.HasPrefix(out.String(), "reverse_proxy /webhooks/* app-1:8080 app-2:8080 {\n") || !strings.Contains(out.String(), "response_header_timeout 99s") {
		t.Errorf("output:\n%s", out.String())
	}
	for _, args := range [][]string{
		{"generate", "caddy-route", "--upstream", "a:1"},
		{"generate", "caddy-route", "--path", "/x/*"},
		{"generate", "caddy-route", "--path", "x", "--upstream", "a:1"},
		{"generate", "caddy-route", "--path", "/x/*", "--upstream", "a:1", "--edge", "fastly"},
		{"generate", "caddy-route", "--path", "/x/*", "--upstream", "a:1", "--handler-timeout", "soon"},
		{"generate", "caddy-route", "--path", "/x/*", "--upstream", "a:1", "--edge-timeout", "100s"},
		{"generate", "caddy-route", "--path", "/x/*", "--upstream", "a:1", "--app-keepalive", "1ns"},
		{"generate", "nginx-location", "--path", "/x/", "--upstream", "http://a:1", "--edge-timeout", "100s", "--edge", "none"},
		{"generate", "nginx-location", "--path", "/x/", "--upstream", "http://a:1", "--nginx-version", "latest"},
		{"generate", "nginx-location", "--path", "/x/", "--upstream", "http://a:1", "--edge", "cloudflare", "--edge-timeout", "0s"},
	} {
		out.Reset()
		errb.Reset()
		if code := run(args, strings.NewReader(""), &out, &errb); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, errb.String())
		}
	}
}

// TestGenerateFlagsDoNotLeak: every generator puts its flags back after a run (tests run
// many in one process): a --edge cloudflare of one run must not reach the next.
func TestGenerateFlagsDoNotLeak(t *testing.T) {
	var out, errb bytes.Buffer
	run([]string{"generate", "nginx-location", "--path", "/x/", "--upstream", "http://a:1", "--edge", "cloudflare", "--edge-timeout", "100s", "--handler-timeout", "150s"}, strings.NewReader(""), &out, &errb)
	out.Reset()
	errb.Reset()
	if code := run([]string{"generate", "nginx-location", "--path", "/x/", "--upstream", "http://a:1", "--handler-timeout", "150s"}, strings.NewReader(""), &out, &errb); code != exitClean || strings.Contains(out.String(), "Cloudflare") {
		t.Errorf("exit %d, a flag of the previous run leaked:\n%s%s", code, out.String(), errb.String())
	}
}

// TestGenerateK8sZeroDurations: an explicit 0s for a duration whose unset value is 0
// was silently the default (--prestop 0s wrote a 10s preStop sleep); it is refused.
func TestGenerateK8sZeroDurations(t *testing.T) {
	base := []string{"generate", "k8s-workload", "--name", "api", "--image", "img", "--port", "8000", "--health-path", "/ready"}
	for _, flag := range []string{"--prestop", "--proxy-idle", "--handler-timeout"} {
		var out, errb bytes.Buffer
		if code := run(append(append([]string(nil), base...), flag, "0s"), strings.NewReader(""), &out, &errb); code != exitUsage || !strings.Contains(errb.String(), flag) {
			t.Errorf("%s 0s: exit %d, want %d naming the flag (%s)", flag, code, exitUsage, errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run(append(append([]string(nil), base...), "--prestop", "5s"), strings.NewReader(""), &out, &errb); code != exitClean || !strings.Contains(out.String(), "seconds: 5") {
		t.Errorf("--prestop 5s: exit %d:\n%s%s", code, out.String(), errb.String())
	}
}

// TestGenerateZeroDurations: nginx-location, caddy-route and alb-target-group took an
// explicit --handler-timeout 0s (or --app-keepalive 0s) as "not given" and printed the
// default with a comment saying the flag was not given; they refuse it, as k8s-workload
// does. An explicit --port 0 is named as such, not as a missing flag.
func TestGenerateZeroDurations(t *testing.T) {
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"generate", "nginx-location", "--path", "/x/", "--upstream", "http://a:1", "--handler-timeout", "0s"}, "--handler-timeout 0s"},
		{[]string{"generate", "nginx-location", "--path", "/x/", "--upstream", "http://a:1", "--app-keepalive", "0s"}, "--app-keepalive 0s"},
		{[]string{"generate", "caddy-route", "--path", "/x/", "--upstream", "a:1", "--handler-timeout", "0s"}, "--handler-timeout 0s"},
		{[]string{"generate", "caddy-route", "--path", "/x/", "--upstream", "a:1", "--app-keepalive", "0"}, "--app-keepalive 0s"},
		{[]string{"generate", "alb-target-group", "--name", "h", "--port", "80", "--health-path", "/h", "--handler-timeout", "0s"}, "--handler-timeout 0s"},
		{[]string{"generate", "alb-target-group", "--name", "h", "--port", "0", "--health-path", "/h"}, "--port 0: must be 1-65535"},
		{[]string{"generate", "k8s-workload", "--name", "h", "--image", "i", "--port", "80", "--health-path", "/h", "--replicas", "0"}, "--replicas 0: must be at least 2"},
		{[]string{"generate", "k8s-workload", "--name", "h", "--image", "i", "--port", "80", "--health-path", "/h", "--app", "gunicorn", "--app-module", "a:b c"}, `--app-module "a:b c": one module:app name`},
	} {
		var out, errb bytes.Buffer
		if code := run(c.args, strings.NewReader(""), &out, &errb); code != exitUsage || !strings.Contains(errb.String(), c.flag) || out.Len() != 0 {
			t.Errorf("%v: exit %d, want %d naming %q and printing nothing:\n%s%s", c.args, code, exitUsage, c.flag, out.String(), errb.String())
		}
	}
}

// TestGenerateALBSaysWhatItAssumed: without --handler-timeout the deregistration delay is
// a default; the generator says so on stderr, as k8s-workload and the proxies' generators
// do, and not when the budget is given.
func TestGenerateALBSaysWhatItAssumed(t *testing.T) {
	base := []string{"generate", "alb-target-group", "--name", "h", "--port", "80", "--health-path", "/h"}
	var out, errb bytes.Buffer
	if code := run(base, strings.NewReader(""), &out, &errb); code != exitClean || !strings.Contains(errb.String(), "no --handler-timeout: deregistration_delay 30 assumes") || !strings.Contains(out.String(), "deregistration_delay = 30") {
		t.Errorf("exit %d:\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := run(append(base, "--handler-timeout", "90s"), strings.NewReader(""), &out, &errb); code != exitClean || errb.Len() != 0 {
		t.Errorf("--handler-timeout 90s: exit %d, stderr %q", code, errb.String())
	}
}
