package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/no502/no502/parsers"
)

// Health rules shared by the proxies: failing upstreams that stay in rotation, failures
// that are not retried on another upstream, health paths the proxy answers itself.

var deadUpstreamInRotation = &Rule{
	ID:       "dead-upstream-in-rotation",
	Category: Health,
	Severity: Warning,
	Summary:  "A proxy never takes a failing upstream server out of rotation",
	Formats:  []string{"nginx", "caddy"},
	Doc: `# dead-upstream-in-rotation

With two or more upstream servers, a proxy balances requests across them. When one dies,
only health accounting takes it out of rotation: nginx counts failures per server
(` + "`max_fails`" + `, default 1 within ` + "`fail_timeout`" + ` 10s) and skips a server that fails; Caddy
has active checks (` + "`health_uri`" + `) and passive ones (` + "`fail_duration`" + `), both off by default.
Without them, the dead server keeps receiving its share of requests, and each of those is a
**502** (or a slow retry, when retries are on).

- nginx: ` + "`max_fails=0`" + ` on a server disables its failure accounting. With a single server nginx
  ignores max_fails (there is nowhere else to go), so that is not reported.
- Caddy: two or more upstreams with neither ` + "`health_uri`" + ` nor ` + "`fail_duration`" + `, and no
  retries (in Caddy's JSON config: the reverse_proxy handler's ` + "`health_checks.active.uri`" + `,
  ` + "`health_checks.passive.fail_duration`" + ` and ` + "`load_balancing.try_duration`" + `/` + "`retries`" + `). With ` + "`lb_try_duration`" + ` or ` + "`lb_retries`" + ` set, a failed connection to the dead
  upstream is retried on another: slower, but not a 502, so it is not reported, unless
  ` + "`lb_policy`" + ` is ` + "`first`" + `, ` + "`ip_hash`" + `, ` + "`client_ip_hash`" + ` or ` + "`uri_hash`" + `: those pick the same
  upstream again for the retry while no health check marks it down.
- Upstreams that are the proxy's own listeners (a site proxying to other sites of the same
  Caddyfile, nginx to its own ` + "`listen`" + `) are internal hops, not apps, and are not counted.

## Fix

nginx: remove ` + "`max_fails=0`" + ` (or set ` + "`max_fails=3 fail_timeout=10s`" + `). Caddy: add
` + "`health_uri /healthz`" + ` (active) and ` + "`fail_duration 30s`" + ` (passive).

## Evidence

nginx 1.22.1 with ` + "`" + `max_fails=0` + "`" + ` and ` + "`" + `proxy_next_upstream off` + "`" + `, one of two servers refusing
connections: 10 of 20 requests got 502, POST and GET alike; after ` + "`" + `lint --fix` + "`" + `, 0.
` + "`" + `max_fails=0` + "`" + ` alone lost nothing there (nginx resends a refused connection, even a POST),
at the cost of a connect attempt per request. Caddy 2.6.2 with two upstreams and no health
checks: about half of the requests got 502; after the fix GETs 0, POSTs see
no-retry-on-failure.
See [docs/evidence.md](../evidence.md#dead-upstream-in-rotation-nginx-one-of-two-servers-down).

## Sources

- nginx max_fails=1, fail_timeout=10s; 0 disables accounting:
  https://nginx.org/en/docs/http/ngx_http_upstream_module.html#server;
  https://github.com/nginx/nginx/blob/3f6f7824d4e2eb1ac37dec76683d525ac0ff521c/src/http/ngx_http_upstream.c#L6495-L6496, https://github.com/nginx/nginx/blob/3f6f7824d4e2eb1ac37dec76683d525ac0ff521c/src/http/ngx_http_upstream_round_robin.c#L873-L875
- Caddy active health off unless health_uri/health_port; fail_duration 0 = passive off:
  https://github.com/caddyserver/caddy/blob/0cf03d32f7d99cf160d5375e8a40fbe3d910d515/modules/caddyhttp/reverseproxy/healthchecks.go#L226, https://github.com/caddyserver/caddy/blob/0cf03d32f7d99cf160d5375e8a40fbe3d910d515/modules/caddyhttp/reverseproxy/healthchecks.go#L236;
  https://caddyserver.com/docs/caddyfile/directives/reverse_proxy#health-checks
`,
	Run: runDeadUpstreamInRotation,
}

