package rules_test

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
	"github.com/no502/no502/rules/rulestest"
)

// A task in two target groups leaves both without a healthy target: the message says so
// in the plural (the HASH app's API and Kratos containers, one task behind two ALBs).
func TestSingleTaskSeveralTargetGroupsWording(t *testing.T) {
	checkWording(t, "testdata/tf-single-task/trigger-two-target-groups", []wording{
		{at: "main.tf:53", rule: "single-task", sev: parsers.Warning, says: []string{"aws_lb_target_group.app, aws_lb_target_group.auth", "its target groups have no healthy target"}, never: []string{"the target group has"}},
	})
	checkWording(t, "testdata/tf-single-task/trigger", []wording{
		{at: "main.tf:10", rule: "single-task", sev: parsers.Warning, says: []string{"the target group has no healthy target"}},
		{at: "main.tf:21", rule: "single-task", sev: parsers.Warning, says: []string{"the target group has no healthy target"}},
	})
}

// Narrowing a matcher that adds only redirects is written only with --unsafe-fixes: the
// path may redirect (a Next.js app's /), and then every target fails its check at once.
// A matcher that adds 4xx keeps its safe fix.
func TestHealthMatcherFixUnsafe(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/tf-health-matcher-accepts-errors/trigger")
	redirects, errors := 0, 0
	for _, f := range findings {
		if f.Rule.ID != "health-matcher-accepts-errors" || f.Fix == nil || f.Fix.Safety() == rules.FixSnippet {
			continue
		}
		if strings.Contains(f.Message, "counts redirects (3xx) as healthy") {
			redirects++
			if f.Fix.Safety() != rules.FixUnsafe || !strings.Contains(f.Fix.Description, "every target then fails its health check at once") {
				t.Errorf("%s: fix %q is safe or does not say why it is unsafe", f.Pos, f.Fix.Description)
			}
			continue
		}
		if strings.Contains(f.Fix.Description, "one by one") {
			// Codes named one by one (session 16): unsafe, TestHealthMatcherNamedCodes.
			if f.Fix.Safety() != rules.FixUnsafe {
				t.Errorf("%s: fix %q of a matcher naming its codes is not unsafe", f.Pos, f.Fix.Description)
			}
			continue
		}
		errors++
		if f.Fix.Safety() != rules.FixSafe {
			t.Errorf("%s: fix %q of a 4xx matcher is not safe", f.Pos, f.Fix.Description)
		}
	}
	if redirects == 0 || errors == 0 {
		t.Fatalf("want both kinds of writable matcher fix, got %d redirect and %d error", redirects, errors)
	}
}
