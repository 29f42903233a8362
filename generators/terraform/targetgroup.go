// Package terraform generates Terraform blocks for AWS load balancers that no502 lints
// clean: a target group whose draining, health check and timeouts fit the handler budget,
// and the listener rule that routes a path to it.
package terraform

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/no502/no502/internal/urlpath"
	"github.com/no502/no502/parsers"
)

// TargetGroupOptions describes the target group to generate.
type TargetGroupOptions struct {
	Name       string // target group name and resource label, e.g. "hooks"
	Port       int    // the app's port
	HealthPath string // the app's health endpoint, e.g. "/healthz"
	// HandlerTimeout is how long the app may take for a request (0: unknown).
	HandlerTimeout time.Duration
	// Path, when set, adds a listener rule forwarding it ("/hooks/*" or "/hooks/").
	Path string
	// VPCIDExpr and ListenerARNExpr are HCL expressions for the VPC and the listener.
	VPCIDExpr       string
	ListenerARNExpr string
}

// Health check numbers: a failing target is out of rotation after 10s × 3 = 30s, a
// recovered one back after 2 checks; the timeout stays below the interval as AWS requires.
const (
	hcInterval  = 10
	hcTimeout   = 5
	hcHealthy   = 2
	hcUnhealthy = 3
	// drainDefault is the deregistration delay when no handler budget is given: long
	// enough for ordinary requests, short enough for quick deploys.
	drainDefault = 30
	// maxDrain is the AWS maximum deregistration delay.
	maxDrain = 3600
)

// DefaultDeregistrationDelay is the deregistration delay (seconds) written when no
// handler budget is given.
const DefaultDeregistrationDelay = drainDefault

// nameRE: AWS allows 1-32 letters, digits and hyphens, not beginning or ending with a
// hyphen (the provider refuses "hooks-" at plan); the name is also the resource label,
// which must start with a letter.
var nameRE = regexp.MustCompile(`^[A-Za-z]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$`)

// Validate checks the options; its errors name the flag to fix.
func (o TargetGroupOptions) Validate() error {
	switch {
	case !nameRE.MatchString(o.Name):
		return fmt.Errorf("--name %q: a target group name is 1-32 letters, digits and hyphens, starting with a letter and not ending with a hyphen", o.Name)
	case o.Port < 1 || o.Port > 65535:
		return fmt.Errorf("--port %d: must be 1-65535", o.Port)
	case urlpath.RequestPath("--health-path", o.HealthPath) != nil:
		return urlpath.RequestPath("--health-path", o.HealthPath)
	case len(o.HealthPath) > urlpath.MaxHealthCheckPath:
		return fmt.Errorf("--health-path: a target group's health check path is at most %d characters, got %d", urlpath.MaxHealthCheckPath, len(o.HealthPath))
	case o.HandlerTimeout < 0 || o.HandlerTimeout > maxDrain*time.Second:
		return fmt.Errorf("--handler-timeout %s: must be between 0 and %ds (the longest deregistration delay AWS allows)", parsers.Seconds(o.HandlerTimeout), maxDrain)
	case o.Path != "" && urlpath.ALBPathPattern("--path", o.Path) != nil:
		return urlpath.ALBPathPattern("--path", o.Path)
	case len(pathPattern(o.Path)) > urlpath.MaxPathPattern:
		return fmt.Errorf("--path: a listener rule's path pattern is at most %d characters, got %d", urlpath.MaxPathPattern, len(pathPattern(o.Path)))
	}
	for flag, e := range map[string]string{"--vpc-id-expr": o.VPCIDExpr, "--listener-arn-expr": o.ListenerARNExpr} {
		if e == "" {
			continue
		}
		if _, diags := hclsyntax.ParseTraversalAbs([]byte(e), "flag", hcl.InitialPos); diags.HasErrors() {
			return fmt.Errorf("%s %q: must be a reference such as var.vpc_id or aws_vpc.main.id", flag, e)
		}
	}
	return nil
}

// drainFor is the deregistration delay for a handler budget: the budget plus 10% (at
// least 10s), rounded up to 5s, so a request that started just before deregistration can
// finish; at most AWS's 3600s, which still covers a budget up to it.
func drainFor(budget time.Duration) int {
	if budget <= 0 {
		return drainDefault
	}
	margin := max(budget/10, 10*time.Second)
	d := int((budget + margin + time.Second - 1) / time.Second)
	return min((d+4)/5*5, maxDrain)
}

