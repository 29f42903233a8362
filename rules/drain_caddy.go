package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
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
		graceUnset := h.ShutdownTimeout.IsDefault() && h.ShutdownTimeout.Value == 0
		delayUnset := h.ShutdownDelay.IsDefault() && h.ShutdownDelay.Value == 0
		if !graceUnset && !delayUnset {
			continue
		}
		// front says what is in front of Caddy, in a message about a finding on line own.
		var front func(own string) string
		switch edge, ok := p.Config.EdgeFor(h); {
		case h.Workload != nil && (h.Workload.Format != parsers.FormatCompose || h.Workload.Served):
			// A Caddy at the edge of a Compose stack has nothing in front to answer 502.
			front = func(string) string { return fmt.Sprintf("Caddy runs in %s %s", h.Workload.Kind, h.Workload.Name) }
		case ok:
			front = func(own string) string {
				return fmt.Sprintf("%s is in front of Caddy (%s)", upperFirst(edge.Value), describeAt(edge, own))
			}
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
		grace := caddyDefaultGrace
		var related []Related
		if w := h.Workload; w != nil && w.TerminationGrace.Known() && w.TerminationGrace.Value > 0 {
			// Delay plus grace must end before the kill, with 5s to spare.
			grace = max(w.TerminationGrace.Value-caddyShutdownWait-5*time.Second, time.Second)
			related = append(related, Related{Pos: w.TerminationGrace.Pos, Message: "terminationGracePeriodSeconds: " + w.TerminationGrace.Describe()})
		}
		var parts []string
		if graceUnset {
			parts = append(parts, "grace_period is not set, so on shutdown Caddy waits forever for in-flight requests and the platform's kill (SIGKILL after the grace period) cuts them off instead, with 502s for the clients")
		}
		if delayUnset {
			parts = append(parts, "shutdown_delay is not set, so Caddy stops accepting connections the moment it is told to stop, while the load balancer still sends it new requests until it notices, and those get 502")
		}
		msg := fmt.Sprintf("%s (site %s): %s. Set grace_period %s and shutdown_delay %s in the global options block%s.",
			front(p.ownLine(pos)), h.Name, strings.Join(parts, "; "), parsers.FormatDuration(grace), parsers.FormatDuration(caddyShutdownWait), where)
		p.Report(Finding{
			Pos:     pos,
			Message: msg,
			Related: related,
			Fix:     p.boundShutdownFix(h, grace),
		})
	}
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
- **shutdown_delay unset**: on SIGTERM Caddy starts to shut down at once. The load
  balancer or the Kubernetes endpoints update in parallel and keep sending new requests
  for a few seconds; they hit a closed listener and fail with 502. shutdown_delay keeps
  Caddy serving for that long first.

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
(20s + 5s < 30s); the fix computes grace_period from the linked workload when known.

## Sources

- Caddy grace_period default 0 = eternal; shutdown_delay default unset (0):
  https://github.com/caddyserver/caddy/blob/0cf03d32f7d99cf160d5375e8a40fbe3d910d515/modules/caddyhttp/app.go#L136-L155;
  https://caddyserver.com/docs/caddyfile/options#grace-period
- Kubernetes terminationGracePeriodSeconds default 30s, SIGKILL at its end; endpoint
  removal runs in parallel with SIGTERM: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination;
  https://github.com/kubernetes/kubernetes/blob/023f88a/pkg/apis/core/v1/defaults.go (SetDefaults_PodSpec)
- A preStop delay lets load balancers stop routing first: EKS best practices,
  https://docs.aws.amazon.com/eks/latest/best-practices/load-balancing.html
`
