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
  ignores max_fails (there is nowhere else to go), so that is not reported. With one
  primary server and a ` + "`backup`" + `, the backup takes over only once the primary is marked down:
  ` + "`max_fails=0`" + ` on the primary means never, and every request tries the dead primary first
  (nginx 1.22.1 on loopback: 10 of 10 requests 502 where retries are off): reported when a
  location forwarding to it does not retry a failed connection; where all retry, the
  backup answers (slower, not a 502).
- Caddy: two or more upstreams with neither ` + "`health_uri`" + ` nor ` + "`fail_duration`" + `, and no
  retries (in Caddy's JSON config: the reverse_proxy handler's ` + "`health_checks.active.uri`" + `,
  ` + "`health_checks.passive.fail_duration`" + ` and ` + "`load_balancing.try_duration`" + `/` + "`retries`" + `). With ` + "`lb_try_duration`" + ` or ` + "`lb_retries`" + ` set, a failed connection to the dead
  upstream is retried on another: slower, but not a 502, so it is not reported, unless
  ` + "`lb_policy`" + ` is ` + "`first`" + `, ` + "`ip_hash`" + `, ` + "`client_ip_hash`" + `, ` + "`uri_hash`" + `, ` + "`header`" + `, ` + "`query`" + ` or
  ` + "`cookie`" + `: those pick the same upstream again for the retry while no health check marks it
  down (header and query for the requests that carry their key; cookie for every client
  holding the dead upstream's cookie: Caddy 2.6.2 answered each of its requests with 502).
- Upstreams that are the proxy's own listeners (a site proxying to other sites of the same
  Caddyfile, nginx to its own ` + "`listen`" + `) are internal hops, not apps, and are not counted.

## Fix

nginx: remove ` + "`max_fails=0`" + ` (or set ` + "`max_fails=3 fail_timeout=10s`" + `). Caddy: add
` + "`health_uri /healthz`" + ` (active: the app's health endpoint, which only you know, so it is in
the snippet, not written) and ` + "`fail_duration 30s`" + ` (passive). ` + "`--fix`" + ` writes the passive
check only with ` + "`--unsafe-fixes`" + `: with Caddy's default ` + "`max_fails 1`" + ` one failed round trip,
a request past ` + "`response_header_timeout`" + ` included, takes an upstream out for the whole
` + "`fail_duration`" + `, so a few slow requests, or each upstream restarting within 30s of the other,
leave none in rotation (Caddy 2.6.2: six requests past a 2s timeout, then 503 to every
request for 30s). Consider ` + "`max_fails 3`" + ` and a shorter ` + "`fail_duration`" + `, or active checks
alone.

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

// unretried returns the first nginx route forwarding to b that does not pass a failed
// connection to the next server (proxy_next_upstream off or without error, tries 1, and
// no error_page handing it on); nil when every one does.
func unretried(m *parsers.Model, b *parsers.Backend) *parsers.Route {
	for _, h := range m.Hops {
		for _, r := range h.Routes {
			if !r.Reaches(b) || r.Respond != nil || failsOver(h, r) {
				continue
			}
			c, tries := r.Retry.Conditions, r.Retry.Tries
			if c.Known() && (!slices.Contains(c.Value, "error") || slices.Contains(c.Value, "off")) ||
				tries.Known() && tries.Value == 1 {
				return r
			}
		}
	}
	return nil
}

// primaryWithBackup returns, for an nginx upstream of one primary server (not one of the
// proxy's own listeners) and at least one backup, that server and the first backup; nil
// otherwise. The backup gets requests only when the primary is marked down (or on a
// retry), so the primary's failure accounting and the retries decide whether it helps.
func primaryWithBackup(own *listeners, b *parsers.Backend) (primary, backup *parsers.Target) {
	if b.Kind != parsers.BackendNginxUpstream {
		return nil, nil
	}
	active := appTargets(own, b)
	if len(active) != 1 || len(activeTargets(b)) != 1 {
		return nil, nil
	}
	for _, t := range b.Targets {
		if t.Backup && !t.Down && own.own(backendFormat(own.m, b), t) == nil {
			return active[0], t
		}
	}
	return nil, nil
}

