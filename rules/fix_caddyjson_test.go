package rules_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/no502/no502/rules/rulestest"
)

// TestCaddyJSONFixesAreSnippets: a finding on Caddy's JSON config shows the reverse_proxy
// handler as it would read, or the members to set (valid JSON holding the new setting),
// and never edits the file.
func TestCaddyJSONFixesAreSnippets(t *testing.T) {
	want := map[string]string{
		"dead-upstream-in-rotation":         `"fail_duration": "30s"`,
		"no-retry-on-failure":               `"try_duration": "5s"`,
		"read-timeout-below-budget":         `"response_header_timeout": "100s"`,
		"read-timeout-below-budget/fastcgi": `"read_timeout": "135s"`,
		"keepalive-race":                    `"idle_timeout": "605s"`,
		"proxy-shutdown-unbounded":          `"grace_period": "20s"`,
	}
	seen := map[string]bool{}
	for _, dir := range []string{"testdata/caddy-json-dead-upstream", "testdata/caddy-json-read-timeout", "testdata/caddy-json-retry", "testdata/xl-alb-caddy-json", "testdata/caddy-json-shutdown", "testdata/caddy-json-fastcgi-below-budget"} {
		_, findings := rulestest.Lint(t, dir)
		for _, f := range findings {
			id := f.Rule.ID
			if strings.Contains(dir, "fastcgi") {
				id += "/fastcgi" // the fastcgi transport's read_timeout, its protocol kept
			}
			if f.Fix == nil {
				t.Errorf("%s: %s: no fix", dir, f.Rule.ID)
				continue
			}
			if len(f.Fix.Edits) > 0 || !f.Fix.SnippetOnly() {
				t.Errorf("%s: %s: the fix edits the JSON config: %v", dir, f.Rule.ID, f.Fix.Edits)
			}
			// A handler object, or members to add to one (idle_timeout, grace_period).
			valid := json.Valid([]byte(f.Fix.Snippet)) || json.Valid([]byte("{"+f.Fix.Snippet+"}"))
			if !valid || !strings.Contains(f.Fix.Snippet, want[id]) {
				t.Errorf("%s: %s: snippet lacks %s or is no JSON:\n%s", dir, f.Rule.ID, want[id], f.Fix.Snippet)
			}
			if strings.HasSuffix(id, "/fastcgi") && !strings.Contains(f.Fix.Snippet, `"protocol": "fastcgi"`) {
				t.Errorf("%s: %s: the snippet changes the transport's protocol:\n%s", dir, f.Rule.ID, f.Fix.Snippet)
			}
			// The message names the JSON keys too, not the Caddyfile's subdirectives.
			if strings.Contains(f.Message, "lb_try_duration") || strings.Contains(f.Message, "health_uri") {
				t.Errorf("%s: %s: the message names Caddyfile settings in a JSON config: %s", dir, f.Rule.ID, f.Message)
			}
			seen[id] = true
		}
	}
	for id := range want {
		if !seen[id] {
			t.Errorf("no %s finding", id)
		}
	}
}