// hclString quotes s as an HCL string literal: "${" and "%{" would start an
// interpolation or a template directive (terraform fmt: "Invalid template control
// keyword").
func hclString(s string) string {
	q := fmt.Sprintf("%q", s)
	return strings.NewReplacer("${", "$${", "%{", "%%{").Replace(q)
}

// pathPattern turns a prefix into the ALB pattern that matches below it.
func pathPattern(p string) string {
	switch {
	case strings.ContainsAny(p, "*?"):
		return p
	case strings.HasSuffix(p, "/"):
		return p + "*"
	}
	return p
}

// label makes a resource label of the name (labels may not contain every name character
// in every position; hyphens are fine, but keep to the usual snake case).
func label(name string) string {
	return strings.ReplaceAll(name, "-", "_")
}

// GenerateTargetGroup prints the target group (and the listener rule when Path is set),
// formatted as terraform fmt would.
func GenerateTargetGroup(o TargetGroupOptions) (string, error) {
	if o.VPCIDExpr == "" {
		o.VPCIDExpr = "var.vpc_id"
	}
	if o.ListenerARNExpr == "" {
		o.ListenerARNExpr = "var.listener_arn"
	}
	if err := o.Validate(); err != nil {
		return "", err
	}
	drain := drainFor(o.HandlerTimeout)
	var b strings.Builder
	if o.HandlerTimeout > 0 {
		fmt.Fprintf(&b, "# Handler budget %s: draining outlasts it, and the load balancer in front needs\n", parsers.FormatDuration(o.HandlerTimeout))
		fmt.Fprintf(&b, "# idle_timeout = %d (or more) so it does not cut these requests (504). Keep the\n", drain)
		// Raising the ALB's idle timeout past the app's keep-alive (Node 5s, gunicorn
		// 2s, or the 65s an app set for the default 60s) makes the load balancer reuse
		// connections the app has closed: AWS, "configure the idle timeout of your
		// application to be larger than the idle timeout configured for the load
		// balancer" (the keepalive-race rule).
		b.WriteString("# app's keep-alive above that idle_timeout, or the load balancer reuses connections\n")
		b.WriteString("# the app has closed (502).\n")
	}
	fmt.Fprintf(&b, "resource \"aws_lb_target_group\" %q {\n", label(o.Name))
	fmt.Fprintf(&b, "name = %q\n", o.Name)
	fmt.Fprintf(&b, "port = %d\n", o.Port)
	b.WriteString("protocol = \"HTTP\"\n")
	fmt.Fprintf(&b, "vpc_id = %s\n", o.VPCIDExpr)
	fmt.Fprintf(&b, "# in-flight requests get %ds to finish when a target leaves (deploy, scale-in)\n", drain)
	fmt.Fprintf(&b, "deregistration_delay = %d\n\n", drain)
	b.WriteString("health_check {\n")
	b.WriteString("enabled = true\n")
	fmt.Fprintf(&b, "path = %s\n", hclString(o.HealthPath))
	b.WriteString("port = \"traffic-port\"\n")
	b.WriteString("protocol = \"HTTP\"\n")
	b.WriteString("# only a real success counts: a 3xx/4xx answer is a failing target\n")
	b.WriteString("matcher = \"200\"\n")
	fmt.Fprintf(&b, "# a dead target leaves rotation after %ds x %d = %ds\n", hcInterval, hcUnhealthy, hcInterval*hcUnhealthy)
	fmt.Fprintf(&b, "interval = %d\n", hcInterval)
	fmt.Fprintf(&b, "timeout = %d\n", hcTimeout)
	fmt.Fprintf(&b, "healthy_threshold = %d\n", hcHealthy)
	fmt.Fprintf(&b, "unhealthy_threshold = %d\n", hcUnhealthy)
	b.WriteString("}\n}\n")
	if o.Path != "" {
		fmt.Fprintf(&b, "\nresource \"aws_lb_listener_rule\" %q {\n", label(o.Name))
		fmt.Fprintf(&b, "listener_arn = %s\n\n", o.ListenerARNExpr)
		b.WriteString("action {\n")
		b.WriteString("type = \"forward\"\n")
		fmt.Fprintf(&b, "target_group_arn = aws_lb_target_group.%s.arn\n", label(o.Name))
		b.WriteString("}\n\n")
		b.WriteString("condition {\npath_pattern {\n")
		fmt.Fprintf(&b, "values = [%s]\n", hclString(pathPattern(o.Path)))
		b.WriteString("}\n}\n}\n")
	}
	return string(hclwrite.Format([]byte(b.String()))), nil
}
