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
