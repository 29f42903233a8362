package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

var readTimeoutTooShort = &Rule{
	ID:       "read-timeout-too-short",
	Category: Timeout,
	Severity: Warning,
	Summary:  "A proxy's read timeout is so short that ordinary slow responses get 504, and no budget says the route is that fast",
	Formats:  []string{"nginx", "caddy", "terraform", "k8s"},
	Doc: `# read-timeout-too-short

` + "`read-timeout-below-budget`" + ` needs a handler budget in ` + "`.no502.yaml`" + `; this rule needs none.
It reports a read timeout written so short that no ordinary app answers every request
within it: nginx ` + "`proxy_read_timeout`" + ` (and ` + "`fastcgi_read_timeout`" + `, ` + "`uwsgi_read_timeout`" + `,
` + "`scgi_read_timeout`" + `, ` + "`grpc_read_timeout`" + `), Caddy ` + "`response_header_timeout`" + ` (and the fastcgi
transport's ` + "`read_timeout`" + `, which ` + "`php_fastcgi`" + ` takes as its own), an ALB's
` + "`idle_timeout`" + `, ingress-nginx ` + "`proxy-read-timeout`" + `, below ` + "`min_read_timeout`" + ` (default **5s**).

Any response slower than that, a slow query, a cold start after a deploy or a scale-up, a
garbage-collection pause, a cache miss, gets **504 Gateway Timeout** while the app keeps
working on it. Behind nginx with several upstream servers it is worse: a timed-out GET is
retried on the next server (` + "`proxy_next_upstream`" + ` default ` + "`error timeout`" + `) and every
timeout counts toward ` + "`max_fails`" + ` (default 1 in 10s), so a few slow requests mark every
server unavailable and clients get **502** ("no live upstreams") even for fast pages.
nginx's timeout runs between two reads and an ALB's on an idle connection, so a response
already under way that pauses that long (server-sent events, a streamed export) is not a
504 but a cut: the client has the app's status and part of the body, then the connection
closes (nginx 1.22.1 on loopback, ` + "`proxy_read_timeout 3s`" + `, an event every 5s: 200, one
event, closed after 3s). Caddy's ` + "`response_header_timeout`" + ` covers the headers only. Caddy's
fastcgi ` + "`read_timeout`" + ` is one deadline from the request to the end of the response: a
response still being sent then is cut off mid-body (caddy 2.6.2 on loopback,
` + "`read_timeout 2s`" + `, a line a second: 200, cut at 2.0s; a 3s answer got 504). It has no
default: without it Caddy waits as long as php-fpm takes.

An nginx location that answers an ` + "`auth_request`" + ` subrequest is reported with what the client
gets there: auth_request answers **500** to the request it guards when the check times out
(nginx 1.22.1: "auth request unexpected status: 504", the client got 500).

It stays quiet when a hop behind the route waits longer (` + "`outer-hop-gives-up-first`" + ` reports
that setting without asking for a budget), when a ` + "`routes:`" + ` budget covers the route (then ` + "`read-timeout-below-budget`" + `
compares them: a budget of 2s says the route is that fast), or when the app server behind
it kills requests after an explicit time (gunicorn ` + "`--timeout`" + ` on a sync worker, uwsgi
` + "`--harakiri`" + `, php-fpm ` + "`request_terminate_timeout`" + `: an app that gives up after 1s says the route is that fast, and a longer limit
is ` + "`app-timeout-exceeds-proxy`" + `'s finding), on health-check paths, where a
short timeout is the point (` + "`/healthz`" + `, ` + "`= /live`" + `, ` + "`/showhealthcheck`" + `; not ` + "`/healthcare/`" + `, and
not a subtree named with a word pages also use, ` + "`/live/`" + `, ` + "`/status/`" + `), and on WebSocket routes. Set ` + "`min_read_timeout`" + ` in
` + "`.no502.yaml`" + ` to move the floor (` + "`0s`" + ` turns the check off, as does ` + "`rules: {read-timeout-too-short: off}`" + `).

## Fix

Raise the timeout to what the slowest legitimate request needs (the products' defaults are
60s), or declare the route's budget in ` + "`.no502.yaml`" + ` if its handlers really always answer
that fast. The value is the app's, so the fix is a snippet.

## Sources

- nginx proxy_read_timeout default 60s: https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout;
  fastcgi_read_timeout: https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_read_timeout
- timeouts count toward max_fails, and proxy_next_upstream retries on timeout by default:
  https://nginx.org/en/docs/http/ngx_http_upstream_module.html#max_fails,
  https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_next_upstream
- ALB idle timeout default 60s: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html
- Cold starts take seconds: AWS Lambda "from under 100 ms to over 1 second" and more for
  Java without SnapStart: https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html,
  https://aws.amazon.com/blogs/compute/operating-lambda-performance-optimization-part-1/
- Platform request timeouts sit far above 5s: Heroku 30s (https://devcenter.heroku.com/articles/request-timeout),
  Cloud Run 300s default (https://cloud.google.com/run/docs/configuring/request-timeout)
`,
	Run: runReadTimeoutTooShort,
}