func runDeadUpstreamInRotation(p *Pass) {
	retried := caddyRetriedBackends(p.Model)
	own := newListeners(p.Model)
	for _, b := range p.Model.Backends {
		active := activeTargets(b)
		format := backendFormat(p.Model, b)
		if t, bk := primaryWithBackup(own, b); format == parsers.FormatNginx && t != nil {
			// Where every location retries a failed connection, the backup answers
			// (slower, not a 502), as for Caddy's retries below.
			if r := unretried(p.Model, b); r != nil && t.MaxFails.Explicit() && t.MaxFails.Value == 0 {
				msg := fmt.Sprintf("max_fails=0 turns off failure accounting for %s, the only primary server of upstream %s: when it dies, nginx never marks it down, so the backup %s never takes over; location %s does not retry a failed connection, so %s. Remove max_fails=0 or set max_fails=3 fail_timeout=10s.",
					t.Address, b.Name, bk.Address, r.Path, unretriedFails(r, "each of its requests gets 502"))
				p.Report(Finding{Pos: t.MaxFails.Pos, Message: msg, Fix: p.passiveHealthFix(format, b, t)})
			}
			continue
		}
		if len(active) < 2 || len(appTargets(own, b)) < 2 {
			continue // one server (nothing else to send to), or the proxy's own listeners
		}
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
				// Where the locations retry a failed connection (nginx's default), a
				// refused one is retried at once: nginx 1.22.1 on loopback, one of two
				// servers refusing with max_fails=0, 8 of 8 requests 200. The cost is
				// the wait for a connection that does not fail at once.
				what := "each of them first waits for the connection to fail, at once when refused but up to proxy_connect_timeout (nginx default 60s) when the host is gone, and is then retried on another server"
				if r := unretried(p.Model, b); r != nil {
					what = fmt.Sprintf("location %s does not retry a failed connection, so %s", r.Path, unretriedFails(r, "each of its requests sent there gets 502"))
				}
				msg := fmt.Sprintf("%s turns off failure accounting for %s in upstream %s, which has %d servers: when %s dies, nginx keeps sending it its share of requests: %s. Remove max_fails=0 or set max_fails=3 fail_timeout=10s.",
					"max_fails=0", t.Address, b.Name, len(active), t.Address, what)
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
			// A JSON config's message names its keys, not the Caddyfile's subdirectives.
			uri, failDur := "health_uri", "fail_duration"
			if caddyJSONFact.Of(p)[p.Model.File(b.Pos.File)] {
				uri, failDur = `health_checks.active.uri`, `health_checks.passive.fail_duration`
			}
			st := caddyStatus(caddyHopOf(p, b), 502)
			msg = fmt.Sprintf("%d upstreams (%s) and no health checks (no %s; %s): when one dies Caddy keeps sending it its share of requests, each a %s. Add %s for active checks and %s for passive ones.",
				len(active), addresses(active), uri, passive, st, uri, failDur)
			if b.LBPolicy.Known() && b.LBPolicy.Value == "first" && !retried[b] {
				// first sends every request to the first available upstream: its death
				// fails them all, not a share (caddy 2.6.2 on loopback, the first of two
				// refusing: every request 502).
				msg = fmt.Sprintf("%d upstreams (%s) and no health checks (no %s; %s): when %s dies, %s keeps sending it every request, each a %s, while the others stand idle. Add %s for active checks and %s for passive ones.",
					len(active), addresses(active), uri, passive, active[0].Address, sticky, st, uri, failDur)
			}
			if retried[b] {
				msg = fmt.Sprintf("%d upstreams (%s) and no health checks (no %s; %s): when one dies, %s picks it again for every retry of the requests it chose it for, as nothing marks it down, so they fail with %s once the retries run out. Add %s for active checks and %s for passive ones.",
					len(active), addresses(active), uri, passive, sticky, st, uri, failDur)
			}
		}
		p.Report(Finding{Pos: pos, Message: msg, Fix: fix})
	}
}

// caddyStickyPolicy names the lb_policy of Caddy backend b when it picks the same
// upstream again for a retried request while no health check marks that one down
// (first: the first available; ip_hash, client_ip_hash, uri_hash: a hash of the
// request; header, query: a hash of the request's key, for the requests that carry it;
// cookie: the upstream a client's cookie names), "" for the others (random,
// round_robin, least_conn... pick again). Caddy 2.6.2 on loopback, one of two upstreams
// refusing connections, lb_try_duration 2s: 4 of 8 X-Tenant values got 502 under
// `header X-Tenant`, and every request holding the dead upstream's cookie under `cookie`.
func caddyStickyPolicy(b *parsers.Backend) string {
	if b.Kind != parsers.BackendCaddy || !b.LBPolicy.Explicit() {
		return ""
	}
	switch b.LBPolicy.Value {
	case "first", "ip_hash", "client_ip_hash", "uri_hash", "header", "cookie", "query":
		return b.LBPolicy.Text
	}
	return ""
}

// caddyRetryCaveat is what the no-retry-on-failure message says of retried POSTs on
// Caddy before the fix of caddy#7546: add an active check (named active, as the config
// writes it), or, where b already has one, that POSTs fail only until it has marked the
// dead upstream down (once marked, Caddy no longer dials it).
func caddyRetryCaveat(b *parsers.Backend, active string) string {
	const bug = "Caddy before the 2026 fix of caddy#7546 (reported from 2.6.1 to 2.11.1) fails a POST retried after a dial error with 502"
	if b.Health != nil && (!b.Health.Enabled.Known() || b.Health.Enabled.Value) {
		return bug + " until the active health check has marked the dead upstream down."
	}
	return bug + " and, with fail_duration, takes the healthy upstream out too: add " + active + " as well."
}

// caddyStatus says what a client of Caddy hop h gets where Caddy itself answers own (502
// for a failed upstream, 503 for none available, 504 for its timeout): own, or the
// status handle_errors answers every error with, saying so (caddy 2.6.2 on loopback,
// handle_errors { respond "down" 503 } and the upstream refusing: 503). A handle_errors
// the model cannot read leaves own, with a word that it may differ.
func caddyStatus(h *parsers.Hop, own int) string {
	if h == nil || h.Kind != parsers.HopCaddy {
		return strconv.Itoa(own)
	}
	es := h.ErrorStatus
	switch {
	case !es.Known():
		return fmt.Sprintf("%d (or what the site's handle_errors answers instead)", own)
	case es.Explicit() && es.Value != own:
		return fmt.Sprintf("%d (handle_errors answers Caddy's %d with it: %s)", es.Value, own, es.Pos.Short())
	}
	return strconv.Itoa(own)
}

// caddyHopOf returns the Caddy hop whose reverse_proxy forwards to b, nil when none does.
func caddyHopOf(p *Pass, b *parsers.Backend) *parsers.Hop {
	for _, h := range p.Model.Hops {
		if h.Kind != parsers.HopCaddy {
			continue
		}
		for _, r := range h.Routes {
			if r.Backend == b {
				return h
			}
		}
	}
	return nil
}

