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

// TestSingleReplicaNoFieldFixWording: a Deployment with no replicas field outside any
// Kustomize tree gets `replicas: 2` written in its own spec; the fix must not say it goes
// in an overlay's patch (bank-of-anthos balance-reader.yaml said so).
func TestSingleReplicaNoFieldFixWording(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-single-replica-no-field")
	seen := false
	for _, f := range findings {
		if f.Rule.ID != "single-replica" {
			continue
		}
		seen = true
		if f.Fix == nil || f.Fix.Description != "run 2 replicas" || len(f.Fix.Edits) != 1 {
			t.Errorf("fix = %+v, want \"run 2 replicas\" with one edit", f.Fix)
		}
	}
	if !seen {
		t.Error("no single-replica finding")
	}
}

// TestReplicaCountExplainedByComment: a count with a comment above it or on its line is
// not overwritten; the snippet quotes the comment (plausible/community-edition
// kubernetes/plausible.yaml warns against more replicas right above replicas: 1).
func TestReplicaCountExplainedByComment(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-single-replica-explained")
	want := map[string]string{
		"single-replica":   `says "This app keeps its sessions in memory and must not run clustered. Do not raise."`,
		"hpa-min-replicas": `says "nights have no traffic; one pod saves a node"`,
	}
	for _, f := range findings {
		w, ok := want[f.Rule.ID]
		if !ok {
			continue
		}
		delete(want, f.Rule.ID)
		if f.Fix == nil || len(f.Fix.Edits) != 0 || !f.Fix.SnippetOnly() || !strings.Contains(f.Fix.Description, w) {
			t.Errorf("%s: fix = %+v, want a snippet whose reason quotes the comment (%s)", f.Rule.ID, f.Fix, w)
		}
	}
	for id := range want {
		t.Errorf("no %s finding", id)
	}
}

// TestTerraformCountExplainedByComment: the ECS count and the deploy's minimum healthy
// percent with a comment above them are snippets quoting it (a public ECS module for a
// single NATS JetStream node: "A single JetStream node must never run twice against the
// same store." above deployment_minimum_healthy_percent = 0).
func TestTerraformCountExplainedByComment(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/tf-deploy-stops-all-tasks/trigger-explained")
	want := map[string]string{
		"single-task":            `says "One broker owns the store on the shared volume."`,
		"deploy-stops-all-tasks": `says "A second broker must never open the same store, not even during a deploy."`,
	}
	for _, f := range findings {
		w, ok := want[f.Rule.ID]
		if !ok {
			continue
		}
		delete(want, f.Rule.ID)
		if f.Fix == nil || len(f.Fix.Edits) != 0 || !f.Fix.SnippetOnly() || !strings.Contains(f.Fix.Description, w) {
			t.Errorf("%s: fix = %+v, want a snippet quoting the comment (%s)", f.Rule.ID, f.Fix, w)
		}
	}
	for id := range want {
		t.Errorf("no %s finding", id)
	}
}

// TestECSHostPortCountFixes: an ECS task binding a static hostPort in bridge mode cannot
// share its instance with a second one (an ECS service on one EC2 instance with hostPort
// 9090, a public repository's ecs.tf): desired_count = 2 and a deploy that starts the new
// task first are snippets saying why, as for a pod with a hostPort.
func TestECSHostPortCountFixes(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/tf-single-task/trigger-hostport")
	want := map[string]bool{"single-task": true, "deploy-stops-all-tasks": true}
	for _, f := range findings {
		if !want[f.Rule.ID] {
			continue
		}
		delete(want, f.Rule.ID)
		if f.Fix == nil || !f.Fix.SnippetOnly() || !strings.Contains(f.Fix.Description, "each task binds port 9090 of its container instance (hostPort") {
			t.Errorf("%s: fix = %+v, want a snippet naming hostPort 9090", f.Rule.ID, f.Fix)
		}
	}
	for id := range want {
		t.Errorf("no %s finding", id)
	}
}

// TestRemovedAPIFixes: a workload in an apiVersion Kubernetes removed in 1.16
// (microservices-demo's complete-demo.yaml, extensions/v1beta1) gets no preStop sleep
// action and no policy/v1 budget written: no cluster serves both.
func TestRemovedAPIFixes(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-removed-api-fixes")
	want := map[string]string{
		"prestop-missing": "the preStop sleep action needs Kubernetes 1.30",
		"pdb-missing":     "a policy/v1 PodDisruptionBudget needs Kubernetes 1.21",
	}
	for _, f := range findings {
		w, ok := want[f.Rule.ID]
		if !ok {
			continue
		}
		delete(want, f.Rule.ID)
		if f.Fix == nil || !f.Fix.SnippetOnly() || !strings.Contains(f.Fix.Description, "apiVersion extensions/v1beta1, which Kubernetes removed in 1.16, and "+w) {
			t.Errorf("%s: fix = %+v, want a snippet naming the removed apiVersion", f.Rule.ID, f.Fix)
		}
	}
	for id := range want {
		t.Errorf("no %s finding", id)
	}
}

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
