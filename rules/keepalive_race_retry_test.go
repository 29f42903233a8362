package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/rules/rulestest"
)

// keepalive-race says nginx resends a GET whose reused connection fails only where
// proxy_next_upstream lists error. nginx 1.22.1 on loopback, an upstream closing every
// reused connection: 6 of 6 GETs answered with the default retries, 3 of 6 got 502 with
// proxy_next_upstream off.
func TestKeepAliveRaceRetryOff(t *testing.T) {
	compose := `services:
  web:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./default.conf:/etc/nginx/conf.d/default.conf:ro
  app:
    image: example/app
    command: gunicorn -k gthread --threads 4 -b 0.0.0.0:8000 app:app
    deploy:
      replicas: 2
`
	for _, tc := range []struct {
		name, extra, want, not string
	}{
		{"default", "", "nginx resends a GET that fails this way, never a POST", "GETs and POSTs alike"},
		{"off", "proxy_next_upstream off;", "to GETs and POSTs alike: proxy_next_upstream off (default.conf:", "never a POST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conf := `upstream backend {
    server app:8000;
    keepalive 16;
}
server {
    listen 80;
    location / {
        proxy_pass http://backend;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        ` + tc.extra + `
    }
}
`
			dir := t.TempDir()
			for name, text := range map[string]string{"compose.yaml": compose, "default.conf": conf} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, findings := rulestest.Lint(t, dir)
			seen := 0
			for _, f := range findings {
				if f.Rule.ID != "keepalive-race" {
					continue
				}
				seen++
				if !strings.Contains(f.Message, tc.want) || strings.Contains(f.Message, tc.not) {
					t.Errorf("message: %s", f.Message)
				}
			}
			if seen != 1 {
				t.Fatalf("want 1 keepalive-race finding, got %d", seen)
			}
		})
	}
}

// proxy_next_upstream with non_idempotent resends a POST whose reused connection fails
// (nginx 1.22.1 on loopback, an upstream closing every reused connection: 6 of 6 POSTs
// answered 200, 3 of 6 got 502 without it): the message must not say "never a POST".
func TestKeepAliveRaceNonIdempotent(t *testing.T) {
	for _, tc := range []struct{ a, b, want, not string }{
		{"proxy_next_upstream error timeout non_idempotent;", "proxy_next_upstream error timeout non_idempotent;", "POSTs too (proxy_next_upstream error timeout non_idempotent", "never a POST"},
		{"proxy_next_upstream error timeout non_idempotent;", "", "and a POST only where proxy_next_upstream lists non_idempotent", "never a POST"},
		{"", "", "never a POST", "non_idempotent"},
		// A server with max_fails=0 is never marked down: no "marked every server".
		{"proxy_next_upstream error timeout non_idempotent;", "proxy_next_upstream error timeout non_idempotent;", "POSTs too (proxy_next_upstream error timeout non_idempotent", "max_fails"},
	} {
		server := "server app:8000;"
		if tc.not == "max_fails" {
			server = "server app:8000 max_fails=0;"
		}
		conf := "events {}\nhttp {\n    upstream app_up { " + server + " keepalive 16; }\n    server {\n        listen 80;\n        proxy_http_version 1.1;\n        proxy_set_header Connection \"\";\n        location /a/ {\n            proxy_pass http://app_up;\n            " + tc.a + "\n        }\n        location /b/ {\n            proxy_pass http://app_up;\n            " + tc.b + "\n        }\n    }\n}\n"
		compose := "services:\n  proxy:\n    image: nginx\n    ports: [\"80:80\"]\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n  app:\n    image: python:3.12\n    command: uvicorn main:app --host 0.0.0.0 --port 8000 --timeout-keep-alive 5\n    deploy:\n      replicas: 2\n"
		dir := t.TempDir()
		for name, text := range map[string]string{"nginx.conf": conf, "compose.yaml": compose, ".no502.yaml": "nginx_version: 1.22.1\n"} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, findings := rulestest.Lint(t, dir)
		found := false
		for _, f := range findings {
			if f.Rule.ID != "keepalive-race" {
				continue
			}
			found = true
			if !strings.Contains(f.Message, tc.want) || strings.Contains(f.Message, tc.not) {
				t.Errorf("a %q, b %q: %s", tc.a, tc.b, f.Message)
			}
		}
		if !found {
			t.Errorf("a %q, b %q: no keepalive-race finding", tc.a, tc.b)
		}
	}
}