// caddyRetryPicksSame reports whether a retry of Caddy backend b picks the upstream
// that just failed again: lb_policy first and the ip, client_ip and uri hashes choose
// the same upstream for a request until it is marked down, and only passive health
// (fail_duration) marks it down on a failed request (an active check waits for its own
// interval). caddy 2.6.2 on loopback, the first of two upstreams refusing, lb_try_duration
// 2s: under first every request got 502 after 2s, under ip_hash the clients hashed to it;
// with fail_duration 10s as well, 200 after 0.25s. header, cookie and query hash only the
// requests carrying their key, so a retry helps the others. Unknown passive health counts
// as off: retries are then not known to help.
func caddyRetryPicksSame(b *parsers.Backend) bool {
	if b.Kind != parsers.BackendCaddy || !b.LBPolicy.Known() {
		return false
	}
	switch b.LBPolicy.Value {
	case "first", "ip_hash", "client_ip_hash", "uri_hash":
		return !b.Passive.Enabled.Known() || !b.Passive.Enabled.Value
	}
	return false
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
  Not reported under ` + "`lb_policy first`" + `, ` + "`ip_hash`" + `, ` + "`client_ip_hash`" + ` or ` + "`uri_hash`" + `
  without passive health (` + "`fail_duration`" + `): these pick the upstream that just failed again
  on every retry until something marks it down, and only a failed request counted by passive
  health does that at once (caddy 2.6.2, the first of two upstreams refusing, ` + "`lb_policy first`" + `,
  ` + "`lb_try_duration 2s`" + `: every request 502 after 2s; with ` + "`fail_duration 10s`" + ` as well, 200). What
  is missing there is the health check: dead-upstream-in-rotation.

nginx settings that are not ` + "`off`" + ` but never pass a refused connection on are reported too:
` + "`proxy_next_upstream`" + ` without ` + "`error`" + ` (` + "`timeout`" + `, ` + "`http_502 http_503`" + `: a connection that
cannot be made is an error), whose fix adds ` + "`error`" + ` and keeps the rest, and
` + "`proxy_next_upstream_tries 1`" + ` (one attempt in all), whose fix sets 2: written only with --unsafe-fixes when
` + "`proxy_next_upstream`" + ` lists ` + "`non_idempotent`" + `, where one try is all that keeps a POST whose server
failed after receiving it from being sent to a second one.

` + "`grpc_pass`" + `, ` + "`uwsgi_pass`" + `, ` + "`scgi_pass`" + ` and ` + "`fastcgi_pass`" + ` retry the same way, with their own
` + "`grpc_next_upstream`" + `, ` + "`uwsgi_next_upstream`" + `... (one implementation in nginx, the same
defaults), and are reported and fixed alike (nginx 1.22.1, two ` + "`grpc_pass`" + ` servers, one
refusing: with ` + "`grpc_next_upstream off`" + `, 502 for the call sent there; by default, 6 of 6
answered). Every gRPC call is a POST: one already sent is never sent twice.

An nginx older than 1.9.13 (` + "`nginx_version`" + ` in .no502.yaml) also sends a POST or PATCH
its server failed after receiving to the next one, so there the fixes that let it retry
more are unsafe (` + "`--unsafe-fixes`" + `); before 1.7.5 there is no ` + "`proxy_next_upstream_tries`" + `,
and the fix does not write it.

Reported only where the upstream has two or more servers: with one, there is nothing to
retry on. A location whose upstream a ` + "`map{}`" + ` or ` + "`split_clients`" + ` chooses (` + "`proxy_pass http://$backend;`" + `)
is reported once, at its retry setting, when an ` + "`upstream{}`" + ` the values name has a second
server: the requests the map sends there fail as a direct ` + "`proxy_pass`" + ` to it would. An nginx upstream of one primary server and a ` + "`backup`" + ` counts: without retries the
request to a dead primary gets 502 until nginx marks it down (never with ` + "`max_fails=0`" + `). Not reported for an nginx location whose failed request is handed on instead of
answered with the 502: an ` + "`error_page`" + ` listing 502 that sends it to a named location or a
URI that forwards again (` + "`error_page 502 504 = @retry;`" + ` with ` + "`proxy_pass`" + ` in ` + "`@retry`" + `), or
to a URL (a redirect). A static error page still fails the request, and is reported.

## Fix

nginx: ` + "`proxy_next_upstream error timeout;`" + ` (nginx's default) with
` + "`proxy_next_upstream_tries 2;`" + ` (never add ` + "`non_idempotent`" + ` unless every handler is
idempotent). The fix adds no ` + "`http_502 http_503`" + `: listed, an app's own 503 (load shedding,
maintenance) counts toward ` + "`max_fails`" + ` and takes every server out (nginx 1.22.1, two servers
answering 503: the first request got 503, the next four 502 "no live upstreams"). Caddy: ` + "`lb_try_duration 5s`" + `, written by --fix only where the reverse_proxy
has an active health check (` + "`health_uri`" + `), otherwise only with --unsafe-fixes: on Caddy
before the fix of caddy#7546 a retried POST fails, and with passive health (` + "`fail_duration`" + `,
the dead-upstream-in-rotation fix) it takes the healthy upstream out too. Caddy 2.6.2, one
of two upstreams down, 20 POSTs: 11 passed with neither setting, 19 with ` + "`fail_duration`" + `
alone, 8 with ` + "`lb_try_duration`" + ` alone and none with both.

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
			if b == nil && h.Kind == parsers.HopNginx && r.Pass != "" {
				// grpc_pass, uwsgi_pass, scgi_pass, fastcgi_pass: their next_upstream
				// directives retry as proxy_next_upstream does (nginx 1.22.1 on loopback,
				// two grpc_pass servers, one refusing: with grpc_next_upstream off, 502
				// for the call sent there; by default, 6 of 6 answered).
				b = r.PassBackend
			}
			if b == nil || r.Respond != nil {
				continue
			}
			if t, bk := primaryWithBackup(own, b); t != nil && h.Kind == parsers.HopNginx {
				c := r.Retry.Conditions
				when := backupWhen(t)
				if !failsOver(h, r) && (!c.Known() || len(c.Value) != 1 || c.Value[0] != "off") {
					// tries 1 or a list without error: the failed connection to the
					// primary is not passed on either (nginx 1.22.1 on loopback, primary
					// refusing: 502, then the backup until fail_timeout ran out).
					nginxNoRetryOnError(p, h, r, backupTarget(b, t, bk, when))
				}
				if c.Known() && len(c.Value) == 1 && c.Value[0] == "off" && !failsOver(h, r) {
					msg := fmt.Sprintf("%s: when %s, the only primary server of %s, is down or restarting, %s instead of going to the backup %s, which %s. Use %s_next_upstream error timeout, nginx's default (%s).",
						c.Text, t.Address, b.Name, nginxFails(r), bk.Address, when, nginxModule(r), neverTwice(h, r))
					pos := atInclude(p.Model, posOr(c, r.Pos, r.Block), c, r.Block)
					p.Report(Finding{Pos: pos, Message: msg, Related: origin(nil, c, pos, "value set here"), Fix: p.retryFix(h, r)})
				}
				continue
			}
			if len(activeTargets(b)) < 2 || len(appTargets(own, b)) < 2 {
				if h.Kind == parsers.HopNginx && len(r.Alternatives) > 0 && !failsOver(h, r) {
					nginxMapNoRetry(p, own, h, r)
				}
				continue
			}
			c := r.Retry.Conditions
			if failsOver(h, r) {
				continue
			}
			if !c.Known() || len(c.Value) != 1 || c.Value[0] != "off" {
				if h.Kind == parsers.HopNginx {
					nginxNoRetryOnError(p, h, r, spreadTarget(b))
				}
				continue
			}
			if h.Kind == parsers.HopCaddy && caddyRetryPicksSame(b) {
				continue
			}
			fix := p.retryFix(h, r)
			n := len(activeTargets(b))
			var msg string
			try, active := caddyRetryNames(p, h)
			if c.Explicit() && h.Kind == parsers.HopCaddy {
				msg = fmt.Sprintf("%s: when the upstream Caddy picks from the %d (%s) is down or restarting, the request fails with %s instead of going to another one. Set %s (Caddy retries only GET once the request was sent). %s",
					c.Text, n, addresses(activeTargets(b)), caddyStatus(h, 502), try, caddyRetryCaveat(b, active))
			} else if c.Explicit() {
				msg = fmt.Sprintf("%s: when the server nginx picks from the %d in %s is down or restarting, %s instead of going to another one. Use %s_next_upstream error timeout, nginx's default (%s).",
					c.Text, n, b.Name, nginxFails(r), nginxModule(r), neverTwice(h, r))
			} else {
				msg = fmt.Sprintf("retries are off (%s): when the upstream %s picks from the %d (%s) is down or restarting, the request fails with %s instead of going to another one. Add %s. %s",
					c.Default, product(h), n, addresses(activeTargets(b)), caddyStatus(h, 502), try, caddyRetryCaveat(b, active))
			}
			pos := atInclude(p.Model, posOr(c, r.Pos, r.Block), c, r.Block)
			p.Report(Finding{Pos: pos, Message: msg, Related: origin(nil, c, pos, "value set here"), Fix: fix})
		}
	}
}

