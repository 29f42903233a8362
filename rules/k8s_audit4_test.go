package rules_test

import (
	"strings"
	"testing"

	"github.com/no502/no502/rules/rulestest"
)

// TestPrestopPodLocalUpstream: nginx's missing preStop hook in a pod whose php-fpm
// container it passes requests to over 127.0.0.1 (Kubernetes audit, part four): php gets
// its stop signal at the same moment, so the message and the fix give it the same sleep;
// a container that sleeps in its own hook, or listens on a port nginx does not use, is
// left alone.
func TestPrestopPodLocalUpstream(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-prestop-pod-local-upstream")
	seen := 0
	for _, f := range findings {
		if f.Rule.ID != "prestop-missing" {
			continue
		}
		seen++
		if f.Fix == nil || f.Fix.Snippet == "" {
			t.Fatalf("no patch: %+v", f.Fix)
		}
		patch := f.Fix.Snippet
		switch {
		case strings.Contains(f.Message, "Deployment shop"):
			if !strings.Contains(f.Message, "Give the same sleep to container php (nginx forwards to it at 127.0.0.1:9000)") {
				t.Errorf("shop: message does not name php: %s", f.Message)
			}
			if strings.Count(patch, "seconds: 10") != 2 || !strings.Contains(patch, "name: php") || strings.Contains(patch, "metrics") {
				t.Errorf("shop: want the sleep in nginx and php only:\n%s", patch)
			}
		case strings.Contains(f.Message, "Deployment blog"):
			if strings.Contains(f.Message, "Give the same sleep") || strings.Contains(patch, "name: php") {
				t.Errorf("blog: php sleeps in its own hook, yet named:\n%s\n%s", f.Message, patch)
			}
		}
	}
	if seen != 2 {
		t.Errorf("want 2 prestop-missing findings, got %d", seen)
	}
}
