package terraform

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// "${var.x}" (Terraform 0.11 interpolation, still common) is var.x: a template that is
// one interpolation yields its value unchanged (HCL's template unwrapping; terraform fmt
// rewrites it to var.x), so a fix may change the variable's default as it does for var.x
// (session 13: turnerlabs/terraform-ecs-fargate's deregistration_delay).
func TestBareVariableInterpolation(t *testing.T) {
	for _, c := range []struct {
		attr, want string
		ok         bool
	}{
		{`delay = var.delay`, "var.delay", true},
		{`delay = "${var.delay}"`, "var.delay", true},
		{`delay = "${var.delay}s"`, "", false},
		{`delay = "x${var.delay}"`, "", false},
		{`delay = "${var.delay + 1}"`, "", false},
		{`delay = "${var.a}${var.b}"`, "", false},
	} {
		src := []byte(c.attr + "\n")
		pos := parsers.Pos{Offset: 0, EndOffset: int32(strings.IndexByte(c.attr+"\n", '\n'))}
		got, ok := BareVariable(src, pos)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: got %q %v, want %q %v", c.attr, got, ok, c.want, c.ok)
		}
	}
}