// nginxMapNoRetry reports an nginx location whose proxy_pass names a map{}'s (or
// split_clients') variable and that does not pass a failed connection on, when an
// upstream{} the map sends requests to (Route.Alternatives) has a second server to
// retry on: the requests the map sends there get the 502 a direct proxy_pass to that
// upstream would (nginx 1.22.1 on loopback: `map $http_x_pick $backend { default pool;
// single one; }`, upstream pool of two servers, one refusing, proxy_next_upstream off:
// 1 of 12 requests got 502 before max_fails took the dead server out, as with a direct
// proxy_pass; with nginx's default, 0 of 12). One finding per location, at its retry
// setting, naming every such upstream: the fix is the location's.
func nginxMapNoRetry(p *Pass, own *listeners, h *parsers.Hop, r *parsers.Route) {
	c := r.Retry.Conditions
	type alt struct {
		be              *parsers.Backend
		primary, backup *parsers.Target
		n               int
	}
	var alts []alt
	for _, be := range r.Alternatives {
		if t, bk := primaryWithBackup(own, be); t != nil {
			alts = append(alts, alt{be: be, primary: t, backup: bk})
		} else if n := len(activeTargets(be)); n >= 2 && len(appTargets(own, be)) >= 2 {
			alts = append(alts, alt{be: be, n: n})
		}
	}
	if len(alts) == 0 {
		return
	}
	via := "where the map of " + mapPass(r) + " sends requests"
	var t retryTarget
	switch a := alts[0]; {
	case len(alts) == 1 && a.primary != nil:
		down := fmt.Sprintf("%s, the only primary server of %s (%s), is down or restarting", a.primary.Address, a.be.Name, via)
		t = retryTarget{downNginx: down, downIt: down, other: fmt.Sprintf("the backup %s, which %s", a.backup.Address, backupWhen(a.primary))}
	case len(alts) == 1:
		t = retryTarget{
			downNginx: fmt.Sprintf("the server nginx picks from the %d in %s (%s) is down or restarting", a.n, a.be.Name, via),
			downIt:    fmt.Sprintf("the server it picks from the %d in %s (%s) is down or restarting", a.n, a.be.Name, via),
			other:     "another one",
		}
	default:
		var names []string
		for _, a := range alts {
			if a.primary != nil {
				names = append(names, fmt.Sprintf("%s's primary %s and backup %s", a.be.Name, a.primary.Address, a.backup.Address))
			} else {
				names = append(names, fmt.Sprintf("the %d in %s", a.n, a.be.Name))
			}
		}
		list := strings.Join(names, ", ")
		t = retryTarget{
			downNginx: fmt.Sprintf("the server nginx picks in an upstream the map of %s sends requests to (%s) is down or restarting", mapPass(r), list),
			downIt:    fmt.Sprintf("the server it picks in an upstream the map of %s sends requests to (%s) is down or restarting", mapPass(r), list),
			other:     "another server of that upstream",
		}
	}
	if !c.Known() || len(c.Value) != 1 || c.Value[0] != "off" {
		nginxNoRetryOnError(p, h, r, t)
		return
	}
	if !c.Explicit() {
		return // nginx's default retries; off is never a default of nginx's
	}
	msg := fmt.Sprintf("%s: when %s, %s instead of going to %s. Use %s_next_upstream error timeout, nginx's default (%s).",
		c.Text, t.downNginx, nginxFails(r), t.other, nginxModule(r), neverTwice(h, r))
	pos := atInclude(p.Model, posOr(c, r.Pos, r.Block), c, r.Block)
	p.Report(Finding{Pos: pos, Message: msg, Related: origin(nil, c, pos, "value set here"), Fix: p.retryFix(h, r)})
}

