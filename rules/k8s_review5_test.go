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

// TestGraceExtensionWording: the 2s extension is said only when the preStop hook leaves
// less than 2s of the grace period (web: 15s of 30s, none; late: 29s of 30s, extended).
func TestGraceExtensionWording(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-grace-extension")
	want := map[string]bool{"Deployment web ": false, "Deployment late ": true}
	seen := 0
	for _, f := range findings {
		if f.Rule.ID != "grace-period-too-short" {
			continue
		}
		for name, ext := range want {
			if strings.Contains(f.Message, name) {
				seen++
				if got := strings.Contains(f.Message, "one-off 2s extension"); got != ext {
					t.Errorf("%s: extension said %v, want %v: %s", name, got, ext, f.Message)
				}
			}
		}
	}
	if seen != 2 {
		t.Errorf("%d grace-period-too-short findings, want 2", seen)
	}
}

// TestHPAMinDrainBlockedWording: at an HPA floor of one pod under a budget that allows no
// eviction, hpa-min-replicas must not count node drains among the outages, and says the
// drain waits (as single-replica does).
func TestHPAMinDrainBlockedWording(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-hpa-min-pdb-blocks")
	seen := false
	for _, f := range findings {
		if f.Rule.ID != "hpa-min-replicas" {
			continue
		}
		seen = true
		if strings.Contains(f.Message, "node drain or crash") || !strings.Contains(f.Message, "A node drain does not evict that pod") {
			t.Errorf("message counts drains the budget refuses: %s", f.Message)
		}
	}
	if !seen {
		t.Error("no hpa-min-replicas finding")
	}
}

// TestSingleReplicaDefaultCountFixWording: a Deployment without a replicas field, outside
// any Kustomize tree, gets the plain fix: its description must not send the user to an
// overlay's patch that does not exist (out-of-corpus audit: bank-of-anthos userservice).
func TestSingleReplicaDefaultCountFixWording(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-single-replica-default-count")
	seen := false
	for _, f := range findings {
		if f.Rule.ID != "single-replica" {
			continue
		}
		seen = true
		if f.Fix == nil || f.Fix.Description != "run 2 replicas" {
			t.Errorf("fix description = %+v, want \"run 2 replicas\"", f.Fix)
		}
	}
	if !seen {
		t.Error("no single-replica finding")
	}
}

// TestNginxQuitHookSnippet: a preStop hook that runs `nginx -s quit` first is reported at
// its command with a snippet that sleeps before the user's own command; the snippet is
// not written (the image needs a shell for it).
func TestNginxQuitHookSnippet(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-prestop-nginx-quit")
	want := map[string]string{
		"Deployment web ":  `"sleep 10 && /usr/sbin/nginx -s quit"`,
		"Deployment edge ": `"sleep 10 && nginx -s quit; while killall -0 nginx; do sleep 1; done"`,
	}
	seen := 0
	for _, f := range findings {
		if f.Rule.ID != "prestop-missing" {
			continue
		}
		for name, snippet := range want {
			if !strings.Contains(f.Message, name) {
				continue
			}
			seen++
			if f.Fix == nil || !f.Fix.SnippetOnly() || !strings.Contains(f.Fix.Snippet, snippet) {
				t.Errorf("%s: want a snippet-only fix running %s, got %+v", name, snippet, f.Fix)
			}
			if strings.Contains(f.Message, "has no preStop hook") {
				t.Errorf("%s: message says there is no hook: %s", name, f.Message)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("want %d prestop-missing findings, got %d", len(want), seen)
	}
}

// TestGatewayRequestFloorDefault: Gateway API leaves an unset timeouts.request to the
// implementation (Envoy Gateway, Istio and GKE differ), so read-timeout-too-short must not
// tell the user the default is 60s (out-of-corpus audit: Envoy Gateway's request: "2s"
// example).
func TestGatewayRequestFloorDefault(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-gateway-request-floor")
	seen := false
	for _, f := range findings {
		if f.Rule.ID != "read-timeout-too-short" {
			continue
		}
		seen = true
		if strings.Contains(f.Message, "the default is 60s") || !strings.Contains(f.Message, "implementation") {
			t.Errorf("message claims a default for the Gateway: %s", f.Message)
		}
	}
	if !seen {
		t.Error("no read-timeout-too-short finding")
	}
}

// TestIngressNginxConfigMapUnits: a controller ConfigMap's proxy-read-timeout: "600s" is
// not a whole number, so ingress-nginx keeps its 60s default: the message says so and
// compares gunicorn's 300s with 60s, not 600s.
func TestIngressNginxConfigMapUnits(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-ingress-nginx-configmap-units")
	seen := false
	for _, f := range findings {
		if f.Rule.ID != "app-timeout-exceeds-proxy" {
			continue
		}
		seen = true
		if !strings.Contains(f.Message, "keeps its default 60s") || !strings.Contains(f.Message, "slower than 60s") {
			t.Errorf("message does not say the 60s default applies: %s", f.Message)
		}
	}
	if !seen {
		t.Error("no app-timeout-exceeds-proxy finding")
	}
}
