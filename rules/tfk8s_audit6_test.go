package rules_test

import (
	"strings"
	"testing"

	"github.com/no502/no502/rules/rulestest"
)

// A service that picks one target group of a local module's output listing several is
// behind that one only: single-task names it alone (before, every target group of the
// output: "behind aws_lb_target_group.api, aws_lb_target_group.web, ...").
func TestModuleOutputPickWording(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/tf-single-task/trigger-module-output-pick")
	want := map[string]string{"api": "api", "web": "web", "admin": "admin", "admin2": "ops"}
	seen := 0
	for _, f := range findings {
		if f.Rule.ID != "single-task" {
			continue
		}
		for svc, tg := range want {
			if strings.Contains(f.Message, "aws_ecs_service."+svc+" ") {
				seen++
				if !strings.Contains(f.Message, "behind aws_lb_target_group."+tg+";") {
					t.Errorf("%s: want it behind aws_lb_target_group.%s alone: %s", svc, tg, f.Message)
				}
			}
		}
	}
	if seen != len(want) {
		t.Fatalf("want %d single-task findings, saw %d", len(want), seen)
	}
}

// The overlays' JSON 6902 patches set the count: single-replica's snippet says where.
func TestJSON6902ReplicasSnippet(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-kustomize-json6902-replicas")
	n := 0
	for _, f := range findings {
		if f.Rule.ID != "single-replica" {
			continue
		}
		n++
		if f.Fix == nil || !strings.Contains(f.Fix.Description, "set value: 2 in the JSON 6902 patch of") || len(f.Fix.Edits) != 0 {
			t.Errorf("%s: fix %+v", f.Pos, f.Fix)
		}
		if !strings.Contains(f.Message, "value: 1 (JSON 6902 patch, op ") {
			t.Errorf("%s: %s", f.Pos, f.Message)
		}
	}
	// prod, stage, and canary (a namePrefix overlay whose target is the name written in
	// the base: kustomize applies it; session 18).
	if n != 3 {
		t.Fatalf("want 3 single-replica findings, got %d", n)
	}
}
