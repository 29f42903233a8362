package rules

import (
	"fmt"

	"github.com/no502/no502/config"
	"github.com/no502/no502/parsers"
)

var appTimeoutExceedsProxy = &Rule{
	ID:       "app-timeout-exceeds-proxy",
	Category: Timeout,
	Severity: Warning,
	Summary:  "The app server lets a request run longer than the proxy in front of it waits (504 while the app still works)",
	Formats:  []string{"nginx", "caddy", "terraform", "k8s"},
	Doc: `# app-timeout-exceeds-proxy

An app server's request timeout says how long a request may run: gunicorn's ` + "`--timeout`" + `
(sync worker; default 30s), uWSGI's ` + "`--harakiri`" + ` (default off), php-fpm's
` + "`request_terminate_timeout`" + ` (default off; read from the pool files a Compose service or a pod
mounts, for the nginx ` + "`fastcgi_pass`" + ` in front: ` + "`fastcgi_read_timeout`" + `; for Caddy's
` + "`php_fastcgi`" + ` or a ` + "`reverse_proxy`" + ` with ` + "`transport fastcgi`" + `: the transport's ` + "`read_timeout`" + `,
which has no default, so only one written is compared), or ` + "`request_timeout`" + `
declared under ` + "`backends:`" + ` in .no502.yaml.
When it was raised above the read timeout of the proxy directly in front of the app (nginx
` + "`proxy_read_timeout`" + `, an ALB's ` + "`idle_timeout`" + `, ingress-nginx ` + "`proxy-read-timeout`" + `, Caddy
` + "`response_header_timeout`" + `, a GKE Ingress's backend service timeout), a request that slow gets **504** from the proxy while the app
keeps working on it: the work is done twice when the client retries, and the app's own
limit never applies.

A GKE Ingress (class ` + "`gce`" + `) waits for the app's whole response for the backend service
timeout: the ` + "`timeoutSec`" + ` of the BackendConfig its Service names
(` + "`cloud.google.com/backend-config`" + `, or the ` + "`beta.`" + ` key, as ` + "`{\"default\": \"name\"}`" + ` or
` + "`{\"ports\": {\"80\": \"name\"}}`" + `), else Google's default of 30s. What the client then gets is
logged as ` + "`backend_timeout`" + `; public reports give 502 for it and others 504, so the message
names both. When the Service or the BackendConfig it names is not among the linted files,
the timeout is unknown and nothing is said. The fix is a snippet (a BackendConfig may serve
other Services' ports).

Only an explicit request timeout counts (a default says nothing about the handlers), and
a route with a handler budget in ` + "`routes:`" + ` is left to ` + "`read-timeout-below-budget`" + `, which
knows the real number. The finding points at the proxy: its timeout is what cuts the
request.

This rule owns the hop directly in front of the app. The same timeout is the handler budget
of the hops further out (an ALB in front of that proxy), which ` + "`read-timeout-below-budget`" + `
checks. Behind Cloudflare, an app timeout above the edge's limit is reported by
` + "`edge-timeout-exceeded`" + ` instead: no proxy timeout can make such a route work.

A location whose upstream a ` + "`map{}`" + ` or ` + "`split_clients`" + ` chooses (` + "`proxy_pass http://$backend;`" + `)
forwards to the apps behind every ` + "`upstream{}`" + ` the values name, and each of them gets the
location's ` + "`proxy_read_timeout`" + `: an app behind any of them that lets a request run longer is
reported, naming the upstream and the map.

## Fix

Raise the proxy's read timeout above the app's limit, or, if no handler takes that long,
lower the app's limit and declare the real budget in ` + "`routes:`" + `.

An ALB's (or classic ELB's) ` + "`idle_timeout`" + ` is one setting for every target group behind it:
raising it for one backend is an unsafe fix (` + "`--unsafe-fixes`" + `) when the load balancer serves
others, and only a snippet when the new value would reach the keep-alive of a server behind
any of them (the load balancer would then reuse connections that server has closed: a
` + "`keepalive-race`" + `); raise that keep-alive first.

## Evidence

gunicorn (sync workers, ` + "`" + `--timeout 3` + "`" + `) running a 1.5s handler behind nginx 1.22.1 with
` + "`" + `proxy_read_timeout 1s` + "`" + `: 4 of 4 POSTs got 504 while gunicorn finished the work; after the
fix (15s), 0.
See [docs/evidence.md](../evidence.md#app-timeout-exceeds-proxy-nginx-in-front-of-gunicorn).

## Sources

- gunicorn ` + "`--timeout`" + ` 30s, applies to sync workers:
  https://github.com/benoitc/gunicorn/blob/65ac1a3/gunicorn/config.py#L851-L858
- uWSGI harakiri: https://uwsgi-docs.readthedocs.io/en/latest/Options.html#harakiri
- php-fpm request_terminate_timeout (default 0, off):
  https://www.php.net/manual/en/install.fpm.configuration.php
- nginx fastcgi_read_timeout 60s: https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_read_timeout
- nginx proxy_read_timeout 60s: https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout
- ALB idle timeout 60s: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html
- ingress-nginx proxy-read-timeout 60: https://github.com/kubernetes/ingress-nginx/blob/dbb11b92ddb77bee9c35e462479129354c84f939/internal/ingress/controller/config/config.go#L858-L860
- Caddy response_header_timeout none: https://github.com/caddyserver/caddy/blob/0cf03d32f7d99cf160d5375e8a40fbe3d910d515/modules/caddyhttp/reverseproxy/httptransport.go#L108-L109
- Google Cloud backend service timeout 30s, the whole HTTP response:
  https://cloud.google.com/load-balancing/docs/https#timeout-bes; GKE BackendConfig
  timeoutSec: https://github.com/kubernetes/ingress-gce/blob/acbcf5d/pkg/apis/backendconfig/v1/types.go;
  the annotation's v1 key is read before the beta one (ingress-gce getBackendConfigAnnotation)
- Caddy fastcgi transport: dial_timeout 3s by default, read_timeout and write_timeout none,
  each set once as a deadline on the connection before the request is sent:
  https://github.com/caddyserver/caddy/blob/master/modules/caddyhttp/reverseproxy/fastcgi/fastcgi.go,
  https://github.com/caddyserver/caddy/blob/master/modules/caddyhttp/reverseproxy/fastcgi/client.go
  (caddy 2.6.2 on loopback: read_timeout 2s and a 3s answer, 504 at 2.0s; none set and a
  65s answer, 200)
`,
	Run: runAppTimeoutExceedsProxy,
}

