package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// Timeout rules: a hop that gives up before the app answers (504), an edge that gives up
// before the hop does (524), upstream connections that are never reused.

var readTimeoutBelowBudget = &Rule{
	ID:       "read-timeout-below-budget",
	Category: Timeout,
	Severity: Warning,
	Summary:  "A proxy or load balancer stops waiting for the app before the route's handler budget",
	Formats:  []string{"nginx", "caddy", "terraform", "k8s"},
	Doc: `# read-timeout-below-budget

A proxy waits a bounded time for the upstream's response: nginx ` + "`proxy_read_timeout`" + ` (default
60s, measured between two reads), Caddy ` + "`response_header_timeout`" + ` (default: none), an AWS ALB
` + "`idle_timeout`" + ` (default 60s, no byte in either direction), ingress-nginx ` + "`proxy-read-timeout`" + `
(default 60, unitless seconds). When the app takes longer than that to answer, the proxy
gives up and returns **504 Gateway Timeout** (an ALB returns 504 too) while the handler is
still running, and a client that retries runs the work twice.
In Caddy's JSON config the timeouts are the reverse_proxy handler's ` + "`transport.response_header_timeout`" + `
and ` + "`transport.read_timeout`" + ` (nanoseconds or a duration string).

Caddy's server-wide ` + "`servers { timeouts { write 30s } }`" + ` (JSON ` + "`write_timeout`" + `; default none)
is reported too when it is below a budget of a route the server forwards: it closes the
connection that long after the request's headers were read, whatever the handler is doing,
so a slower response is lost and the client gets no response at all (a load balancer in
front answers 502). The fix is a snippet: the setting bounds every response of the server.

no502 compares each route's effective read timeout (explicit, inherited, or the product's
default) with the handler budget you declare in ` + "`.no502.yaml`" + `:

` + "```yaml" + `
routes:
  - match: /webhooks/
    handler_timeout: 90s
` + "```" + `

A budget applies to every route that serves a matching path: a route under the prefix, and
the most specific route that covers it (` + "`location /`" + ` serves ` + "`/webhooks/`" + ` when nothing
closer does). An nginx server's locations are searched as nginx searches them: an exact
location, else the longest prefix, then the regex locations in config order, the first
match winning, unless the prefix is ` + "`^~`" + `. A budget reaches a location when a request under
its prefix (the prefix itself, a location's own path, a match of an anchored regex:
` + "`^/webhooks/(github|gitlab)$`" + ` → ` + "`/webhooks/github`" + `) is answered by it: ` + "`location /`" + ` does not
serve ` + "`/webhooks/`" + ` when ` + "`location ~ ^/webhooks/`" + ` takes those requests, and a regex after one
that matches first never does. A regex Go cannot evaluate (a PCRE lookahead) leaves the
answer unknown, and the locations it may shadow are not reported. A budget for ` + "`/`" + ` covers
an unanchored regex too: a PHP site's ` + "`location ~ \\.php$`" + ` serves every page; a narrower
budget leaves it to the budget for ` + "`/`" + `. A named location is reached through the
locations that hand requests to it with ` + "`try_files ... @backend`" + ` (the paths with no file);
other internal redirects to it are not followed.

A CloudFront distribution in front of an ALB (Terraform: an ` + "`origin`" + ` whose ` + "`domain_name`" + ` is the
` + "`aws_lb`" + `'s ` + "`dns_name`" + `, used by the ` + "`default_cache_behavior`" + `) waits ` + "`origin_read_timeout`" + ` in
its ` + "`custom_origin_config`" + ` (default 30s; above 60s only after a quota increase) for the
origin's response, then answers the viewer **504**. It is reported when that is below the
budget of a route of the ALB that its requests reach: a budget whose path an
` + "`ordered_cache_behavior`" + ` sends to another origin (` + "`/exports/*`" + `) is left out. The ALB's own
` + "`idle_timeout`" + ` is not a budget: a load balancer raised for long requests may get them
directly, past CloudFront. Listener rules on a host name are left out too: CloudFront sends
the origin's domain name as Host unless an origin request policy forwards the viewer's. A distribution whose default behavior, origins or cache
behaviors cannot be read (an origin group, dynamic blocks, unknown ids) is not checked.
The fix is a snippet.

nginx locations that forward by FastCGI, uwsgi, SCGI or gRPC are checked the same way with
their module's timeout: ` + "`fastcgi_read_timeout`" + `, ` + "`uwsgi_read_timeout`" + `, ` + "`scgi_read_timeout`" + `,
` + "`grpc_read_timeout`" + ` (each 60s by default; ` + "`proxy_read_timeout`" + ` does not apply to them).
Caddy's ` + "`php_fastcgi`" + ` (and a ` + "`reverse_proxy`" + ` with ` + "`transport fastcgi`" + `) with the fastcgi
transport's ` + "`read_timeout`" + `: no limit by default, and a deadline on the whole response
when set.

When an edge such as Cloudflare sits in front and the budget is above its limit, this rule
stays quiet and ` + "`edge-timeout-exceeded`" + ` reports the real problem: no proxy timeout can help.
That holds for every hop of the chain, not only the one that shows the edge: an ALB in front
of an nginx that reads CF-Connecting-IP has Cloudflare in front of it too. Such a hop must
still cover the longest budget under the edge's limit, and is reported against that one.

## Without .no502.yaml: the app server's own timeout

A route that no ` + "`routes:`" + ` entry reaches can still have a budget: the app server behind it
may kill every request after an explicit time, which says how long its handlers may run.
no502 takes that time as the budget of every route whose requests reach the app, directly
or through other proxies:

- gunicorn ` + "`--timeout`" + ` (` + "`-t`" + `, ` + "`GUNICORN_CMD_ARGS`" + `) on a **sync** worker, which the arbiter kills
  when one request runs longer. On gthread, gevent, eventlet and the other worker classes
  the timeout is a heartbeat: a worker busy with a long request in a thread still notifies
  the arbiter, so it bounds no request and is not a budget.
- uWSGI ` + "`--harakiri`" + ` (` + "`-t`" + `, ` + "`UWSGI_HARAKIRI`" + `): the master kills a worker whose request runs
  longer, measured in wall-clock seconds.
- php-fpm ` + "`request_terminate_timeout`" + ` (a pool's wall-clock limit; ` + "`0`" + `, the default, is off),
  read from the pool files php-fpm runs with: files a Compose service mounts into its
  pool directory (` + "`./php/www.conf:/usr/local/etc/php-fpm.d/www.conf`" + `) or
  ` + "`php-fpm.conf`" + `, and ConfigMap keys a pod mounts there. It is the budget of the nginx
  routes whose ` + "`fastcgi_pass`" + ` (Caddy: ` + "`php_fastcgi`" + `, ` + "`transport fastcgi`" + `) reaches that php-fpm: a Compose service by name, a
  Kubernetes Service, or a sidecar at 127.0.0.1 in the same pod. Every pool php-fpm runs
  must set one (a pool without a limit may be the one answering), and with several the
  shortest counts; a mounted file that leaves the image's own ` + "`[www]`" + ` pool in place does not count.
- ` + "`request_timeout`" + ` under ` + "`backends:`" + ` in ` + "`.no502.yaml`" + `, for servers no502 cannot read.

Only a value someone wrote counts: gunicorn's default 30s was not chosen for these
handlers, and uWSGI has none. The declared budget wins when both exist. The message says
where the budget came from: "below the 120s handler budget from gunicorn --timeout 120
(deploy.yaml:31)".

One cause, one finding: the hop directly in front of the app is
` + "`app-timeout-exceeds-proxy`" + `'s (it names the app); a hop that gives up before a hop behind it
that waits longer is ` + "`outer-hop-gives-up-first`" + `'s. This rule reports the other hops in
front, such as an ALB in front of an nginx that waits long enough. PHP's
` + "`max_execution_time`" + ` is not a budget (on Linux it counts the script's CPU time, not time
spent waiting on a database or a network call).

A run without budgets says in its summary how many routes it could not check this way;
` + "`no502 init`" + ` lists them.

## Fix

Raise the read timeout above the budget on the route (the fix inserts it in the location,
reverse_proxy, load balancer or Ingress that serves the path), or make the handler faster.

## Evidence

` + "`" + `proxy_read_timeout 1s` + "`" + ` (Caddy ` + "`" + `response_header_timeout 1s` + "`" + `) with a handler taking 1.5s
within its 2s budget: 10 of 10 POSTs got 504 on nginx 1.22.1 and Caddy 2.6.2; after the
fix (15s), 0. Behind two nginx servers, GETs came back as **502** (9 of 10: "no live
upstreams", once nginx had resent them and both servers had timed out), POSTs as 504.
See [docs/evidence.md](../evidence.md#read-timeout-below-budget-nginx).

## Sources

- Caddy ` + "`servers > timeouts > write`" + ` is Go's http.Server WriteTimeout ("the maximum duration
  before timing out writes of the response. It is reset whenever a new request's header is
  read"): https://caddyserver.com/docs/caddyfile/options#timeouts,
  https://pkg.go.dev/net/http#Server
- CloudFront response timeout (origin read timeout): default 30s, 1-60s, more only with
  a quota increase; 504 when "the origin didn't respond before the request expired":
  https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesOrigin.html#DownloadDistValuesOriginResponseTimeout,
  https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/http-504-gateway-timeout.html,
  https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/cloudfront_distribution#origin_read_timeout-1
- nginx ` + "`proxy_read_timeout`" + ` default 60s, between two successive reads:
  https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_read_timeout;
  https://github.com/nginx/nginx/blob/3f6f7824d4e2eb1ac37dec76683d525ac0ff521c/src/http/modules/ngx_http_proxy_module.c#L3735
- ` + "`fastcgi_read_timeout`" + `, ` + "`uwsgi_read_timeout`" + `, ` + "`scgi_read_timeout`" + `, ` + "`grpc_read_timeout`" + ` default 60s:
  https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_read_timeout,
  https://nginx.org/en/docs/http/ngx_http_uwsgi_module.html#uwsgi_read_timeout,
  https://nginx.org/en/docs/http/ngx_http_scgi_module.html#scgi_read_timeout,
  https://nginx.org/en/docs/http/ngx_http_grpc_module.html#grpc_read_timeout
- Caddy ` + "`response_header_timeout`" + ` default none: https://github.com/caddyserver/caddy/blob/0cf03d32f7d99cf160d5375e8a40fbe3d910d515/modules/caddyhttp/reverseproxy/httptransport.go#L108-L109
- AWS ALB idle timeout default 60s, range 1-4000s: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html
- ingress-nginx proxy-read-timeout default 60: https://github.com/kubernetes/ingress-nginx/blob/dbb11b92ddb77bee9c35e462479129354c84f939/internal/ingress/controller/config/config.go#L858-L860
- gunicorn ` + "`--timeout`" + `: sync workers silent longer are killed; for other workers it only
  says the process still talks to the arbiter, not how long a request takes:
  https://github.com/benoitc/gunicorn/blob/65ac1a3/gunicorn/config.py#L851-L858
- uWSGI harakiri (off by default; ` + "`-t`" + `; every option also from a ` + "`UWSGI_`" + ` variable):
  https://uwsgi-docs.readthedocs.io/en/latest/Glossary.html,
  https://uwsgi-docs.readthedocs.io/en/latest/Options.html#harakiri,
  https://uwsgi-docs.readthedocs.io/en/latest/Configuration.html#environment-variables
- php-fpm ` + "`request_terminate_timeout`" + ` ("the timeout for serving a single request after which
  the worker process will be killed"; default 0, off; units s, m, h, d):
  https://www.php.net/manual/en/install.fpm.configuration.php
- PHP ` + "`max_execution_time`" + ` leaves out time spent outside the script (system calls, stream
  operations, database queries) everywhere but Windows:
  https://www.php.net/manual/en/function.set-time-limit.php
`,
	Run: runReadTimeoutBelowBudget,
}

