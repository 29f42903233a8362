package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/terraform"
)

// fargateMaxStopTimeout is the longest stopTimeout Fargate allows.
const fargateMaxStopTimeout = 120 * time.Second

func init() {
	alsoFormat(gracePeriodTooShort, parsers.FormatTerraform, "ECS", "Amazon ECS", runStopTimeoutECS,
		"stopTimeout shorter than the app's drain on Fargate Spot", `
An ECS container's `+"`stopTimeout`"+` (default 30s, at most 120s on Fargate; the module
terraform-aws-modules/ecs sets 120s) is the time between SIGTERM and SIGKILL. For most
stops of a service behind a load balancer it cannot cut a request: when a deploy, a
scale-in or a replacement stops a task, ECS first deregisters it from its target groups
and waits until the target is drained (its `+"`deregistration_delay`"+`, which
deregistration-delay-too-short checks), and only then sends SIGTERM. So no502 does not
compare stopTimeout with the handler budget there, nor with the deregistration delay.

The exception is **Fargate Spot** (a `+"`capacity_provider_strategy`"+` entry `+"`FARGATE_SPOT`"+`
with a weight or base above 0): a Spot interruption sends SIGTERM while the task is still
registered, and the task leaves its target groups only once it has stopped. The app then
has stopTimeout to finish the requests it is serving; when that is shorter than the
app server's own graceful timeout (gunicorn `+"`--graceful-timeout`"+`, default 30s) or, for a
server that drains without a bound of its own (uvicorn), than the handler budget of the
routes that reach it, ECS kills the container mid-request and the load balancer answers
502 (an NLB's TCP target group passes the reset on to the clients instead). An app server that bounds every request itself (gunicorn's sync worker `+"`--timeout`"+`) is
done within that bound, so the shorter of the two counts, also when no route of the run
reaches the service. (New requests the load balancer sends meanwhile fail too once the app stops
listening: Spot interruptions are not free of 502s even with a long stopTimeout.)

**Fix (ECS):** `+"`stopTimeout`"+` 10s above that time, never above Fargate's 120s (the
message says when the app needs more than Fargate allows). Written by `+"`lint --fix --unsafe-fixes`"+`
where stopTimeout is a literal in `+"`jsonencode(...)`"+` or a module's container definition; a
snippet otherwise. A capacity provider strategy set only as the cluster's default is not
read.
`, `- ECS stopTimeout (default 30s, Fargate max 120s): https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html
- ECS waits for the load balancer to drain a task (target UNUSED) before it stops it:
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/load-balancer-connection-draining.html
- Fargate Spot: SIGTERM with a two-minute warning; tasks may stay registered until they
  are stopped: https://repost.aws/knowledge-center/fargate-spot-termination-notice
- terraform-aws-modules/ecs container definition stopTimeout default 120:
  https://github.com/terraform-aws-modules/terraform-aws-ecs/blob/master/modules/service/variables.tf
`)
}