func runAppTimeoutExceedsProxy(p *Pass) {
	for _, h := range p.Model.Hops {
		for _, r := range h.Routes {
			rt := r.ReadTimeout
			if (r.Backend == nil && r.PassBackend == nil) || r.Respond != nil || !rt.Known() || rt.Value == 0 {
				continue
			}
			if _, ok := p.budget(r); ok {
				continue // read-timeout-below-budget compares with the declared budget
			}
			for _, s := range p.answering(r) {
				if s.hop != nil {
					continue
				}
				req := s.c.App.RequestTimeout
				if !req.Explicit() || req.Value <= rt.Value {
					continue
				}
				if _, edge := p.Config.EdgeFor(h); edge && req.Value > p.Config.EdgeLimit() {
					break // edge-timeout-exceeded: no proxy timeout can make this route work
				}
				want := suggest(req.Value)
				fix := p.readTimeoutFix(h, r, want, fmt.Sprintf("above %s's request timeout %s", s.c.App.Name, parsers.Seconds(req.Value)))
				pos := atInclude(p.Model, routePos(h, r, rt), rt, r.Block)
				outcome := fmt.Sprintf("a request slower than %s gets %s from %s while the app is still working on it", parsers.Seconds(rt.Value), timeoutStatus(h), product(h))
				if r.AuthFor != "" {
					// auth_request answers 500 to the guarded request when its check times
					// out (nginx 1.22.1 on loopback: "auth request unexpected status: 504").
					outcome = fmt.Sprintf("this location answers the auth_request of %s: a check slower than %s times out while the app is still working on it, and nginx answers 500 to the request it guards", r.AuthFor, parsers.Seconds(rt.Value))
				}
				app := s.name()
				if be := p.viaMap(r, s); be != nil {
					app = fmt.Sprintf("%s, behind upstream %s where the map of %s sends requests,", s.name(), be.Name, mapPass(r))
				}
				msg := fmt.Sprintf("%s, but %s lets a request run %s (%s): %s. Raise %s above %s, e.g. %s, or lower the app's limit and declare the real handler budget in routes: of .no502.yaml.",
					describe(h.ReadTimeoutName(r), rt), app, parsers.Seconds(req.Value), describeAt(inHost(p.Model, req), p.ownLine(pos)),
					outcome, h.ReadTimeoutName(r), parsers.Seconds(req.Value), parsers.Seconds(want))
				// The proxy's value may be written away from the route the finding points
				// at (an ingress-nginx ConfigMap, an annotation): name where it is.
				rel := origin([]Related{{Pos: req.Pos, Message: s.c.App.Name + " request timeout: " + req.Text}}, inHost(p.Model, rt), pos, "value set here")
				p.Report(Finding{
					Pos:     pos,
					Message: msg,
					Related: rel,
					Fix:     fix,
				})
				break
			}
		}
	}
}

