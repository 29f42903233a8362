package rules

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/nginx"
)

var keepaliveRace = &Rule{
	ID:       "keepalive-race",
	Category: Timeout,
	Severity: Warning,
	Summary:  "A proxy or load balancer keeps idle upstream connections longer than the server behind it does (intermittent 502)",
	Formats:  []string{"nginx", "caddy", "terraform", "k8s"},
	Doc: `# keepalive-race

A proxy or load balancer keeps connections to its upstream open between requests and
reuses them. The upstream closes a connection that stayed idle for its own keep-alive
timeout. When the downstream side keeps idle connections **longer** than the upstream
does, there is a moment when the upstream has just closed a connection the proxy still
believes is open: the proxy sends the next request on it, the request fails, and the
client gets **502**. It is intermittent and worst at low traffic, when connections sit idle
longest. Each hop pair must satisfy: downstream idle timeout < upstream keep-alive.

no502 checks every linked pair (see "Cross-layer checks" in the README for how hops are
linked):

| downstream (idle for upstream connections) | upstream (its own keep-alive) |
|---|---|
| AWS ALB ` + "`idle_timeout`" + ` (default 60s) | nginx ` + "`keepalive_timeout`" + ` (default 75s), app server |
| nginx ` + "`upstream { keepalive_timeout }`" + ` (default 60s; only with ` + "`keepalive N`" + `, HTTP/1.1 and no ` + "`Connection: close`" + `) | app server, nginx |
| Caddy ` + "`transport http { keepalive }`" + ` (default 2m; ` + "`read_timeout`" + ` when shorter: it closes idle pooled connections too) | app server |
| ingress-nginx ` + "`upstream-keepalive-timeout`" + ` (default 60s) | app server, nginx |
| Google Cloud's load balancer of a GKE Ingress (annotation ` + "`kubernetes.io/ingress.class: gce`" + `; 600s, fixed: no setting changes it) | app server, nginx |

App servers, with their defaults: gunicorn ` + "`--keep-alive`" + ` 2s (the default **sync worker
closes every connection**, so it cannot race; the gthread, gevent, eventlet, uvicorn and
aiohttp workers use ` + "`--keep-alive`" + `, and any other worker class, tornado's included, keeps idle
connections for a time of its own, which is unknown), uvicorn ` + "`--timeout-keep-alive`" + ` 5s, Node
keepAliveTimeout 5s (Node 24 and 25, and 20 and 22 from a minor release on, close 1s later:
6s is taken only for an image that says 24 or 25; 65s since Node 26: an image that says Node
26 or later, or a moving tag such as ` + "`node:lts`" + `, leaves it unknown; an image that does not say
is assumed older), Puma ` + "`persistent_timeout`" + ` 65s since 7.0
(20s before; no502 assumes ≥ 7.0 unless ` + "`PUMA_PERSISTENT_TIMEOUT`" + ` is set), Spring Boot
(only when ` + "`SERVER_TOMCAT_KEEP_ALIVE_TIMEOUT`" + ` is set). Go's net/http has no default idle
timeout, so a Go app is unknown unless ` + "`backends:`" + ` in .no502.yaml declares it. Unknown
values stay silent.

An nginx upstream that only ` + "`auth_request`" + ` checks use is not reported: a check is a GET
whatever the client sent, and nginx resends one whose reused connection fails (unless the
auth location's ` + "`proxy_next_upstream`" + ` leaves out ` + "`error`" + `; then the check fails, and
nginx answers **500** to the request it guards, which the message says).

A Kubernetes app whose connections another proxy in its pod takes is not compared with the
hop in front: a native sidecar (an init container with ` + "`restartPolicy: Always`" + `, such as envoy)
that declares the Service's port, or a service-mesh proxy injected into the pod (Istio:
` + "`sidecar.istio.io/inject: \"true\"`" + `, an ` + "`istio.io/rev`" + ` label, or a Namespace of the run labelled
` + "`istio-injection: enabled`" + `; Linkerd: ` + "`linkerd.io/inject: enabled`" + `). The hop's connections end at
that proxy, and the app's keep-alive races the proxy's own pool, whose idle timeout no502
does not read. Except where Istio passes the Service's port through as plain TCP (every TCP
port of the Service has appProtocol ` + "`tcp`" + `, or no appProtocol and a name ` + "`tcp`" + ` or
` + "`tcp-*`" + `): its TCP proxy opens one connection to the app for each one the hop opens and
closes it when the app does, so the hop races the app as without a mesh, and is compared.
The same holds where the pod's annotations keep every port the hop's Service port targets
from the proxy (Istio ` + "`traffic.sidecar.istio.io/excludeInboundPorts`" + `, or an
` + "`includeInboundPorts`" + ` list without it; Linkerd ` + "`config.linkerd.io/skip-inbound-ports`" + `):
the hop's connections reach the app itself; or make Linkerd pass it through as plain TCP
(` + "`config.linkerd.io/opaque-ports`" + `). Linkerd's two annotations are read on the pod's
Namespace too, when the run holds it and the pod does not write the same key (the proxy
injector writes the pod's over the Namespace's). A list with a port name in it, or a port
that cannot be resolved to a number, leaves the pod's proxy in front (silent).

Nor is a hop whose own pod runs a mesh proxy: an nginx or Caddy config mounted by a meshed
workload, or ingress-nginx when a meshed workload of the run runs the controller
(` + "`/nginx-ingress-controller`" + `; Linkerd's ingress guide has it injected with
` + "`linkerd.io/inject: ingress`" + `). The sidecar intercepts the hop's outbound connections, so the
hop's pool ends there, and the sidecar's own pool, whose idle timeout no502 does not read,
is the one that meets the app's keep-alive.

A location whose upstream a ` + "`map{}`" + ` or ` + "`split_clients`" + ` chooses (` + "`proxy_pass http://$backend;`" + `)
sends its requests to every ` + "`upstream{}`" + ` the values name: each one's idle connections are judged
with the location's HTTP version and Connection header, and the message names the map.

## Which side is reported

- **Behind a load balancer** (ALB, classic ELB, ALB Ingress, GKE Ingress) the finding points at the
  upstream (the app's flag, nginx's ` + "`keepalive_timeout`" + `): the load balancer's idle timeout
  also bounds how long a request may stay silent, so lowering it can cut slow responses.
  Raise the upstream's keep-alive above it (AWS's own advice).
- **Behind nginx or Caddy** it points at the proxy's upstream keep-alive, which only
  affects idle pooled connections: lower it below the upstream's, a one-line change
  that needs no app deploy.
- **Behind ingress-nginx** it points at the app: ` + "`upstream-keepalive-timeout`" + ` is a
  controller-wide ConfigMap key, so the app is the side one team can change.

## Fix

` + "```sh" + `
gunicorn --worker-class gthread --keep-alive 65 app:app      # behind an ALB with idle 60s
uvicorn main:app --timeout-keep-alive 65
` + "```" + `

` + "```nginx" + `
upstream app {
    server app.web.svc.cluster.local:8000;
    keepalive 16;
    keepalive_timeout 4s;  # below uvicorn's 5s
}
` + "```" + `

` + "```caddyfile" + `
{
	servers {
		timeouts {
			idle 65s # Caddy behind an ALB with idle 60s
		}
	}
}

example.com {
	reverse_proxy app.web.svc.cluster.local:8000 {
		transport http {
			keepalive 4s # below uvicorn's 5s
		}
	}
}
` + "```" + `

Fixes are byte edits of the file where the setting lives (nginx, Caddyfile, Terraform, a
manifest's command line); where it lives outside the linted files (an app's code, the
ingress-nginx controller's ConfigMap) the fix is a snippet to apply by hand.

One cause, one fix: when a load balancer's finding raises an upstream's keep-alive, a
proxy's finding about the same upstream writes no edit of its own in that run (its fix
is shown as a snippet saying so). Raised above the proxy's pool timeout, that race is
gone too; raised less, the proxy's fix is made against the raised keep-alive.

nginx before 1.15.3 (` + "`nginx_version`" + ` in .no502.yaml) has no ` + "`keepalive_timeout`" + ` in ` + "`upstream{}`" + `:
an idle cached connection stays open until the upstream closes it, so every upstream
keep-alive races. The finding says so, and the fix (a snippet) is to upgrade nginx and set
it, or to remove ` + "`keepalive`" + ` from the upstream.

## Evidence

nginx 1.22.1 (` + "`" + `keepalive 16` + "`" + `, idle 60s by default) and Caddy 2.6.2 (idle 2m) in front of an
upstream that closes idle connections after 2s: of POSTs sent just as the upstream closed,
5 of 10 got 502 (a Go upstream, uvicorn ` + "`" + `--timeout-keep-alive 2` + "`" + `; 3 of 7 against Node's
defaults, which close at keepAliveTimeout 5s + 1s on Node 20.20; Node 18.20, 20.16 and 22.0
close at 5.0s); of GETs, 0 of 10: nginx and
Caddy resend a GET that fails this way, never a POST (nginx only where ` + "`" + `proxy_next_upstream` + "`" + `
lists ` + "`" + `error` + "`" + `, as by default: with ` + "`" + `off` + "`" + `, 3 of 6 GETs got 502 against an upstream closing
every reused connection, and the message says so; where it also lists ` + "`" + `non_idempotent` + "`" + `,
6 of 6 POSTs were resent and answered, and the message says a 502 then needs the resent try
to fail too, or every server marked unavailable: each such failure counts toward
` + "`" + `max_fails` + "`" + `, and against two such upstreams GETs got 502 "no live upstreams" after two
requests). After the fix (` + "`" + `keepalive_timeout 1s` + "`" + `,
Caddy ` + "`" + `keepalive 1s` + "`" + `): 0.
See [docs/evidence.md](../evidence.md#keepalive-race-nginx-in-front-of-a-go-upstream).

## Sources

- ALB idle timeout 60s; AWS: "configure the idle timeout of your application to be larger
  than the idle timeout configured for the load balancer": https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html
- nginx upstream keepalive_timeout 60s: https://github.com/nginx/nginx/blob/3f6f7824d4e2eb1ac37dec76683d525ac0ff521c/src/http/modules/ngx_http_upstream_keepalive_module.c#L548-L550;
  client keepalive_timeout 75s: https://github.com/nginx/nginx/blob/3f6f7824d4e2eb1ac37dec76683d525ac0ff521c/src/http/ngx_http_core_module.c#L3945-L3946
- Google Cloud external Application Load Balancer (a GKE Ingress annotated gce): "The backend
  keepalive timeout is fixed at 10 minutes (600 seconds) and cannot be changed ... you must
  configure your backend software so that its HTTP keepalive (TCP idle) timeout value is
  greater than 600 seconds": https://cloud.google.com/load-balancing/docs/https#timeouts_and_retries,
  https://cloud.google.com/load-balancing/docs/https/request-distribution. GKE's controller
  reads the annotation only (ingress-gce ` + "`utils.IsGCEIngress`" + `): an Ingress with
  ` + "`ingressClassName: gce`" + ` alone, of class ` + "`gce-internal`" + `, or of no class is not compared.
- ingress-nginx upstream-keepalive-timeout 60s: https://github.com/kubernetes/ingress-nginx/blob/dbb11b92ddb77bee9c35e462479129354c84f939/internal/ingress/controller/config/config.go#L888-L891
- Caddy keepalive 2m: https://github.com/caddyserver/caddy/blob/0cf03d32f7d99cf160d5375e8a40fbe3d910d515/modules/caddyhttp/reverseproxy/httptransport.go#L215-L216
- gunicorn keep-alive 2s, sync worker without keep-alive:
  https://github.com/benoitc/gunicorn/blob/65ac1a3/gunicorn/config.py#L891-L906
- uvicorn 5s: https://github.com/encode/uvicorn/blob/e6c7ce7/uvicorn/config.py#L214-L216
- Node.js keepAliveTimeout 5s, plus a 1s buffer in later releases (measured on loopback: 5.0s
  on 18.20.4, 20.16.0, 22.0.0; 6.0s on 20.19.0, 22.10.0, 24.0.0):
  https://nodejs.org/api/http.html#serverkeepalivetimeout, https://github.com/nodejs/node/pull/59243; 65s since Node 26 (semver-major):
  https://github.com/nodejs/node/pull/62782
- Puma persistent_timeout 65s since 7.0, 20s before:
  https://github.com/puma/puma/blob/ff2e212/lib/puma/configuration.rb#L164,
  https://github.com/puma/puma/blob/ff2e212/History.md#L137
- Go net/http has no idle timeout unless IdleTimeout or ReadTimeout is set:
  https://pkg.go.dev/net/http#Server
`,
	Run: runKeepaliveRace,
}