func runReadTimeoutTooShort(p *Pass) {
	floor := p.Config.MinReadTimeout.Value
	if !p.Config.MinReadTimeout.Known() || floor <= 0 {
		return
	}
	done := map[string]bool{}
	for _, h := range p.Model.Hops {
		for _, r := range h.Routes {
			rt := r.ReadTimeout
			if r.Respond != nil || !rt.Explicit() || rt.Value <= 0 || rt.Value >= floor {
				continue
			}
			if healthRoute(r) || upgrades(r) || timeoutHandedOn(h, r) {
				continue
			}
			if p.outerGivesUpFirst(h, r) {
				// outer-hop-gives-up-first reports this setting against the hop behind that
				// waits longer: that decides the chain without asking for a budget.
				continue
			}
			if _, ok := p.handlerBudget(r); ok {
				// read-timeout-below-budget (or app-timeout-exceeds-proxy) compares it with
				// the budget: a routes: entry, or the app's own request timeout.
				continue
			}
			pos := atInclude(p.Model, routePos(h, r, rt), rt, r.Block)
			key := fmt.Sprintf("%s:%d:%d", pos.File, pos.Offset, pos.Line)
			if done[key] {
				continue // one ALB idle_timeout serves all its listener rules
			}
			done[key] = true
			name := h.ReadTimeoutName(r)
			worse := ""
			if b := r.Backend; h.Kind == parsers.HopNginx && b != nil && len(activeTargets(b)) >= 2 && countsFailures(activeTargets(b)) {
				// A timeout counts toward max_fails whether or not it is retried (nginx
				// 1.22.1: 504 504 502 502 with retries off too); a server with max_fails=0
				// is never marked down, and the pool never runs out.
				retried := ""
				if retriesOnTimeout(r) && !(r.Retry.Tries.Known() && r.Retry.Tries.Value == 1) {
					retried = "a timed-out GET is retried on the next one and "
				}
				worse = fmt.Sprintf(" With %d upstream servers it gets worse: %seach timeout counts toward max_fails, so a few slow requests mark every server unavailable and clients get 502 (no live upstreams).", len(activeTargets(b)), retried)
			}
			def := "the default is 60s"
			switch h.Kind {
			case parsers.HopGCEIngress:
				def = "Google Cloud's default is 30s"
			case parsers.HopCaddy:
				def = "Caddy's default is no limit"
			case parsers.HopGateway:
				// HTTPRouteTimeouts: an unset request timeout is implementation-specific
				// (gateway-api apis/v1/httproute_types.go); no one default to name.
				def = "unset, the timeout is implementation-specific"
			}
			what := "route " + r.Path
			if r.Path == "" {
				what = "this route"
			}
			fix := p.readTimeoutFix(h, r, 60*time.Second, "above the slowest legitimate request; declare a budget in .no502.yaml for a tighter one")
			if fix != nil {
				fix.snippetOnly()
			}
			phase := "to start"
			if h.Kind == parsers.HopGCEIngress {
				phase = "to finish" // Google's backend service timeout bounds the whole response
			}
			outcome := fmt.Sprintf("any response that takes longer than %s %s, a slow query, a cold start after a deploy, a garbage-collection pause, gets %s from %s while the app is still working on it.%s%s", parsers.Seconds(rt.Value), phase, timeoutStatus(h), product(h), streamCut(h, r, rt.Value), worse)
			if r.AuthFor != "" {
				// An auth_request subrequest: its 504 (or the 502 of a pool marked down)
				// reaches the client as auth_request's 500 for the request it guards.
				if worse != "" {
					worse = fmt.Sprintf(" With %d upstream servers it gets worse: each timeout counts toward max_fails, so a few slow checks mark every server unavailable and every guarded request fails.", len(activeTargets(r.Backend)))
				}
				outcome = fmt.Sprintf("this location answers the auth_request of %s: any check slower than %s, a slow query, a cold start after a deploy, a garbage-collection pause, times out, and nginx answers 500 to the request it guards.%s", r.AuthFor, parsers.Seconds(rt.Value), worse)
			}
			msg := fmt.Sprintf("%s: %s No handler budget in .no502.yaml covers %s: raise %s to what the slowest legitimate request needs (%s), or declare the route's budget (routes:) if its handlers always answer within %s. The floor is min_read_timeout (%s).",
				describe(name, rt), outcome, what, name, def, parsers.Seconds(rt.Value), p.Config.MinReadTimeout.Describe())
			rel := origin(nil, rt, pos, "value set here")
			p.Report(Finding{Pos: pos, Message: msg, Related: rel, Fix: fix})
		}
	}
}

