package rules

import (
	"fmt"
	"strconv"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/terraform"
)

var deregistrationDelayTooShort = &Rule{
	ID:       "deregistration-delay-too-short",
	Category: Drain,
	Severity: Warning,
	Summary:  "A target group's deregistration_delay is 0 or shorter than the handler budget of its routes",
	Formats:  []string{"terraform"},
	Doc: `# deregistration-delay-too-short

When a target leaves a target group (a deploy replaces a task, an autoscaling group scales
in, an instance is terminated), the load balancer stops sending it new requests and lets
the requests it is already serving finish for ` + "`deregistration_delay`" + ` seconds (default
300). When the delay is over, whatever is still running is cut off and the client gets a
**502**. With ` + "`deregistration_delay = 0`" + ` every in-flight request of a leaving target is cut at
once; with a delay shorter than a route's handler budget (` + "`routes:`" + ` in ` + "`.no502.yaml`" + `) the slow
requests of that route are. Without a ` + "`routes:`" + ` entry for any route of the target group, the
budget is the explicit request timeout of the app server behind it, when it kills requests
after one (gunicorn ` + "`--timeout`" + ` on a sync worker, uwsgi ` + "`--harakiri`" + `, ` + "`request_timeout`" + ` under
` + "`backends:`" + `), read from an ECS container definition: it lets a request run that long, so the
target must be drained that long. The message names where the budget came from.

The target groups of an Application Load Balancer are checked (protocol HTTP or HTTPS, or
not known). An NLB's (TCP, TLS, UDP, TCP_UDP) and a Gateway Load Balancer's (GENEVE) pass
connections through and answer no 502, and past the delay leave them open, unless
` + "`connection_termination = true`" + ` is written: then the NLB closes the connections still open
when the delay ends, and a TCP or TLS target group is checked the same way (the requests on
those connections fail, and a proxy in front answers 502). Lambda targets have no
connections, and AWS does not support the attribute for them.

A classic ELB (` + "`aws_elb`" + `) does the same with ` + "`connection_draining`" + `, which Terraform leaves
**off** by default: instances are cut off mid-request.

## Fix

Set ` + "`deregistration_delay`" + ` at least as long as the slowest request (the handler budget plus a
margin), and make sure the task or instance lives that long after it is told to stop
(ECS ` + "`stopTimeout`" + `, the app's graceful shutdown). For ` + "`aws_elb`" + `, set ` + "`connection_draining = true`" + `
and ` + "`connection_draining_timeout`" + `.

## Sources

- TG deregistration delay default 300s, range 0-3600: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupAttribute.html;
  Terraform ` + "`aws_lb_target_group.deregistration_delay`" + `: https://github.com/hashicorp/terraform-provider-aws/blob/00c7d114c4d2f5dd9710f7560d2caaa7c742c5c2/website/docs/r/lb_target_group.html.markdown
- NLB connections stay open past the deregistration delay unless connection termination
  is enabled; the attribute is not supported for Lambda targets:
  https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html,
  https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupAttribute.html
- In-flight requests are dropped when the delay expires: EKS best practices,
  https://docs.aws.amazon.com/eks/latest/best-practices/load-balancing.html
- CLB connection draining timeout 300s:
  https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/config-conn-drain.html;
  Terraform ` + "`aws_elb.connection_draining`" + ` defaults to false:
  https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/elb
` + tfSources,
	Run: runDeregistrationDelayTooShort,
}

