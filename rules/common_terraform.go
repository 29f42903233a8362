package rules

import (
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// tfSources are the facts the Terraform rules rely on, cited in their docs.
const tfSources = `
- Target group defaults (deregistration delay 300s, health check interval 30s, Terraform's
  healthy/unhealthy thresholds 3/3, matcher 200): https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupAttribute.html,
  https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html; Terraform sends its own thresholds:
  https://github.com/hashicorp/terraform-provider-aws/blob/00c7d114c4d2f5dd9710f7560d2caaa7c742c5c2/website/docs/r/lb_target_group.html.markdown,
  https://github.com/hashicorp/terraform-provider-aws/blob/acde588/internal/service/elbv2/target_group.go
- https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
- https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
`

// isTerraform reports whether pos lies in a file the Terraform parser read.
func isTerraform(m *parsers.Model, pos parsers.Pos) bool {
	f := m.File(pos.File)
	return f != nil && f.Format == parsers.FormatTerraform
}

// tfBackends returns the target groups and classic ELBs of the model that come from
// Terraform.
func tfBackends(m *parsers.Model) []*parsers.Backend {
	var out []*parsers.Backend
	for _, be := range m.Backends {
		if (be.Kind == parsers.BackendTargetGroup || be.Kind == parsers.BackendCLB) && isTerraform(m, be.Pos) {
			out = append(out, be)
		}
	}
	return out
}

// tfWorkloads returns the ECS services and autoscaling groups of a kind.
func tfWorkloads(m *parsers.Model, kind parsers.WorkloadKind) []*parsers.Workload {
	var out []*parsers.Workload
	for _, w := range m.Workloads {
		if w.Format == parsers.FormatTerraform && w.Kind == kind {
			out = append(out, w)
		}
	}
	return out
}

// backendNames lists what serves a backend, for messages ("aws_ecs_service.api").
func backendNames(be *parsers.Backend) string {
	var names []string
	for _, w := range be.Workloads {
		names = append(names, w.Name)
	}
	return strings.Join(names, ", ")
}

func backendList(bs []*parsers.Backend) string {
	var names []string
	for _, b := range bs {
		names = append(names, b.Name)
	}
	if len(names) == 0 {
		return "a load balancer"
	}
	return strings.Join(names, ", ")
}

// tfDescribe says what a Terraform setting is, in a message about a finding on line own:
// the attribute as written, where unless on own, and where a variable's value came from;
// or the default that applies.
func tfDescribe[T any](name string, s parsers.Setting[T], own string) string {
	switch {
	case s.Explicit() && s.ViaNote() != "":
		if q := quotePos(s.Pos, own); q != "" {
			return s.Text + " (" + q + "; " + s.ViaNote() + ")"
		}
		return s.Text + " (" + s.ViaNote() + ")"
	case s.Explicit():
		return withPos(s.Text, s.Pos, own)
	case s.IsDefault():
		return name + " is not set, so the " + s.Default + " applies"
	}
	return name + " is unknown"
}

func secs(d time.Duration) int { return ceilSeconds(d) }