// activeTargets are the targets that take traffic normally (not backup, not down).
func activeTargets(b *parsers.Backend) []*parsers.Target {
	var out []*parsers.Target
	for _, t := range b.Targets {
		if !t.Backup && !t.Down {
			out = append(out, t)
		}
	}
	return out
}

func runDeadUpstreamInRotation(p *Pass) {
	retried := caddyRetriedBackends(p.Model)
	own := newListeners(p.Model)
	for _, b := range p.Model.Backends {
		active := activeTargets(b)
		if len(active) < 2 || len(appTargets(own, b)) < 2 {
			continue // one server (nothing else to send to), or the proxy's own listeners
		}
		format := backendFormat(p.Model, b)
		sticky := caddyStickyPolicy(b)
		if format == parsers.FormatCaddy && retried[b] && sticky == "" {
			// lb_try_duration / lb_retries: a failed dial to the dead upstream is retried
			// on another, so the request is slower, not a 502.
			continue
		}
		reported := false
		for _, t := range active {
			if t.MaxFails.Explicit() && t.MaxFails.Value == 0 {
				fix := p.passiveHealthFix(format, b, t)
				msg := fmt.Sprintf("%s turns off failure accounting for %s in upstream %s, which has %d servers: when %s dies, nginx keeps sending it its share of requests and each of them fails with 502 (or waits for a retry). Remove max_fails=0 or set max_fails=3 fail_timeout=10s.",
					"max_fails=0", t.Address, b.Name, len(active), t.Address)
				p.Report(Finding{Pos: t.MaxFails.Pos, Message: msg, Fix: fix})
				reported = true
			}
		}
		if reported {
			continue
		}
		activeOn := b.Health != nil && (!b.Health.Enabled.Known() || b.Health.Enabled.Value)
		if activeOn || !b.Passive.Enabled.Known() || b.Passive.Enabled.Value {
			continue
		}
		if anyKnown(active) {
			continue // per-server accounting (nginx) is on
		}
		fix := p.passiveHealthFix(format, b, nil)
		pos := b.Pos
		if format == parsers.FormatCaddy && b.Passive.Enabled.Explicit() {
			// fail_duration 0 written: the line to change.
			pos = b.Passive.Enabled.Pos
		}
		passive := describeAt(inHost(p.Model, b.Passive.Enabled), p.ownLine(pos))
		msg := fmt.Sprintf("%d upstreams (%s) and no health checks: %s, and there is no active check: a dead upstream keeps receiving its share of requests, each a 502. Add an active check (health_uri) and passive failure accounting (fail_duration).",
			len(active), addresses(active), passive)
		if format == parsers.FormatCaddy {
			msg = fmt.Sprintf("%d upstreams (%s) and no health checks (no health_uri; %s): when one dies Caddy keeps sending it its share of requests, each a 502. Add health_uri for active checks and fail_duration for passive ones.",
				len(active), addresses(active), passive)
			if retried[b] {
				msg = fmt.Sprintf("%d upstreams (%s) and no health checks (no health_uri; %s): when one dies, %s picks it again for every retry of the requests it chose it for, as nothing marks it down, so they fail with 502 once the retries run out. Add health_uri for active checks and fail_duration for passive ones.",
					len(active), addresses(active), passive, sticky)
			}
		}
		p.Report(Finding{Pos: pos, Message: msg, Fix: fix})
	}
}

