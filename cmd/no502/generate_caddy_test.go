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
