package rules_test

import (
	"reflect"
	"testing"

	"github.com/no502/no502/rules"
	"github.com/no502/no502/rules/rulestest"
)

// A fix run defers the Terraform fixes' edits and the Kubernetes patches to ResolveWhere:
// resolved, every finding's fix is what a run that does not defer reports (description,
// snippet, edits, safety), on every testdata case.
func TestDeferredFixesResolveAsEager(t *testing.T) {
	compared := 0
	for _, dir := range caseDirs(t, "testdata") {
		m, _ := rulestest.Lint(t, dir)
		eager := rules.RunCached(m, nil, &rules.EditCache{})
		(&rules.EditCache{}).Resolve(m, eager)
		lazy := &rules.EditCache{DeferTerraform: true}
		deferred := rules.RunCached(m, nil, lazy)
		// As a --diff run does: the fixes it may write first, then the rest.
		lazy.ResolveWhere(m, deferred, func(f *rules.Finding) bool { return f.Fix.Safety() != rules.FixUnsafe })
		lazy.Resolve(m, deferred)
		if len(eager) != len(deferred) {
			t.Fatalf("%s: %d findings eager, %d deferred", dir, len(eager), len(deferred))
		}
		for i := range eager {
			a, b := eager[i].Fix, deferred[i].Fix
			if a == nil || b == nil {
				if a != b {
					t.Errorf("%s: %s: fix %v vs %v", dir, eager[i].Pos, a, b)
				}
				continue
			}
			if a.Description != b.Description || a.Snippet != b.Snippet || !reflect.DeepEqual(a.Edits, b.Edits) || a.Safety() != b.Safety() {
				t.Errorf("%s: %s %s: deferred fix differs:\n%q %q %v %s\n%q %q %v %s", dir, eager[i].Rule.ID, eager[i].Pos,
					a.Description, a.Snippet, a.Edits, a.Safety(), b.Description, b.Snippet, b.Edits, b.Safety())
			}
			compared++
		}
	}
	if compared < 200 {
		t.Fatalf("only %d fixes compared", compared)
	}
	t.Logf("%d fixes compared", compared)
}
