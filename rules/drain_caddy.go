package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/appserver"
)

func init() {
	Register(&Rule{
		ID:       "proxy-shutdown-unbounded",
		Category: Drain,
		Severity: Info,
		Summary:  "Caddy behind a load balancer or in Kubernetes without grace_period or shutdown_delay",
		Formats:  []string{parsers.FormatCaddy},
		Doc:      proxyShutdownDoc,
		Run:      runProxyShutdownUnbounded,
	})
}

// caddyDefaultGrace is the grace_period the fix proposes when nothing bounds it: with
// the 5s shutdown_delay it fits Kubernetes' default 30s terminationGracePeriodSeconds
// (K8S-CORE) with 5s to spare.
const caddyDefaultGrace = 20 * time.Second

func runProxyShutdownUnbounded(p *Pass) {
	// One finding per Caddyfile: grace_period and shutdown_delay are global options.
	done := map[string]bool{}
	for _, h := range p.Model.Hops {
		if h.Kind != parsers.HopCaddy {
			continue
		}
		// grace_period 0s is no bound either: Caddy omits a zero duration from its
		// config and then waits forever, as when it is not set.
		graceZero := h.ShutdownTimeout.Explicit() && h.ShutdownTimeout.Value == 0
		graceUnset := h.ShutdownTimeout.IsDefault() && h.ShutdownTimeout.Value == 0 || graceZero
		// A preStop sleep before Caddy's SIGTERM keeps it serving while the endpoints go,
		// which is what shutdown_delay is for.
		preStop := caddyPreStop(h)
		delayUnset := h.ShutdownDelay.IsDefault() && h.ShutdownDelay.Value == 0 && !(preStop.Known() && preStop.Value > 0)
		if !graceUnset && !delayUnset {
			continue
		}
		// front says what is in front of Caddy, in a message about a finding on line own;
		// cut and refused what the clients of a request cut off by the kill, and of one
		// sent to the closed listener, get from it.
		var front func(own string) string
		cut, refused := "with 502s for the clients", "while the load balancer still sends it new requests until it notices, and those get 502"
		switch edge, ok := p.Config.EdgeFor(h); {
		case h.Workload != nil && (h.Workload.Format != parsers.FormatCompose || h.Workload.Served):
			// A Caddy at the edge of a Compose stack has nothing in front to answer 502.
			front = func(string) string { return fmt.Sprintf("Caddy runs in %s %s", h.Workload.Kind, h.Workload.Name) }
			if h.Workload.Format == parsers.FormatK8s && !p.proxied(h.Workload) {
				// Reached through its Service only (a LoadBalancer or NodePort Service
				// passes TCP): no HTTP proxy in front answers with a status.
				cut = "and the clients' connections are reset (a proxy in front answers 502)"
				refused = "while kube-proxy (and any load balancer in front) still sends it new connections until it notices, and those are refused (a proxy in front answers 502)"
			}
		case ok:
			front = func(own string) string {
				return fmt.Sprintf("%s is in front of Caddy (%s)", upperFirst(edge.Value), describeAt(edge, own))
			}
			// Cloudflare's own codes for an origin that resets a request (520) or refuses
			// the connection (521), unless a load balancer between them answers first.
			cut = "with errors for the clients (Cloudflare answers 520 for a response cut off, a load balancer between them 502)"
			refused = "while requests still reach it until whatever routes to it notices, and those fail (Cloudflare answers 521 for a refused connection, a load balancer between them 502)"
		default:
			continue // nothing known in front: a restart's effect cannot be judged
		}
		root := rootFile(p.Model, h.Pos.File)
		if done[root] {
			continue
		}
		done[root] = true

		// Point at the block that should hold the settings: the global options block,
		// or the first site when the file has none.
		pos, where := h.Pos, " (the Caddyfile has none yet: add it at the top)"
		if g := globalBlockPos(p, root); g.IsValid() {
			pos, where = g, ""
		}
		if graceZero && !delayUnset {
			pos = h.ShutdownTimeout.Pos // the one line to change
		}
		plan := caddyShutdownPlanFor(h)
		var related []Related
		if w := h.Workload; w != nil && w.TerminationGrace.Known() && w.TerminationGrace.Value > 0 {
			// A default has no line of its own: point at the workload that would hold it.
			at := w.TerminationGrace.Pos
			if !at.IsValid() {
				at = w.Pos
			}
			related = append(related, Related{Pos: at, Message: "terminationGracePeriodSeconds " + parsers.Seconds(w.TerminationGrace.Value)})
			if preStop.Explicit() && preStop.Value > 0 {
				related = append(related, Related{Pos: preStop.Pos, Message: "preStop hook: Caddy gets SIGTERM " + parsers.Seconds(preStop.Value) + " into the grace period"})
			}
		}
		var parts []string
		switch {
		case graceZero:
			parts = append(parts, describeAt(inHost(p.Model, h.ShutdownTimeout), p.ownLine(pos))+" is no limit (Caddy drops a zero grace period, as if unset), so on shutdown Caddy waits forever for in-flight requests and the platform's kill (SIGKILL after the grace period) cuts them off instead, "+cut)
		case graceUnset:
			parts = append(parts, "grace_period is not set, so on shutdown Caddy waits forever for in-flight requests and the platform's kill (SIGKILL after the grace period) cuts them off instead, "+cut)
		}
		if delayUnset {
			parts = append(parts, "shutdown_delay is not set, so Caddy stops accepting connections the moment it is told to stop, "+refused)
		}
		// The advice names what the fix writes: the unset settings, with values that
		// leave the set ones as they are.
		var set []string
		if plan.writeGrace {
			set = append(set, "grace_period "+parsers.FormatDuration(plan.grace))
		}
		if plan.writeDelay {
			set = append(set, "shutdown_delay "+parsers.FormatDuration(plan.delay))
		}
		advice := fmt.Sprintf("Set %s in the global options block%s.", strings.Join(set, " and "), where)
		if plan.noFit != "" {
			advice = "No value fits: " + describeAt(inHost(p.Model, plan.noFitSet), p.ownLine(pos)) + " " + plan.noFit + fmt.Sprintf(": lower it (or raise terminationGracePeriodSeconds), e.g. grace_period %s and shutdown_delay %s in the global options block%s.",
				parsers.FormatDuration(plan.grace), parsers.FormatDuration(plan.delay), where)
		}
		msg := fmt.Sprintf("%s (site %s): %s. %s", front(p.ownLine(pos)), h.Name, strings.Join(parts, "; "), advice)
		fix := p.boundShutdownFix(h, plan)
		if plan.noFit != "" {
			fix = fix.guess(plan.noFitSet.Text + " " + plan.noFit + "; lowering it changes a value set on purpose")
		}
		p.Report(Finding{
			Pos:     pos,
			Message: msg,
			Related: related,
			Fix:     fix,
		})
	}
}

