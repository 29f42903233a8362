package lint_test

import (
	"strings"
	"testing"
)

// deregistration_delay = "${var.deregistration_delay}" (0.11-style interpolation) with the
// variable read nowhere else: the fix changes the variable's default, as for var.x, and
// is safe; before, it replaced the use with a constant and was unsafe (another
// environment's value would no longer apply). Session 13, turnerlabs/terraform-ecs-fargate.
func TestFixInterpolatedVariableDefault(t *testing.T) {
	tf := `variable "deregistration_delay" {
  default = "30"
}

resource "aws_lb" "main" {
  name         = "main"
  idle_timeout = 120
}

resource "aws_lb_target_group" "main" {
  name                 = "main"
  port                 = 80
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = "${var.deregistration_delay}"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.main.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.main.arn
  }
}
`
	fr, after := fixDir(t, map[string]string{"main.tf": tf, ".no502.yaml": "routes:\n  - match: /\n    handler_timeout: 90s\n"}, true)
	got := after["main.tf"]
	if !strings.Contains(got, "default = 100") || !strings.Contains(got, `deregistration_delay = "${var.deregistration_delay}"`) {
		t.Errorf("want the variable's default raised and the use kept:\n%s", got)
	}
	if f := finalFix(fr, "deregistration-delay-too-short"); f != nil {
		t.Errorf("finding left: %+v", f)
	}
}