func runKeepaliveRace(p *Pass) {
	type key struct {
		be *parsers.Backend
		h  *parsers.Hop
		s  side
	}
	done := map[key]int{} // index in races + 1
	var races []race
	for _, h := range p.Model.Hops {
		if hopMesh(p.Model, h) != "" {
			// A service-mesh proxy in the hop's own pod takes its upstream connections
			// (Istio's and Linkerd's sidecars intercept outbound traffic): the hop's pool
			// ends there, and the proxy's own pool, whose idle timeout no502 does not
			// read, is the one that meets the upstream's keep-alive.
			continue
		}
		for _, r := range h.Routes {
			// The route's Backend, and the upstream{} blocks its map sends requests to
			// (Route.Alternatives): those requests use that upstream's pool with the
			// route's HTTP version and Connection header, as a direct proxy_pass would.
			for _, be := range append([]*parsers.Backend{r.Backend}, r.Alternatives...) {
				idle, ok := poolIdleTo(h, r, be)
				if !ok {
					continue
				}
				viaMap := be != r.Backend
				for _, s := range reachedSides(r.Via(be), p.behind(be)) {
					meshTCP := ""
					if s.w != nil && s.w.Mesh != "" {
						// A service-mesh proxy in the pod (Istio, Linkerd) takes the
						// connection: the app's keep-alive races the mesh proxy's pool, whose
						// idle timeout no502 does not read, not this hop's. Unless Istio
						// passes the Service's port through as plain TCP: one connection to
						// the app per connection from the hop, closed when the app closes it.
						switch how, note := meshInboundPorts(s.w, be, product(h)); how {
						case meshDirect, meshOpaque:
							meshTCP = note
						default:
							var ok bool
							if meshTCP, ok = istioPassesTCP(s.w, be); !ok {
								continue
							}
							meshTCP = fmt.Sprintf("the Istio sidecar in its pod passes Service %s's port %s through as plain TCP, one connection to the app for each of %s's, so the app's close reaches %s", be.Service.Name, meshTCP, product(h), product(h))
						}
					}
					ka, closes := s.keepAlive()
					// An nginx without upstream keepalive_timeout keeps idle connections until
					// the upstream closes them: any keep-alive of the upstream's races.
					if closes || !ka.Known() || ka.Value <= 0 || idle.Value < ka.Value && !noPoolTimeout(h, idle) {
						continue
					}
					k := key{be, h, s}
					if i := done[k]; i > 0 {
						races[i-1].noteRetry(r)
						if !viaMap {
							races[i-1].viaMap = nil
						}
						continue
					}
					races = append(races, race{h: h, be: be, idle: idle, s: s, ka: ka, meshTCP: meshTCP})
					races[len(races)-1].noteRetry(r)
					if viaMap {
						races[len(races)-1].viaMap = r
					}
					done[k] = len(races)
				}
			}
		}
	}
	// One cause, one fix: when a load balancer's finding raises an upstream's keep-alive
	// (the side the doc names for that pair), a proxy's finding about the same upstream
	// writes no edit in the same run: its lower pool timeout, with a comment quoting the
	// keep-alive the raise changes, would be a second fix of the same cause. Raised above
	// the proxy's pool idle timeout, the race is gone; raised less, the proxy's finding
	// is still there once the raise is written, and its fix is then made against the
	// raised value (lint --fix's next round).
	raised := map[side]raise{}
	for i := range races {
		rc := &races[i]
		if rc.downstreamSide() {
			continue
		}
		rc.fix = rc.upstreamFix(p)
		if rc.fix.Safety() != FixSafe {
			continue // not written by --fix: the proxy's own fix stays
		}
		if r, ok := raised[rc.s]; !ok || rc.want() > r.to {
			raised[rc.s] = raise{to: rc.want(), at: rc.pos(p)}
		}
	}
	for i := range races {
		rc := &races[i]
		if r, ok := raised[rc.s]; ok && rc.downstreamSide() {
			rc.settledBy = &r
		}
		if rc.authOnly() && rc.noRetry == nil && !rc.retryUnknown {
			continue // every check that fails this way is resent: no client sees it
		}
		p.Report(keepaliveFinding(p, rc))
	}
}

