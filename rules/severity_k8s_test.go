package rules_test

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules/rulestest"
)

// TestPrestopSeverity: prestop-missing is info by default and a warning where a cloud
// load balancer sends the pod traffic (docs/decisions.md, "Severities (issue 17)").
func TestPrestopSeverity(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-prestop-severity")
	want := map[string]parsers.Severity{"public": parsers.Warning, "internal": parsers.Info}
	seen := 0
	for _, f := range findings {
		if f.Rule.ID != "prestop-missing" {
			continue
		}
		for name, sev := range want {
			if strings.Contains(f.Message, "of Deployment "+name+" ") {
				seen++
				if f.Severity != sev {
					t.Errorf("prestop-missing on %s: severity %v, want %v (%s)", name, f.Severity, sev, f.Message)
				}
			}
		}
	}
	if seen != 2 {
		t.Errorf("want one prestop-missing finding on each Deployment, got %d", seen)
	}
}
