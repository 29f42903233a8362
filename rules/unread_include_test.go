package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/rules/rulestest"
)

// An include inside a location that was not read (outside the linted paths) may set the
// location's proxy timeouts and retries: the defaults are not claimed, and no fix writes
// the directive beside it. nginx 1.22.1: the included file held proxy_read_timeout 300s,
// and the fix's proxy_read_timeout 135s in the location made nginx -t fail
// ("proxy_read_timeout" directive is duplicate). Without the include, both are reported.
func TestUnreadIncludeInLocation(t *testing.T) {
	compose := "services:\n  proxy:\n    image: nginx:1.27\n    ports: [\"80:80\"]\n    volumes:\n      - ./default.conf:/etc/nginx/conf.d/default.conf:ro\n  app:\n    build: .\n    command: gunicorn --bind 0.0.0.0:8000 --timeout 120 app:app\n    expose: [\"8000\"]\n    deploy: {replicas: 2}\n"
	for _, tc := range []struct {
		include string
		want    bool
	}{
		{"include /etc/nginx/snippets/long-proxy-timeouts.conf;", false},
		{"include conf.d/missing/*.conf;", false},
		{"include fastcgi_params;", true}, // a stock file: known to set no proxy settings
		{"", true},
	} {
		conf := "upstream pool { server 10.0.0.1:8000; server 10.0.0.2:8000; }\nserver {\n    listen 80;\n    proxy_next_upstream off;\n    location /reports/ {\n        " + tc.include + "\n        proxy_pass http://app:8000;\n    }\n    location /pool/ {\n        " + tc.include + "\n        proxy_pass http://pool;\n    }\n}\n"
		dir := t.TempDir()
		for name, text := range map[string]string{"default.conf": conf, "compose.yaml": compose} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, findings := rulestest.Lint(t, dir)
		got := map[string]bool{}
		for _, f := range findings {
			got[f.Rule.ID] = true
		}
		for _, id := range []string{"app-timeout-exceeds-proxy", "no-retry-on-failure"} {
			if got[id] != tc.want {
				t.Errorf("%q: %s reported %v, want %v", tc.include, id, got[id], tc.want)
			}
		}
	}
}

// An include in the server block that was not read may set keepalive_timeout: the ALB
// in front is not said to race nginx's 75s default, and no keepalive_timeout is written
// beside the include (nginx 1.22.1: "keepalive_timeout" directive is duplicate in the
// included file).
func TestUnreadIncludeInServerKeepAlive(t *testing.T) {
	stack, err := os.ReadFile(filepath.Join("testdata", "xl-alb-nginx-app", "stack.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, include := range []string{"", "include /etc/nginx/snippets/keepalive.conf;"} {
		text := strings.Replace(string(stack), "        listen 80;\n", "        listen 80;\n        "+include+"\n", 1)
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "stack.yaml"), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		_, findings := rulestest.Lint(t, dir)
		race := false
		for _, f := range findings {
			race = race || f.Rule.ID == "keepalive-race"
		}
		if race != (include == "") {
			t.Errorf("%q: keepalive-race reported %v", include, race)
		}
	}
}