// caddyShutdownPlan is what bounds a Caddy's shutdown: the grace_period and shutdown_delay
// to write where unset (a set one keeps its value), and noFit, when a set shutdown_delay or
// grace_period leaves no room for the other before the platform's kill (then grace and
// delay are values that fit, replacing the set one).
type caddyShutdownPlan struct {
	grace, delay time.Duration
	writeGrace   bool
	writeDelay   bool
	noFit        string
	noFitSet     parsers.Duration
}

// caddyShutdownPlanFor computes the plan for hop h: delay + grace must end before the
// kill (terminationGracePeriodSeconds), with 5s to spare where that leaves a grace period
// of 1s or more, else 1s.
func caddyShutdownPlanFor(h *parsers.Hop) caddyShutdownPlan {
	pl := caddyShutdownPlan{
		grace: caddyDefaultGrace, delay: caddyShutdownWait,
		writeGrace: !h.ShutdownTimeout.Explicit() || h.ShutdownTimeout.Value == 0,
		writeDelay: !h.ShutdownDelay.Explicit() || h.ShutdownDelay.Value == 0,
	}
	// A preStop sleep of Caddy's container holds its SIGTERM back while the endpoints go:
	// shutdown_delay's work is done, and the kill comes that much sooner after the signal.
	preStop := caddyPreStop(h)
	held := preStop.Known() && preStop.Value > 0
	if held && pl.writeDelay {
		pl.writeDelay, pl.delay = false, 0
	}
	w := h.Workload
	if w == nil || !w.TerminationGrace.Known() || w.TerminationGrace.Value <= 0 {
		return pl // no known kill: the defaults
	}
	limit := w.TerminationGrace.Value
	if held {
		limit -= preStop.Value
		if limit < 2*time.Second {
			// The hook takes (nearly) the whole grace period: grace-period-too-short's
			// finding; no Caddy setting fits here.
			return pl
		}
	}
	// left is how much of the limit remains after used, with 5s to spare, or 1s when
	// 5s leaves nothing.
	left := func(used time.Duration) time.Duration {
		if d := limit - used - 5*time.Second; d >= time.Second {
			return d
		}
		return limit - used - time.Second
	}
	switch {
	case pl.writeGrace && pl.writeDelay:
		pl.delay = min(caddyShutdownWait, max(limit/3, time.Second))
		pl.grace = left(pl.delay)
	case pl.writeGrace:
		pl.delay = h.ShutdownDelay.Value
		pl.grace = left(pl.delay)
	case pl.writeDelay:
		pl.grace = h.ShutdownTimeout.Value
		pl.delay = min(caddyShutdownWait, left(pl.grace))
	default:
		return pl
	}
	if pl.grace >= time.Second && (pl.delay >= time.Second || held && h.ShutdownDelay.Value == 0) {
		return pl
	}
	set := h.ShutdownDelay
	if !pl.writeGrace {
		set = h.ShutdownTimeout
	}
	pl.noFit = "already leaves less than 1s of the " + parsers.Seconds(limit) + " before the kill (terminationGracePeriodSeconds)"
	pl.noFitSet = set
	pl.delay = min(caddyShutdownWait, max(limit/3, time.Second))
	pl.grace = max(limit-pl.delay-max(min(5*time.Second, limit/3), time.Second), time.Second)
	pl.writeGrace, pl.writeDelay = true, true
	return pl
}