// unretriedFails says what a failed connection of unretried route r does to the
// client: fails for an ordinary route; for one answering auth_request checks, the
// guarded request's 500.
func unretriedFails(r *parsers.Route, fails string) string {
	if r.AuthFor != "" {
		return "each auth check sent there fails and nginx answers 500 to the request it guards (auth_request of " + r.AuthFor + ")"
	}
	return fails
}

// nginxFails says what a failed connection of an nginx route does to the client: its
// 502, or, for a location answering an auth_request subrequest, auth_request's 500 for
// the request it guards (nginx 1.22.1 on loopback, the auth service refusing: "auth
// request unexpected status: 502", the client got 500).
func nginxFails(r *parsers.Route) string {
	if r.AuthFor != "" {
		return "the auth check fails and nginx answers 500 to the request it guards (auth_request of " + r.AuthFor + ")"
	}
	return "the request fails with 502"
}

// authOnly returns the guarded locations (Route.AuthFor) when every nginx route
// forwarding to b answers an auth_request subrequest, nil when another route forwards
// to it or none does. Such an upstream's failure reaches no client as a 502: nginx
// answers 500 to the request the check guards.
func authOnly(m *parsers.Model, b *parsers.Backend) []string {
	var guards []string
	for _, h := range m.Hops {
		for _, r := range h.Routes {
			if !r.Reaches(b) {
				continue
			}
			if r.AuthFor == "" {
				return nil
			}
			if !slices.Contains(guards, r.AuthFor) {
				guards = append(guards, r.AuthFor)
			}
		}
	}
	return guards
}

// authFailure says what a failed auth check does to the client, for the guarded
// locations of authOnly: nginx answers 500 to which ("every request they guard" when
// every check fails, "the request it guards" for one).
func authFailure(which string, guards []string) string {
	return "nginx answers 500 to " + which + " (auth_request of " + strings.Join(guards, ", ") + ")"
}

// nginxModule is the prefix of an nginx route's retry directives: "proxy", or the
// module of its fastcgi_pass, uwsgi_pass, scgi_pass or grpc_pass.
func nginxModule(r *parsers.Route) string {
	if r.Pass != "" {
		return r.Pass
	}
	return "proxy"
}

// neverTwice says which requests nginx's default retry never sends twice: a POST, LOCK
// or PATCH once sent (ngx_http_upstream_next), which is every gRPC call (a POST). An
// nginx older than 1.9.13 sends them again too (nginxResendsPosts).
func neverTwice(h *parsers.Hop, r *parsers.Route) string {
	if r.Pass == "grpc" {
		return "a call already sent is never sent twice: gRPC calls are POSTs"
	}
	if nginxResendsPosts(h) {
		return "but nginx " + h.Version.Value + " is older than 1.9.13: a POST whose server failed after receiving it is sent to a second one too, so make sure its handlers are idempotent"
	}
	return "POSTs are still never sent twice"
}

// retryTarget says, for a route that does not pass a failed connection on, when its
// request fails (downNginx; downIt after "nginx makes one attempt in all") and where it
// would have gone instead (other).
type retryTarget struct{ downNginx, downIt, other string }

// spreadTarget is the retryTarget of an upstream of several servers.
func spreadTarget(b *parsers.Backend) retryTarget {
	n := len(activeTargets(b))
	return retryTarget{
		downNginx: fmt.Sprintf("the server nginx picks from the %d in %s is down or restarting", n, b.Name),
		downIt:    fmt.Sprintf("the server it picks from the %d in %s is down or restarting", n, b.Name),
		other:     "another one",
	}
}

// backupTarget is the retryTarget of an upstream of one primary server and a backup,
// which gets the failed request only on a retry; when says when it takes over without.
func backupTarget(b *parsers.Backend, primary, backup *parsers.Target, when string) retryTarget {
	down := fmt.Sprintf("%s, the only primary server of %s, is down or restarting", primary.Address, b.Name)
	return retryTarget{downNginx: down, downIt: down, other: fmt.Sprintf("the backup %s, which %s", backup.Address, when)}
}

