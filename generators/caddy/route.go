// Package caddy generates Caddyfile blocks that no502 itself lints clean: a
// reverse_proxy with bounded retries, active health checks on the app's health endpoint
// (when given), a short dial timeout and a response-header timeout above the handler
// budget, indented with tabs as `caddy fmt` prints it.
package caddy

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/generators/app"
	"github.com/no502/no502/internal/urlpath"
	"github.com/no502/no502/parsers"
)

// RouteOptions describe the route to generate.
type RouteOptions struct {
	// Path is the Caddy path matcher: "/webhooks/*" (a prefix), "/exact", or "*".
	Path string
	// Upstreams are the app instances: "app-1:8080", "http://app:8080", "unix//run/app.sock".
	Upstreams []string
	// HandlerTimeout is how long the app may take (0: not given).
	HandlerTimeout time.Duration
	Edge           string        // "cloudflare" or "none"
	EdgeTimeout    time.Duration // the edge's proxy read timeout (default 120s)
	// HealthPath is the app's health endpoint for active checks. Empty writes none: an
	// active check on a path the app does not serve (a 404) takes every upstream out of
	// rotation, and Caddy answers 503 to every request.
	HealthPath string
	// App names the app server behind the upstreams (gunicorn, uvicorn, node, puma) and
	// AppKeepAlive its idle keep-alive (wins over App's default): the transport's
	// keepalive is set below it. With neither, the shortest common default is assumed
	// and the block says so.
	App          string
	AppKeepAlive time.Duration
	// Site, when set, wraps the route in a site block with that address, preceded by a
	// global options block that bounds shutdown. Empty prints the bare route, to paste
	// into an existing site block.
	Site string
}

// Route is the generated text and what the generator decided.
type Route struct {
	Text string
	// Queued is true when the budget cannot fit behind the edge and the block is the
	// "acknowledge fast, queue the work" alternative.
	Queued bool
	// Notes explain decisions, for the CLI to print on stderr.
	Notes []string
}

// The values the route uses. Retries: Caddy retries dial errors for every method and
// only GET once the request was sent (CDY-RP:1375), every lb_try_interval (250ms,
// CDY-RP:383-388). No passive checks (fail_duration): Caddy counts every failed round
// trip, a response_header_timeout included, and with max_fails 1 one failure takes the
// upstream out for fail_duration. Caddy 2.6.2 on loopback, fail_duration 30s: six
// requests past the budget took both upstreams out and every request for the next 30s
// got 503; one upstream down for 0.3s meant 30s of 503 after it was back. The retries
// already carry a request past a dead upstream. Active: Caddy's defaults are 30s interval, 5s timeout, 1 failure (CDY-HC:201-218);
// a 10s interval takes a dead upstream out within 10s (health_fails is not written: it
// only exists since Caddy 2.7, and Debian ships 2.6). Dial: Caddy's default is 3s (CDY-HT:100-102); 2s leaves room for a retry
// inside lb_try_duration.
const (
	tryDuration    = 5 * time.Second
	healthInterval = 10 * time.Second
	healthTimeout  = 5 * time.Second
	dialTimeout    = 2 * time.Second
	noBudgetWait   = 60 * time.Second
	// Shutdown, for --site: 5s delay + 20s grace fits Kubernetes' default 30s
	// terminationGracePeriodSeconds (K8S-CORE); a handler budget longer than that raises
	// the grace period to the response_header_timeout.
	shutdownDelay = 5 * time.Second
	gracePeriod   = 20 * time.Second
	// edgeHeadroom is how much sooner than the edge the queue alternative answers.
	edgeHeadroom = 10 * time.Second
)

