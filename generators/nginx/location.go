// Package nginx generates nginx config blocks that no502 itself lints clean. Blocks are
// built as gonginx directives and printed with gonginx's dumper: generated text has no
// original formatting to preserve, which is where gonginx is strong.
package nginx

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tufanbarisyildirim/gonginx/config"
	"github.com/tufanbarisyildirim/gonginx/dumper"

	noconfig "github.com/no502/no502/config"
	"github.com/no502/no502/generators/app"
	"github.com/no502/no502/parsers"
	pnginx "github.com/no502/no502/parsers/nginx"
	"github.com/no502/no502/rules"
)

// LocationOptions describe the location to generate.
type LocationOptions struct {
	Path           string        // location prefix, e.g. /webhooks/
	Upstream       string        // http://app:8080
	HandlerTimeout time.Duration // how long the app may take (0: nginx's 60s default is kept)
	Edge           string        // "cloudflare" or "none"
	EdgeTimeout    time.Duration // the edge's proxy read timeout (default 120s)
	NginxVersion   string        // "" = unknown: emit what works on every nginx since 1.15.3
	// App names the app server behind the upstream (gunicorn, uvicorn, node, puma) and
	// AppKeepAlive its idle keep-alive (wins over App's default): the upstream's
	// keepalive_timeout is set below it. With neither, the shortest common default is
	// assumed and the block says so.
	App          string
	AppKeepAlive time.Duration
}

// Location is the generated text and what the generator decided.
type Location struct {
	Text string
	// Queued is true when the budget cannot fit behind the edge and the block is the
	// "acknowledge fast, queue the work" alternative.
	Queued bool
	// Notes explain decisions, for the CLI to print on stderr.
	Notes []string
}