// backupWhen says when the backup of an upstream of one primary server takes over
// without retries.
func backupWhen(primary *parsers.Target) string {
	if primary.MaxFails.Explicit() && primary.MaxFails.Value == 0 {
		return "never takes over: max_fails=0 keeps the primary from being marked down"
	}
	return "takes over only once nginx has marked it down (max_fails)"
}

// nginxNoRetryOnError reports an nginx route whose retry settings, though not off, never
// pass a failed connection to the next server: proxy_next_upstream without error
// (timeout, http_502 http_503: a refused connection is an error), or
// proxy_next_upstream_tries 1 (one attempt in all). t says when the request fails and
// where a retry would have sent it.
func nginxNoRetryOnError(p *Pass, h *parsers.Hop, r *parsers.Route, t retryTarget) {
	c, tries, mod := r.Retry.Conditions, r.Retry.Tries, nginxModule(r)
	downNginx, downIt, other := t.downNginx, t.downIt, t.other
	switch {
	case c.Explicit() && c.Known() && !slices.Contains(c.Value, "error") && !slices.Contains(c.Value, "off"):
		pos := atInclude(p.Model, posOr(c, r.Pos, r.Block), c, r.Block)
		line := mod + "_next_upstream error " + strings.Join(c.Value, " ") + ";"
		msg := fmt.Sprintf("%s lists no error: when %s, its failed connection is an error, not retried, and %s instead of going to %s. Add error: %s",
			strings.TrimSuffix(c.Text, ";"), downNginx, nginxFails(r), other, line)
		e := editBlock(p.Model, r.Block)
		why := nginxSet(p.Model, e, r.Block, c.Pos, routesUsing(p.Model, c.Pos, func(r *parsers.Route) parsers.Pos { return r.Retry.Conditions.Pos }), line)
		p.Report(Finding{Pos: pos, Message: msg, Related: origin(nil, c, pos, "value set here"), Fix: resendsPosts(h, r, blockFixWhy("retry failed connections on the next server (add error)", e, why))})
	case tries.Explicit() && tries.Known() && tries.Value == 1:
		pos := atInclude(p.Model, posOr(tries, r.Pos, r.Block), tries, r.Block)
		posts := neverTwice(h, r)
		// With non_idempotent among the conditions, one try is all that keeps a POST
		// from being sent again: a second try re-sends a POST whose server failed after
		// receiving it (nginx 1.22.1 on loopback: it reached both servers). The user may
		// rely on that, so the fix is written only with --unsafe-fixes.
		nonIdempotent := c.Known() && slices.Contains(c.Value, "non_idempotent")
		if nonIdempotent {
			posts = mod + "_next_upstream lists non_idempotent, so a POST whose server fails after receiving it is then sent to a second one: make sure its handlers are idempotent"
		}
		msg := fmt.Sprintf("%s: nginx makes one attempt in all, so when %s, %s instead of going to %s. Set %s_next_upstream_tries 2 (%s).",
			strings.TrimSuffix(tries.Text, ";"), downIt, nginxFails(r), other, mod, posts)
		e := editBlock(p.Model, r.Block)
		why := nginxSet(p.Model, e, r.Block, tries.Pos, routesUsing(p.Model, tries.Pos, func(r *parsers.Route) parsers.Pos { return r.Retry.Tries.Pos }), mod+"_next_upstream_tries 2;")
		fix := blockFixWhy("try a second server when the first fails", e, why)
		if nonIdempotent {
			fix.Description += " (unsafe: " + mod + "_next_upstream non_idempotent then sends a failed POST again)"
			fix.markUnsafe()
		} else {
			fix = resendsPosts(h, r, fix)
		}
		p.Report(Finding{Pos: pos, Message: msg, Related: origin(nil, tries, pos, "value set here"), Fix: fix})
	}
}

// failsOver reports whether an nginx route's failed request does not end with the 502:
// an error_page for 502 sends it to a location that forwards again (error_page 502 =
// @retry, with proxy_pass in @retry), or redirects the client (a URL). A static error
// page still fails the request.
func failsOver(h *parsers.Hop, r *parsers.Route) bool {
	to := r.FailoverTo
	if to == nil {
		return false
	}
	if !strings.HasPrefix(to.Value, "@") && !strings.HasPrefix(to.Value, "/") {
		return true // a URL (a redirect) or a variable: not a 502, or not known
	}
	return !keepsStatus(to) && forwardsTo(h, to.Value)
}

// keepsStatus reports whether an nginx error_page answers with the status it caught
// whatever its target answers: a URI target without an "=" argument. nginx 1.22.1 on
// loopback: `error_page 504 /fallback;` with /fallback proxied to an app that answered
// 200 sent the client 504 with that body, and `error_page 502 /fallback;` 502; with
// `= /fallback` both were 200. (A named location's answer keeps its own status.)
func keepsStatus(to *parsers.Setting[string]) bool {
	if !strings.HasPrefix(to.Value, "/") {
		return false
	}
	for _, a := range strings.Fields(strings.TrimSuffix(to.Text, ";")) {
		if strings.HasPrefix(a, "=") {
			return false
		}
	}
	return true
}

// forwardsTo reports whether an nginx error_page target (a named location or a URI)
// is answered by a location that forwards the request again.
func forwardsTo(h *parsers.Hop, t string) bool {
	var fr *parsers.Route
	switch {
	case strings.HasPrefix(t, "@"):
		for _, o := range h.Routes {
			if o.PathKind == parsers.PathNamed && o.Path == t {
				fr = o
			}
		}
	case strings.HasPrefix(t, "/"):
		fr = h.ServingRoute(t)
	}
	return fr != nil && fr.Respond == nil && (fr.Backend != nil || fr.Pass != "")
}