// GenerateRoute builds the reverse_proxy block for o.
func GenerateRoute(o RouteOptions) (*Route, error) {
	out := &Route{}
	path, err := checkPath(o.Path)
	if err != nil {
		return nil, err
	}
	if path != o.Path {
		out.Notes = append(out.Notes, fmt.Sprintf("--path %s matches only that exact path in Caddy; using %s to match everything under it", o.Path, path))
	}
	if len(o.Upstreams) == 0 {
		return nil, fmt.Errorf("give at least one --upstream, e.g. --upstream app-1:8080 --upstream app-2:8080")
	}
	seen := map[string]bool{}
	for _, u := range o.Upstreams {
		if err := checkUpstream(u); err != nil {
			return nil, err
		}
		// The same instance twice is one instance: the block would pass for two (no
		// single-upstream note, and Caddy's retry goes back to the same server).
		if seen[u] {
			return nil, fmt.Errorf("--upstream %s is given twice; list each instance once", u)
		}
		seen[u] = true
		// Caddy rejects upstreams with different schemes in one reverse_proxy.
		if scheme(u) != scheme(o.Upstreams[0]) {
			return nil, fmt.Errorf("--upstream %s and %s use different schemes; Caddy needs the same one for every upstream of a route", o.Upstreams[0], u)
		}
	}
	if len(o.Upstreams) == 1 {
		out.Notes = append(out.Notes, fmt.Sprintf("%s is a single upstream: every restart of it is an outage unless the name resolves to several instances; add more --upstream flags", o.Upstreams[0]))
	}
	switch o.Edge {
	case "", "none", "cloudflare":
	default:
		return nil, fmt.Errorf("--edge must be cloudflare or none, got %q", o.Edge)
	}
	if o.EdgeTimeout == 0 {
		o.EdgeTimeout = 120 * time.Second
	}
	// The queue alternative answers 10s before the edge gives up; --edge-timeout 5s made
	// that -5s, which Caddy reads as no timeout at all.
	if o.EdgeTimeout <= edgeHeadroom {
		return nil, fmt.Errorf("--edge-timeout must be longer than %s, got %s", parsers.Seconds(edgeHeadroom), o.EdgeTimeout)
	}
	if o.HealthPath == "" {
		out.Notes = append(out.Notes, "no --health-path: no health checks; a GET to a dead upstream is retried on another (lb_try_duration), but a POST or PUT with a body gets 502 on Caddy releases before the fix of caddy issue 7546 (2026; 2.6.2 included), which lose the body on that retry; pass the app's health endpoint, e.g. --health-path /healthz, to take a dead or hung upstream out of rotation")
	} else if err := urlpath.RequestPath("--health-path", o.HealthPath); err != nil {
		// Also keeps out what a Caddyfile token cannot hold as written ({ } " # and
		// blanks); ' is not special there (caddy adapt keeps it).
		return nil, err
	}
	ka, err := app.Resolve(o.App, o.AppKeepAlive)
	if err != nil {
		return nil, err
	}
	idle := app.ProxyIdle(ka.Value)
	if ka.Assumed {
		out.Notes = append(out.Notes, fmt.Sprintf("the app's keep-alive was not given: keepalive %s stays below %s, the shortest common default (gunicorn's); pass --app or --app-keepalive to keep upstream connections longer", app.Format(idle), app.Format(ka.Value)))
	}
	if o.Site != "" && strings.ContainsAny(o.Site, " \t{}\"'#") {
		return nil, fmt.Errorf("--site must be one site address, e.g. example.com or :8080, got %q", o.Site)
	}

	wait, waitNote := noBudgetWait, "no handler budget given: raise it above your slowest handler"
	if o.HandlerTimeout > 0 {
		wait = above(o.HandlerTimeout)
		waitNote = fmt.Sprintf("above the %s handler budget", parsers.Seconds(o.HandlerTimeout))
	}
	if o.Edge == "cloudflare" {
		switch {
		case o.HandlerTimeout > o.EdgeTimeout:
			out.Queued = true
			wait = o.EdgeTimeout - edgeHeadroom
			waitNote = fmt.Sprintf("below Cloudflare's %s: the app must answer 202 fast and queue the work", parsers.Seconds(o.EdgeTimeout))
			out.Notes = append(out.Notes, fmt.Sprintf(
				"a %s handler cannot fit behind Cloudflare, which answers 524 after %s: the block below expects the app to acknowledge with 202 Accepted and finish the work in a background job",
				parsers.Seconds(o.HandlerTimeout), parsers.Seconds(o.EdgeTimeout)))
		case wait > o.EdgeTimeout:
			// Above the budget but never past the edge's limit.
			wait = o.EdgeTimeout
			waitNote = fmt.Sprintf("above the %s handler budget, at Cloudflare's %s limit", parsers.Seconds(o.HandlerTimeout), parsers.Seconds(o.EdgeTimeout))
		}
	}

	var b strings.Builder
	ind := ""
	if o.Site != "" {
		// A request within the budget must finish inside grace_period: Caddy 2.6.2 on
		// loopback, budget 60s and grace_period 20s, a 40s request was cut at 26s (empty
		// reply) when Caddy was stopped.
		grace := gracePeriod
		if o.HandlerTimeout > 0 && wait > grace {
			grace = wait
			out.Notes = append(out.Notes, fmt.Sprintf("grace_period %s lets requests within the budget finish on shutdown: give Caddy at least %s to stop (Kubernetes terminationGracePeriodSeconds, default 30s; Compose stop_grace_period, default 10s)",
				parsers.FormatDuration(grace), parsers.Seconds(grace+shutdownDelay)))
		}
		fmt.Fprintf(&b, "{\n\t# Finish in-flight requests on shutdown, but not forever; keep serving while\n")
		fmt.Fprintf(&b, "\t# the load balancer takes this instance out.\n")
		fmt.Fprintf(&b, "\tgrace_period %s\n\tshutdown_delay %s\n}\n\n", parsers.FormatDuration(grace), parsers.FormatDuration(shutdownDelay))
		fmt.Fprintf(&b, "%s {\n", o.Site)
		ind = "\t"
	}
	line := func(depth int, s string) {
		b.WriteString(ind + strings.Repeat("\t", depth) + s + "\n")
	}
	line(0, "reverse_proxy "+path+" "+strings.Join(o.Upstreams, " ")+" {")
	if out.Queued {
		line(1, fmt.Sprintf("# The app must acknowledge with 202 Accepted within %s and queue the work;", parsers.Seconds(wait)))
		line(1, "# Cloudflare answers 524 to anything slower.")
	}
	// A retry after a failed dial loses the request body on Caddy releases before the
	// fix of caddy issue 7546 (pull requests 7547 and 7715, 2026): Go's transport closes
	// the body on the dial error and the retry answers 502 "invalid Read on closed
	// Body". Caddy 2.6.2 on loopback, this block in front of a dead and a live
	// upstream: POSTs with a body that drew the dead one first got 502 (the evidence
	// experiment "dead-upstream-in-rotation and no-retry-on-failure: Caddy").
	line(1, "# Retry a failed upstream on another one (a POST only when the connection")
	line(1, "# failed, never once sent). Caddy releases before the fix of caddy issue 7546")
	line(1, "# (2026; 2.6.2 included) lose that retried POST's body and answer 502.")
	if o.HealthPath != "" {
		line(1, "# The active checks below take a dead upstream out at the next check.")
	}
	line(1, "lb_try_duration "+parsers.FormatDuration(tryDuration))
	// No fail_duration (passive checks): see the constants.
	if o.HealthPath != "" {
		line(1, "# Active checks: an upstream failing "+o.HealthPath+" leaves rotation until it passes.")
		line(1, "health_uri "+o.HealthPath)
		line(1, "health_interval "+parsers.FormatDuration(healthInterval))
		line(1, "health_timeout "+parsers.FormatDuration(healthTimeout))
	} else {
		line(1, "# No health checks: health_uri needs a path the app answers with 2xx, else every")
		line(1, "# upstream leaves rotation and Caddy answers 503 (--health-path adds them).")
	}
	line(1, "transport http {")
	line(2, "# Fail fast when an upstream is down, so the retry can pick another.")
	line(2, "dial_timeout "+parsers.FormatDuration(dialTimeout))
	line(2, "# "+upperFirst(waitNote)+".")
	line(2, "response_header_timeout "+parsers.FormatDuration(wait))
	line(2, "# Close idle connections before the app does (Caddy keeps them 2m by default):")
	line(2, "# its keep-alive is "+ka.Source+".")
	line(2, "keepalive "+app.Format(idle))
	line(1, "}")
	line(0, "}")
	if o.Site != "" {
		b.WriteString("}\n")
	}
	out.Text = b.String()
	return out, nil
}

