package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

const composeReplicaSources = `- deploy.replicas and update_config (order stop-first by default, parallelism 1): Compose
  specification, https://github.com/compose-spec/compose-spec/blob/main/deploy.md;
  update_config is applied by docker stack deploy (swarm), not by docker compose up:
  https://docs.docker.com/reference/cli/docker/service/update/ (--update-order),
  https://github.com/docker/compose/issues/5013
`

func init() {
	alsoCompose(singleReplica, runSingleReplicaCompose, "a service a proxy forwards to runs one container", `
A Compose service that a proxy of the linted configs forwards to (an nginx.conf or
Caddyfile mounted into another service names it as an upstream) and that runs one
container (no `+"`deploy.replicas`"+` or `+"`scale`"+` of 2 or more) is reported too: every crash, restart
and every `+"`docker compose up`"+` that recreates it leaves the proxy with nothing to connect to, and
requests get 502 until the new container answers. Behind a Caddy `+"`reverse_proxy`"+` that retries
a failed connection (`+"`lb_try_duration`"+`, with no active or passive health check), a GET waits
that long for the new container and gets 502 only when it takes longer, but a request with a
body (a POST) gets 502 even when it comes back in time, on Caddy before the 2026 fix of
caddy#7546 (caddy 2.6.2 on loopback): the finding says so and stays a warning. (For a service only nginx `+"`auth_request`"+` checks reach, the
check fails and nginx answers 500 to the request it guards; this and the other Compose
findings say so.) A php-fpm service that nginx reaches by `+"`fastcgi_pass php:9000`"+`, or Caddy by
`+"`php_fastcgi php:9000`"+`, is one too: while its one container is down the proxy's connect is
refused and it answers 502 (nginx 1.22.1 and caddy 2.6.2 on loopback). This one finding covers the update order
as well: with one container, `+"`update_config.order: stop-first`"+` (the default) stops it before
the new one starts, and the fix sets both. A service nothing forwards to (a database, a
worker, a one-shot job) is not reported, nor is one that every proxy forwarding to it
balances with another service (`+"`reverse_proxy app-1:8080 app-2:8080`"+`, an `+"`upstream{}`"+` naming
both, or naming the other as a `+"`backup`"+` server): while its container is down the proxy
has the other to send requests to.
An nginx `+"`upstream{}`"+` that a `+"`map{}`"+` or `+"`split_clients`"+` chooses (`+"`proxy_pass http://$backend;`"+`)
counts as forwarded to: the finding names the requests the map sends there.

Two replicas survive a crash; `+"`docker compose up`"+` still recreates them together, so deploying
without a 502 window takes a rolling deploy: `+"`docker stack deploy`"+` with
`+"`update_config.order: start-first`"+`, or a tool that scales up before it stops the old container.
A service that publishes a fixed host port cannot run a second container on the same host
(the finding says so). The fix is a snippet.
`, composeReplicaSources)
	alsoCompose(rolloutTakesAllDown, runRolloutTakesAllDownCompose, "update_config stops every container at once", `
A Compose service a proxy forwards to, with two or more replicas, `+"`update_config.order: stop-first`"+`
(the default) and a `+"`parallelism`"+` of 0 (all at once) or at least the replica count, has all of
its containers stopped together by a rolling update (`+"`docker stack deploy`"+`): requests get 502
until the new ones answer. One replica is `+"`single-replica`"+`'s finding, not this one.

**Fix (Compose):** `+"`update_config: {order: start-first, parallelism: 1}`"+` (a snippet).
`, composeReplicaSources)
}

