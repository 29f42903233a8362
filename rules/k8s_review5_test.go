package rules_test

import (
	"strings"
	"testing"

	"github.com/no502/no502/rules/rulestest"
)

// TestGatewayBackendRequestFix: when an HTTPRoute rule sets both timeouts, backendRequest
// is the one that cuts each try; the message must name it, and the snippet must raise it
// without setting timeouts.request (120s) down to the same value.
func TestGatewayBackendRequestFix(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-gateway-backend-request")
	seen := false
	for _, f := range findings {
		if f.Rule.ID != "app-timeout-exceeds-proxy" {
			continue
		}
		seen = true
		if !strings.Contains(f.Message, "Raise timeouts.backendRequest above 20s") {
			t.Errorf("message does not name backendRequest: %s", f.Message)
		}
		if f.Fix == nil || !strings.Contains(f.Fix.Snippet, `backendRequest: "30s"`) || strings.Contains(f.Fix.Snippet, "request: \"30s\"\n") {
			t.Errorf("snippet lowers timeouts.request or misses backendRequest: %+v", f.Fix)
		}
	}
	if !seen {
		t.Error("no app-timeout-exceeds-proxy finding")
	}
}

// TestKustomizeOverlayHPAAndPDBPerBuild: an HPA and a PodDisruptionBudget that
// overlays/prod adds are not in overlays/dev's build, which deploys the base's single pod:
// single-replica reports it, and does not say a budget keeps drains from evicting it.
func TestKustomizeOverlayHPAAndPDBPerBuild(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-kustomize-overlay-hpa-pdb")
	seen := false
	for _, f := range findings {
		if f.Rule.ID != "single-replica" {
			continue
		}
		seen = true
		if !strings.Contains(f.Message, "overlays/dev") || strings.Contains(f.Message, "does not evict it") {
			t.Errorf("message names the wrong build or prod's budget: %s", f.Message)
		}
	}
	if !seen {
		t.Error("no single-replica finding for overlays/dev")
	}
}