// caddyStickyPolicy names the lb_policy of Caddy backend b when it picks the same
// upstream again for a retried request while no health check marks that one down
// (first: the first available; ip_hash, client_ip_hash, uri_hash: a hash of the
// request), "" for the others (random, round_robin, least_conn... pick again).
func caddyStickyPolicy(b *parsers.Backend) string {
	if b.Kind != parsers.BackendCaddy || !b.LBPolicy.Explicit() {
		return ""
	}
	switch b.LBPolicy.Value {
	case "first", "ip_hash", "client_ip_hash", "uri_hash":
		return b.LBPolicy.Text
	}
	return ""
}

// caddyRetriedBackends are the Caddy backends whose every route retries a failed
// connection on another upstream (lb_try_duration or lb_retries above zero).
func caddyRetriedBackends(m *parsers.Model) map[*parsers.Backend]bool {
	out := map[*parsers.Backend]bool{}
	off := map[*parsers.Backend]bool{}
	for _, h := range m.Hops {
		if h.Kind != parsers.HopCaddy {
			continue
		}
		for _, r := range h.Routes {
			if r.Backend == nil {
				continue
			}
			c := r.Retry.Conditions
			if c.Known() && !c.Unknown && len(c.Value) > 0 && c.Value[0] != "off" {
				out[r.Backend] = true
			} else {
				off[r.Backend] = true
			}
		}
	}
	for b := range off {
		delete(out, b)
	}
	return out
}

func anyKnown(ts []*parsers.Target) bool {
	for _, t := range ts {
		if t.MaxFails.Known() && t.MaxFails.Value > 0 {
			return true
		}
	}
	return false
}

func addresses(ts []*parsers.Target) string {
	var s []string
	for _, t := range ts {
		s = append(s, t.Address)
	}
	if len(s) > 4 {
		s = append(s[:4], "...")
	}
	return strings.Join(s, ", ")
}

// backendFormat finds the format a backend was written in, from its file.
func backendFormat(m *parsers.Model, b *parsers.Backend) string {
	file := b.Pos.File
	if b.Block.File != "" {
		file = b.Block.File
	}
	if f := m.File(file); f != nil {
		return f.Format
	}
	switch b.Kind {
	case parsers.BackendNginxUpstream, parsers.BackendNginxAddress:
		return parsers.FormatNginx
	case parsers.BackendCaddy:
		return parsers.FormatCaddy
	}
	return ""
}

