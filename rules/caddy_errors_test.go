package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/rules/rulestest"
)

// TestCaddyHandleErrorsStatus: the messages say the status the client gets. caddy 2.6.2
// on loopback, the upstream refusing: handle_errors { respond "down" 503 } answered 503;
// a respond without a status and a file_server error page kept 502; a respond behind a
// matcher answered 503 only where its expression held.
func TestCaddyHandleErrorsStatus(t *testing.T) {
	for _, tc := range []struct {
		name, file, conf, want, not string
	}{
		{"respond 503", "Caddyfile", `:80 {
	reverse_proxy a:8080 b:8080
	handle_errors {
		respond "down for maintenance" 503
	}
}
`, "fails with 503 (handle_errors answers Caddy's 502 with it: Caddyfile:4)", "fails with 502"},
		{"keeps status", "Caddyfile", `:80 {
	reverse_proxy a:8080 b:8080
	handle_errors {
		respond "{err.status_code} {err.status_text}"
	}
}
`, "fails with 502 instead", "handle_errors"},
		{"error page", "Caddyfile", `:80 {
	reverse_proxy a:8080 b:8080
	handle_errors {
		root * /srv/errors
		rewrite * /{err.status_code}.html
		file_server
	}
}
`, "fails with 502 instead", "handle_errors"},
		{"matcher", "Caddyfile", `:80 {
	reverse_proxy a:8080 b:8080
	handle_errors {
		@gw expression {err.status_code} == 502
		respond @gw "maintenance" 503
	}
}
`, "fails with 502 (or what the site's handle_errors answers instead)", "fails with 503"},
		{"json", "caddy.json", `{"apps": {"http": {"servers": {"srv0": {
  "listen": [":80"],
  "routes": [{"handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": "a:8080"}, {"dial": "b:8080"}]}]}],
  "errors": {"routes": [{"handle": [{"handler": "subroute", "routes": [{"handle": [
    {"handler": "static_response", "body": "down", "status_code": 503}]}]}]}]}
}}}}}
`, "fails with 503 (handle_errors answers Caddy's 502 with it: caddy.json:5)", "fails with 502"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, tc.file), []byte(tc.conf), 0o644); err != nil {
				t.Fatal(err)
			}
			_, findings := rulestest.Lint(t, dir)
			seen := false
			for _, f := range findings {
				if f.Rule.ID != "no-retry-on-failure" {
					continue
				}
				seen = true
				if !strings.Contains(f.Message, tc.want) || tc.not != "" && strings.Contains(f.Message, tc.not) {
					t.Errorf("message %q: want %q, not %q", f.Message, tc.want, tc.not)
				}
			}
			if !seen {
				t.Errorf("no no-retry-on-failure finding: %v", findings)
			}
		})
	}
}
