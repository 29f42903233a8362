package rules_test

import (
	"strings"
	"testing"

	"github.com/no502/no502/rules/rulestest"
)

// TestReplicaRolloutWording: single-replica and hpa-min-replicas say a rollout empties
// the Service only where it does: not for a 1-pod Deployment whose rolling update starts
// the new pod first (the default), but for one with maxUnavailable: 1 or maxSurge: 0.
func TestReplicaRolloutWording(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-single-replica-rollout")
	want := map[string]bool{ // Deployment → its message speaks of rollouts
		"surge-first": false,
		"stop-first":  true,
		"no-surge":    true,
		"scaled":      false,
	}
	seen := map[string]bool{}
	for _, f := range findings {
		if f.Rule.ID != "single-replica" && f.Rule.ID != "hpa-min-replicas" {
			continue
		}
		for name, rollout := range want {
			if !strings.Contains(f.Message, "Deployment "+name+" ") {
				continue
			}
			seen[name] = true
			if got := strings.Contains(f.Message, "rollout"); got != rollout {
				t.Errorf("%s on %s: mentions a rollout: %v, want %v (%s)", f.Rule.ID, name, got, rollout, f.Message)
			}
		}
	}
	if len(seen) != len(want) {
		t.Errorf("want a finding on each Deployment, got %v", seen)
	}
}