func runDeregistrationDelayTooShort(p *Pass) {
	for _, be := range tfBackends(p.Model) {
		d := be.DeregistrationDelay
		terminates := terminatesConnections(be)
		if !d.Known() || !servesHTTP(be) && !terminates {
			continue
		}
		rb, hasBudget := p.backendBudget(be)
		var why string
		switch {
		case d.Value == 0 && terminates:
			why = fmt.Sprintf("closes every connection of a target the moment it is deregistered (a deploy, a scale-in, an instance replacement), as %s asks: the requests in flight on them fail and those clients' connections are reset (a proxy in front answers 502)",
				tfDescribe("connection_termination", be.ConnectionTermination, p.ownLine(posOr(d, be.Pos, be.Block))))
		case d.Value == 0:
			why = "cuts every in-flight request of a target the moment it is deregistered (a deploy, a scale-in, an instance replacement), and those clients get 502"
		case hasBudget && d.Value < rb.value() && terminates:
			why = fmt.Sprintf("it is shorter than the %s, and %s closes the connections still open when it ends: a request still running when its target is deregistered is cut after %s and the client's connection is reset (a proxy in front answers 502)",
				rb.phrase(), tfDescribe("connection_termination", be.ConnectionTermination, p.ownLine(posOr(d, be.Pos, be.Block))), parsers.Seconds(d.Value))
		case hasBudget && d.Value < rb.value():
			// Said of the setting itself, not of the load balancer ("the load balancer is
			// shorter than ..." read as nonsense).
			why = fmt.Sprintf("it is shorter than the %s: a request still running when its target is deregistered is cut after %s and the client gets 502",
				rb.phrase(), parsers.Seconds(d.Value))
		default:
			continue
		}
		want := 30
		if hasBudget {
			want = secs(suggest(rb.value()))
		}
		var what, desc string
		var fix *Fix
		pos := posOr(d, be.Pos, be.Block)
		switch {
		case be.Kind == parsers.BackendCLB && d.Value == 0:
			// d is connection_draining itself (false); the timeout is a new line.
			what = tfDescribe("connection_draining", d, p.ownLine(pos))
			desc = fmt.Sprintf("set connection_draining = true and connection_draining_timeout = %d", want)
			sets := []terraform.Set{tfSetting(p.Model, d, be.Block, "connection_draining", "true")}
			sets = append(sets, terraform.Set{In: be.Block, Name: "connection_draining_timeout", Value: strconv.Itoa(want)})
			fix = p.tfFix(desc, sets...)
			why = "connection draining is off: the classic ELB " + why // d.Value == 0
		case be.Kind == parsers.BackendCLB:
			what = tfDescribe("connection_draining_timeout", d, p.ownLine(pos))
			desc = fmt.Sprintf("set connection_draining_timeout = %d", want)
			fix = p.tfFix(desc, tfSetting(p.Model, d, be.Block, "connection_draining_timeout", strconv.Itoa(want)))
			if d.Value == 0 {
				why = "the classic ELB " + why
			}
		default:
			what = tfDescribe("deregistration_delay", d, p.ownLine(pos))
			desc = fmt.Sprintf("set deregistration_delay = %d", want)
			fix = p.tfFix(desc, tfSetting(p.Model, d, be.Block, "deregistration_delay", strconv.Itoa(want)))
			if d.Value == 0 {
				why = "the load balancer " + why
			}
		}
		hint := ""
		if !hasBudget {
			hint = " (longer than your slowest request; declare routes: in .no502.yaml to get the exact number)"
		}
		msg := fmt.Sprintf("%s: %s. %s%s, and let the task or instance keep serving that long after it is told to stop.",
			what, why, upperFirst(desc), hint)
		var rel []Related
		if hasBudget {
			rel = append(rel, rb.related())
		}
		if names := backendNames(be); names != "" {
			rel = append(rel, Related{Pos: be.Workloads[0].Pos, Message: "registered by " + names})
		}
		p.Report(Finding{Pos: pos, Message: msg, Related: rel, Fix: fix})
	}
}

// passThrough reports whether be is a target group a Network (or Gateway) Load Balancer
// forwards connections to: it has no HTTP status to answer with, and its own rules for
// health check settings.
func passThrough(be *parsers.Backend) bool {
	switch be.Protocol {
	case "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE":
		return true
	}
	return false
}

// clientsGet says what the clients of backends see when a broken target keeps its share
// of traffic or none is left: an HTTP load balancer answers them with the codes (e.g.
// "502/504"); a pass-through one (an NLB's TCP, TLS or UDP target group, a Gateway Load
// Balancer's) has no status to answer with, so their connections fail instead.
func clientsGet(bes []*parsers.Backend, codes string) string {
	for _, be := range bes {
		if !passThrough(be) {
			return "clients get " + codes // HTTP(S), a Lambda target group, or unknown
		}
	}
	if len(bes) == 0 {
		return "clients get " + codes
	}
	return "clients' connections are refused, reset or time out (the load balancer passes connections through and has no HTTP status to answer with)"
}

// terminatesConnections reports whether an NLB's TCP or TLS target group is written to
// close the connections still open to a deregistered target when the deregistration
// delay ends (connection_termination = true): those connections, and the requests on
// them, are cut as an ALB cuts its requests.
func terminatesConnections(be *parsers.Backend) bool {
	if be.Kind != parsers.BackendTargetGroup || !be.ConnectionTermination.Known() || !be.ConnectionTermination.Value {
		return false
	}
	switch be.Protocol {
	case "TCP", "TLS", "TCP_UDP":
		return true
	}
	return false
}

// servesHTTP reports whether a Terraform backend may be a load balancer's HTTP target
// group, the kind that answers 502 itself: not an NLB's (TCP, TLS, UDP, TCP_UDP) or a
// Gateway Load Balancer's (GENEVE), which pass connections through and, past the
// deregistration delay, leave them open unless connection termination is on; and not
// Lambda targets, which have no connections to drain (AWS does not support the
// attribute for them).
func servesHTTP(be *parsers.Backend) bool {
	if be.Kind != parsers.BackendTargetGroup {
		return true // a classic ELB: HTTP listeners or not, it drains the same way
	}
	switch be.Protocol {
	case "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE":
		return false
	}
	return be.TargetType != "lambda"
}

func init() { Register(deregistrationDelayTooShort) }