// checkPath validates a Caddy path matcher; a path ending in "/" becomes a prefix.
func checkPath(p string) (string, error) {
	if p == "*" {
		return p, nil
	}
	if !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("--path must start with / (e.g. /webhooks/*) or be *, got %q", p)
	}
	if strings.ContainsAny(p, " \t{}\"'#`") {
		return "", fmt.Errorf("--path %q contains characters a Caddy matcher cannot hold unquoted", p)
	}
	// Caddy matches a path without a leading or trailing * as a glob (Go's path.Match):
	// "/a[1]" matches a request for /a1 and not one for /a[1], "/b?c" matches /bXc.
	// Only * is a wildcard these flags promise; the others would route a different
	// path than the one given (checked with Caddy 2.6.2 on loopback).
	if strings.ContainsAny(p, "[]?\\") {
		return "", fmt.Errorf("--path %q: [ ] ? and \\ are glob characters in a Caddy path matcher (it would match other paths than this one); give a plain path, with * as the only wildcard (e.g. /webhooks/*)", p)
	}
	if strings.HasSuffix(p, "/") {
		return p + "*", nil
	}
	return p, nil
}

// checkUpstream validates one upstream address the way Caddy's reverse_proxy accepts it.
func checkUpstream(u string) error {
	if u == "" || strings.ContainsAny(u, " \t{}\"'#`") {
		return fmt.Errorf("--upstream %q is not an address (want host:port, http://host:port or unix//path)", u)
	}
	if strings.HasPrefix(u, "unix/") {
		return nil
	}
	addr := u
	for _, s := range []string{"http://", "https://", "h2c://"} {
		addr = strings.TrimPrefix(addr, s)
	}
	if strings.Contains(addr, "://") {
		return fmt.Errorf("--upstream %q: scheme must be http, https or h2c", u)
	}
	if strings.HasPrefix(u, "unix:") {
		return fmt.Errorf("--upstream %q: Caddy writes a unix socket as unix/%s", u, strings.TrimPrefix(u, "unix:"))
	}
	if strings.ContainsAny(addr, "/?") {
		return fmt.Errorf("--upstream %q has a path; Caddy upstreams are host:port only", u)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil && strings.Contains(addr, ":") && !strings.HasPrefix(addr, "[") {
		return fmt.Errorf("--upstream %q: %v", u, err)
	} else if err == nil && host == "" {
		return fmt.Errorf("--upstream %q has no host", u)
	}
	// caddy adapt and validate accept any port; the dial fails on every request (502).
	// A range (8080-8082) is one upstream per port.
	if err == nil {
		for _, p := range strings.SplitN(port, "-", 2) {
			if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
				return fmt.Errorf("--upstream %q: the port must be 1-65535 (or a range such as 8080-8082)", u)
			}
		}
	}
	return nil
}

func scheme(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		return u[:i]
	}
	return ""
}

// above returns a timeout comfortably above a handler budget: +10%, at least +5s,
// rounded up to whole seconds.
func above(d time.Duration) time.Duration {
	m := d / 10
	if m < 5*time.Second {
		m = 5 * time.Second
	}
	return (d + m + time.Second - 1).Truncate(time.Second)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
