package rules_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules/rulestest"
)

// Severities and wording that the want comments of testdata cannot say (issue 17): each
// case names a finding by file:line and rule, the severity it must have, and what its
// message must and must not say.
type wording struct {
	at, rule string
	sev      parsers.Severity
	says     []string
	never    []string
}

func checkWording(t *testing.T, dir string, cases []wording) {
	t.Helper()
	_, findings := rulestest.Lint(t, dir)
	for _, c := range cases {
		found := false
		for _, f := range findings {
			if f.Rule.ID != c.rule || fmt.Sprintf("%s:%d", f.Pos.File, f.Pos.Line) != c.at {
				continue
			}
			found = true
			if f.Severity != c.sev {
				t.Errorf("%s/%s %s: severity %v, want %v", dir, c.at, c.rule, f.Severity, c.sev)
			}
			for _, s := range c.says {
				if !strings.Contains(f.Message, s) {
					t.Errorf("%s/%s %s: message does not say %q: %s", dir, c.at, c.rule, s, f.Message)
				}
			}
			for _, s := range c.never {
				if strings.Contains(f.Message, s) {
					t.Errorf("%s/%s %s: message says %q: %s", dir, c.at, c.rule, s, f.Message)
				}
			}
		}
		if !found {
			t.Errorf("%s/%s: no %s finding", dir, c.at, c.rule)
		}
	}
}

// A matcher that accepts only redirects besides 2xx must not claim 404/401 pass, and is a
// warning; a matcher the target answers by design names the design, at warning; 4xx next
// to 2xx stays an error.
func TestHealthMatcherWording(t *testing.T) {
	const rule = "health-matcher-accepts-errors"
	checkWording(t, "testdata/tf-health-matcher-accepts-errors/trigger", []wording{
		{at: "main.tf:8", rule: rule, sev: parsers.Error, says: []string{"a 404 or a 401"}},
		{at: "main.tf:19", rule: rule, sev: parsers.Warning, says: []string{"redirect"}, never: []string{"404", "401"}},
		{at: "main.tf:32", rule: rule, sev: parsers.Warning, says: []string{"redirect"}, never: []string{"404", "401"}},
		{at: "main.tf:43", rule: rule, sev: parsers.Warning, says: []string{"by design"}},
		{at: "main.tf:56", rule: rule, sev: parsers.Warning, says: []string{"ingress-nginx", "by design", "10254"}, never: []string{"app behind it"}},
		{at: "main.tf:68", rule: rule, sev: parsers.Error, says: []string{"counts 404 as healthy", "with 404 ("}, never: []string{"redirect", "a 401"}},
	})
}

// The fix of health-answered-by-proxy on Caddy forwards the health path to the app (it
// was a fixer_caddy_test case on a bare Caddyfile; the rule now needs a load balancer
// that checks the path, which testdata/caddy-health-respond chains in front).
func TestHealthAnsweredByCaddyFix(t *testing.T) {
	dir := "testdata/caddy-health-respond"
	_, findings := rulestest.Lint(t, dir)
	src, err := os.ReadFile(filepath.Join(dir, "Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		if f.Rule.ID != "health-answered-by-proxy" || f.Pos.Line != 2 {
			continue
		}
		if f.Fix == nil || len(f.Fix.Edits) == 0 {
			t.Fatalf("no edits: %+v", f.Fix)
		}
		got := strings.Split(string(parsers.ApplyEdits(src, f.Fix.Edits)), "\n")[1]
		if want := "\treverse_proxy /health app.internal:8080 # want \"health-answered-by-proxy\""; got != want && got != "\treverse_proxy /health app.internal:8080" {
			t.Errorf("fixed line 2: %q, want %q", got, want)
		}
		return
	}
	t.Fatal("no health-answered-by-proxy finding on Caddyfile:2")
}
