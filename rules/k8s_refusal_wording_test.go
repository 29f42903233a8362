package rules_test

import (
	"strings"
	"testing"

	"github.com/no502/no502/rules/rulestest"
)

// Each Kubernetes fix that is not written says, in one clause, what no502 could not
// prove and what to do instead (session 13): the cause found, not a list of possible
// ones, and one "(not written: ...)" however many reasons there are.
func TestK8sRefusalWording(t *testing.T) {
	cases := []struct {
		dir, rule string
		line      int
		want      []string
	}{
		{"list", "prestop-missing", 21, []string{"(not written: Deployment shop is an item of the List in list.yaml", "edits only objects that are documents of their own", "apply it by hand"}},
		{"flow", "prestop-missing", 13, []string{"(not written: no502 cannot merge it into app.yaml and check the result: line 7 is flow style", "apply it by hand"}},
		{"twice", "pdb-missing", 4, []string{"give the pods a label of their own; also, Deployment shop is apiVersion apps/v1beta1"}},
		{"hostport", "single-replica", 8, []string{"(not written: its pods bind a hostPort, so a second pod needs a node of its own", "drop the hostPort (the Service reaches the pods without it) or make sure a free node is there, then make this change)"}},
		{"statefulset", "single-replica", 9, []string{"(not written: no502 cannot tell whether the app of StatefulSet queue replicates its state", "then set replicas: 2"}},
	}
	for _, c := range cases {
		_, findings := rulestest.Lint(t, "testdata/k8s-refusal-wording/"+c.dir)
		seen := false
		for _, f := range findings {
			if f.Rule.ID != c.rule || int(f.Pos.Line) != c.line {
				continue
			}
			seen = true
			if f.Fix == nil || !f.Fix.SnippetOnly() {
				t.Errorf("%s: %s fix = %+v, want a snippet", c.dir, c.rule, f.Fix)
				continue
			}
			d := f.Fix.Description
			if n := strings.Count(d, "(not written"); n != 1 {
				t.Errorf("%s: %s: %d \"(not written\" clauses in %q, want 1", c.dir, c.rule, n, d)
			}
			for _, w := range c.want {
				if !strings.Contains(d, w) {
					t.Errorf("%s: %s: description %q lacks %q", c.dir, c.rule, d, w)
				}
			}
		}
		if !seen {
			t.Errorf("%s: no %s finding on line %d", c.dir, c.rule, c.line)
		}
	}
}
