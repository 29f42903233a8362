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

// Narrowing a health check matcher is written only with --unsafe-fixes: the path may
// answer one of the codes the matcher stops accepting (a Next.js app's / redirects), and
// then every target fails its check at once.
func TestHealthMatcherFixUnsafe(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/tf-health-matcher-accepts-errors/trigger")
	n := 0
	for _, f := range findings {
		if f.Rule.ID != "health-matcher-accepts-errors" || f.Fix == nil || f.Fix.Safety() == rules.FixSnippet {
			continue
		}
		n++
		if f.Fix.Safety() != rules.FixUnsafe || !strings.Contains(f.Fix.Description, "every target then fails its health check at once") {
			t.Errorf("%s: fix %q is safe or does not say why it is unsafe", f.Pos, f.Fix.Description)
		}
	}
	if n == 0 {
		t.Fatal("no writable matcher fix")
	}
}