// race is one racing pair: hop h keeps idle connections to be for idle, and side s
// behind be closes them after ka.
type race struct {
	h  *parsers.Hop
	be *parsers.Backend
	// viaMap is the route whose map sends requests to be, when no route forwards to be
	// directly: the message says which requests race.
	viaMap *parsers.Route
	idle   parsers.Duration
	s      side
	ka     parsers.Duration
	// meshTCP says why a mesh proxy in the upstream's pod does not hold the hop's
	// connections (Istio passes the Service port through as plain TCP; an annotation
	// keeps the port from the proxy, or makes it opaque); "" without a mesh.
	meshTCP string
	fix     *Fix // the upstream side's fix, once built
	// settledBy is the raise of s's keep-alive by another finding's fix, which comes
	// first.
	settledBy *raise
	// noRetry is the retry setting of an nginx route using the pool that never resends
	// a request whose reused connection fails (proxy_next_upstream off, or without
	// error); retryUnknown, that some route's is not known.
	noRetry      *parsers.Setting[[]string]
	retryUnknown bool
	// guards are the locations whose auth_request checks use the pool, when nothing
	// else does (every route is an auth location); otherTraffic, that some other route
	// uses it.
	guards       []string
	otherTraffic bool
	// resendsPosts is the retry setting of a route using the pool that lists error and
	// non_idempotent: nginx resends a POST whose reused connection fails there too;
	// postsNotResent, that some route's setting lists error without non_idempotent.
	resendsPosts   *parsers.Setting[[]string]
	postsNotResent bool
}