func runReadTimeoutBelowBudget(p *Pass) {
	// A load balancer's routes share its one idle timeout: a rule forwarding to two
	// target groups (a weighted canary) is two routes with the same finding, which is
	// reported once. (An nginx or Caddy route has a block of its own, where its fix goes.)
	type key struct {
		pos    parsers.Pos
		budget string
	}
	reported := map[key]bool{}
	for _, h := range p.Model.Hops {
		for _, r := range h.Routes {
			if r.Respond != nil || !r.ReadTimeout.Known() || r.ReadTimeout.Value == 0 || timeoutHandedOn(h, r) {
				// timeoutHandedOn: an error_page for 504 sends the timed-out request to
				// a location that forwards it again: no 504 for the client.
				continue
			}
			rb, ok := p.handlerBudget(r)
			if !ok || r.ReadTimeout.Value >= rb.value() {
				continue
			}
			if rb.value() > p.Config.EdgeLimit() && p.edgeOnChain(h, r) {
				// edge-timeout-exceeded says what can be done for the routes whose budget
				// the edge cuts off; this hop must still cover the longest budget below it.
				within, ok := p.Config.BudgetWithin(r, p.Config.EdgeLimit())
				if !ok || rb.fromApp() || r.ReadTimeout.Value >= within.HandlerTimeout.Value {
					continue
				}
				rb = declaredBudget(within)
			}
			if rb.fromApp() && (p.directAppOutwaits(r) || p.outerGivesUpFirst(h, r)) {
				// One cause, one finding: app-timeout-exceeds-proxy names the app right
				// behind this hop, outer-hop-gives-up-first the hop behind that waits longer.
				continue
			}
			name := h.ReadTimeoutName(r)
			want := suggest(rb.value())
			pos := atInclude(p.Model, routePos(h, r, r.ReadTimeout), r.ReadTimeout, r.Block)
			fix := p.readTimeoutFix(h, r, want, rb.above())
			how := fmt.Sprintf("set %s to at least %s, e.g. %s", name, parsers.Seconds(rb.value()), parsers.Seconds(want))
			if fix != nil && fix.Description != "" {
				how = fix.Description
			}
			status := caddyStatus(h, 504)
			if h.Kind == parsers.HopGCEIngress {
				status = timeoutStatus(h)
			}
			if b := r.Backend; h.Kind == parsers.HopNginx && b != nil && len(activeTargets(b)) > 1 && countsFailures(activeTargets(b)) {
				// As read-timeout-too-short says it: a timeout counts toward max_fails
				// whether or not it is retried, and a server with max_fails=0 is never
				// marked down (the pool never runs out: 504 only).
				resent := ""
				if retriesOnTimeout(r) && !(r.Retry.Tries.Known() && r.Retry.Tries.Value == 1) {
					resent = " and resends a GET to the next server"
				}
				status = "504, or 502 once every server has timed out (nginx counts a timeout against max_fails" + resent + ": no live upstreams)"
			}
			msg := fmt.Sprintf("%s, below the %s: when the app takes longer than %s, %s stops waiting and returns %s while the handler is still running. %s.",
				describe(name, r.ReadTimeout), rb.phrase(),
				parsers.Seconds(r.ReadTimeout.Value), product(h), status, upperFirst(how))
			rel := []Related{rb.related()}
			rel = origin(rel, r.ReadTimeout, pos, "value set here")
			if r.Block.File == "" && r.Pos.IsValid() && (r.Pos.File != pos.File || r.Pos.Line != pos.Line) {
				// A load balancer's route (listener rule) is not where the value lives: name it.
				rel = append(rel, Related{Pos: r.Pos, Message: "the route for " + r.Path + " that it serves"})
			}
			if r.Block.File == "" {
				// A load balancer's route: its fix edits the hop, whichever route it is.
				if k := (key{pos, rb.phrase()}); reported[k] {
					continue
				} else {
					reported[k] = true
				}
			}
			p.Report(Finding{Pos: pos, Message: msg, Related: rel, Fix: fix})
		}
	}
	reportCaddyWriteBelowBudget(p)
	reportCDNBelowBudget(p)
}