var upstreamName = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// GenerateLocation builds a location block (and its upstream block) for o.
func GenerateLocation(o LocationOptions) (*Location, error) {
	out := &Location{}
	if !strings.HasPrefix(o.Path, "/") {
		return nil, fmt.Errorf("--path must start with /, got %q", o.Path)
	}
	if strings.ContainsAny(o.Path, " ;{}#\"'") {
		return nil, fmt.Errorf("--path %q contains characters nginx would need quoted; use a plain prefix", o.Path)
	}
	// A location prefix is literal: "/webhooks/*" (the pattern caddy-route and
	// alb-target-group take) matches only a request for that asterisk, and a "?" never
	// matches (nginx matches the path without the query string).
	if p, ok := strings.CutSuffix(o.Path, "/*"); ok && !strings.ContainsAny(p, "*?") {
		out.Notes = append(out.Notes, fmt.Sprintf("--path %s: an nginx location prefix is literal, so %s/ matches everything under it", o.Path, p))
		o.Path = p + "/"
	}
	if strings.ContainsAny(o.Path, "*?") {
		return nil, fmt.Errorf("--path %q: an nginx location prefix is literal (no wildcards); give the prefix, e.g. /webhooks/", o.Path)
	}
	if o.NginxVersion != "" && !noconfig.ValidNginxVersion(o.NginxVersion) {
		return nil, fmt.Errorf("--nginx-version must look like 1.28.0, got %q", o.NginxVersion)
	}
	// The retry lines need 1.9.13: proxy_next_upstream_tries and _timeout appeared in
	// 1.7.5 (nginx -t refuses them before), and until 1.9.13 nginx re-sent a POST or
	// PATCH to the next server (nginx CHANGES 1.9.13: non_idempotent), which the block
	// says it never does.
	if o.NginxVersion != "" && !pnginx.VersionAtLeast(o.NginxVersion, "1.9.13") {
		return nil, fmt.Errorf("--nginx-version %s: the block needs nginx 1.9.13 or later (before it, nginx re-sends a POST to the next server, and before 1.7.5 it has no proxy_next_upstream_tries)", o.NginxVersion)
	}
	up, err := parseUpstream(o.Upstream)
	if err != nil {
		return nil, err
	}
	// An upstream block resolves its names once, at startup: for a name whose addresses
	// change nginx keeps connecting to the old ones, 502 until a reload (the
	// upstream-dns-resolved-once rule). Resolving per request needs a resolver directive
	// with the user's DNS server, which the generator cannot know.
	if why := rules.CloudDynamicHost(up.host); why != "" {
		return nil, fmt.Errorf("--upstream %q: %s is %s; an upstream block resolves it once, at startup, and nginx keeps the old addresses when they change (502 until a reload). Proxy to it with a variable in proxy_pass and a resolver directive naming your DNS server (no502 explain upstream-dns-resolved-once), which this generator cannot write for you", o.Upstream, up.host, why)
	}
	switch o.Edge {
	case "", "none", "cloudflare":
	default:
		return nil, fmt.Errorf("--edge must be cloudflare or none, got %q", o.Edge)
	}
	if o.EdgeTimeout == 0 {
		o.EdgeTimeout = 120 * time.Second
	}
	// The queue alternative answers 10s before the edge gives up.
	if o.EdgeTimeout <= edgeHeadroom {
		return nil, fmt.Errorf("--edge-timeout must be longer than %s, got %s", parsers.Seconds(edgeHeadroom), o.EdgeTimeout)
	}
	name := up.name + "_backend"
	modern := o.NginxVersion != "" && pnginx.VersionAtLeast(o.NginxVersion, "1.29.7")

	ka, err := app.Resolve(o.App, o.AppKeepAlive)
	if err != nil {
		return nil, err
	}
	idle := app.ProxyIdle(ka.Value)
	if net.ParseIP(up.host) != nil {
		out.Notes = append(out.Notes, fmt.Sprintf("%s is a single instance: every restart of it is an outage (no502 reports single-upstream); add more server lines to the upstream block, or use a name that resolves to all instances", up.host))
	}
	if ka.Assumed {
		out.Notes = append(out.Notes, fmt.Sprintf("the app's keep-alive was not given: keepalive_timeout %s stays below %s, the shortest common default (gunicorn's); pass --app or --app-keepalive to keep upstream connections longer", app.Format(idle), app.Format(ka.Value)))
	}
	read := 60 * time.Second
	readNote := "nginx's default; the handler budget was not given"
	if o.HandlerTimeout > 0 {
		read = above(o.HandlerTimeout)
		readNote = fmt.Sprintf("above the %s handler budget (waits between two reads)", parsers.Seconds(o.HandlerTimeout))
	}
	if o.Edge == "cloudflare" && o.HandlerTimeout > o.EdgeTimeout {
		out.Queued = true
		read = o.EdgeTimeout - edgeHeadroom
		out.Notes = append(out.Notes, fmt.Sprintf(
			"a %s handler cannot fit behind Cloudflare, which answers 524 after %s: the block below answers fast and expects the app to queue the work (202 Accepted) and finish it in a background job",
			parsers.Seconds(o.HandlerTimeout), parsers.Seconds(o.EdgeTimeout)))
		readNote = fmt.Sprintf("below Cloudflare's %s: the app must answer 202 fast and queue the %s of work", parsers.Seconds(o.EdgeTimeout), parsers.Seconds(o.HandlerTimeout))
	} else if o.Edge == "cloudflare" && read > o.EdgeTimeout {
		// The budget fits, but its margin would not: nginx waiting past the edge's limit
		// only turns Cloudflare's 524 into a wait nobody sees (edge-timeout-exceeded).
		read = o.EdgeTimeout
		readNote = fmt.Sprintf("above the %s handler budget, at Cloudflare's %s limit", parsers.Seconds(o.HandlerTimeout), parsers.Seconds(o.EdgeTimeout))
	}

	upDirs := []config.IDirective{
		// A read timeout counts toward max_fails too (ngx_http_upstream_next marks every
		// failure but a 403/404): requests stuck past proxy_read_timeout take a server
		// out like a dead one. Kept: the read timeout is above the handler budget, and
		// without max_fails a dead server keeps its share of requests (the
		// dead-upstream-in-rotation rule); the comment says so.
		dir("server", []string{up.server, "max_fails=3", "fail_timeout=10s"}, "3 failures within 10s (a refused connection, a connect or read timeout) take a server out for 10s"),
	}
	if o.NginxVersion != "" && !pnginx.VersionAtLeast(o.NginxVersion, "1.15.3") {
		// keepalive_timeout in upstream{} appeared in 1.15.3 (nginx -t refuses it before);
		// a pool without it keeps idle connections until the app closes them, which is
		// the keepalive race. No pool: a connection per request.
		out.Notes = append(out.Notes, fmt.Sprintf("nginx %s has no keepalive_timeout in upstream{} (since 1.15.3): the block keeps no idle upstream connections, so none can be reused after the app closed it", o.NginxVersion))
	} else {
		upDirs = append(upDirs,
			dir("keepalive", []string{"16"}, "idle connections kept open for reuse"),
			dir("keepalive_timeout", []string{app.Format(idle)}, "close idle connections before the app does: its keep-alive is "+ka.Source))
	}
	upBlock := block("upstream", []string{name}, nil, upDirs...)
	pass := dir("proxy_pass", []string{up.scheme + "://" + name}, "")
	if out.Queued {
		pass.Comment = []string{
			fmt.Sprintf("# The app must acknowledge with 202 Accepted within %s and queue the work;", parsers.Seconds(read)),
			"# Cloudflare answers 524 to anything slower.",
		}
	}
	locDirs := []config.IDirective{pass,
		dir("proxy_http_version", []string{"1.1"}, versionNote(modern, "HTTP/1.1 is needed to reuse upstream connections")),
		dir("proxy_set_header", []string{"Connection", `""`}, versionNote(modern, `no "Connection: close", so connections are reused`)),
	}
	if up.scheme == "https" && net.ParseIP(up.host) == nil {
		// nginx sends no SNI to an https upstream by default (proxy_ssl_server_name off), and
		// would send the upstream block's name if told to: a server that needs SNI (CDNs,
		// PaaS front ends, any host serving several certificates) fails the handshake: 502.
		locDirs = append(locDirs,
			dir("proxy_ssl_server_name", []string{"on"}, "send SNI: without it servers that host several names fail the TLS handshake (502)"),
			dir("proxy_ssl_name", []string{up.host}, "the upstream's name, not the upstream block's"))
	}
	locDirs = append(locDirs,
		dir("proxy_set_header", []string{"Host", "$host"}, ""),
		dir("proxy_set_header", []string{"X-Forwarded-For", "$proxy_add_x_forwarded_for"}, ""),
		dir("proxy_set_header", []string{"X-Forwarded-Proto", "$scheme"}, ""),
		dir("proxy_connect_timeout", []string{parsers.Seconds(connectTimeout)}, "fail fast when the app is down, so the retry below can try another server"),
		dir("proxy_send_timeout", []string{parsers.Seconds(read)}, ""),
		dir("proxy_read_timeout", []string{parsers.Seconds(read)}, readNote),
		// No http_502/http_503: listed, the app's own 503 (load shedding, maintenance)
		// counts toward max_fails. nginx 1.22.1 on loopback, two servers of this upstream
		// answering 503: five requests got 503, then every request 502 "no live
		// upstreams" for fail_timeout. nginx's default retries only what never reached
		// the app: a refused, reset or timed-out connection.
		dir("proxy_next_upstream", []string{"error", "timeout"}, "retry a failed connection elsewhere; POST/PATCH are never re-sent (no non_idempotent)"),
		dir("proxy_next_upstream_tries", []string{"2"}, "bounded retries"),
		dir("proxy_next_upstream_timeout", []string{parsers.Seconds(retryWindow(read))}, "retry a failed or timed-out connect, not a request that ran past proxy_read_timeout"),
	)
	loc := block("location", []string{o.Path}, nil, locDirs...)

	style := dumper.NewStyle()
	var b strings.Builder
	fmt.Fprintf(&b, "# Generated by no502 generate nginx-location: %s -> %s.\n", o.Path, o.Upstream)
	b.WriteString("# Put the upstream block in the http context (once: another location generated for the\n")
	b.WriteString("# same app shares it) and the location in your server block.\n")
	b.WriteString(dumper.DumpDirective(upBlock, style))
	b.WriteString("\n\n")
	b.WriteString(dumper.DumpDirective(loc, style))
	b.WriteString("\n")
	out.Text = b.String()
	return out, nil
}