// authOnly reports whether only auth_request checks use the pool. A check is a GET
// whatever the client sent (nginx 1.22.1 on loopback: "GET /check" for a guarded
// POST), so nginx resends one whose reused connection fails, where the auth location's
// proxy_next_upstream lists error: an auth service resetting every reused connection,
// 7 of 7 guarded POSTs and GETs answered 200. Where it does not, the check fails and
// auth_request answers 500 to the request it guards.
func (rc *race) authOnly() bool { return len(rc.guards) > 0 && !rc.otherTraffic }

// noteRetry records whether nginx route r resends a GET whose reused connection fails:
// only when proxy_next_upstream lists error (nginx 1.22.1 on loopback, an upstream
// closing each reused connection: 6 of 6 GETs answered with the default, 3 of 6 got 502
// with proxy_next_upstream off).
//
// ingress-nginx writes its proxy-next-upstream annotation (or ConfigMap key) into the
// location's proxy_next_upstream, so the same holds for it.
func (rc *race) noteRetry(r *parsers.Route) {
	if rc.h.Kind != parsers.HopNginx && rc.h.Kind != parsers.HopIngressNginx {
		return
	}
	if r.AuthFor == "" {
		rc.otherTraffic = true
	} else if !slices.Contains(rc.guards, r.AuthFor) {
		rc.guards = append(rc.guards, r.AuthFor)
	}
	c := r.Retry.Conditions
	switch {
	case !c.Known():
		rc.retryUnknown = true
	case !slices.Contains(c.Value, "error"):
		if rc.noRetry == nil {
			rc.noRetry = &c
		}
	case slices.Contains(c.Value, "non_idempotent"):
		// A POST too: nginx 1.22.1 on loopback, an upstream closing every reused
		// connection, 6 of 6 POSTs answered 200 (3 of 6 got 502 without it).
		if rc.resendsPosts == nil {
			rc.resendsPosts = &c
		}
	default:
		rc.postsNotResent = true
	}
}