// caddyPreStop is the preStop delay of the container that runs Caddy hop h
// (caddyContainer). Kubernetes sends that container SIGTERM only once the hook has run.
// Not known (zero setting) otherwise.
func caddyPreStop(h *parsers.Hop) parsers.Duration {
	if c := caddyContainer(h); c != nil {
		return c.PreStopDelay
	}
	return parsers.Duration{}
}

// caddyContainer is the container of h's workload that runs Caddy hop h: the one whose
// app server is Caddy, else the workload's only container; nil when that is not known
// (no workload, two Caddy containers, several containers none of them Caddy).
func caddyContainer(h *parsers.Hop) *parsers.Container {
	w := h.Workload
	if w == nil {
		return nil
	}
	var pick *parsers.Container
	for _, c := range w.Containers {
		if c.App != nil && c.App.Name == appserver.Caddy {
			if pick != nil {
				return nil // two Caddy containers: which one is h's is not known
			}
			pick = c
		}
	}
	if pick == nil && len(w.Containers) == 1 {
		pick = w.Containers[0]
	}
	return pick
}

// caddyShutdownDelayed reports whether container c of workload w runs a Caddy whose
// shutdown_delay is set above zero: after SIGTERM that Caddy keeps accepting new
// connections for the delay, which is a preStop sleep's work (caddy 2.6.2 on loopback,
// shutdown_delay 3s: 200 for 2.5s after SIGTERM, then connection refused). Every Caddy
// hop m runs in c must say so (global options: one Caddyfile), and at least one must.
func caddyShutdownDelayed(m *parsers.Model, w *parsers.Workload, c *parsers.Container) bool {
	seen := false
	for _, h := range m.Hops {
		if h.Kind != parsers.HopCaddy || h.Workload != w || caddyContainer(h) != c {
			continue
		}
		if !h.ShutdownDelay.Known() || h.ShutdownDelay.Value <= 0 {
			return false
		}
		seen = true
	}
	return seen
}

// rootFile follows IncludedBy to the Caddyfile that imported path.
func rootFile(m *parsers.Model, path string) string {
	for i := 0; i < 100; i++ {
		f := m.File(path)
		if f == nil || f.IncludedBy == nil {
			return path
		}
		path = f.IncludedBy.File
	}
	return path
}