// reportCDNBelowBudget reports a CloudFront origin whose origin_read_timeout is below the
// handler budget of a route of the ALB it sends its default cache behavior to: CloudFront
// answers the viewer 504 when the origin has not responded by then, while the ALB and the
// app go on with the request. One finding per origin, naming the largest budget of the
// ALB's routes that requests through it reach: a budget whose path an ordered cache
// behavior sends to another origin is not counted. The ALB's own idle_timeout is not a
// budget (a load balancer raised for long requests may have them go to it directly, past
// CloudFront): only a routes: entry or the app server's explicit request timeout is. The fix is a snippet:
// above 60s CloudFront needs a quota increase first.
func reportCDNBelowBudget(p *Pass) {
	for _, h := range p.Model.Hops {
		for _, cdn := range h.CDNs {
			rt := cdn.ReadTimeout
			if !rt.Known() || rt.Value <= 0 {
				continue
			}
			var worst handlerBudget
			var worstRoute *parsers.Route
			for _, r := range h.Routes {
				if r.Respond != nil || r.Backend == nil || r.Host != "" {
					// A listener rule on a host name: CloudFront sends the origin's own
					// name as Host unless a policy forwards the viewer's, which is not read.
					continue
				}
				rb, ok := p.handlerBudget(r)
				if !ok || rb.value() <= rt.Value || cdnSendsElsewhere(rb.Match, cdn.Elsewhere) {
					continue
				}
				if worstRoute == nil || rb.value() > worst.value() {
					worst, worstRoute = rb, r
				}
			}
			if worstRoute == nil {
				continue
			}
			pos := cdn.Pos
			if rt.Explicit() {
				pos = rt.Pos
			}
			want := suggest(worst.value())
			quota := ""
			if want > 60*time.Second {
				quota = " (CloudFront accepts more than 60s only after a quota increase for the account)"
			}
			own := p.ownLine(pos)
			msg := fmt.Sprintf("%s sends requests to %s and waits %s for a response (%s), below the %s: when the app takes longer than %s, CloudFront answers the viewer 504 while %s and the app keep working on the request. Raise origin_read_timeout to at least %s, e.g. %s%s.",
				cdn.Name, withPos(h.Name, p.Model.HostPos(h.Pos), own), parsers.Seconds(rt.Value), describe("origin_read_timeout", rt), worst.phrase(),
				parsers.Seconds(rt.Value), product(h), parsers.Seconds(worst.value()), parsers.Seconds(want), quota)
			fix := &Fix{
				Description: "not written: how far to raise origin_read_timeout is a choice (it bounds every request of the origin, and above 60s needs a CloudFront quota increase)",
				Snippet:     fmt.Sprintf("origin_read_timeout = %d\n", int(want/time.Second)),
			}
			fix.snippetOnly()
			rel := []Related{worst.related(), {Pos: h.Pos, Message: "the ALB behind CloudFront: " + h.Name}}
			rel = origin(rel, rt, pos, "value set here")
			p.Report(Finding{Pos: pos, Message: msg, Related: rel, Fix: fix})
		}
	}
}

