package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/k8s"
)

// The grace budget of a pod running an app server or a proxy (invariant 5 of
// defaults.md) is checked by grace-period-too-short: the link step fills Container.App
// with the app's graceful timeout (gunicorn --graceful-timeout, uvicorn
// --timeout-graceful-shutdown, Spring's shutdown phase) and, for nginx or Caddy run from
// a ConfigMap, with the proxy's (worker_shutdown_timeout, grace_period + shutdown_delay),
// which that rule adds to the preStop delay. This file holds what it cannot see: the
// load balancer's deregistration delay against the requests in flight and the pod's life.

var lbDrainMismatch = &Rule{
	ID:       "lb-drain-mismatch",
	Category: Drain,
	Severity: Warning,
	Summary:  "A load balancer's deregistration delay and the pods behind it disagree on how long in-flight requests may finish",
	Formats:  []string{"terraform", "k8s"},
	Doc: `# lb-drain-mismatch

When a pod (or task) behind a load balancer stops, two clocks start together: the load
balancer deregisters the target and lets its in-flight requests finish for the
**deregistration delay** (default 300s), and Kubernetes gives the pod
**terminationGracePeriodSeconds** (default 30s) before SIGKILL. A request the route's
handler budget (` + "`routes:`" + ` in .no502.yaml, or without one the explicit request timeout of
the app server behind the load balancer: gunicorn ` + "`--timeout`" + ` on a sync worker, uwsgi
` + "`--harakiri`" + `) allows can be cut by either:

1. **The delay is shorter than the budget** (plus ` + "`deregistration_margin`" + `, default 0s): the
   load balancer drops the connection of a slow request when the delay ends, and the client
   gets 502. Reported at the AWS Load Balancer Controller annotation; Terraform target
   groups have their own rule, ` + "`deregistration-delay-too-short`" + `.
2. **The pod dies before the in-flight requests are done**: the load balancer would wait
   min(delay, budget), but the pod is killed after its grace period. Reported at
   terminationGracePeriodSeconds.
3. **The delay outlives the pod** by more than ` + "`deregistration_overhang`" + ` (off unless you set
   it): the load balancer keeps a target draining that no longer exists.

## The trade-off

The ordering is debated. A long delay is harmless to requests (nothing is sent to a
draining target) but slows every deploy by the full delay, and it promises in-flight
requests a time the pod may not have. A delay equal to the pod's life makes deploys
fast but cuts any request longer than it. no502 reports only what cuts a request the
budget allows (cases 1 and 2). If your team prefers the load balancer never to wait for a
pod that is gone, set ` + "`deregistration_overhang`" + ` (for example 10s) to get case 3 too;
` + "`deregistration_margin`" + ` asks for headroom above the budget in case 1.

` + "```yaml" + `
deregistration_margin: 5s     # delay ≥ budget + 5s
deregistration_overhang: 10s  # delay ≤ pod's grace period + 10s
` + "```" + `

## Sources

- TG deregistration delay default 300s: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupAttribute.html;
  AWS Load Balancer Controller: https://github.com/kubernetes-sigs/aws-load-balancer-controller/blob/225f44568848eb25f13e304a5f1cc68c0cd9415d/docs/guide/ingress/annotations.md#L1112
- In-flight requests are dropped when the delay expires: EKS best practices,
  https://docs.aws.amazon.com/eks/latest/best-practices/load-balancing.html
- terminationGracePeriodSeconds default 30s, SIGKILL at its end, endpoint removal in
  parallel with SIGTERM: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination;
  https://github.com/kubernetes/kubernetes/blob/023f88a/pkg/apis/core/v1/defaults.go
`,
	Run: runLBDrainMismatch,
}