var noRetryOnFailure = &Rule{
	ID:       "no-retry-on-failure",
	Category: Health,
	Severity: Warning,
	Summary:  "A proxy with several upstreams does not retry a failed connection on another one",
	Formats:  []string{"nginx", "caddy"},
	Doc: `# no-retry-on-failure

When a proxy picks an upstream that is down (crashed, restarting, or drained by a deploy),
the connection fails. With retries, the proxy sends the request to the next upstream and
the client never notices; without them, the client gets **502**.

- nginx retries by default on ` + "`error timeout`" + ` (` + "`proxy_next_upstream`" + `), and never re-sends
  a POST, LOCK or PATCH once it has been sent unless told ` + "`non_idempotent`" + `, so retries are
  safe for payments and webhooks. ` + "`proxy_next_upstream off`" + ` turns them off.
- Caddy does not retry by default (` + "`lb_try_duration`" + ` 0, ` + "`lb_retries`" + ` 0). When enabled it
  retries dial errors for every method, and only GET after the request was sent.
  In Caddy's JSON config they are ` + "`load_balancing.try_duration`" + ` and ` + "`load_balancing.retries`" + `.

Reported only where the upstream has two or more servers: with one, there is nothing to
retry on.

## Fix

nginx: ` + "`proxy_next_upstream error timeout http_502 http_503;`" + ` with
` + "`proxy_next_upstream_tries 2;`" + ` (never add ` + "`non_idempotent`" + ` unless every handler is
idempotent). Caddy: ` + "`lb_try_duration 5s`" + `.

## Evidence

nginx 1.22.1 with ` + "`" + `proxy_next_upstream off` + "`" + `, one of two servers down: 1 of 20 requests got
502 before ` + "`" + `max_fails` + "`" + ` took the server out for 10s; with the fix, 0 (POST and GET). Caddy
2.6.2 with the fix (` + "`" + `lb_try_duration 5s` + "`" + `, ` + "`" + `fail_duration 30s` + "`" + `): GETs 0 of 20, but the first
POST sent to the dead upstream got 502 and its failed retry took the healthy upstream out,
so the rest got 503 (caddy#7546); with an active ` + "`" + `health_uri` + "`" + ` check as well, 0.
See [docs/evidence.md](../evidence.md#no-retry-on-failure-nginx-one-of-two-servers-down).

## Sources

- nginx proxy_next_upstream default ` + "`error timeout`" + `; non-idempotent requests not retried:
  https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_next_upstream;
  https://github.com/nginx/nginx/blob/3f6f7824d4e2eb1ac37dec76683d525ac0ff521c/src/http/modules/ngx_http_proxy_module.c#L3846-L3849, https://github.com/nginx/nginx/blob/3f6f7824d4e2eb1ac37dec76683d525ac0ff521c/src/http/ngx_http_upstream.c#L4687-L4691
- Caddy retries off by default; only GET retried after the connection was established:
  https://github.com/caddyserver/caddy/blob/0cf03d32f7d99cf160d5375e8a40fbe3d910d515/modules/caddyhttp/reverseproxy/reverseproxy.go#L1657-L1665, https://github.com/caddyserver/caddy/blob/0cf03d32f7d99cf160d5375e8a40fbe3d910d515/modules/caddyhttp/reverseproxy/reverseproxy.go#L1375;
  https://caddyserver.com/docs/caddyfile/directives/reverse_proxy#load-balancing
`,
	Run: runNoRetryOnFailure,
}

func runNoRetryOnFailure(p *Pass) {
	own := newListeners(p.Model)
	for _, h := range p.Model.Hops {
		for _, r := range h.Routes {
			b := r.Backend
			if b == nil || r.Respond != nil || len(activeTargets(b)) < 2 || len(appTargets(own, b)) < 2 {
				continue
			}
			c := r.Retry.Conditions
			if !c.Known() || len(c.Value) != 1 || c.Value[0] != "off" {
				continue
			}
			fix := p.retryFix(h, r)
			n := len(activeTargets(b))
			var msg string
			if c.Explicit() && h.Kind == parsers.HopCaddy {
				msg = fmt.Sprintf("%s: when the upstream Caddy picks from the %d (%s) is down or restarting, the request fails with 502 instead of going to another one. Set lb_try_duration 5s (Caddy retries only GET once the request was sent). Caddy before the 2026 fix of caddy#7546 (reported from 2.6.1 to 2.11.1) fails a POST retried after a dial error with 502 and, with fail_duration, takes the healthy upstream out too: add an active health_uri check as well.",
					c.Text, n, addresses(activeTargets(b)))
			} else if c.Explicit() {
				msg = fmt.Sprintf("%s: when the server nginx picks from the %d in %s is down or restarting, the request fails with 502 instead of going to another one. Use proxy_next_upstream error timeout http_502 http_503 (POSTs are still never sent twice).",
					c.Text, n, b.Name)
			} else {
				msg = fmt.Sprintf("retries are off (%s): when the upstream %s picks from the %d (%s) is down or restarting, the request fails with 502 instead of going to another one. Add lb_try_duration 5s. Caddy before the 2026 fix of caddy#7546 (reported from 2.6.1 to 2.11.1) fails a POST retried after a dial error with 502 and, with fail_duration, takes the healthy upstream out too: add an active health_uri check as well.",
					c.Default, product(h), n, addresses(activeTargets(b)))
			}
			pos := atInclude(p.Model, posOr(c, r.Pos, r.Block), c, r.Block)
			p.Report(Finding{Pos: pos, Message: msg, Related: origin(nil, c, pos, "value set here"), Fix: fix})
		}
	}
}