// globalBlockPos returns the position of the global options block's "{" in a Caddyfile,
// or an invalid position when it has none.
func globalBlockPos(p *Pass, path string) parsers.Pos {
	if _, cf := p.caddyFile(parsers.Pos{File: path}); cf != nil {
		if g := cf.GlobalOptions(); g != nil {
			return g.Open
		}
	}
	return parsers.Pos{}
}

const proxyShutdownDoc = `# proxy-shutdown-unbounded

Caddy behind a load balancer (or Cloudflare) or run by Kubernetes has no ` + "`grace_period`" + `
or no ` + "`shutdown_delay`" + ` in its global options.

## Why it causes 502s

- **grace_period unset**: Caddy's default grace period is 0, which means *eternal*: on a
  config-less stop it waits for every in-flight request, however long. The platform does
  not: Kubernetes sends SIGKILL after terminationGracePeriodSeconds (default 30s), so
  whatever is still in flight is cut off and the client (or the load balancer in front)
  sees a 502. A bounded grace period lets Caddy close connections itself, in order.
- **grace_period 0s** is the same: Caddy drops a zero duration from its config, and the
  unset grace period is eternal.
- **shutdown_delay unset**: on SIGTERM Caddy starts to shut down at once. The load
  balancer or the Kubernetes endpoints update in parallel and keep sending new requests
  for a few seconds; they hit a closed listener and fail with 502. shutdown_delay keeps
  Caddy serving for that long first.

The status is the answer of what stands in front. Cloudflare has codes of its own for an
origin that cuts a response off (520) or refuses the connection (521); a Caddy in
Kubernetes reached through its Service only (a LoadBalancer or NodePort Service passes
TCP) has no HTTP proxy in front, and its clients' connections are reset or refused. The
message says which.

The rule stays silent when nothing says Caddy sits behind something (no linked
Kubernetes workload, no Cloudflare signal, no ` + "`edge`" + ` in .no502.yaml). It is ` + "`info`" + `
until the cross-layer rules can compare Caddy's numbers with the real termination grace
period.

## Fix

` + "```caddyfile" + `
{
	grace_period 20s
	shutdown_delay 5s
}
` + "```" + `

shutdown_delay + grace_period must stay below the pod's terminationGracePeriodSeconds
(20s + 5s < 30s); the fix computes grace_period from the linked workload when known. It
writes only the setting that is missing and keeps the one that is set: with
` + "`shutdown_delay 10s`" + ` and terminationGracePeriodSeconds 15 it adds ` + "`grace_period 4s`" + ` (5s
to spare when that leaves a second or more, else 1s). When the set value leaves less than
a second (` + "`shutdown_delay 14s`" + ` of 15), the fix is a snippet that lowers it, not written:
the value was set on purpose.

A preStop sleep on Caddy's container does shutdown_delay's work: Kubernetes sends SIGTERM
only after the hook, once the endpoints are gone. Then shutdown_delay is not asked for, and
grace_period must end within what the hook leaves: preStop 10s of 40s → ` + "`grace_period 25s`" + `.

## Sources

- Caddy grace_period default 0 = eternal; shutdown_delay default unset (0):
  https://github.com/caddyserver/caddy/blob/0cf03d32f7d99cf160d5375e8a40fbe3d910d515/modules/caddyhttp/app.go#L136-L155;
  https://caddyserver.com/docs/caddyfile/options#grace-period
- Kubernetes terminationGracePeriodSeconds default 30s, SIGKILL at its end; endpoint
  removal runs in parallel with SIGTERM: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination;
  https://github.com/kubernetes/kubernetes/blob/023f88a/pkg/apis/core/v1/defaults.go (SetDefaults_PodSpec)
- A preStop delay lets load balancers stop routing first: EKS best practices,
  https://docs.aws.amazon.com/eks/latest/best-practices/load-balancing.html
- Cloudflare 520 (the origin returns an empty or unexpected response, crashes) and 521
  (the origin refuses the connection): https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/error-520/,
  https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/error-521/
`
