package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/rules/rulestest"
)

// read-timeout-too-short's "it gets worse" sentence says what nginx does with the
// timeouts of a pool. nginx 1.22.1 on loopback, two servers answering after 2s,
// proxy_read_timeout 1s, four GETs: default max_fails 504 502 502 502 (both marked
// down); max_fails=0 on both 504 504 504 504 (never marked down: no "no live
// upstreams"); proxy_next_upstream error, proxy_next_upstream_tries 1 or
// proxy_next_upstream off 504 504 502 502 (a timeout counts toward max_fails whether or
// not it is retried).
func TestReadTimeoutTooShortPoolSentence(t *testing.T) {
	conf := `events {}
http {
    upstream pool { server app-1.internal:8080; server app-2.internal:8080; }
    upstream nofail { server app-3.internal:8080 max_fails=0; server app-4.internal:8080 max_fails=0; }
    server {
        listen 80;
        location /a/ { proxy_pass http://pool; proxy_read_timeout 1s; }
        location /b/ { proxy_pass http://nofail; proxy_read_timeout 1s; }
        location /c/ { proxy_pass http://pool; proxy_read_timeout 1s; proxy_next_upstream_tries 1; }
        location /d/ { proxy_pass http://pool; proxy_read_timeout 1s; proxy_next_upstream error; }
    }
}
`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	_, findings := rulestest.Lint(t, dir)
	seen := 0
	for _, f := range findings {
		if f.Rule.ID != "read-timeout-too-short" {
			continue
		}
		seen++
		m := f.Message
		switch f.Pos.Line {
		case 7:
			if !strings.Contains(m, "a timed-out GET is retried on the next one") || !strings.Contains(m, "no live upstreams") {
				t.Errorf("/a/: %s", m)
			}
		case 8:
			if strings.Contains(m, "max_fails") || strings.Contains(m, "no live upstreams") {
				t.Errorf("/b/ (max_fails=0): %s", m)
			}
		case 9, 10:
			if strings.Contains(m, "retried") || !strings.Contains(m, "each timeout counts toward max_fails") {
				t.Errorf("line %d (not retried): %s", f.Pos.Line, m)
			}
		default:
			t.Errorf("unexpected finding at line %d: %s", f.Pos.Line, m)
		}
	}
	if seen != 4 {
		t.Fatalf("want 4 read-timeout-too-short findings, got %d", seen)
	}
}

// TestReadTimeoutTooShortAuthRequest: a location answering an auth_request subrequest
// does not give the client its 504. nginx 1.22.1 on loopback, proxy_read_timeout 1s in
// location = /_auth and an auth service taking 3s: the request to /api/x got 500 after
// 1s ("auth request unexpected status: 504"). The message says 500 and names the
// guarded location; an ordinary location keeps its 504.
func TestReadTimeoutTooShortAuthRequest(t *testing.T) {
	conf := `events {}
http {
    upstream auth { server auth-1.internal:9000; server auth-2.internal:9000; }
    server {
        listen 80;
        location /api/ { auth_request /_auth; proxy_pass http://app.internal:8080; }
        location = /_auth { internal; proxy_pass http://auth/verify; proxy_read_timeout 1s; }
        location /slow/ { proxy_pass http://app.internal:8080; proxy_read_timeout 1s; }
    }
}
`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	_, findings := rulestest.Lint(t, dir)
	seen := 0
	for _, f := range findings {
		if f.Rule.ID != "read-timeout-too-short" {
			continue
		}
		seen++
		m := f.Message
		switch f.Pos.Line {
		case 7:
			if strings.Contains(m, "504 from") || strings.Contains(m, "get 502") || !strings.Contains(m, "answers 500") || !strings.Contains(m, "location /api/") {
				t.Errorf("/_auth: %s", m)
			}
		case 8:
			if !strings.Contains(m, "gets 504 from nginx") {
				t.Errorf("/slow/: %s", m)
			}
		default:
			t.Errorf("unexpected finding at line %d: %s", f.Pos.Line, m)
		}
	}
	if seen != 2 {
		t.Errorf("%d read-timeout-too-short findings, want 2", seen)
	}
}