// cdnSendsElsewhere reports whether an ordered cache behavior sends every request under
// the path prefix to another origin: its pattern ends in "*" and what comes before that
// star matches a beginning of the prefix ("*", "/exports/*", "/ex?orts*"). CloudFront
// patterns may omit the leading slash; "*" matches any run of characters, "?" one. A
// pattern that does not end in "*" ("*.jpg") takes only some of the paths.
func cdnSendsElsewhere(path string, patterns []string) bool {
	path = strings.TrimPrefix(strings.TrimSuffix(path, "*"), "/")
	for _, q := range patterns {
		stem, ok := strings.CutSuffix(strings.TrimPrefix(q, "/"), "*")
		if !ok {
			continue
		}
		for i := 0; i <= len(path); i++ {
			if globMatch(stem, path[:i]) {
				return true
			}
		}
	}
	return false
}

// globMatch matches s against a CloudFront path pattern: "*" is any run of characters
// ("/" included), "?" exactly one.
func globMatch(pattern, s string) bool {
	for len(pattern) > 0 {
		switch pattern[0] {
		case '*':
			for i := 0; i <= len(s); i++ {
				if globMatch(pattern[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != pattern[0] {
				return false
			}
		}
		pattern, s = pattern[1:], s[1:]
	}
	return s == ""
}

// reportCaddyWriteBelowBudget reports a Caddy server whose write timeout (servers
// timeouts write, JSON write_timeout) is below the handler budget of a route it
// forwards: Go's http.Server closes the connection that long after the request's headers
// were read, whatever the handler is doing, so a slower response is lost (caddy 2.6.2 on
// loopback, write 2s, an upstream answering after 3s: curl got "Empty reply from server"
// after 3s; an ALB in front answers 502 for a connection closed without a response). One
// finding per written timeout, naming the largest budget it cuts. WebSocket routes are
// left out: what a hijacked connection keeps of the deadline is not modelled.
func reportCaddyWriteBelowBudget(p *Pass) {
	type cut struct {
		h  *parsers.Hop
		r  *parsers.Route
		rb handlerBudget
	}
	var order []parsers.Pos
	worst := map[parsers.Pos]cut{}
	for _, h := range p.Model.Hops {
		wt := h.ResponseTimeout
		if h.Kind != parsers.HopCaddy || !wt.Explicit() || wt.Value <= 0 {
			continue
		}
		for _, r := range h.Routes {
			if r.Backend == nil || r.Respond != nil || r.WebSocket {
				continue
			}
			rb, ok := p.handlerBudget(r)
			if !ok || wt.Value >= rb.value() || rb.value() > p.Config.EdgeLimit() && p.edgeOnChain(h, r) {
				continue // edge-timeout-exceeded says what the edge cuts
			}
			c, seen := worst[wt.Pos]
			if !seen {
				order = append(order, wt.Pos)
			}
			if !seen || rb.value() > c.rb.value() {
				worst[wt.Pos] = cut{h, r, rb}
			}
		}
	}
	for _, pos := range order {
		c := worst[pos]
		wt := c.h.ResponseTimeout
		name := "write"
		if c.h.Format == parsers.FormatCaddy && strings.HasSuffix(pos.File, ".json") {
			name = "write_timeout"
		}
		msg := fmt.Sprintf("%s, below the %s: Caddy closes a connection %s after the request's headers were read, whatever the handler is doing, so a response slower than that is lost: the client gets no response at all (a load balancer in front answers 502), while the app runs the request to the end. Set %s to at least %s, e.g. %s, or remove it (Caddy's default is none).",
			describe(name, wt), c.rb.phrase(), parsers.Seconds(wt.Value), name, parsers.Seconds(c.rb.value()), parsers.Seconds(suggest(c.rb.value())))
		path := c.r.Path
		if path == "" {
			path = "its paths"
		}
		rel := []Related{c.rb.related(), {Pos: c.r.Pos, Message: "the route for " + path + " that it cuts"}}
		snippet := fmt.Sprintf("write %s", parsers.Seconds(suggest(c.rb.value())))
		if name == "write_timeout" {
			snippet = fmt.Sprintf("%q: %q", name, parsers.Seconds(suggest(c.rb.value())))
		}
		fix := &Fix{Description: "not written: " + name + " bounds every response of the server, for all its sites (a guard against slow clients too); how far to raise it is a choice for the whole server",
			Snippet: snippet}
		fix.snippetOnly()
		p.Report(Finding{Pos: pos, Message: msg, Related: rel, Fix: fix})
	}
}

// edgeOnChain reports whether an edge (Cloudflare) is in front of route r of hop h: in
// front of h itself, or in front of a hop behind r (an nginx that sees CF-Connecting-IP
// behind an ALB has Cloudflare in front of the ALB too, since its requests come through
// it). Then a budget above the edge's limit cannot be met by raising r's timeout, and
// edge-timeout-exceeded, on the hop that shows the edge, says what can be done.
func (p *Pass) edgeOnChain(h *parsers.Hop, r *parsers.Route) bool {
	if _, edge := p.Config.EdgeFor(h); edge {
		return true
	}
	seen := map[*parsers.Hop]bool{h: true}
	var behind func(be *parsers.Backend) bool
	behind = func(be *parsers.Backend) bool {
		if be == nil {
			return false
		}
		for _, inner := range be.Hops {
			if seen[inner] {
				continue
			}
			seen[inner] = true
			if _, edge := p.Config.EdgeFor(inner); edge {
				return true
			}
			for _, ir := range inner.Routes {
				if behind(ir.Backend) {
					return true
				}
			}
		}
		return false
	}
	return behind(r.Backend)
}

var edgeTimeoutExceeded = &Rule{
	ID:       "edge-timeout-exceeded",
	Category: Timeout,
	Severity: Warning,
	Summary:  "Cloudflare is in front and a route may take longer than its proxy read timeout (524)",
	Formats:  []string{"nginx", "caddy", "terraform", "k8s"},
	Doc: `# edge-timeout-exceeded

Cloudflare's proxy waits a bounded time for the origin's first response byte (its *Proxy
Read Timeout*: 120s in current documentation, 100s in older pages; only Enterprise plans can
raise it, up to 6000s). When the origin has not answered by then, Cloudflare returns
**524 A Timeout Occurred** to the client, whatever the timeouts behind it say. A long
` + "`proxy_read_timeout`" + ` behind Cloudflare only keeps nginx and the app busy after the client
has gone.

no502 knows Cloudflare is in front when ` + "`.no502.yaml`" + ` says ` + "`edge: cloudflare`" + `, or, with the
default ` + "`edge: auto`" + `, from signals in the configs: nginx ` + "`real_ip_header CF-Connecting-IP`" + `
or ` + "`set_real_ip_from`" + ` with Cloudflare's published ranges, a Terraform ` + "`cloudflare_record`" + `
with ` + "`proxied = true`" + ` pointing at a load balancer. The limit is ` + "`edge_timeout`" + ` in
` + "`.no502.yaml`" + ` (default 120s).

It reports a route when its handler budget is above the limit, or when its explicit read
timeout is (WebSocket routes, which Cloudflare does not time out this way, are skipped).
The budget is the route's ` + "`routes:`" + ` entry, or without one the explicit request timeout of
the app server behind it (gunicorn ` + "`--timeout`" + ` on a sync worker, uwsgi ` + "`--harakiri`" + `,
php-fpm ` + "`request_terminate_timeout`" + `; see
` + "`read-timeout-below-budget`" + `): an app allowed to run a request 300s behind Cloudflare is
reported here, not by ` + "`app-timeout-exceeds-proxy`" + `, since raising the proxy cannot help.

## Fix

Acknowledge fast and queue the work: answer ` + "`202 Accepted`" + ` within seconds, do the work in a
background job, and let the client poll or receive a callback. Keep the proxy's read
timeout below the edge's limit so the proxy, not the edge, reports slow upstreams. If you
have an Enterprise plan with a raised Proxy Read Timeout, set ` + "`edge_timeout`" + `.

## Sources

- Cloudflare Proxy Read Timeout (100s historically, 120s in current docs; Enterprise up to
  6000s): https://developers.cloudflare.com/fundamentals/reference/connection-limits/,
  https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/error-524/
- Cloudflare IP ranges: https://www.cloudflare.com/ips/
`,
	Run: runEdgeTimeoutExceeded,
}

func runEdgeTimeoutExceeded(p *Pass) {
	limit := p.Config.EdgeLimit()
	for _, h := range p.Model.Hops {
		edge, ok := p.Config.EdgeFor(h)
		if !ok {
			continue
		}
		// signal names what says Cloudflare is in front, and where unless a finding on
		// line own is there.
		signal := func(own string) string {
			if q := quotePos(p.Model.HostPos(edge.Pos), own); edge.Pos.IsValid() && q != "" {
				return edge.Text + ", " + q
			}
			return edge.Text
		}
		for _, r := range h.Routes {
			if r.Respond != nil {
				continue
			}
			rel := []Related{{Pos: edge.Pos, Message: "Cloudflare is in front: " + edge.Text}}
			if !edge.Pos.IsValid() {
				rel = nil
			}
			if rb, ok := p.handlerBudget(r); ok && rb.value() > limit {
				fix := p.lowerReadTimeoutFix(h, r, limit)
				if fix != nil {
					// The real fix is a design change (queue the work); the snippet shows
					// the proxy side of it, but applying it alone does not make the route fit.
					fix.snippetOnly()
				}
				msg := fmt.Sprintf("%s, but Cloudflare is in front (%s) and answers 524 when the origin sends nothing for %s: no proxy timeout can make this route work. Acknowledge fast and queue the work (202 Accepted, process in the background), or raise Cloudflare's Proxy Read Timeout (Enterprise) and edge_timeout.",
					rb.mayTake(), signal(p.ownLine(r.Pos)), parsers.Seconds(limit))
				p.Report(Finding{Pos: r.Pos, Message: msg, Related: append(rel, rb.related()), Fix: fix})
				continue
			}
			if r.ReadTimeout.Explicit() && r.ReadTimeout.Value > limit && !upgrades(r) {
				fix := p.lowerReadTimeoutFix(h, r, limit)
				pos := atInclude(p.Model, routePos(h, r, r.ReadTimeout), r.ReadTimeout, r.Block)
				msg := fmt.Sprintf("%s is longer than the %s Cloudflare waits for a response (%s): a request that slow gets a 524 from Cloudflare while %s keeps waiting. Keep %s at or below %s and move slow work to a background job.",
					r.ReadTimeout.Text, parsers.Seconds(limit), signal(p.ownLine(pos)), product(h), h.ReadTimeoutName(r), parsers.Seconds(limit))
				rel = origin(rel, r.ReadTimeout, pos, "value set here")
				p.Report(Finding{Pos: pos, Message: msg, Related: rel, Fix: fix})
			}
		}
	}
}

// upgrades reports whether a route proxies WebSocket upgrades, which Cloudflare does not
// cut at its read timeout once the connection is upgraded.
func upgrades(r *parsers.Route) bool {
	if r.WebSocket {
		return true
	}
	if strings.Contains(strings.ToLower(r.ConnectionHeader.Value), "upgrade") {
		return true
	}
	// Connection $connection_upgrade evaluates to "close" for ordinary requests (its
	// map); the Upgrade header forwarded next to it still marks a WebSocket route.
	for _, h := range r.Headers {
		if name, _, _ := strings.Cut(h.Value, " "); strings.EqualFold(name, "Upgrade") {
			return true
		}
	}
	return strings.Contains(strings.ToLower(r.ConnectionHeader.Text), "upgrade")
}

var upstreamKeepaliveUnused = &Rule{
	ID:       "upstream-keepalive-unused",
	Category: Timeout,
	Severity: Warning,
	Summary:  "nginx upstream keepalive is configured but the location closes every upstream connection",
	Formats:  []string{"nginx"},
	Doc: `# upstream-keepalive-unused

` + "`keepalive N`" + ` in an nginx ` + "`upstream {}`" + ` keeps idle connections to the backend open for reuse.
Before nginx 1.29.7 that only works when the proxying location also sends HTTP/1.1 without
a ` + "`Connection: close`" + ` header: nginx's defaults there were ` + "`proxy_http_version 1.0`" + ` and
` + "`Connection: close`" + `. Without both settings every request opens (and the backend closes) a
new TCP connection: the keepalive cache stays empty, latency rises, and under load the proxy
runs out of ephemeral ports or the backend's accept queue overflows: connect errors that
nginx turns into **502**. nginx 1.29.7 changed both defaults (HTTP/1.1, no Connection header)
and turned on a keepalive cache of 32 for every ` + "`upstream {}`" + `.

Before 1.29.7 the order inside ` + "`upstream {}`" + ` matters too: a balancing method
(` + "`least_conn`" + `, ` + "`hash`" + `, ` + "`ip_hash`" + `, ` + "`random`" + `) written after ` + "`keepalive`" + ` replaces it
(` + "`nginx -t`" + ` warns "load balancing method redefined") and no connection is kept, whatever
the locations send. The finding is then on the ` + "`keepalive`" + ` line, and the fix moves the
balancing method to the top of the block (nginx's keepalive doc: "it is necessary to
activate them before the keepalive directive"). Such an upstream keeps no idle
connections, so ` + "`keepalive-race`" + ` does not report it.

The right settings depend on the version, so set ` + "`nginx_version`" + ` in ` + "`.no502.yaml`" + `. When it
is unset, no502 assumes a version before 1.29.7 (what Debian, Ubuntu LTS and most images
ship) and reports at ` + "`info`" + `.

## Fix

` + "```nginx" + `
location /api/ {
    proxy_pass http://app;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
}
` + "```" + `

The WebSocket recipe ` + "`map $http_upgrade $connection_upgrade { default upgrade; '' close; }`" + `
with ` + "`proxy_set_header Connection $connection_upgrade`" + ` sends ` + "`close`" + ` for every request
without an Upgrade header: no502 evaluates simple maps (string and regex keys, ` + "`default`" + `)
for an ordinary request and reports the location; the fix is the map's ` + "`'' \"\";`" + `, which keeps
` + "`Connection: upgrade`" + ` for WebSockets. A map it cannot evaluate (keyed by another variable,
` + "`hostnames`" + `, ` + "`include`" + `, PCRE-only syntax) leaves the header unknown and the rule silent.

A location whose upstream a map{} chooses (` + "`proxy_pass http://$backend;`" + ` with
` + "`map $host $backend { default app1; api.example.com app2; }`" + `) reaches every upstream{} the
map's values name: it is reported for the first of them that keeps idle connections, as the
requests the map sends there close them all the same.

A location that sets any ` + "`proxy_set_header`" + ` stops inheriting all of the server's
` + "`proxy_set_header`" + ` lines: copy the ones you rely on (Host, X-Forwarded-For) into it.
` + "`--fix`" + ` copies the inherited lines it read; when an include in the location or around it
was not read (` + "`include proxy_params;`" + `, the nginx package's file, or one outside the linted
paths, or a glob that matched nothing here), the lines it may set are unknown and the fix
is a snippet that says so. An include inside the location itself that was not read (other
than the stock files, which set neither) may set ` + "`proxy_http_version`" + ` or the Connection
header there: the rule is then silent. The stock ` + "`proxy_params`" + ` included in the location
makes its ` + "`proxy_set_header`" + ` lines the location's own, so the fix adds the Connection line
beside it and copies nothing.

## Evidence

nginx 1.22.1 with ` + "`" + `keepalive 16` + "`" + ` and the default HTTP/1.0 opened 40 upstream connections
for 40 requests; after the fix, 2. With HTTP/1.1 and ` + "`keepalive 16; least_conn;`" + `, 6 connections
for 6 requests; with ` + "`least_conn`" + ` moved above it, 2. No request failed at that load: the 502s come from the
churn under heavy load and are not reproduced.
See [docs/evidence.md](../evidence.md#upstream-keepalive-unused-nginx-with-keepalive-16-and-the-default-http10).

## Sources

- nginx 1.28 defaults HTTP/1.0 and ` + "`Connection: close`" + `:
  https://github.com/nginx/nginx/blob/release-1.28.0/src/http/modules/ngx_http_proxy_module.c#L844,
  https://github.com/nginx/nginx/blob/release-1.28.0/src/http/modules/ngx_http_proxy_module.c#L4056
- 1.29.7 changes these defaults: https://nginx.org/en/CHANGES;
  https://github.com/nginx/nginx/blob/3f6f7824d4e2eb1ac37dec76683d525ac0ff521c/src/http/modules/ngx_http_proxy_module.c#L4068-L4069,
  https://github.com/nginx/nginx/blob/3f6f7824d4e2eb1ac37dec76683d525ac0ff521c/src/http/modules/ngx_http_upstream_keepalive_module.c#L552-L555
- https://nginx.org/en/docs/http/ngx_http_upstream_module.html#keepalive
- map: exact strings first, then regular expressions in order, then default:
  https://nginx.org/en/docs/http/ngx_http_map_module.html#map
`,
	Run: runUpstreamKeepaliveUnused,
}

// keepAliveBlockers says what makes a route's requests close their upstream connection:
// an HTTP version before 1.1 (nginx's default 1.0), and a Connection: close header (the
// default the proxy sends).
func keepAliveBlockers(r *parsers.Route) (oldVersion, closes bool) {
	oldVersion = r.HTTPVersion.Known() && r.HTTPVersion.Value != "1.1" && r.HTTPVersion.Value != "2"
	closes = r.ConnectionHeader.Known() && strings.EqualFold(strings.Trim(r.ConnectionHeader.Value, `"'`), "close")
	return oldVersion, closes
}

func runUpstreamKeepaliveUnused(p *Pass) {
	replaced := map[*parsers.Backend]bool{}
	for _, h := range p.Model.Hops {
		if h.Kind != parsers.HopNginx {
			continue
		}
		for _, r := range h.Routes {
			if b := r.Backend; b != nil && b.KeepAliveReplaced != nil && !replaced[b] {
				replaced[b] = true
				p.Report(keepaliveReplacedFinding(p.Model, h, b))
			}
			b := keepAliveBackend(r)
			if b == nil {
				continue
			}
			oldVersion, closes := keepAliveBlockers(r)
			if !oldVersion && !closes {
				continue
			}
			var missing []string
			if oldVersion {
				if r.HTTPVersion.Explicit() {
					missing = append(missing, r.HTTPVersion.Text)
				} else {
					missing = append(missing, "HTTP/"+r.HTTPVersion.Value+" (proxy_http_version not set)")
				}
			}
			if closes {
				if r.ConnectionHeader.Explicit() {
					missing = append(missing, describe("Connection", r.ConnectionHeader))
				} else {
					missing = append(missing, "Connection: close (no proxy_set_header Connection)")
				}
			}
			sev := Off
			assumed := "nginx_version " + h.Version.Value
			if !h.Version.Known() {
				sev = Info
				assumed = "nginx version unknown, assumed before 1.29.7; set nginx_version in .no502.yaml"
			}
			fix := p.upstreamKeepAliveFix(h, r)
			var add []string
			if oldVersion {
				add = append(add, "proxy_http_version 1.1")
			}
			if closes {
				add = append(add, "proxy_set_header Connection \"\"")
			}
			how := "Add " + strings.Join(add, " and ") + " to this location."
			if closes && len(r.ConnectionHeader.Via()) > 0 {
				// The close comes from a map{} that also serves WebSocket upgrades: the
				// header must stay, the map's value for ordinary requests must change.
				fix = mapConnectionFix(r, oldVersion)
				how = "Make the map give an empty value for requests without an Upgrade header ('' \"\";), so WebSocket upgrades still get Connection: upgrade and ordinary requests reuse the upstream connection"
				if oldVersion {
					how += ", and add proxy_http_version 1.1 to this location"
				}
				how += "."
			}
			name := b.Name
			if b != r.Backend {
				name += fmt.Sprintf(" (which proxy_pass %s sends requests to by a map{})", r.ProxyPass.Value)
			}
			msg := fmt.Sprintf("upstream %s keeps idle connections (%s), but this location sends %s (%s): nginx closes the upstream connection after every request, so the keepalive cache is never used; under load the new connections exhaust ports or the backend's accept queue and requests fail with 502. %s",
				name, describe("keepalive", b.KeepAliveConns), strings.Join(missing, " and "), assumed, how)
			pos := r.Pos
			if r.HTTPVersion.Explicit() && oldVersion {
				pos = atInclude(p.Model, posOr(r.HTTPVersion, r.Pos, r.Block), r.HTTPVersion, r.Block)
			}
			rel := []Related{{Pos: b.KeepAliveConns.Pos, Message: "keepalive configured here"}}
			if !b.KeepAliveConns.Pos.IsValid() {
				rel = nil
			}
			if pos != r.Pos {
				rel = origin(rel, r.HTTPVersion, pos, "value set here")
			}
			if closes {
				for _, via := range r.ConnectionHeader.Via() {
					rel = append(rel, Related{Pos: via, Message: "the map entry that gives Connection: close"})
				}
			}
			p.Report(Finding{Pos: pos, Severity: sev, Message: msg, Related: rel, Fix: fix})
		}
	}
}

// keepAliveBackend returns the upstream{} with idle connections route r forwards to:
// its Backend, or else the first of its Alternatives (a proxy_pass to a map's variable:
// the requests the map sends there are the ones closing its connections, and the fix,
// in the location, is the same for each); nil when there is none.
func keepAliveBackend(r *parsers.Route) *parsers.Backend {
	for _, b := range append([]*parsers.Backend{r.Backend}, r.Alternatives...) {
		if b != nil && b.Kind == parsers.BackendNginxUpstream && b.KeepAliveConns.Known() && b.KeepAliveConns.Value > 0 {
			return b
		}
	}
	return nil
}

// keepaliveReplacedFinding reports upstream b's keepalive, which a balancing directive
// after it replaces in nginx before 1.29.7 (nginx_version known older, or unknown and
// assumed so: at info, as the route findings).
func keepaliveReplacedFinding(m *parsers.Model, h *parsers.Hop, b *parsers.Backend) Finding {
	ka, lb := b.KeepAliveReplaced.Keepalive, b.KeepAliveReplaced.Balancer
	sev := Off
	assumed := "nginx_version " + h.Version.Value
	if !h.Version.Known() {
		sev = Info
		assumed = "nginx version unknown, assumed before 1.29.7; set nginx_version in .no502.yaml"
	}
	msg := fmt.Sprintf("%s in upstream %s comes before %s (line %d), which replaces it (%s): nginx -t warns \"load balancing method redefined\", and nginx keeps no idle connection to %s but opens a new one for every request; under load the new connections exhaust ports or the backend's accept queue and requests fail with 502. Put %s above keepalive (nginx 1.29.7 and later keep the pool whatever the order).",
		strings.TrimSuffix(ka.Text, ";"), b.Name, lb.Value, lb.Pos.Line, assumed, b.Name, lb.Value)
	return Finding{
		Pos:      ka.Pos,
		Severity: sev,
		Message:  msg,
		Related:  []Related{{Pos: lb.Pos, Message: lb.Value + " replaces keepalive here"}},
		Fix:      keepaliveReplacedFix(m, b),
	}
}

// keepaliveReplacedFix moves the balancing directive to the top of the upstream block,
// above keepalive: the pool the user wrote, with the method they chose. When either line
// is not in the block itself (an include), the fix is a snippet: moving a line across
// files is not done.
func keepaliveReplacedFix(m *parsers.Model, b *parsers.Backend) *Fix {
	ka, lb := b.KeepAliveReplaced.Keepalive, b.KeepAliveReplaced.Balancer
	e := editBlock(m, b.Block).Remove(lb.Pos).Insert(strings.TrimSuffix(strings.TrimSpace(lb.Text), ";") + ";  # before keepalive, which it would otherwise replace")
	why := ""
	for _, at := range []parsers.Pos{ka.Pos, lb.Pos} {
		if !b.Block.Contains(at.File, int(at.Offset)) {
			why = "keepalive and " + lb.Value + " are not both written in upstream " + b.Name + " itself (an include): move " + lb.Value + " above keepalive where it is written"
		}
	}
	return blockFixWhy("put "+lb.Value+" above keepalive in upstream "+b.Name, e, why)
}

// mapConnectionFix is the snippet for a location whose Connection header comes from a
// map{} (map $http_upgrade $connection_upgrade) that gives close to ordinary requests:
// the map is shared by every location that proxies WebSockets, so no502 shows the
// change instead of writing it.
func mapConnectionFix(r *parsers.Route, oldVersion bool) *Fix {
	name := "$connection_upgrade"
	if f := strings.Fields(r.ConnectionHeader.Text); len(f) > 0 && strings.HasPrefix(f[len(f)-1], "$") {
		name = strings.TrimSuffix(f[len(f)-1], ";")
	}
	snippet := "map $http_upgrade " + name + " {\n    default upgrade;\n    ''      \"\";  # no Connection header: keep-alive to the upstream\n}\n"
	if oldVersion {
		snippet += "# and in location " + r.Path + ":\nproxy_http_version 1.1;\n"
	}
	f := &Fix{Description: "send no Connection header for requests without an Upgrade header", Snippet: snippet}
	f.snippetOnly()
	return f
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func init() {
	Register(readTimeoutBelowBudget, edgeTimeoutExceeded, upstreamKeepaliveUnused)
}