func runSingleReplicaCompose(p *Pass) {
	for _, w := range composeWorkloads(p.Model) {
		n := w.Replicas
		if !n.Known() || n.Value != 1 || balancedWithOthers(p.Model, w) {
			continue
		}
		what := fmt.Sprintf("%d, %s", n.Value, composeOrigin(n))
		extra := ""
		if fixed := fixedHostPorts(w); len(fixed) > 0 {
			if hostProxied(p.Model, w) {
				// The proxy runs on the host's network and reaches the service through
				// the published port: dropping it would cut the proxy off.
				extra = fmt.Sprintf(" It publishes host port %s, which a second container on the same host cannot bind, and the proxy (network_mode: host) reaches it through that port: publish a range (one host port per container) and list each port in the proxy's upstream.", strings.Join(fixed, ", "))
			} else {
				extra = fmt.Sprintf(" It publishes host port %s, which a second container on the same host cannot bind: drop that ports: entry (the proxy reaches it on the project network) or publish a range.", strings.Join(fixed, ", "))
			}
		}
		var related []Related
		if vols := w.Compose.DataVolumes; len(vols) > 0 {
			var names []string
			for _, v := range vols {
				names = append(names, v.Path+" ("+v.Target+")")
				related = append(related, Related{Pos: v.Pos, Message: "keeps state in volume " + v.Path})
			}
			extra += fmt.Sprintf(" It keeps state in volume %s, which a second container on the host would share: run two only if the app supports that, or move the state out (a database, object storage) first.", strings.Join(names, " and "))
		}
		order := w.Compose.UpdateOrder
		attrs := "deploy:\n  replicas: 2\n  update_config:\n    order: start-first"
		if order.Known() && order.Value == "start-first" {
			attrs = "deploy:\n  replicas: 2"
		}
		if cn := w.Compose.ContainerName; cn.Explicit() && cn.Value != "" {
			// Compose refuses the project outright: "services.deploy.replicas: can't set
			// container_name and NAME as container name must be unique" (compose-go
			// loader/validate.go). The replicas alone would break the next up.
			extra += fmt.Sprintf(" It sets container_name %s, and Compose refuses a service with a container_name and more than one replica: remove container_name first", cn.Value)
			if proxyNames(p.Model, w, cn.Value) {
				extra += fmt.Sprintf(", and have the proxy address it by its service name %s (it now uses %s)", w.Name, cn.Value)
			}
			extra += "."
			attrs = "# remove container_name: " + cn.Value + " (a fixed name allows one container)\n" + attrs
			related = append(related, Related{Pos: cn.Pos, Message: "container_name " + cn.Value + " allows one container"})
		}
		proxies, pooled := composeProxies(p.Model, w), ""
		alone, others := soleRoutes(p.Model, w)
		if len(others) > 0 {
			// Some proxies balance it with another service (a blue/green pair behind
			// one site): only those that forward to it alone lose it.
			proxies = routeProxies(alone, w)
			pooled = fmt.Sprintf(" alone (%s balances it with another service)", routeProxies(others, w))
		}
		outage := "requests get " + composeProxyStatus(alone) + " until the new container answers"
		if o := caddyRetryOutage(p.Model, alone); o != "" {
			outage = o
		}
		if guards := composeAuthGuards(p.Model, w); guards != nil {
			outage = "the auth checks sent to it fail: " + authFailure("every request they guard", guards) + " until the new container answers"
		}
		p.Report(Finding{
			Pos: writtenOr(n, w.Pos),
			Message: fmt.Sprintf("%s runs one container (replicas %s) and %s forwards to it%s: every crash, restart and docker compose up that recreates it leaves the proxy nothing to connect to, and %s. Run 2 replicas (deploy.replicas: 2), and deploy them one at a time (docker stack deploy with update_config.order: start-first, or a rolling deploy tool).%s",
				composeService(w), what, proxies, pooled, outage, extra),
			Related: related,
			Fix:     composeFix("run 2 containers, new before old", w, attrs),
		})
	}
}

// caddyRetryOutage is what requests get while the one container of a service is down,
// when every route in routes is a Caddy reverse_proxy that retries a failed connection
// for the same lb_try_duration (and has no active health check, which answers 503
// instead, nor passive health, whose fail_duration can keep it out after it listens):
// Caddy holds a GET and dials again, so a container back within that time
// costs a wait, not a 502; "" otherwise. caddy 2.6.2 on loopback, one upstream that
// starts listening 2s after the request, lb_try_duration 5s: a GET got 200 after 2.5s, a
// POST with a body waited as long and got 502 (caddy#7546), a GET to an upstream back
// after 7s got 502 at 5s; an upstream name that does not resolve (a recreated
// container's, until Docker's DNS has the new one) is retried the same way (502 at 3.2s
// with lb_try_duration 3s, at once without).
func caddyRetryOutage(m *parsers.Model, routes []*parsers.Route) string {
	var try time.Duration
	var hop *parsers.Hop
	for _, r := range routes {
		if r.Hop == nil || r.Hop.Kind != parsers.HopCaddy || r.Backend == nil {
			return ""
		}
		if hc := r.Backend.Health; hc != nil && (!hc.Enabled.Known() || hc.Enabled.Value) {
			return ""
		}
		if ps := r.Backend.Passive.Enabled; !ps.Known() || ps.Value {
			// fail_duration counts the failed dial and keeps the upstream out after it
			// listens again: the wait can end in 503.
			return ""
		}
		c, t := r.Retry.Conditions, r.Retry.Timeout
		if !c.Known() || c.Unknown || len(c.Value) == 0 || c.Value[0] == "off" || !t.Known() || t.Value <= 0 {
			return ""
		}
		if try != 0 && t.Value != try {
			return ""
		}
		try = t.Value
		if hop != nil && caddyStatus(r.Hop, 502) != caddyStatus(hop, 502) {
			return ""
		}
		hop = r.Hop
	}
	if hop == nil {
		return ""
	}
	return fmt.Sprintf("Caddy retries the connection for up to lb_try_duration %s: a GET waits for the new container and gets %s only when it takes longer than that to listen, but a request with a body (a POST) gets %s even when it comes back in time, on Caddy before the 2026 fix of caddy#7546",
		parsers.FormatDuration(try), caddyStatus(hop, 502), caddyStatus(hop, 502))
}