var healthAnsweredByProxy = &Rule{
	ID:       "health-answered-by-proxy",
	Category: Health,
	Severity: Warning,
	Summary:  "A health-check path is answered by the proxy itself, not by the app",
	Formats:  []string{"nginx", "caddy"},
	Doc: `# health-answered-by-proxy

` + "`location /healthz { return 200; }`" + ` or Caddy's ` + "`respond /health 200`" + ` answer the health check
from the proxy. A check that decides where traffic goes and is pointed at that path sees
200 as long as the proxy process runs, even when every app behind it is down: the proxy
stays in rotation and every real request gets a **502**.
In Caddy's JSON config the same answer is a ` + "`static_response`" + ` handler on a health path.

Reported only when the run shows such a check: the health check of a load balancer whose
targets are the proxy (an ALB target group, an ALB Ingress, a ` + "`chain:`" + ` in .no502.yaml), or
the readiness probe of a pod that runs the proxy next to an app container with no
readiness probe of its own. A proxy answering its own container healthcheck (Docker,
Compose) or an uptime ping is right to answer it itself: those checks do not route
traffic, and a proxy in its own pod in front of an app Service is rightly ready while the
app Service has no ready pod.

Paths that look like health checks: /health, /healthz, /ready, /readyz, /live, /livez,
/ping, /status, /_health, /healthcheck, /hc and variants under a prefix (/api/health).
A server or site that forwards nothing (a static site: no proxy_pass, fastcgi_pass,
uwsgi_pass, grpc_pass, reverse_proxy or php_fastcgi) is the app itself, and is not
reported.

## Fix

Forward the health path to the app (and make the app's handler check what it needs), or
keep a proxy-only liveness path under a name no load balancer uses.

## Evidence

A load balancer (Caddy 2.6.2, active check of /healthz every 200ms) in front of two nginx
1.22.1, the app behind one of them down: with ` + "`" + `return 200` + "`" + ` on /healthz, about half of 20
requests got 502; with /healthz forwarded to the app (the fix), 0.
See [docs/evidence.md](../evidence.md#health-answered-by-proxy-nginx-behind-a-load-balancer-its-app-down).

## Sources

- Kubernetes HTTP probes treat any code from 200 to 399 as success:
  https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
- AWS ALB health check matcher default 200: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
`,
	Run: runHealthAnsweredByProxy,
}

var healthPath = regexp.MustCompile(`(?i)(^|/)(_?health(z|check|-check|_check)?|_?ready(z|ness)?|_?live(z|ness)?|ping|status|hc|up|alive)/?$`)

// looksLikeHealth reports whether a route's path is a health-check path.
func looksLikeHealth(path string) bool {
	path = strings.TrimRight(strings.TrimSuffix(path, "*"), "/")
	if path == "" {
		return false
	}
	return healthPath.MatchString(path)
}

func runHealthAnsweredByProxy(p *Pass) {
	lbs := lbHealthChecks(p.Model)
	for _, h := range p.Model.Hops {
		// A server that forwards nothing is the app: its own /health is the truth.
		if !h.Forwards() {
			continue
		}
		for _, r := range h.Routes {
			if r.Respond == nil || r.PathKind == parsers.PathRegex || !looksLikeHealth(r.Path) {
				continue
			}
			st := r.Respond.Status
			if !st.Known() || st.Value < 200 || st.Value > 299 {
				continue
			}
			// Only a check that decides where traffic goes makes the proxy's answer a
			// lie; a proxy answering its own container healthcheck or an uptime ping is
			// right to answer it itself.
			checkers, names := trafficHealthChecks(lbs, h, r)
			if len(checkers) == 0 {
				continue
			}
			fix := p.healthProxyFix(h, r)
			msg := fmt.Sprintf("%s answers %s itself with %d, and %s requests that path to decide where traffic goes: it sees a healthy server as long as %s runs, even when the app behind it is down, so traffic keeps flowing to a dead backend and gets 502. Forward %s to the app instead.",
				strings.TrimSuffix(r.Respond.Text, ";"), r.Path, st.Value, strings.Join(names, " and "), product(h), r.Path)
			related := append([]Related{{Pos: r.Pos, Message: "health path " + r.Path}}, checkers...)
			p.Report(Finding{Pos: r.Respond.Pos, Message: msg, Related: related, Fix: fix})
		}
	}
}

