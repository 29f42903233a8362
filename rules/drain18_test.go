package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
	"github.com/no502/no502/rules/rulestest"
)

// TestLBDrainFixTarget: lb-drain-mismatch sets the deregistration delay in the annotation
// the AWS Load Balancer Controller reads it from. It used to add
// alb.ingress.kubernetes.io/target-group-attributes to an Ingress named after the hop
// always: for an NLB Service (whose key is service.beta.kubernetes.io/...) that was a
// snippet for an Ingress that does not exist, and for an ALB whose delay is written on the
// backend Service (which the controller reads before the Ingress) an edit that changed
// nothing.
func TestLBDrainFixTarget(t *testing.T) {
	for dir, want := range map[string]struct{ line, msg string }{
		"testdata/k8s-lb-drain-fix-target/svc-annotation": {
			`    alb.ingress.kubernetes.io/target-group-attributes: "stickiness.enabled=false,deregistration_delay.timeout_seconds=70" # want "lb-drain-mismatch"`,
			"in alb.ingress.kubernetes.io/target-group-attributes of Service web-svc.",
		},
		"testdata/k8s-lb-drain-fix-target/ingress-annotation": {
			`    alb.ingress.kubernetes.io/target-group-attributes: "deregistration_delay.timeout_seconds=70" # want "lb-drain-mismatch"`,
			"in alb.ingress.kubernetes.io/target-group-attributes of Ingress web.",
		},
		"testdata/k8s-lb-drain-fix-target/nlb-overhang": {
			`    service.beta.kubernetes.io/aws-load-balancer-target-group-attributes: "deregistration_delay.timeout_seconds=70" # want "lb-drain-mismatch"`,
			"Lower the delay to 70s or less.",
		},
	} {
		_, findings := rulestest.Lint(t, dir)
		src, err := os.ReadFile(filepath.Join(dir, "app.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		seen := false
		for _, f := range findings {
			if f.Rule.ID != "lb-drain-mismatch" {
				continue
			}
			seen = true
			if !strings.Contains(f.Message, want.msg) {
				t.Errorf("%s: want %q in %s", dir, want.msg, f.Message)
			}
			if f.Fix == nil || len(f.Fix.Edits) == 0 {
				t.Errorf("%s: no edit: %+v", dir, f.Fix)
				continue
			}
			out := string(parsers.ApplyEdits(src, f.Fix.Edits))
			if !strings.Contains(out, want.line+"\n") {
				t.Errorf("%s: fixed file lacks %q:\n%s", dir, want.line, out)
			}
			if strings.Count(out, "target-group-attributes") != 1 {
				t.Errorf("%s: the fix adds a second target-group-attributes annotation:\n%s", dir, out)
			}
		}
		if !seen {
			t.Errorf("%s: no lb-drain-mismatch finding", dir)
		}
	}
}

// TestDrainTargetType: a target group with instance targets (Terraform's default) fed with
// pods by a TargetGroupBinding registers the nodes, so a pod leaving deregisters nothing:
// lb-drain-mismatch said "the ALB lets a leaving pod's requests finish for 300s" of it,
// and prestop-missing was a warning ("the ALB in front takes 10s or more to deregister
// it"). With ip targets both hold, also for a TargetGroupBinding alone.
func TestDrainTargetType(t *testing.T) {
	for dir, want := range map[string]rules.Severity{
		"testdata/tf-k8s-lb-drain-target-type/tgb-ip":              rules.Warning,
		"testdata/tf-k8s-lb-drain-target-type/instance-no-prestop": rules.Info,
	} {
		_, findings := rulestest.Lint(t, dir)
		seen := false
		for _, f := range findings {
			if f.Rule.ID == "prestop-missing" {
				seen = true
				if f.Severity != want || (want == rules.Warning) != strings.Contains(f.Message, "takes 10s or more to deregister it") {
					t.Errorf("%s: %v %s", dir, f.Severity, f.Message)
				}
			}
		}
		if !seen {
			t.Errorf("%s: no prestop-missing finding", dir)
		}
	}
}

// TestK8sSuccessCodes: the success-codes of an ALB of the AWS Load Balancer Controller with
// ip targets are judged as a Terraform matcher is, one step lower (the pod's readinessProbe
// is the first gate): 4xx next to 2xx a warning, redirects only info; the fix is a
// snippet naming the annotation.
func TestK8sSuccessCodes(t *testing.T) {
	for dir, want := range map[string]rules.Severity{
		"testdata/k8s-alb-success-codes/trigger":        rules.Warning,
		"testdata/k8s-alb-success-codes/info-redirects": rules.Info,
	} {
		_, findings := rulestest.Lint(t, dir)
		seen := false
		for _, f := range findings {
			if f.Rule.ID != "health-matcher-accepts-errors" {
				continue
			}
			seen = true
			if f.Severity != want {
				t.Errorf("%s: severity %v, want %v", dir, f.Severity, want)
			}
			if f.Fix == nil || !f.Fix.SnippetOnly() || !strings.Contains(f.Fix.Snippet, "alb.ingress.kubernetes.io/success-codes") {
				t.Errorf("%s: fix %+v", dir, f.Fix)
			}
		}
		if !seen {
			t.Errorf("%s: no finding", dir)
		}
	}
}
