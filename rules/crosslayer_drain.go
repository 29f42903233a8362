package rules

import (
	"fmt"
	"strconv"
	"strings"
	"time"

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
   terminationGracePeriodSeconds. When the app server's own drain limit ends before the
   requests are done, even if the grace period ends sooner still (the
   preStop delay, then gunicorn ` + "`--graceful-timeout`" + `, default 30s, after which it kills its
   workers whatever the pod's grace period; uvicorn ` + "`--timeout-graceful-shutdown`" + `, Puma
   ` + "`worker_shutdown_timeout`" + `, Spring's shutdown phase), that limit cuts the requests and
   raising the grace period alone does nothing: the finding is reported at the app server's
   setting (or its command) and names both. When that limit cannot be read (a gunicorn
   ` + "`-c`" + ` config file may set it, a preStop hook of unknown length precedes it), nothing is
   said.
3. **The delay outlives the pod** by more than ` + "`deregistration_overhang`" + ` (off unless you set
   it): the load balancer keeps a target draining that no longer exists.

Only target groups of pods are checked: an ALB Ingress or NLB Service with
` + "`alb.ingress.kubernetes.io/target-type: ip`" + ` (` + "`service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: ip`" + `).
With instance targets (the controller's default) the load balancer sends to the nodes and
kube-proxy forwards to the pods: a pod leaving deregisters nothing, so the delay does not
apply to it. Without the annotation the target type is the controller's
` + "`--default-target-type`" + ` (instance unless changed), not known from the manifests: nothing is said.
The same holds for a Terraform target group fed with pods by a TargetGroupBinding: only
` + "`target_type = \"ip\"`" + ` registers the pods (Terraform's default is instance).

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
			if h.Format == parsers.FormatK8s && be.TargetType != "ip" {
				// Instance targets (the AWS Load Balancer Controller's default, unless its
				// --default-target-type flag says otherwise) are the nodes: a pod leaving
				// deregisters nothing, and kube-proxy forwards to the other pods. Without
				// target-type: ip it is not known that the delay applies to pods.
				continue
			}
			done[be] = true
			d := be.DeregistrationDelay
			rb, hasBudget := p.backendBudget(be)
			margin := p.Config.DeregistrationMargin.Value
			if h.Format == parsers.FormatK8s && r.ReadTimeout.Known() && hasBudget && d.Value < rb.value()+margin {
				want := suggest(rb.value() + margin)
				pos := posOr(d, h.Pos, parsers.Pos{})
				kind, _, name, key := tgAttributes(h, be, d)
				p.Report(Finding{
					Pos: pos,
					Message: fmt.Sprintf("deregistration delay %s is shorter than the %s%s: when a pod leaves, the load balancer cuts its slow requests after %s and their clients get 502. Set deregistration_delay.timeout_seconds=%d in %s of %s %s.",
						describeSetting(inHost(p.Model, d), p.ownLine(pos)), rb.phrase(), marginText(p), parsers.Seconds(d.Value), secs(want), key, kind, name),
					Related: []Related{rb.related()},
					Fix:     albTargetGroupFix(p.Model, h, be, d, secs(want)),
				})
				continue
			}
			for _, w := range be.Workloads {
				g := w.TerminationGrace
				if w.Format != parsers.FormatK8s || !g.Known() || g.Value <= 0 {
					continue
				}
				if be.TargetType != "ip" {
					// Instance targets (Terraform's default, a TargetGroupBinding of
					// nodes): the load balancer sends to the nodes and a pod leaving
					// deregisters nothing, so the delay does not apply to its requests.
					continue
				}
				inflight := min(d.Value, rb.value())
				drain, unsure := appDrainLimit(p, be, w)
				switch {
				case hasBudget && unsure && inflight > g.Value:
					// An app server whose own drain limit (or preStop length) is unknown
					// may cut the requests before the kubelet does: raising the grace
					// period may not be the fix.
				case hasBudget && drain.c != nil && drain.limit < inflight && drain.limit <= g.Value:
					p.Report(appDrainFinding(p, h, be, w, d, rb, drain, inflight))
				case hasBudget && g.Value < inflight:
					want := suggest(inflight)
					// The kubelet cuts first, but the app server's own limit ends before the
					// requests too: a longer grace period alone would leave them to it. Say
					// both, with the values appDrainFinding names once the grace period is
					// raised (it reports the app's setting then).
					also, appToo := "", ""
					if hasBudget && drain.c != nil && drain.limit < inflight {
						a := drain.c.App
						wantApp := suggest(inflight) - drain.preStop
						want = max(want, drain.preStop+wantApp+10*time.Second)
						also = fmt.Sprintf(", and %s's %s to %d: it stops waiting for its requests %s after the pod is deleted (%s)", a.Name, gracefulSetting(a), secs(wantApp), parsers.Seconds(drain.limit), describeAt(a.GracefulTimeout, p.ownLine(posOr(g, w.Pos, parsers.Pos{}))))
						appToo = fmt.Sprintf("the grace period alone leaves the requests to %s's %s: raise it to %ds in its command or config too", a.Name, gracefulSetting(a), secs(wantApp))
					}
					var edits []parsers.Edit
					if g.Explicit() {
						edits = k8s.ReplaceScalar(g.Pos, strconv.Itoa(secs(want)))
					}
					graceFix := k8sFix("let the pod live until its requests are done", k8s.PodSpecPatch(w, k8s.Patch{}.Set("terminationGracePeriodSeconds", secs(want))), edits...)
					if appToo != "" {
						// Written alone, the grace period would not clear the cut: the app
						// server's own limit, which no502 does not rewrite, comes next.
						graceFix.guess(appToo)
					}
					pos := posOr(g, w.Pos, parsers.Pos{})
					own := p.ownLine(pos)
					p.Report(Finding{
						Pos: pos,
						Message: fmt.Sprintf("%s of %s ends before the requests it may be serving: %s lets a leaving pod's requests finish for %s and %s, but the kubelet kills the pod after %s, so a request still running then is cut and %s. Raise terminationGracePeriodSeconds to %d (the app must keep serving until then)%s.",
							describeSetting(inHost(p.Model, g), own), workloadName(w), product(h), describeSetting(inHost(p.Model, d), own), rb.runs(), parsers.Seconds(g.Value), cutClient(h, be), secs(want), also),
						Related: []Related{related(d, be.Pos, "deregistration delay"), rb.related()},
						Fix:     graceFix,
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

// appDrain is when a container's app server stops waiting for its requests after the pod
// is deleted: its preStop delay, then its graceful timeout after SIGTERM (gunicorn kills
// its workers --graceful-timeout after SIGTERM, whatever the pod's grace period).
type appDrain struct {
	c       *parsers.Container
	preStop time.Duration
	limit   time.Duration
}

// appDrainLimit returns the serving container of w that be reaches whose app server
// cuts its requests first, and unsure when such a container's app server has a drain
// limit no502 cannot read (a config file may set it) or a preStop hook of unknown length
// precedes one.
func appDrainLimit(p *Pass, be *parsers.Backend, w *parsers.Workload) (worst appDrain, unsure bool) {
	// Only the containers be's traffic enters: a sidecar behind another Service port
	// drains requests this load balancer never sent.
	for _, c := range be.ReachedContainers(w, p.serving(w)) {
		if c.App == nil {
			continue
		}
		ag := c.App.GracefulTimeout
		if ag.Unknown {
			unsure = true
			continue
		}
		if !ag.Known() {
			continue // no limit (uvicorn waits for its requests by default) or none read
		}
		if !c.PreStopDelay.Known() {
			unsure = true
			continue
		}
		at := c.PreStopDelay.Value + ag.Value
		if worst.c == nil || at < worst.limit {
			worst = appDrain{c: c, preStop: c.PreStopDelay.Value, limit: at}
		}
	}
	return worst, unsure
}

// gracefulSetting names the setting that bounds an app server's drain, for messages.
func gracefulSetting(a *parsers.AppServer) string {
	switch a.Name {
	case "gunicorn", "hypercorn":
		return "--graceful-timeout"
	case "uvicorn":
		return "--timeout-graceful-shutdown"
	case "puma":
		return "worker_shutdown_timeout"
	case "spring":
		return "spring.lifecycle.timeout-per-shutdown-phase"
	case "nginx":
		return "worker_shutdown_timeout"
	}
	return "its graceful shutdown timeout"
}

// appDrainFinding reports an app server that cuts its in-flight requests before the load
// balancer and the handler budget would let them finish. The pod's grace period is not
// what binds (raising it alone changes nothing), so the fix names both settings; it is a
// snippet: the app's timeout sits in its command line or config.
func appDrainFinding(p *Pass, h *parsers.Hop, be *parsers.Backend, w *parsers.Workload, d parsers.Duration, rb handlerBudget, drain appDrain, inflight time.Duration) Finding {
	a, g := drain.c.App, w.TerminationGrace
	pos := a.Pos
	if a.GracefulTimeout.Explicit() {
		pos = a.GracefulTimeout.Pos
	}
	own := p.ownLine(pos)
	after := ""
	if drain.preStop > 0 {
		after = fmt.Sprintf(", %s after the pod is deleted (the preStop delay of %s comes first)", parsers.Seconds(drain.limit), parsers.Seconds(drain.preStop))
	}
	wantApp := suggest(inflight) - drain.preStop
	wantGrace := drain.preStop + wantApp + 10*time.Second
	grace := ""
	if g.Value < wantGrace {
		grace = fmt.Sprintf(" and terminationGracePeriodSeconds (now %s) to %d", parsers.Seconds(g.Value), secs(wantGrace))
	}
	// Both settings, as text: a patch of the grace period alone would not clear the
	// finding, and no502 does not rewrite an app's command line or config file.
	fix := &Fix{
		Description: fmt.Sprintf("raise %s's %s to %ds (in its command or config), and let the pod live until it is done", a.Name, gracefulSetting(a), secs(wantApp)),
		Snippet:     fmt.Sprintf("%s: %s %d\nterminationGracePeriodSeconds: %d\n", a.Name, gracefulSetting(a), secs(wantApp), secs(max(wantGrace, g.Value))),
	}
	fix.snippetOnly()
	return Finding{
		Pos: pos,
		Message: fmt.Sprintf("%s stops waiting for its requests and kills its workers %s after SIGTERM (%s)%s, but %s lets a leaving pod's requests finish for %s and %s, so a request still running then is cut and %s; raising terminationGracePeriodSeconds alone does not help. Raise %s to %d%s.",
			side{w: w, c: drain.c}.name(), parsers.Seconds(a.GracefulTimeout.Value), describeAt(a.GracefulTimeout, own), after, product(h), describeSetting(inHost(p.Model, d), own), rb.runs(), cutClient(h, be), gracefulSetting(a), secs(wantApp), grace),
		Related: []Related{related(d, h.Pos, "deregistration delay"), rb.related()},
		Fix:     fix,
	}
}

// cutClient says what the client of a request a load balancer's target cuts off gets: an
// ALB or classic ELB answers 502; an NLB (a TCP, TLS or UDP target group) passes the reset
// connection through.
func cutClient(h *parsers.Hop, be *parsers.Backend) string {
	if h.Kind == parsers.HopNLB || h.Passthrough || be != nil && !servesHTTP(be) && be.TargetType != "lambda" {
		return "the client's connection is reset (the NLB passes it through)"
	}
	return "the client gets 502"
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
	return albTargetGroupFix(p.Model, h, be, d, want)
}

// tgAttributes says where the target-group-attributes annotation of be's target group
// is read from, so the fix sets it there: the AWS Load Balancer Controller reads an NLB's
// from its Service (service.beta.kubernetes.io/aws-load-balancer-target-group-attributes),
// and an ALB Ingress's from the backend Service before the Ingress (an annotation on the
// Service wins): a delay written on the Service is changed on the Service, where an
// annotation added to the Ingress would change nothing.
func tgAttributes(h *parsers.Hop, be *parsers.Backend, d parsers.Duration) (kind, ns, name, key string) {
	ns, name, _ = strings.Cut(h.Name, "/")
	switch {
	case h.Passthrough:
		return "Service", ns, name, "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"
	case d.Explicit() && be != nil && be.Service != nil && be.Service.Block.Contains(d.Pos.File, d.Pos.Start()):
		return "Service", be.Service.Namespace, be.Service.Name, "alb.ingress.kubernetes.io/target-group-attributes"
	}
	return "Ingress", ns, name, "alb.ingress.kubernetes.io/target-group-attributes"
}

// albTargetGroupFix sets the deregistration delay in the target-group-attributes
// annotation its value is read from (tgAttributes), keeping the other attributes the
// user set there.
func albTargetGroupFix(m *parsers.Model, h *parsers.Hop, be *parsers.Backend, d parsers.Duration, want int) *Fix {
	kind, ns, name, key := tgAttributes(h, be, d)
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
	return k8sFix("set the deregistration delay to "+strconv.Itoa(want)+"s",
		k8s.ObjectPatch(kind, ns, name, k8s.KV{K: "metadata", V: k8s.Patch{}.Set("annotations", k8s.Patch{}.Set(key, k8s.Quote(val)))}))
}

func init() { Register(lbDrainMismatch) }