var outerHopGivesUpFirst = &Rule{
	ID:       "outer-hop-gives-up-first",
	Category: Timeout,
	Severity: Warning,
	Summary:  "A load balancer or proxy gives up before the proxy behind it does (504 while the inner layers keep working)",
	Formats:  []string{"nginx", "caddy", "terraform", "k8s"},
	Doc: `# outer-hop-gives-up-first

Each layer on a request's path waits a bounded time for the next one. When an outer layer
(an ALB with ` + "`idle_timeout = 60`" + `) waits less than an inner one deliberately configured to
wait longer (nginx ` + "`proxy_read_timeout 120s`" + ` for a slow path), the outer layer answers
**504** at 60s while nginx and the app keep working for another minute: the inner setting
can never take effect, and a retrying client doubles the work.

Only an inner timeout written explicitly counts (it says that path is meant to be slow);
paths with a handler budget in ` + "`routes:`" + ` are left to ` + "`read-timeout-below-budget`" + `. Cloudflare
in front is ` + "`edge-timeout-exceeded`" + `'s concern.

A location whose upstream a ` + "`map{}`" + ` or ` + "`split_clients`" + ` chooses (` + "`proxy_pass http://$backend;`" + `)
forwards to the proxies behind every ` + "`upstream{}`" + ` the values name, each with the location's
` + "`proxy_read_timeout`" + ` (and ` + "`Host`" + ` the upstream's name, unless set): an inner proxy behind
any of them that waits longer is reported, naming the upstream and the map.

This rule needs no budget: the chain is decided by its own two timeouts. An app server's
request timeout behind the inner hop does not change that: when this rule reports an outer
hop, ` + "`read-timeout-below-budget`" + ` does not report the same setting again, and a run's count
of routes without a budget leaves out the two routes it compared.

## Fix

Raise the outer timeout above the inner one, or lower the inner one if the path is not
that slow. Raising an ALB's idle timeout lengthens how long it keeps idle connections too:
keep it below the keep-alive of what is behind it (` + "`keepalive-race`" + `).

## Evidence

nginx 1.22.1 (` + "`" + `proxy_read_timeout 1s` + "`" + `) in front of nginx (3s) in front of a handler taking
1.5s: 10 of 10 POSTs got 504 from the outer nginx while the inner one and the app finished;
after the fix (15s), 0.
See [docs/evidence.md](../evidence.md#outer-hop-gives-up-first-nginx-in-front-of-nginx).

## Sources

- ALB idle timeout 60s, no byte in either direction: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html
- nginx proxy_read_timeout 60s, between two reads:
  https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout
- ingress-nginx proxy-read-timeout 60: https://github.com/kubernetes/ingress-nginx/blob/dbb11b92ddb77bee9c35e462479129354c84f939/internal/ingress/controller/config/config.go#L858-L860
- That an outer hop must wait at least as long as the one behind it follows from these
  definitions; no vendor states it as a rule.
`,
	Run: runOuterHopGivesUpFirst,
}