// connectTimeout is the generated proxy_connect_timeout.
const connectTimeout = 5 * time.Second

// retryWindow is proxy_next_upstream_timeout: long enough to retry after a connect
// timeout, shorter than the read timeout. nginx retries a GET that ran past
// proxy_read_timeout on the next server ("timeout" covers connect and read alike), and
// counts both attempts toward max_fails: nginx 1.22.1 on loopback, two servers of the
// generated upstream, four GETs past the read timeout each waited twice as long (30s for
// 15s), marked both servers down, and every request for the next 10s got 502 ("no live
// upstreams"). Past the window nginx hands the failure to the client instead.
func retryWindow(read time.Duration) time.Duration {
	return min(2*connectTimeout, read)
}

// edgeHeadroom is how much sooner than the edge the queue alternative answers.
const edgeHeadroom = 10 * time.Second

// upstreamAddr is the app an --upstream names, as the upstream block writes it.
type upstreamAddr struct {
	scheme string // http or https
	host   string // the host name or IP; "" for a unix socket
	server string // the server directive's address: host:port or unix:/path
	name   string // the upstream block's name, without _backend
}

// parseUpstream reads --upstream: scheme://host[:port], or a unix socket as nginx writes
// it (unix:/path, http://unix:/path).
func parseUpstream(s string) (upstreamAddr, error) {
	if sock, ok := strings.CutPrefix(strings.TrimPrefix(s, "http://"), "unix:"); ok {
		if !strings.HasPrefix(sock, "/") || strings.ContainsAny(sock, " ;{}#\"'") {
			return upstreamAddr{}, fmt.Errorf("--upstream %q: a unix socket is unix:/absolute/path", s)
		}
		// The whole path names the block: two sockets called app.sock in different
		// directories got one name, and nginx refuses the second ("duplicate upstream").
		return upstreamAddr{scheme: "http", server: "unix:" + sock, name: safeName(sock, "unix")}, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return upstreamAddr{}, fmt.Errorf("--upstream must be an http:// or https:// URL with a host (or unix:/path for a socket), e.g. http://app:8080, got %q", s)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return upstreamAddr{}, fmt.Errorf("--upstream %q: give only scheme://host:port (no path, query or user)", s)
	}
	if strings.ContainsAny(u.Hostname(), " ;{}#\"'$") {
		return upstreamAddr{}, fmt.Errorf("--upstream %q: %q is not a host name", s, u.Hostname())
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return upstreamAddr{}, fmt.Errorf("--upstream %q: the port must be 1-65535", s)
	}
	host := u.Hostname()
	// The port is part of the name: two apps on one host (app:8080, app:9090) got one
	// name, and nginx refuses the second block ("duplicate upstream").
	return upstreamAddr{scheme: u.Scheme, host: host, server: net.JoinHostPort(host, port), name: safeName(host, "app") + "_" + port}, nil
}