// soleRoutes splits the proxy routes that forward to w (composeRoutes) into those that
// forward to it alone and those that balance it with another Compose service.
func soleRoutes(m *parsers.Model, w *parsers.Workload) (alone, others []*parsers.Route) {
	for _, r := range composeRoutes(m, w) {
		if slices.ContainsFunc(routeBackendTo(r, w).Workloads, func(x *parsers.Workload) bool { return x != w }) {
			others = append(others, r)
		} else {
			alone = append(alone, r)
		}
	}
	return alone, others
}

// routeProxies names the proxies of routes as composeProxies does: "Caddy (app.example.com)".
func routeProxies(routes []*parsers.Route, w *parsers.Workload) string {
	var names []string
	for _, r := range routes {
		if r.Hop == nil {
			continue
		}
		if n := proxyName(r, w); !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return proxyList(names)
}

// composeProxyStatus is the status the proxies of routes answer when the service they
// forward to cannot be reached: 502, or for a Caddy site what its handle_errors makes of
// it (caddyStatus); when the proxies differ, 502 with the handle_errors caveat.
func composeProxyStatus(routes []*parsers.Route) string {
	st := ""
	for _, r := range routes {
		s := caddyStatus(r.Hop, 502)
		if st != "" && s != st {
			return caddyStatus(&parsers.Hop{Kind: parsers.HopCaddy}, 502)
		}
		st = s
	}
	if st == "" {
		return "502"
	}
	return st
}

// proxyNames reports whether a proxy reaches w by the host name name (its container_name).
func proxyNames(m *parsers.Model, w *parsers.Workload, name string) bool {
	for _, r := range composeRoutes(m, w) {
		for _, t := range routeBackendTo(r, w).Targets {
			if strings.EqualFold(strings.TrimSuffix(t.Host, "."), name) {
				return true
			}
		}
	}
	return false
}

// hostProxied reports whether a proxy that forwards to w runs in a Compose service on the
// host's network (network_mode: host): it reaches w at 127.0.0.1 through a port w
// publishes, not on the project network.
func hostProxied(m *parsers.Model, w *parsers.Workload) bool {
	for _, r := range composeRoutes(m, w) {
		if r.Hop == nil || r.Hop.Workload == nil || r.Hop.Workload.Compose == nil {
			continue
		}
		if mode := r.Hop.Workload.Compose.NetworkMode; mode.Known() && mode.Value == "host" {
			return true
		}
	}
	return false
}

// balancedWithOthers reports whether every proxy route that forwards to w balances over
// another Compose service too (reverse_proxy app-1:8080 app-2:8080, an upstream{} naming
// both, or naming the other as a backup server: server blue:80 backup): while w's one
// container is down the proxy still has the other to send requests to, as with two
// replicas of one service, which this rule does not report either (nginx 1.22.1 on
// loopback, the primary refusing: every GET and POST answered by the backup).
// Whether it routes around the dead one is dead-upstream-in-rotation's and
// no-retry-on-failure's finding.
func balancedWithOthers(m *parsers.Model, w *parsers.Workload) bool {
	found := false
	for _, h := range m.Hops {
		for _, r := range h.Routes {
			for _, be := range append([]*parsers.Backend{r.Backend, r.PassBackend}, r.Alternatives...) {
				if be == nil || !slices.Contains(be.Workloads, w) {
					continue
				}
				found = true
				other := func(x *parsers.Workload) bool { return x != w }
				if !slices.ContainsFunc(be.Workloads, other) && !slices.ContainsFunc(be.Backups, other) {
					return false
				}
			}
		}
	}
	return found
}

// fixedHostPorts lists the single host ports a service publishes ("8000"), which only
// one container per host can bind.
func fixedHostPorts(w *parsers.Workload) []string {
	var out []string
	for _, p := range w.Compose.Published {
		if p.Known() && p.Value != "" && !strings.Contains(p.Value, "-") {
			out = append(out, p.Value)
		}
	}
	return out
}

func runRolloutTakesAllDownCompose(p *Pass) {
	for _, w := range composeWorkloads(p.Model) {
		n, order, par := w.Replicas, w.Compose.UpdateOrder, w.Compose.UpdateParallelism
		if !n.Known() || n.Value < 2 || !order.Known() || order.Value != "stop-first" || !par.Known() {
			continue
		}
		if par.Value != 0 && par.Value < n.Value {
			continue
		}
		at := "all at once (parallelism 0)"
		if par.Value != 0 {
			at = fmt.Sprintf("%d at a time", par.Value)
		}
		p.Report(Finding{
			Pos: writtenOr(par, writtenOr(order, w.Pos)),
			Message: fmt.Sprintf("a rolling update of %s stops its containers %s before starting new ones (order %s, %s), so all %d of them are down together and %s until the new ones answer. Use update_config order: start-first and parallelism: 1.",
				composeService(w), at, order.Value, composeOrigin(order), n.Value, composeAnswers(p.Model, w, "every request")),
			Fix: composeFix("update one container at a time, new before old", w, "deploy:\n  update_config:\n    order: start-first\n    parallelism: 1"),
		})
	}
}