func runOuterHopGivesUpFirst(p *Pass) {
	for _, h := range p.Model.Hops {
		for _, r := range h.Routes {
			rt := r.ReadTimeout
			if r.Backend == nil || r.Respond != nil || !rt.Known() || rt.Value == 0 {
				continue
			}
			for _, rh := range reachedHopsVia(r) {
				inner := rh.hop
				worst := p.innerWaitsLonger(h, r, inner)
				if worst == nil {
					continue
				}
				// Which of several servers behind it waits longer (the one its Host picks).
				innerName := product(inner) + " behind it"
				if len(r.Backend.Hops) > 1 {
					innerName = fmt.Sprintf("%s (%s) behind it", product(inner), inner.Name)
				}
				if be := rh.via; be != nil {
					// Reached through an upstream{} of the location's map: only the
					// requests the map sends there wait on it, but each of them gets
					// the location's timeout.
					innerName = fmt.Sprintf("%s, behind upstream %s where the map of %s sends requests,", product(inner), be.Name, mapPass(r))
					if len(be.Hops) > 1 {
						innerName = fmt.Sprintf("%s (%s), behind upstream %s where the map of %s sends requests,", product(inner), inner.Name, be.Name, mapPass(r))
					}
				}
				it := worst.ReadTimeout
				want := suggest(it.Value)
				fix := p.readTimeoutFix(h, r, want, fmt.Sprintf("above %s's %s for %s", product(inner), it.Text, worst.Path))
				pos, rel := atInclude(p.Model, routePos(h, r, rt), rt, r.Block), Related{Pos: it.Pos, Message: product(inner) + " waits longer: " + it.Text}
				msg := fmt.Sprintf("%s, but %s waits up to %s for %s: a request slower than %s gets %s from %s while %s and the app keep working on it. Raise %s above %s, e.g. %s, or lower %s if %s is not that slow.",
					describe(h.ReadTimeoutName(r), rt), innerName, parsers.Seconds(it.Value), withPos(worst.Path, p.Model.HostPos(it.Pos), p.ownLine(pos)),
					parsers.Seconds(rt.Value), timeoutStatus(h), product(h), product(inner), h.ReadTimeoutName(r), parsers.Seconds(it.Value), parsers.Seconds(want),
					inner.ReadTimeoutName(worst), worst.Path)
				if edge, ok := p.Config.EdgeFor(h); ok && want > p.Config.EdgeLimit() {
					// Raising the outer timeout past the edge's limit cannot help: the edge
					// answers 524 first. The inner timeout is the one to lower.
					fix = nil
					pos, rel = it.Pos, related(rt, h.Pos, product(h)+" gives up first")
					own := p.ownLine(pos)
					msg = fmt.Sprintf("%s, but %s waits up to %s for %s: a request slower than %s gets %s from %s while %s and the app keep working on it, and Cloudflare in front (%s) answers 524 after %s anyway. Lower %s below %s for %s, and move slower work to a background job.",
						describe(h.ReadTimeoutName(r), rt), innerName, parsers.Seconds(it.Value), withPos(worst.Path, p.Model.HostPos(it.Pos), own),
						parsers.Seconds(rt.Value), timeoutStatus(h), product(h), product(inner), describeAt(inHost(p.Model, edge), own), parsers.Seconds(p.Config.EdgeLimit()),
						inner.ReadTimeoutName(worst), parsers.Seconds(min(rt.Value, p.Config.EdgeLimit())), worst.Path)
				}
				p.Report(Finding{Pos: pos, Message: msg, Related: []Related{rel}, Fix: fix})
			}
		}
	}
}

func init() { Register(appTimeoutExceedsProxy, outerHopGivesUpFirst) }

// innerWaitsLonger returns the route of hop inner, behind route r of hop h, with the
// slowest explicit read timeout above r's among the paths r serves, or nil: what
// outer-hop-gives-up-first reports. Inner routes with a budget in routes: are left to
// read-timeout-below-budget.
func (p *Pass) innerWaitsLonger(h *parsers.Hop, r *parsers.Route, inner *parsers.Hop) *parsers.Route {
	rt := r.ReadTimeout
	if r.Backend == nil || r.Respond != nil || !rt.Known() || rt.Value == 0 {
		return nil
	}
	var worst *parsers.Route
	for _, ir := range inner.Routes {
		it := ir.ReadTimeout
		if ir.Respond != nil || ir.PathKind == parsers.PathNamed || !it.Explicit() || it.Value <= rt.Value {
			continue
		}
		if h.ServingRouteFor(r, config.RoutePrefix(ir)) != r {
			continue
		}
		if _, ok := p.budget(ir); ok {
			continue
		}
		if worst == nil || it.Value > worst.ReadTimeout.Value {
			worst = ir
		}
	}
	return worst
}

// outerGivesUpFirst reports whether outer-hop-gives-up-first reports route r of hop h:
// a hop behind it waits longer than r does on a path r serves. That finding decides the
// chain without a budget.
func (p *Pass) outerGivesUpFirst(h *parsers.Hop, r *parsers.Route) bool {
	if r.Backend == nil {
		return false
	}
	for _, rh := range reachedHopsVia(r) {
		if p.innerWaitsLonger(h, r, rh.hop) != nil {
			return true
		}
	}
	return false
}
