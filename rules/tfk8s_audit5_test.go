package rules_test

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
	"github.com/no502/no502/rules/rulestest"
)

// A fix that changes a bare Pod's spec is unsafe and says the Pod must be recreated (the
// API server refuses the change in place); the same fix on a Deployment keeps its safety.
func TestBarePodFixUnsafe(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-bare-pod-fix")
	seen := map[string]bool{}
	for _, f := range findings {
		if f.Rule.ID != "keepalive-race" || f.Fix == nil {
			continue
		}
		switch {
		case strings.Contains(f.Message, "in Pod pod "):
			seen["pod"] = true
			if f.Fix.Safety() != rules.FixUnsafe || !strings.Contains(f.Fix.Description, "bare Pod") || !strings.Contains(f.Fix.Description, "kubectl replace --force") {
				t.Errorf("%s: fix %s %q does not say that the Pod must be recreated", f.Pos, f.Fix.Safety(), f.Fix.Description)
			}
		case strings.Contains(f.Message, "in Deployment deploy "):
			seen["deploy"] = true
			if f.Fix.Safety() != rules.FixSafe || strings.Contains(f.Fix.Description, "bare Pod") {
				t.Errorf("%s: the Deployment's fix %s %q changed", f.Pos, f.Fix.Safety(), f.Fix.Description)
			}
		}
	}
	if !seen["pod"] || !seen["deploy"] {
		t.Fatalf("want both findings, saw %v", seen)
	}
}

// The green target group of a CodeDeploy pair is linked to the service: single-task
// says one of the pair serves at a time.
func TestCodeDeployPairWording(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/tf-codedeploy-blue-green/trigger")
	for _, f := range findings {
		if f.Rule.ID == "single-task" {
			if !strings.Contains(f.Message, "aws_lb_target_group.blue, aws_lb_target_group.green") || !strings.Contains(f.Message, "the target group of the blue/green pair serving it has no healthy target") {
				t.Errorf("single-task: %s", f.Message)
			}
			return
		}
	}
	t.Fatal("no single-task finding")
}

// Fixes inside an object that a merge() entry or a for expression reads are snippets;
// the entry's own object takes its fixes as before.
func TestALBModuleSharedObjectFixes(t *testing.T) {
	for _, dir := range []string{"testdata/tf-module-alb/trigger-merge-entry", "testdata/tf-health-matcher-accepts-errors/trigger-alb-for"} {
		_, findings := rulestest.Lint(t, dir)
		shared, own := 0, 0
		for _, f := range findings {
			if f.Fix == nil {
				continue
			}
			if strings.Contains(f.Pos.File, "locals.tf") || strings.Contains(dir, "alb-for") {
				shared++
				if f.Fix.Safety() != rules.FixSnippet || !strings.Contains(f.Fix.Description, "which more than one place may read") {
					t.Errorf("%s: fix %s %q in a shared object", f.Pos, f.Fix.Safety(), f.Fix.Description)
				}
				continue
			}
			own++
			if f.Fix.Safety() == rules.FixSnippet {
				t.Errorf("%s: fix %q in the entry's own object is a snippet", f.Pos, f.Fix.Description)
			}
		}
		if shared == 0 || strings.Contains(dir, "merge") && own == 0 {
			t.Errorf("%s: %d shared and %d own fixes", dir, shared, own)
		}
	}
}

// A matcher that names its extra codes one by one ("200,301,403") says which in its
// message, and its fix is unsafe; a range (200-499) keeps its safe fix.
func TestHealthMatcherNamedCodes(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/tf-health-matcher-accepts-errors/trigger-named-codes")
	seen := 0
	for _, f := range findings {
		if f.Rule.ID != "health-matcher-accepts-errors" {
			continue
		}
		seen++
		switch {
		case strings.Contains(f.Message, `"200,301,403"`):
			if f.Severity != parsers.Error || f.Fix.Safety() != rules.FixUnsafe || !strings.Contains(f.Message, "301 or 403") || strings.Contains(f.Message, "a 404") {
				t.Errorf("named codes: %s %s %q", f.Severity, f.Fix.Safety(), f.Message)
			}
		case strings.Contains(f.Message, `"200-499"`):
			if f.Severity != parsers.Error || f.Fix.Safety() != rules.FixSafe {
				t.Errorf("range: %s %s %q", f.Severity, f.Fix.Safety(), f.Message)
			}
		}
	}
	if seen != 2 {
		t.Fatalf("want 2 findings, got %d", seen)
	}
}