// raise is a fix that raises an upstream's keep-alive to to, reported at at.
type raise struct {
	to time.Duration
	at parsers.Pos
}

// downstreamSide reports whether the finding and its fix are on the downstream hop (a
// proxy's pool of idle upstream connections) rather than the upstream's keep-alive: see
// "Which side is reported" in the rule's doc.
func (rc *race) downstreamSide() bool {
	return !isLoadBalancer(rc.h) && rc.h.Kind != parsers.HopIngressNginx
}

// want is the upstream keep-alive the upstream side's fix writes.
func (rc *race) want() time.Duration { return rc.idle.Value + 5*time.Second }

// upstreamFix raises the upstream's keep-alive above the hop's idle timeout.
func (rc *race) upstreamFix(p *Pass) *Fix {
	if rc.s.hop != nil {
		return hopKeepAliveFix(p, rc.s.hop, rc.want(), "above "+product(rc.h)+"'s idle timeout "+parsers.Seconds(rc.idle.Value))
	}
	return appKeepAliveFix(rc.s, rc.want())
}

// pos is where the finding is reported: the setting of the side to change.
func (rc *race) pos(p *Pass) parsers.Pos {
	be, idle, s, ka := rc.be, rc.idle, rc.s, rc.ka
	var pos parsers.Pos
	switch {
	case rc.downstreamSide():
		pos = be.Pos
		if idle.Explicit() {
			pos = idle.Pos
		}
	case s.hop != nil:
		pos = posOr(ka, s.hop.Pos, s.hop.Block)
		if ka.Explicit() && s.hop.Kind != parsers.HopNginx {
			pos = ka.Pos // Caddy's idle timeout is set (and fixed) in its servers options
		}
		// nginx: an inherited value is overridden in the server block (its fix adds the
		// line there); one from an include inside it, at the include line.
		pos = atInclude(p.Model, pos, ka, s.hop.Block)
	case ka.Explicit():
		pos = ka.Pos
	default:
		pos = s.pos()
	}
	return pos
}

// poolIdleSetting says, in the hop's own config language, how to keep its idle upstream
// connections for want.
func poolIdleSetting(h *parsers.Hop, be *parsers.Backend, want time.Duration) string {
	switch h.Kind {
	case parsers.HopNginx:
		return fmt.Sprintf("keepalive_timeout %s in upstream %s", parsers.Seconds(want), be.Name)
	case parsers.HopCaddy:
		return fmt.Sprintf("keepalive %s in the transport http block of reverse_proxy %s", parsers.FormatDuration(want), be.Name)
	}
	return fmt.Sprintf("an idle timeout of %s for its connections to %s", parsers.Seconds(want), be.Name)
}