// lbHealthCheck is a load balancer's HTTP health check of a backend.
type lbHealthCheck struct {
	lb *parsers.Hop
	be *parsers.Backend
}

// lbHealthChecks lists the enabled HTTP(S) health checks with a path of the load
// balancers' backends.
func lbHealthChecks(m *parsers.Model) []lbHealthCheck {
	var out []lbHealthCheck
	for _, lb := range m.Hops {
		if !isLoadBalancer(lb) {
			continue
		}
		for _, lr := range lb.Routes {
			be := lr.Backend
			if be == nil || be.Health == nil || len(be.Hops) == 0 {
				continue
			}
			hc := be.Health
			proto := strings.ToUpper(hc.Protocol.Value)
			if hc.Enabled.Known() && hc.Enabled.Value && hc.Path.Known() && (proto == "HTTP" || proto == "HTTPS") {
				out = append(out, lbHealthCheck{lb, be})
			}
		}
	}
	return out
}

// trafficHealthChecks returns the checks of path r on hop h whose answer decides where
// traffic goes: the health check of a load balancer whose targets are h, and the
// readiness probe of a pod that runs h next to an app container with no readiness probe
// of its own (the pod is ready, and gets requests, as long as the proxy answers). names
// says who checks, for the message.
func trafficHealthChecks(lbs []lbHealthCheck, h *parsers.Hop, r *parsers.Route) (checks []Related, names []string) {
	seen := map[string]bool{}
	add := func(rel Related, name string) {
		checks = append(checks, rel)
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	for _, c := range lbs {
		hc := c.be.Health
		if slices.Contains(c.be.Hops, h) && h.ServingRoute(hc.Path.Value) == r {
			add(related(hc.Path, hc.Pos, product(c.lb)+" health check path"), product(c.lb)+"'s health check")
		}
	}
	if w := h.Workload; w != nil {
		for _, c := range w.Containers {
			pr := c.Readiness
			if pr == nil || pr.Handler != "httpGet" || h.ServingRoute(pr.Path) != r || !listensOn(h, probePort(c, pr)) {
				continue
			}
			for _, app := range w.Containers {
				if app != c && app.Readiness == nil && len(app.Ports) > 0 {
					add(Related{Pos: pr.Pos, Message: "readiness probe of " + containerName(w, c)},
						"the readiness probe of "+workloadName(w)+" (container "+app.Name+" has none of its own)")
					break
				}
			}
		}
	}
	return checks, names
}

// probePort is the port number a probe checks ("8080", or a named port of c resolved);
// "" when it cannot be known.
func probePort(c *parsers.Container, pr *parsers.Probe) string {
	if isDigits(pr.Port) {
		return pr.Port
	}
	for _, cp := range c.Ports {
		if cp.Name != "" && cp.Name == pr.Port {
			return strconv.Itoa(cp.Port)
		}
	}
	return ""
}

// listensOn reports whether hop h accepts connections on port.
func listensOn(h *parsers.Hop, port string) bool {
	if port == "" {
		return false
	}
	for _, l := range h.Listen {
		if _, p := listenHostPort(h.Format, l); p == port {
			return true
		}
	}
	return false
}

func init() {
	Register(deadUpstreamInRotation, noRetryOnFailure, healthAnsweredByProxy)
}