// TestNoRetryAuthRequest: no-retry-on-failure on a location answering an auth_request
// subrequest says what the client gets there: auth_request's 500 (nginx 1.22.1 on
// loopback, the auth service refusing: "auth request unexpected status: 502", 500).
func TestNoRetryAuthRequest(t *testing.T) {
	conf := `events {}
http {
    upstream auth { server auth-1.internal:9000; server auth-2.internal:9000; }
    server {
        listen 80;
        location /api/ { auth_request /_auth; proxy_pass http://app.internal:8080; }
        location = /_auth { internal; proxy_pass http://auth/verify; proxy_next_upstream off; }
    }
}
`
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	_, findings := rulestest.Lint(t, dir)
	seen := 0
	for _, f := range findings {
		if f.Rule.ID != "no-retry-on-failure" {
			continue
		}
		seen++
		if strings.Contains(f.Message, "fails with 502") || !strings.Contains(f.Message, "answers 500 to the request it guards") {
			t.Errorf("%s", f.Message)
		}
	}
	if seen != 1 {
		t.Errorf("%d no-retry-on-failure findings, want 1", seen)
	}
}

// TestReadTimeoutBelowBudgetPoolStatus: read-timeout-below-budget says the same of a
// pool as read-timeout-too-short (the nginx runs above): "resends a GET" only where
// proxy_next_upstream retries a timeout and tries is not 1, "no live upstreams" only
// where every server counts failures (a server with max_fails=0 is never marked down:
// 504 only). The demo's /webhooks/ (proxy_next_upstream off, one server max_fails=0)
// said both.
func TestReadTimeoutBelowBudgetPoolStatus(t *testing.T) {
	conf := `events {}
http {
    upstream pool { server app-1.internal:8080; server app-2.internal:8080; }
    upstream onenofail { server app-3.internal:8080 max_fails=0; server app-4.internal:8080; }
    server {
        listen 80;
        location /a/ { proxy_pass http://pool; proxy_read_timeout 1s; }
        location /b/ { proxy_pass http://onenofail; proxy_read_timeout 1s; }
        location /c/ { proxy_pass http://pool; proxy_read_timeout 1s; proxy_next_upstream off; }
        location /d/ { proxy_pass http://pool; proxy_read_timeout 1s; proxy_next_upstream_tries 1; }
    }
}
`
	dir := t.TempDir()
	for name, text := range map[string]string{
		"nginx.conf": conf,
		".no502.yaml": "routes:\n  - match: /a/\n    handler_timeout: 2s\n  - match: /b/\n    handler_timeout: 2s\n" +
			"  - match: /c/\n    handler_timeout: 2s\n  - match: /d/\n    handler_timeout: 2s\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, findings := rulestest.Lint(t, dir)
	seen := 0
	for _, f := range findings {
		if f.Rule.ID != "read-timeout-below-budget" {
			continue
		}
		seen++
		m := f.Message
		switch f.Pos.Line {
		case 7:
			if !strings.Contains(m, "counts a timeout against max_fails and resends a GET to the next server: no live upstreams") {
				t.Errorf("/a/: %s", m)
			}
		case 8:
			if strings.Contains(m, "max_fails") || strings.Contains(m, "no live upstreams") || !strings.Contains(m, "returns 504 while") {
				t.Errorf("/b/ (one server with max_fails=0): %s", m)
			}
		case 9, 10:
			if strings.Contains(m, "resends") || !strings.Contains(m, "counts a timeout against max_fails: no live upstreams") {
				t.Errorf("line %d (not retried): %s", f.Pos.Line, m)
			}
		default:
			t.Errorf("unexpected finding at line %d: %s", f.Pos.Line, m)
		}
	}
	if seen != 4 {
		t.Fatalf("want 4 read-timeout-below-budget findings, got %d", seen)
	}
}