func runStopTimeoutECS(p *Pass) {
	for _, w := range tfWorkloads(p.Model, parsers.ECSService) {
		if !w.Served || !w.Spot.Explicit() || !w.Spot.Value {
			continue
		}
		routeBudget, hasRouteBudget := ecsBudget(p, w)
		for _, c := range w.Containers {
			budget, hasBudget := routeBudget, hasRouteBudget
			if !hasBudget {
				// No route of the run reaches the service (its listener lives in another
				// stack), but an app server that bounds every request itself (gunicorn's
				// sync worker --timeout, uwsgi --harakiri) finishes its in-flight requests
				// within that bound after SIGTERM, whatever the route: the budget the
				// routes would get from it (appBudgetOf).
				if req, ok := appRequestTimeout(side{w: w, c: c}); ok {
					budget = handlerBudget{RouteBudget: RouteBudget{Match: "/", HandlerTimeout: req}, app: appSource(side{w: w, c: c}, req)}
					hasBudget = true
				}
			}
			g := c.StopTimeout
			if !g.Known() {
				continue
			}
			if shellWrapped(c) {
				continue // the signal may never reach the server
			}
			app, hasApp := appGrace(c)
			if hasApp && app.Value <= 0 {
				hasApp = false
			}
			useBudget := hasBudget && (hasApp || c.App != nil && unboundedDrain[c.App.Name])
			var need time.Duration
			var why string
			var related []Related
			switch {
			case hasApp && useBudget && budget.HandlerTimeout.Value < app.Value:
				need = budget.HandlerTimeout.Value
				why = fmt.Sprintf("the handler budget %s of the routes that reach it (%s drains for up to %s, %s)",
					parsers.Seconds(need), c.App.Name, parsers.Seconds(app.Value), composeOrigin(app))
				related = append(related, budget.related())
			case hasApp:
				need = app.Value
				why = fmt.Sprintf("%s's graceful timeout %s (%s)", c.App.Name, parsers.Seconds(app.Value), composeOrigin(app))
				if app.Explicit() {
					related = append(related, Related{Pos: app.Pos, Message: c.App.Name + " graceful timeout " + parsers.Seconds(app.Value)})
				}
			case useBudget:
				need = budget.HandlerTimeout.Value
				why = fmt.Sprintf("the handler budget %s of the routes that reach it (%s drains without a deadline of its own)",
					parsers.Seconds(need), c.App.Name)
				related = append(related, budget.related())
			default:
				continue
			}
			if need <= 0 || g.Value >= need {
				continue
			}
			want := min(need+10*time.Second, fargateMaxStopTimeout)
			advice := fmt.Sprintf("Set stopTimeout = %d (Fargate allows at most 120).", secs(want))
			if need > fargateMaxStopTimeout {
				advice = fmt.Sprintf("Fargate allows at most stopTimeout = 120, less than the %s the app may need: set stopTimeout = 120 and bound the app's drain below it.", parsers.Seconds(need))
			}
			fix := stopTimeoutFix(p, g, c, secs(want))
			if need > fargateMaxStopTimeout {
				fix.guess("120s does not cover the app's drain: bound it first")
			}
			pos := writtenOr(g, c.Pos)
			related = append(related, Related{Pos: w.Spot.Pos, Message: "the service runs tasks on Fargate Spot"})
			// A warning, not grace-period-too-short's error: only Spot interruptions
			// reach it, and they fail the requests sent after SIGTERM anyway.
			p.Report(Finding{
				Pos:      pos,
				Severity: Warning,
				Message: fmt.Sprintf("%s: container %s of %s gets that long between SIGTERM and SIGKILL, less than %s. A Fargate Spot interruption sends SIGTERM while the task is still registered in %s (Spot tasks leave it only once stopped), and ECS kills the container %s later, cutting off requests the app is still finishing: %s. %s",
					tfDescribe("stopTimeout", g, p.ownLine(pos)), c.Name, w.Name, why, backendList(p.servedBy(w)), parsers.Seconds(g.Value), clientsGet(p.servedBy(w), "502 from the load balancer"), advice),
				Related: related,
				Fix:     fix,
			})
		}
	}
}

// ecsBudget is the longest handler budget of the routes that reach an ECS service
// through its target groups.
func ecsBudget(p *Pass, w *parsers.Workload) (handlerBudget, bool) {
	var best handlerBudget
	found := false
	for _, be := range p.servedBy(w) {
		if rb, ok := p.backendBudget(be); ok && (!found || rb.HandlerTimeout.Value > best.HandlerTimeout.Value) {
			best, found = rb, true
		}
	}
	return best, found
}

// stopTimeoutFix sets stopTimeout where it is written as an HCL attribute (in
// jsonencode(...) or a module's container definition); anything else (a JSON string, a
// heredoc, the default) gets the line to add to the container's definition.
func stopTimeoutFix(p *Pass, g parsers.Duration, c *parsers.Container, want int) *Fix {
	desc := fmt.Sprintf("give container %s time to drain: stopTimeout = %d", c.Name, want)
	for _, name := range []string{"stopTimeout", "stop_timeout"} {
		if g.Explicit() && strings.HasPrefix(g.Text, name+" =") && len(g.Via()) == 0 {
			return p.tfFix(desc, terraform.Set{At: g.Pos, Name: name, Value: strconv.Itoa(want)}).Declare("stopTimeout")
		}
	}
	f := &Fix{Description: desc + " (in the container's definition)", Snippet: fmt.Sprintf("stopTimeout = %d\n", want)}
	return f.Declare("stopTimeout")
}