// streamCut says what a read timeout that runs between two reads (nginx's, ingress-nginx's)
// or on an idle connection (an ALB's, a classic ELB's) does to a response already under
// way: the status line has gone to the client, so there is no 504 to send, and the
// connection is closed mid-body. nginx 1.22.1 on loopback, proxy_read_timeout 3s, an
// event stream that sends an event every 5s: 200, the first event, then "upstream timed
// out ... while reading upstream" and curl's "transfer closed with outstanding read data
// remaining" after 3s; access log 200. Caddy's response_header_timeout covers the
// headers only: "". Caddy's fastcgi transport's read_timeout bounds the whole response.
func streamCut(h *parsers.Hop, r *parsers.Route, timeout time.Duration) string {
	if h.Kind == parsers.HopCaddy && r.Pass == "fastcgi" {
		// The fastcgi transport sets read_timeout as one deadline before it sends the
		// request (caddy 2.6.2 on loopback, read_timeout 2s: a response sending a line a
		// second was cut off at 2.0s, 200 and a partial body).
		return fmt.Sprintf(" The %s counts from when Caddy sends the request to the end of the response, not between two reads: a response still being sent after %s (a large page, a streamed export) is cut off mid-body.", parsers.Seconds(timeout), parsers.Seconds(timeout))
	}
	switch h.Kind {
	case parsers.HopGCEIngress:
		// The backend service timeout bounds the whole response
		// (https://cloud.google.com/load-balancing/docs/https#timeout-bes).
		return fmt.Sprintf(" The %s counts to the end of the response, not between two reads: a response still being sent after %s (a large download, a streamed export) is cut off mid-body.", parsers.Seconds(timeout), parsers.Seconds(timeout))
	case parsers.HopNginx, parsers.HopIngressNginx, parsers.HopALB, parsers.HopALBIngress, parsers.HopCLB:
		return fmt.Sprintf(" A response already under way that pauses for %s (server-sent events, a streamed export) is cut off mid-body instead: the client has the app's status and part of the body, then the connection closes.", parsers.Seconds(timeout))
	}
	return ""
}

// healthRoute reports whether a route serves health checks, where a short timeout is the
// point: a health path (/healthz), or a location named for them (NGINX Plus's
// location @healthcheck { health_check; }, /showhealthcheck).
// "health" counts as a word (/healthcheck, /showhealthcheck), not the start of one
// (/healthcare/). A prefix location ending in / names a subtree of pages: it is a health
// route only under an unambiguous health name (/healthz/), not a word pages also use
// (/live/stream, /status/orders, /up/).
func healthRoute(r *parsers.Route) bool {
	if r.PathKind == parsers.PathRegex {
		return false
	}
	path := strings.TrimPrefix(r.Path, "@")
	if r.PathKind != parsers.PathNamed && len(path) > 1 && strings.HasSuffix(path, "/") {
		return strictHealthPath.MatchString(strings.TrimSuffix(path, "/"))
	}
	return looksLikeHealth(path) || healthWord.MatchString(path)
}

var (
	healthWord       = regexp.MustCompile(`(?i)health(z|check|-check|_check)?($|[/_.-])`)
	strictHealthPath = regexp.MustCompile(`(?i)(^|/)_?(health(z|check|-check|_check)?|readyz|readiness|livez|liveness)$`)
)

// retriesOnTimeout reports whether nginx passes a timed-out request to the next server
// (proxy_next_upstream includes timeout, as its default error timeout does).
// countsFailures reports whether nginx may mark every one of targets down: none has
// max_fails=0, which turns its failure accounting off.
func countsFailures(targets []*parsers.Target) bool {
	for _, t := range targets {
		if !t.MaxFails.Known() || t.MaxFails.Value == 0 {
			return false
		}
	}
	return true
}

func retriesOnTimeout(r *parsers.Route) bool {
	c := r.Retry.Conditions
	return c.Known() && slices.Contains(c.Value, "timeout")
}

func init() {
	Register(readTimeoutTooShort)
}
