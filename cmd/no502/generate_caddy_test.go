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
	} {
		out.Reset()
		errb.Reset()
		if code := run(args, strings.NewReader(""), &out, &errb); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, errb.String())
		}
	}
}