// keepaliveFinding builds the finding for one racing pair, at the side to change.
func keepaliveFinding(p *Pass, rc *race) Finding {
	h, be, idle, s, ka := rc.h, rc.be, rc.idle, rc.s, rc.ka
	pos := rc.pos(p)
	own := p.ownLine(pos)
	down := fmt.Sprintf("%s keeps idle connections to %s open for %s", product(h), be.Name, describeSetting(inHost(p.Model, idle), own))
	if r := rc.viaMap; r != nil {
		down = fmt.Sprintf("%s keeps idle connections to %s, where the map of %s (line %d) sends requests, open for %s", product(h), be.Name, mapPass(r), r.ProxyPass.Pos.Line, describeSetting(inHost(p.Model, idle), own))
	}
	old := noPoolTimeout(h, idle)
	if old {
		down = fmt.Sprintf("%s %s keeps idle connections to %s open until the server behind closes them (keepalive_timeout in upstream{} exists since nginx 1.15.3)", product(h), h.Version.Value, be.Name)
	}
	up := fmt.Sprintf("%s closes them after %s", s.name(), describeSetting(inHost(p.Model, ka), own))
	if n := ka.ViaNote(); s.hop != nil && strings.HasPrefix(n, locationKeepAliveNote) {
		up += " " + n // a location's shorter keepalive_timeout, applied after its requests
	}
	if s.hop == nil && s.c.App.Note != "" && ka.IsDefault() {
		up += " (" + s.c.App.Note + ")"
	}
	if rc.meshTCP != "" {
		up += " (" + rc.meshTCP + ")"
	}
	// nginx and Caddy resend a GET whose reused connection fails, never a POST
	// (docs/evidence.md); a load balancer's retries are not measured here, so its
	// message does not claim them.
	who := "intermittently, most often at low traffic"
	switch {
	case (h.Kind == parsers.HopNginx || h.Kind == parsers.HopIngressNginx) && rc.noRetry != nil:
		who += fmt.Sprintf(", to GETs and POSTs alike: %s keeps %s from resending a GET that fails this way", describeAt(inHost(p.Model, *rc.noRetry), own), product(h))
	case (h.Kind == parsers.HopNginx || h.Kind == parsers.HopIngressNginx) && rc.retryUnknown:
	case (h.Kind == parsers.HopNginx || h.Kind == parsers.HopIngressNginx) && rc.resendsPosts != nil && rc.postsNotResent:
		who += fmt.Sprintf(", and mostly to POSTs (webhooks): %s resends a GET that fails this way, and a POST only where proxy_next_upstream lists non_idempotent", product(h))
	case h.Kind == parsers.HopNginx || h.Kind == parsers.HopCaddy || h.Kind == parsers.HopIngressNginx:
		who += fmt.Sprintf(", and mostly to POSTs (webhooks): %s resends a GET that fails this way, never a POST", product(h))
	}
	race := fmt.Sprintf("%s, but %s: a request %s sends on a connection %s has just closed fails, and the client gets 502 — %s.",
		down, up, product(h), s.name(), who)
	if rc.resendsPosts != nil && !rc.postsNotResent && rc.noRetry == nil && !rc.retryUnknown && !rc.authOnly() {
		// Every route resends any request that fails this way, on a new connection:
		// the client sees a 502 only when that try fails too, or once such failures,
		// which count toward max_fails (ngx_http_upstream_next frees the peer as
		// failed), have marked every server unavailable (two such upstreams on
		// loopback: 502 "no live upstreams" after two requests).
		race = fmt.Sprintf("%s, but %s: a request %s sends on a connection %s has just closed fails, and %s resends it, POSTs too (%s); each such failure counts toward max_fails, so the client gets 502 when the resent try fails as well or once failures have marked every server of %s unavailable — intermittently, most often at low traffic.",
			down, up, product(h), s.name(), product(h), describeAt(inHost(p.Model, *rc.resendsPosts), own), be.Name)
		if !countsFailures(activeTargets(be)) {
			// A server with max_fails=0 is never marked down: the pool never runs out.
			race = fmt.Sprintf("%s, but %s: a request %s sends on a connection %s has just closed fails, and %s resends it, POSTs too (%s); the client gets 502 when the resent try fails as well — intermittently, most often at low traffic.",
				down, up, product(h), s.name(), product(h), describeAt(inHost(p.Model, *rc.resendsPosts), own))
		}
	}
	if rc.authOnly() {
		// Only auth_request checks use the pool, and this one is reported only when
		// they are not resent (or that is not known).
		who = "intermittently, most often at low traffic"
		if rc.noRetry != nil {
			who += fmt.Sprintf(", whatever the client's method: %s keeps %s from resending a check (a GET) that fails this way", describeAt(inHost(p.Model, *rc.noRetry), own), product(h))
		}
		race = fmt.Sprintf("%s, but %s: an auth check %s sends on a connection %s has just closed fails, and %s — %s.",
			down, up, product(h), s.name(), authFailure("the request it guards", rc.guards), who)
	}

	if rc.downstreamSide() {
		want := ka.Value - time.Second
		note := "below " + s.name() + "'s keep-alive " + parsers.Seconds(ka.Value)
		var fix *Fix
		if want >= time.Second {
			fix = poolIdleFix(p, h, be, want, note)
		}
		if r := rc.settledBy; r != nil && fix != nil {
			// The same cause, fixed once: the raise comes first.
			then := fmt.Sprintf(", above %s's %s, which settles this too", product(h), parsers.Seconds(idle.Value))
			if r.to <= idle.Value {
				then = " first: this fix is then made against the raised keep-alive"
			}
			at := r.at.Short()
			if q := quotePos(r.at, own); q != "" {
				at = q
			}
			fix.snippetOnly()
			fix.Description = fmt.Sprintf("%s (not written: the fix at %s raises %s's keep-alive to %s%s)",
				fix.Description, at, s.name(), parsers.Seconds(r.to), then)
		}
		advice := fmt.Sprintf("Keep %s's idle upstream connections shorter than %s, e.g. %s (or raise the upstream's keep-alive above %s).", product(h), parsers.Seconds(ka.Value), poolIdleSetting(h, be, want), parsers.Seconds(idle.Value))
		if old {
			advice = fmt.Sprintf("Upgrade nginx to 1.15.3 or later and set %s, or remove keepalive from upstream %s.", poolIdleSetting(h, be, want), be.Name)
		}
		return Finding{
			Pos:     pos,
			Message: race + " " + advice,
			Related: []Related{related(ka, s.pos(), s.name()+" keep-alive")},
			Fix:     fix,
		}
	}
	fix := rc.fix
	if fix == nil {
		fix = rc.upstreamFix(p)
	}
	return Finding{
		Pos:     pos,
		Message: fmt.Sprintf("%s Raise %s's keep-alive above %s, e.g. %s (%s).", race, s.name(), parsers.Seconds(idle.Value), parsers.Seconds(rc.want()), whyUpstream(h)),
		Related: origin([]Related{related(idle, h.Pos, product(h)+" idle timeout")}, ka, pos, "value set here"),
		Fix:     fix,
	}
}