// timeoutHandedOn reports whether an nginx route's own 504 is not the answer: an
// error_page listing 504 sends the timed-out request to a location that forwards it again
// and answers with that location's status (or its target is a variable, not known). A
// static page, a redirect, or a URI target without "=" (keepsStatus) still fails it.
func timeoutHandedOn(h *parsers.Hop, r *parsers.Route) bool {
	to := r.TimeoutTo
	if to == nil || h.Kind != parsers.HopNginx {
		return false
	}
	return strings.Contains(to.Value, "$") || !keepsStatus(to) && forwardsTo(h, to.Value)
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
nginx's ` + "`stub_status`" + ` page counts whatever its path (a readiness probe on ` + "`/nginx_status`" + `), unless
its location limits access (` + "`deny`" + `, ` + "`auth_basic`" + `, ` + "`auth_request`" + `): those run before it and may
refuse the check. The fix of a stub_status finding is a snippet: the app does not serve that page.

Reported only when the run shows such a check: the health check of a load balancer whose
targets are the proxy (an ALB target group, an ALB Ingress, a ` + "`chain:`" + ` in .no502.yaml), or
the readiness probe of a pod that runs the proxy next to an app container with no
readiness probe of its own. A proxy answering its own container healthcheck (Docker,
Compose) or an uptime ping is right to answer it itself: those checks do not route
traffic, and a proxy in its own pod in front of an app Service is rightly ready while the
app Service has no ready pod.

Only the nginx server the check reaches is reported: a load balancer's check and a
kubelet's probe carry no Host header a ` + "`server_name`" + ` is written for, so nginx hands them to
the default server of the port they connect to (the health check's port, or the port the
load balancer sends traffic to): the server with ` + "`default_server`" + ` on that port, else the
first one listening on it. When that port is not known, or a server listens on it at a
specific address, only a config with a single server is reported. Which location answers
the path is decided as nginx searches locations: a ` + "`location /healthz { return 200; }`" + ` is
not the answer when a regex location after it matches /healthz too.

For the same reason only a Caddy site whose address names no host (` + "`:80`" + `, ` + "`http://`" + `, a JSON
server's routes without a ` + "`host`" + ` matcher) is reported: Caddy hands a request whose Host no
site matches to none of them, and answers it itself (an empty 200 on an ` + "`http://`" + ` port, a
redirect to HTTPS where its automatic HTTPS redirects), so ` + "`example.com { respond /health 200 }`" + `
is not what the check gets, and forwarding /health there would not reach the app either.

Paths that look like health checks: /health, /healthz, /ready, /readyz, /live, /livez,
/ping, /status, /_health, /healthcheck, /hc and variants under a prefix (/api/health).
A server or site that forwards nothing (a static site: no proxy_pass, fastcgi_pass,
uwsgi_pass, grpc_pass, reverse_proxy or php_fastcgi) is the app itself, and is not
reported.

## Fix

Forward the health path to the app (and make the app's handler check what it needs), or
keep a proxy-only liveness path under a name no load balancer uses.

The fix forwards the path to the app the server's other routes forward to, and is
written only with ` + "`" + `--unsafe-fixes` + "`" + `: the check then depends on the app, which is the
point, but it changes what takes the proxy out of rotation. It is a snippet when that
address would be a guess: the server forwards to several apps and none serves the path by
itself, it passes requests by fastcgi/uwsgi/grpc, the location is in a file several
servers include (a Caddy snippet several sites import), or a Caddy ` + "`" + `handle_path` + "`" + ` would strip
the path.

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

// stubStatus reports whether route r is answered by nginx's stub_status page (200 with
// nginx's own counters).
func stubStatus(r *parsers.Route) bool {
	return r.Respond != nil && r.Hop != nil && r.Hop.Kind == parsers.HopNginx && strings.HasPrefix(r.Respond.Text, "stub_status")
}

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
			// nginx's stub_status page counts whatever its path: a check that requests
			// it gets nginx's 200 (a readiness probe on /nginx_status).
			if r.Respond == nil || r.PathKind == parsers.PathRegex || !looksLikeHealth(r.Path) && !stubStatus(r) {
				continue
			}
			st := r.Respond.Status
			if !st.Known() || st.Value < 200 || st.Value > 299 {
				continue
			}
			// Only a check that decides where traffic goes makes the proxy's answer a
			// lie; a proxy answering its own container healthcheck or an uptime ping is
			// right to answer it itself.
			checkers, names := trafficHealthChecks(p.Model.Hops, lbs, h, r)
			if len(checkers) == 0 {
				continue
			}
			fix := p.healthProxyFix(h, r)
			advice := fmt.Sprintf("Forward %s to the app instead.", r.Path)
			if stubStatus(r) {
				advice = "Point the check at a path nginx forwards to the app (the app does not serve nginx's stub_status page)."
			}
			msg := fmt.Sprintf("%s answers %s itself with %d, and %s requests that path to decide where traffic goes%s: it sees a healthy server as long as %s runs, even when the app behind it is down, so traffic keeps flowing to a dead backend and gets %s. %s",
				strings.TrimSuffix(r.Respond.Text, ";"), r.Path, st.Value, strings.Join(names, " and "), hostMatchersMissed(r, r.Path), product(h), caddyStatus(h, 502), advice)
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
func trafficHealthChecks(all []*parsers.Hop, lbs []lbHealthCheck, h *parsers.Hop, r *parsers.Route) (checks []Related, names []string) {
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
		if slices.Contains(c.be.Hops, h) && checkReaches(c.be.Hops, h, lbCheckPort(c.be)) && h.ServingRouteByAddress(hc.Path.Value) == r {
			add(related(hc.Path, hc.Pos, product(c.lb)+" health check path"), product(c.lb)+"'s health check")
		}
	}
	if w := h.Workload; w != nil {
		for _, c := range w.Containers {
			pr := c.Readiness
			if pr == nil || pr.Handler != "httpGet" || probeRoute(h, pr) != r || !listensOn(h, probePort(c, pr)) || !checkReaches(hopsOf(all, w), h, probePort(c, pr)) {
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

// probeRoute is the route of h that an httpGet probe's request reaches: one that sets
// no Host (its Host is the pod IP) is a request by address (ServingRouteByAddress); one
// that sets a Host is not known to miss a sibling's host matcher.
func probeRoute(h *parsers.Hop, pr *parsers.Probe) *parsers.Route {
	if pr.Host == "" && !slices.ContainsFunc(pr.Headers, func(hd parsers.ProbeHeader) bool { return strings.EqualFold(hd.Name, "Host") }) {
		return h.ServingRouteByAddress(pr.Path)
	}
	return h.ServingRoute(pr.Path)
}

// lbCheckPort is the port a load balancer's health check of be connects to on its
// targets: the check's own port, or for traffic-port (the default) the one port the
// load balancer sends requests to; "" when that is not known (several, or none said).
func lbCheckPort(be *parsers.Backend) string {
	hc := be.Health
	if p := strings.TrimSpace(hc.Port.Value); hc.Port.Known() && parsers.IsPortNumber(p) {
		return p
	}
	port := ""
	for _, tp := range be.TrafficPorts {
		if !tp.Port.Known() {
			return ""
		}
		v := strconv.Itoa(tp.Port.Value)
		if port != "" && port != v {
			return ""
		}
		port = v
	}
	return port
}

// hopsOf lists the hops of all that workload w runs.
func hopsOf(all []*parsers.Hop, w *parsers.Workload) []*parsers.Hop {
	var out []*parsers.Hop
	for _, h := range all {
		if h.Workload == w {
			out = append(out, h)
		}
	}
	return out
}

// checkReaches reports whether a health check connecting to port on the targets reaches
// nginx server h, one of the servers the targets run (group): a load balancer's check
// and a kubelet's probe carry no Host header a server_name is written for (an ALB sends
// the target's address), so nginx hands them to the default server of the address they
// connect to: the server with default_server on a listen for that port, else the first
// server listening on it. When the port is not known, or a server listens on the port
// at a specific address (which one the check connects to is not known), only a server
// that is the only one of the group is known to be reached. A Caddy site is reached only
// when its address names no host (caddyTakesAnyHost).
func checkReaches(group []*parsers.Hop, h *parsers.Hop, port string) bool {
	if h.Kind == parsers.HopCaddy {
		return caddyTakesAnyHost(h, port)
	}
	if h.Kind != parsers.HopNginx {
		return true
	}
	var servers []*parsers.Hop
	for _, x := range group {
		if x.Kind == parsers.HopNginx && !slices.Contains(servers, x) {
			servers = append(servers, x)
		}
	}
	if len(servers) <= 1 {
		return true
	}
	if port == "" {
		return false
	}
	var on []*parsers.Hop
	var def *parsers.Hop
	for _, x := range servers {
		for _, l := range x.Listen {
			host, p := listenHostPort(x.Format, l)
			if p != port {
				continue
			}
			switch host {
			case "", "*", "0.0.0.0", "::":
			default:
				return false
			}
			if !slices.Contains(on, x) {
				on = append(on, x)
			}
			if slices.Contains(x.DefaultFor, l) && def == nil {
				def = x
			}
		}
	}
	switch {
	case def != nil:
		return def == h
	case len(on) > 0:
		return on[0] == h
	}
	return false
}

// caddyTakesAnyHost reports whether Caddy site h gets a request whose Host header is the
// target's own address (a load balancer's health check, a kubelet's probe) on port (""
// when not known): only a site whose address names no host (":80", "http://") matches
// one. A site for example.com never sees it: Caddy answers a request no site matches
// itself, with an empty 200 on an http:// port and a redirect to HTTPS on a port its
// automatic HTTPS redirects (caddy 2.6.2 on loopback, Host 10.0.0.5: empty 200, and 308
// to https://10.0.0.5/health), so no respond or reverse_proxy of that site answers the
// check. An address with a placeholder or an IP may or may not be it: not known, so not
// reached.
func caddyTakesAnyHost(h *parsers.Hop, port string) bool {
	for _, l := range h.Listen {
		host, p := listenHostPort(h.Format, l)
		if host == "" && p != "" && (port == "" || p == port) {
			return true
		}
	}
	return false
}

// probePort is the port number a probe checks ("8080", or a named port of c resolved);
// "" when it cannot be known.
func probePort(c *parsers.Container, pr *parsers.Probe) string {
	if parsers.IsPortNumber(pr.Port) {
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

// caddyRetryNames names, as a Caddy hop's config writes them, the retry the
// no-retry-on-failure fix adds and the active health check its message advises: a JSON
// config has the handler's keys, not the Caddyfile's subdirectives.
func caddyRetryNames(p *Pass, h *parsers.Hop) (try, active string) {
	if caddyJSONHop(p, h) {
		return `"load_balancing": {"try_duration": "5s"} in the reverse_proxy handler`, `an active health check ("health_checks": {"active": {"uri": ...}})`
	}
	return "lb_try_duration 5s", "an active health_uri check"
}