// safeName turns s into an upstream block name (letters, digits, _), or fallback.
func safeName(s, fallback string) string {
	if n := strings.Trim(upstreamName.ReplaceAllString(s, "_"), "_"); n != "" {
		return n
	}
	return fallback
}

// above picks a read timeout comfortably above a budget: 10% more, at least 10s more,
// rounded up to 5s.
func above(budget time.Duration) time.Duration {
	margin := budget / 10
	if margin < 10*time.Second {
		margin = 10 * time.Second
	}
	step := 5 * time.Second
	return (budget + margin + step - 1) / step * step
}

func versionNote(modern bool, why string) string {
	if modern {
		return "the default since nginx 1.29.7; explicit for clarity"
	}
	return why + " (nginx < 1.29.7)"
}

func dir(name string, args []string, note string) *config.Directive {
	d := &config.Directive{Name: name}
	for _, a := range args {
		d.Parameters = append(d.Parameters, config.Parameter{Value: a})
	}
	if note != "" {
		d.InlineComment = []config.InlineComment{{Value: "  # " + note}}
	}
	return d
}

func block(name string, args []string, comments []string, body ...config.IDirective) *config.Directive {
	d := dir(name, args, "")
	d.Comment = comments
	d.Block = &config.Block{Directives: body}
	return d
}