// noPoolTimeout reports whether nginx hop h, of a version before 1.15.3 (nginx_version),
// has no idle timeout for upstream connections: upstream keepalive_timeout came in
// 1.15.3, and before it an idle cached connection stays open until the upstream closes
// it (or the cache evicts it for a newer one). idle is then only the model's default.
func noPoolTimeout(h *parsers.Hop, idle parsers.Duration) bool {
	return h.Kind == parsers.HopNginx && !idle.Explicit() && h.Version.Known() && h.Version.Value != "" &&
		!nginx.VersionAtLeast(h.Version.Value, "1.15.3")
}

// whyUpstream says why the upstream, not the downstream, is the side to change.
func whyUpstream(h *parsers.Hop) string {
	if h.Kind == parsers.HopIngressNginx {
		return "upstream-keepalive-timeout is a controller-wide ingress-nginx ConfigMap key"
	}
	if h.Kind == parsers.HopGCEIngress {
		return "Google Cloud fixes its load balancer's backend keep-alive at 600s: no setting changes it"
	}
	return product(h) + "'s idle timeout also bounds slow responses, so lowering it is not the fix"
}

// describeSetting quotes a value with its origin, in a message about a finding on line
// own: "60s (keepalive_timeout 60s, nginx.conf:20)", "60s (keepalive_timeout 60s)" on
// that line, or "60s (nginx default 60s)".
func describeSetting(s parsers.Duration, own string) string {
	if s.Explicit() {
		note := ""
		if s.Origin != nil && s.Origin.PerCall && s.ViaNote() != "" {
			// The line is every call's of its module: say whose value this is.
			note = "; " + s.ViaNote()
		}
		if q := quotePos(s.Pos, own); q != "" {
			return parsers.Seconds(s.Value) + " (" + s.Text + ", " + q + note + ")"
		}
		return parsers.Seconds(s.Value) + " (" + s.Text + note + ")"
	}
	return parsers.Seconds(s.Value) + " (" + s.Describe() + ")"
}

func init() { Register(keepaliveRace) }

// istioPassesTCP reports whether the Istio sidecar of w's pods passes backend be's
// traffic through as plain TCP, and names the port: Istio reads a Service port's
// protocol from its appProtocol, else from its name's prefix before the first "-"
// (istio/istio pkg/config/kube ConvertProtocol: "tcp", "tcp-web"), and proxies a TCP
// port with a TCP proxy that opens one connection to the app for each one it accepts
// and closes it when the app closes its side. Every TCP port of the Service must be
// so (which one the hop uses is not always known); Linkerd picks opaque ports by
// annotation, not by name, and stays unknown.
func istioPassesTCP(w *parsers.Workload, be *parsers.Backend) (string, bool) {
	if w.Mesh != "istio" || be.Service == nil {
		return "", false
	}
	name := ""
	for _, sp := range be.Service.Ports {
		if sp.Protocol != "" && !strings.EqualFold(sp.Protocol, "TCP") {
			continue
		}
		proto := sp.Name
		if sp.AppProtocol != "" {
			proto = sp.AppProtocol
		}
		prefix, _, _ := strings.Cut(proto, "-")
		if !strings.EqualFold(prefix, "tcp") {
			return "", false
		}
		if name == "" {
			name = proto
		}
	}
	return name, name != ""
}

// How a mesh proxy in a pod handles a backend's connections to it (meshInboundPorts).
const (
	meshProxied = iota // the proxy takes them, or which ports it takes is not known
	meshDirect         // every port the backend reaches bypasses the proxy
	meshOpaque         // every such port bypasses it or is passed through as plain TCP
)