func runLBDrainMismatch(p *Pass) {
	done := map[*parsers.Backend]bool{}
	for _, h := range p.Model.Hops {
		if !isLoadBalancer(h) {
			continue
		}
		for _, r := range h.Routes {
			be := r.Backend
			if be == nil || done[be] || !be.DeregistrationDelay.Known() {
				continue
			}
			done[be] = true
			d := be.DeregistrationDelay
			rb, hasBudget := p.backendBudget(be)
			margin := p.Config.DeregistrationMargin.Value
			if h.Format == parsers.FormatK8s && r.ReadTimeout.Known() && hasBudget && d.Value < rb.value()+margin {
				want := suggest(rb.value() + margin)
				pos := posOr(d, h.Pos, parsers.Pos{})
				p.Report(Finding{
					Pos: pos,
					Message: fmt.Sprintf("deregistration delay %s is shorter than the %s%s: when a pod leaves, the load balancer cuts its slow requests after %s and their clients get 502. Set deregistration_delay.timeout_seconds=%d in alb.ingress.kubernetes.io/target-group-attributes.",
						describeSetting(inHost(p.Model, d), p.ownLine(pos)), rb.phrase(), marginText(p), parsers.Seconds(d.Value), secs(want)),
					Related: []Related{rb.related()},
					Fix:     albTargetGroupFix(p.Model, h, d, secs(want)),
				})
				continue
			}
			for _, w := range be.Workloads {
				g := w.TerminationGrace
				if w.Format != parsers.FormatK8s || !g.Known() || g.Value <= 0 {
					continue
				}
				switch {
				case hasBudget && g.Value < min(d.Value, rb.value()):
					inflight := min(d.Value, rb.value())
					want := suggest(inflight)
					var edits []parsers.Edit
					if g.Explicit() {
						edits = k8s.ReplaceScalar(g.Pos, strconv.Itoa(secs(want)))
					}
					pos := posOr(g, w.Pos, parsers.Pos{})
					own := p.ownLine(pos)
					p.Report(Finding{
						Pos: pos,
						Message: fmt.Sprintf("%s of %s ends before the requests it may be serving: %s lets a leaving pod's requests finish for %s and %s, but the kubelet kills the pod after %s, so a request still running then is cut and the client gets 502. Raise terminationGracePeriodSeconds to %d (the app must keep serving until then).",
							describeSetting(inHost(p.Model, g), own), workloadName(w), product(h), describeSetting(inHost(p.Model, d), own), rb.runs(), parsers.Seconds(g.Value), secs(want)),
						Related: []Related{related(d, be.Pos, "deregistration delay"), rb.related()},
						Fix:     k8sFix("let the pod live until its requests are done", k8s.PodSpecPatch(w, k8s.Patch{}.Set("terminationGracePeriodSeconds", secs(want))), edits...),
					})
				case p.Config.DeregistrationOverhang.Known() && d.Value > g.Value+p.Config.DeregistrationOverhang.Value:
					want := g.Value + p.Config.DeregistrationOverhang.Value
					pos := posOr(d, h.Pos, parsers.Pos{})
					own := p.ownLine(pos)
					p.Report(Finding{
						Pos: pos,
						Message: fmt.Sprintf("deregistration delay %s outlives %s of %s by more than deregistration_overhang %s (%s): the load balancer keeps draining a target whose pod is already gone, and every deploy waits the full delay. Lower the delay to %s or less.",
							describeSetting(inHost(p.Model, d), own), describeSetting(inHost(p.Model, g), own), workloadName(w), parsers.Seconds(p.Config.DeregistrationOverhang.Value), p.Config.DeregistrationOverhang.Pos.Short(), parsers.Seconds(want)),
						Related: []Related{related(g, w.Pos, "pod grace period")},
						Fix:     lbDelayFix(p, h, be, d, secs(want)),
					})
				}
			}
		}
	}
}

func marginText(p *Pass) string {
	if m := p.Config.DeregistrationMargin; m.Explicit() && m.Value > 0 {
		return " plus deregistration_margin " + parsers.Seconds(m.Value)
	}
	return ""
}

// lbDelayFix sets the deregistration delay where the load balancer is configured.
func lbDelayFix(p *Pass, h *parsers.Hop, be *parsers.Backend, d parsers.Duration, want int) *Fix {
	if h.Format == parsers.FormatTerraform {
		return p.tfFix(fmt.Sprintf("set deregistration_delay = %d", want), tfSetting(p.Model, d, be.Block, "deregistration_delay", strconv.Itoa(want)))
	}
	return albTargetGroupFix(p.Model, h, d, want)
}

// albTargetGroupFix patches an ALB Ingress's target-group-attributes annotation, keeping
// the other attributes written there.
func albTargetGroupFix(m *parsers.Model, h *parsers.Hop, d parsers.Duration, want int) *Fix {
	const key = "alb.ingress.kubernetes.io/target-group-attributes"
	entry := "deregistration_delay.timeout_seconds=" + strconv.Itoa(want)
	val := entry
	var f *parsers.File
	if d.Explicit() {
		f = m.File(d.Pos.File)
	}
	if k, v, ok := entryAt(f, d.Pos); ok && k == key {
		var keep []string
		for _, kv := range strings.Split(v, ",") {
			if kv = strings.TrimSpace(kv); kv != "" && !strings.HasPrefix(kv, "deregistration_delay.timeout_seconds=") {
				keep = append(keep, kv)
			}
		}
		val = strings.Join(append(keep, entry), ",")
	}
	ns, name, _ := strings.Cut(h.Name, "/")
	return k8sFix("set the deregistration delay to "+strconv.Itoa(want)+"s",
		k8s.ObjectPatch("Ingress", ns, name, k8s.KV{K: "metadata", V: k8s.Patch{}.Set("annotations", k8s.Patch{}.Set(key, k8s.Quote(val)))}))
}

func init() { Register(lbDrainMismatch) }
