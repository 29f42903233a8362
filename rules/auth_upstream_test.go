package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/rules/rulestest"
)

// authCompose runs an auth service (uvicorn: 5s keep-alive) and the app, both behind
// nginx; upstream auth is used only by auth_request.
const authCompose = `services:
  proxy:
    image: nginx:1.22
    volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
  auth:
    image: example/auth
    command: uvicorn auth:app --host 0.0.0.0 --port 8080
    stop_signal: SIGINT
    deploy: {replicas: 2}
  app:
    image: example/app
    command: uvicorn app:app --host 0.0.0.0 --port 8000 --timeout-keep-alive 300
    stop_signal: SIGINT
    deploy: {replicas: 2}
`

func lintAuthDir(t *testing.T, files map[string]string) []string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, findings := rulestest.Lint(t, dir)
	var out []string
	for _, f := range findings {
		out = append(out, f.Rule.ID+": "+f.Message)
	}
	return out
}

// An auth_request subrequest is a GET whatever the client sent, so nginx resends one
// whose reused connection fails (nginx 1.22.1 on loopback, an auth service resetting
// every reused connection, POSTs and GETs to the guarded location: 7 of 7 answered 200,
// each check sent twice): a keep-alive race with an upstream only auth_request uses
// reaches no client, unless the auth location keeps nginx from resending.
func TestKeepaliveRaceAuthOnlyUpstream(t *testing.T) {
	conf := `events {}
http {
    upstream auth { server auth:8080; keepalive 16; keepalive_timeout 120s; }
    upstream app { server app:8000; keepalive 16; }
    server {
        listen 80;
        location = /_auth {
            internal;
            proxy_pass http://auth/check;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            NEXT
        }
        location / {
            auth_request /_auth;
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
`
	race := func(next string) []string {
		var out []string
		for _, f := range lintAuthDir(t, map[string]string{"compose.yaml": authCompose, "nginx.conf": strings.Replace(conf, "NEXT", next, 1)}) {
			if strings.HasPrefix(f, "keepalive-race: ") {
				out = append(out, f)
			}
		}
		return out
	}
	if got := race(""); len(got) != 0 {
		t.Errorf("default retries: want no keepalive-race, got %q", got)
	}
	got := race("proxy_next_upstream off;")
	if len(got) != 1 || strings.Contains(got[0], "502") || !strings.Contains(got[0], "500") || !strings.Contains(got[0], "location /") {
		t.Errorf("proxy_next_upstream off: want one keepalive-race saying the guarded request gets 500, got %q", got)
	}
}

// A failed auth check is the guarded request's 500, not a 502 (nginx 1.22.1 on
// loopback, the auth service refusing: "auth request unexpected status: 502", the
// client got 500).
func TestSingleUpstreamAuthOnly(t *testing.T) {
	conf := `events {}
http {
    upstream auth { server 10.0.0.5:8080; }
    upstream both { server 10.0.0.6:8080; }
    server {
        listen 80;
        location = /_auth { internal; proxy_pass http://auth/check; }
        location /api/ { auth_request /_auth; proxy_pass http://10.0.0.7:8000; }
        location = /_auth2 { internal; proxy_pass http://both/check; }
        location /b/ { auth_request /_auth2; proxy_pass http://both; }
    }
}
`
	var got []string
	for _, f := range lintAuthDir(t, map[string]string{"nginx.conf": conf}) {
		if strings.HasPrefix(f, "single-upstream: ") {
			got = append(got, f)
		}
	}
	if len(got) != 3 {
		t.Fatalf("want 3 single-upstream findings, got %q", got)
	}
	for _, f := range got {
		auth := strings.Contains(f, "upstream auth ")
		if auth && (strings.Contains(f, "502") || !strings.Contains(f, "500") || !strings.Contains(f, "location /api/")) {
			t.Errorf("auth only: want 500 for the requests location /api/ guards, got %q", f)
		}
		if !auth && !strings.Contains(f, "502") {
			t.Errorf("want 502, got %q", f)
		}
	}
}

// upstream-dns-resolved-once: the same for an upstream only auth_request uses.
func TestDNSResolvedOnceAuthOnly(t *testing.T) {
	conf := `events {}
http {
    upstream auth { server auth:8080; }
    server {
        listen 80;
        location = /_auth { internal; proxy_pass http://auth/check; }
        location / { auth_request /_auth; proxy_pass http://app:8000; }
    }
}
`
	var got []string
	for _, f := range lintAuthDir(t, map[string]string{"compose.yaml": authCompose, "nginx.conf": conf}) {
		if strings.HasPrefix(f, "upstream-dns-resolved-once: ") && strings.Contains(f, "upstream auth ") {
			got = append(got, f)
		}
	}
	if len(got) != 1 || strings.Contains(got[0], "502") || !strings.Contains(got[0], "500") {
		t.Errorf("want one finding saying the guarded requests get 500, got %q", got)
	}
}

// dead-upstream-in-rotation: the auth location that does not retry fails the guarded
// request with 500.
func TestDeadUpstreamAuthOnly(t *testing.T) {
	conf := `events {}
http {
    upstream auth { server 10.0.0.5:8080 max_fails=0; server 10.0.0.6:8080; }
    server {
        listen 80;
        location = /_auth { internal; proxy_pass http://auth; proxy_next_upstream off; }
        location /g/ { auth_request /_auth; proxy_pass http://10.0.0.7:8000; }
    }
}
`
	var got []string
	for _, f := range lintAuthDir(t, map[string]string{"nginx.conf": conf}) {
		if strings.HasPrefix(f, "dead-upstream-in-rotation: ") {
			got = append(got, f)
		}
	}
	if len(got) != 1 || strings.Contains(got[0], "502") || !strings.Contains(got[0], "500 to the request it guards (auth_request of location /g/)") {
		t.Errorf("want one finding saying the guarded request gets 500, got %q", got)
	}
}

// app-timeout-exceeds-proxy: an auth check that times out is the guarded request's 500
// (nginx 1.22.1 on loopback: proxy_read_timeout 1s in the auth location, a 3s auth
// service: 500 after 1s), not a 504.
func TestAppTimeoutExceedsProxyAuth(t *testing.T) {
	conf := `events {}
http {
    server {
        listen 80;
        location = /_auth { internal; proxy_pass http://auth:8080/check; proxy_read_timeout 30s; }
        location / { auth_request /_auth; proxy_pass http://app:8000; }
    }
}
`
	compose := `services:
  proxy:
    image: nginx:1.22
    volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
  auth:
    image: example/auth
    command: gunicorn --timeout 120 -b 0.0.0.0:8080 auth:app
  app:
    image: example/app
    command: gunicorn -b 0.0.0.0:8000 app:app
`
	var got []string
	for _, f := range lintAuthDir(t, map[string]string{"compose.yaml": compose, "nginx.conf": conf}) {
		if strings.HasPrefix(f, "app-timeout-exceeds-proxy: ") {
			got = append(got, f)
		}
	}
	if len(got) != 1 || strings.Contains(got[0], "504") || !strings.Contains(got[0], "500 to the request it guards") {
		t.Errorf("want one finding saying the guarded request gets 500, got %q", got)
	}
}