// meshInboundPorts says how the mesh proxy of w's pods handles the connections backend
// be makes to them, by the pod's annotations (Workload.MeshInbound), and says why in
// words for the message (hop names what connects). The ports be reaches are the
// targetPorts of the Service ports it uses (Backend.Reaches; every port of the Service
// when it does not say), resolved to numbers; any port that cannot be resolved, or that
// the proxy may take, leaves it meshProxied: silence, as with no annotation.
//   - Istio: a port in traffic.sidecar.istio.io/excludeInboundPorts, or not in an
//     includeInboundPorts list, is not redirected to the sidecar: the hop's connection
//     is the app's.
//   - Linkerd: a port in config.linkerd.io/skip-inbound-ports is not redirected to the
//     proxy; one in config.linkerd.io/opaque-ports is proxied as plain TCP, one
//     connection to the app for each connection of the hop (which is not meshed: a
//     meshed hop is skipped before), closed when the app closes it.
func meshInboundPorts(w *parsers.Workload, be *parsers.Backend, hop string) (int, string) {
	mi := w.MeshInbound
	if mi == nil || be.Service == nil || w.Mesh != "istio" && w.Mesh != "linkerd" {
		return meshProxied, ""
	}
	ports, ok := reachedPodPorts(w, be)
	if !ok || len(ports) == 0 {
		return meshProxied, ""
	}
	how := meshDirect
	for _, port := range ports {
		switch {
		case w.Mesh == "istio" && (parsers.In(mi.IstioExclude, port) || mi.IstioIncludeSet && !parsers.In(mi.IstioInclude, port)):
		case w.Mesh == "linkerd" && parsers.In(mi.LinkerdSkip, port):
		case w.Mesh == "linkerd" && parsers.In(mi.LinkerdOpaque, port):
			how = meshOpaque
		default:
			return meshProxied, ""
		}
	}
	list := make([]string, len(ports))
	for i, port := range ports {
		list[i] = strconv.Itoa(port)
	}
	said := strings.Join(mi.Said[w.Mesh], ", ")
	if how == meshDirect {
		proxy := "the Istio sidecar"
		if w.Mesh == "linkerd" {
			proxy = "the Linkerd proxy"
		}
		return how, fmt.Sprintf("%s in its pod does not take port %s (%s): %s's connections reach the app itself", proxy, strings.Join(list, ", "), said, hop)
	}
	return how, fmt.Sprintf("the Linkerd proxy in its pod passes port %s through as plain TCP (%s), one connection to the app for each of %s's, so the app's close reaches %s", strings.Join(list, ", "), said, hop, hop)
}

// reachedPodPorts lists the pod ports (numbers) of w that backend be's connections go
// to: the targetPorts of the Service ports be reaches (Backend.Reaches), or of every port
// of be's Service when it does not say. ok is false when one cannot be known (a reach by
// container, a port name no container of w declares).
func reachedPodPorts(w *parsers.Workload, be *parsers.Backend) ([]int, bool) {
	var targets []string
	if len(be.Reaches) > 0 {
		for _, r := range be.Reaches {
			if r.Port == "" {
				return nil, false
			}
			targets = append(targets, r.Port)
		}
	} else {
		for _, sp := range be.Service.Ports {
			if sp.Protocol != "" && !strings.EqualFold(sp.Protocol, "TCP") {
				continue
			}
			t := sp.TargetPort
			if t == "" {
				t = strconv.Itoa(sp.Port)
			}
			targets = append(targets, t)
		}
	}
	var out []int
	for _, t := range targets {
		n, err := strconv.Atoi(t)
		if err != nil {
			_, cp := w.TargetContainer(t, "")
			if cp == nil {
				return nil, false
			}
			n = cp.Port
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, true
}

// hopMesh names the service mesh whose proxy runs in the pods of hop h ("" when none is
// known): the workload that runs it (an nginx or Caddy container), or for ingress-nginx
// a workload of the run that runs the controller (/nginx-ingress-controller, perhaps
// after dumb-init --), since an Ingress does not say which of the run's controllers
// serves it.
func hopMesh(m *parsers.Model, h *parsers.Hop) string {
	if h.Workload != nil {
		return h.Workload.Mesh
	}
	if h.Kind != parsers.HopIngressNginx {
		return ""
	}
	for _, w := range m.Workloads {
		if w.Mesh == "" {
			continue
		}
		for _, c := range w.Containers {
			argv := append(append([]string{}, c.Command...), c.Args...)
			if len(argv) > 0 && path.Base(argv[0]) == "dumb-init" {
				argv = argv[1:]
				if len(argv) > 0 && argv[0] == "--" {
					argv = argv[1:]
				}
			}
			if len(argv) > 0 && argv[0] == "/nginx-ingress-controller" {
				return w.Mesh
			}
		}
	}
	return ""
}
