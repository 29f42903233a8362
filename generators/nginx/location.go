// Package nginx generates nginx config blocks that no502 itself lints clean. Blocks are
// built as gonginx directives and printed with gonginx's dumper: generated text has no
// original formatting to preserve, which is where gonginx is strong.
package nginx

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/tufanbarisyildirim/gonginx/config"
	"github.com/tufanbarisyildirim/gonginx/dumper"

	"github.com/no502/no502/generators/app"
	"github.com/no502/no502/parsers"
	pnginx "github.com/no502/no502/parsers/nginx"
)

// LocationOptions describe the location to generate.
type LocationOptions struct {
	Path           string        // location prefix, e.g. /webhooks/
	Upstream       string        // http://app:8080
	HandlerTimeout time.Duration // how long the app may take (0: nginx's 60s default is kept)
	Edge           string        // "cloudflare" or "none"
	EdgeTimeout    time.Duration // the edge's proxy read timeout (default 120s)
	NginxVersion   string        // "" = unknown: emit what works on every version
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
	if !strings.HasPrefix(o.Path, "/") {
		return nil, fmt.Errorf("--path must start with /, got %q", o.Path)
	}
	if strings.ContainsAny(o.Path, " ;{}#\"'") {
		return nil, fmt.Errorf("--path %q contains characters nginx would need quoted; use a plain prefix", o.Path)
	}
	u, err := url.Parse(o.Upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--upstream must be an http:// or https:// URL with a host, e.g. http://app:8080, got %q", o.Upstream)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("--upstream %q has a path; give only scheme://host:port", o.Upstream)
	}
	switch o.Edge {
	case "", "none", "cloudflare":
	default:
		return nil, fmt.Errorf("--edge must be cloudflare or none, got %q", o.Edge)
	}
	if o.EdgeTimeout == 0 {
		o.EdgeTimeout = 120 * time.Second
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	server := net.JoinHostPort(host, port)
	name := strings.Trim(upstreamName.ReplaceAllString(host, "_"), "_") + "_backend"
	modern := o.NginxVersion != "" && pnginx.VersionAtLeast(o.NginxVersion, "1.29.7")

	ka, err := app.Resolve(o.App, o.AppKeepAlive)
	if err != nil {
		return nil, err
	}
	idle := app.ProxyIdle(ka.Value)
	out := &Location{}
	if net.ParseIP(host) != nil {
		out.Notes = append(out.Notes, fmt.Sprintf("%s is a single instance: every restart of it is an outage (no502 reports single-upstream); add more server lines to the upstream block, or use a name that resolves to all instances", host))
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
		read = o.EdgeTimeout - 10*time.Second
		out.Notes = append(out.Notes, fmt.Sprintf(
			"a %s handler cannot fit behind Cloudflare, which answers 524 after %s: the block below answers fast and expects the app to queue the work (202 Accepted) and finish it in a background job",
			parsers.Seconds(o.HandlerTimeout), parsers.Seconds(o.EdgeTimeout)))
		readNote = fmt.Sprintf("below Cloudflare's %s: the app must answer 202 fast and queue the %s of work", parsers.Seconds(o.EdgeTimeout), parsers.Seconds(o.HandlerTimeout))
	}

	up := block("upstream", []string{name}, nil,
		dir("server", []string{server, "max_fails=3", "fail_timeout=10s"}, "failing servers leave rotation for 10s"),
		dir("keepalive", []string{"16"}, "idle connections kept open for reuse"),
		dir("keepalive_timeout", []string{app.Format(idle)}, "close idle connections before the app does: its keep-alive is "+ka.Source),
	)
	pass := dir("proxy_pass", []string{u.Scheme + "://" + name}, "")
	if out.Queued {
		pass.Comment = []string{
			fmt.Sprintf("# The app must acknowledge with 202 Accepted within %s and queue the work;", parsers.Seconds(read)),
			"# Cloudflare answers 524 to anything slower.",
		}
	}
	locDirs := []config.IDirective{pass,
		dir("proxy_http_version", []string{"1.1"}, versionNote(modern, "HTTP/1.1 is needed to reuse upstream connections")),
		dir("proxy_set_header", []string{"Connection", `""`}, versionNote(modern, `no "Connection: close", so connections are reused`)),
		dir("proxy_set_header", []string{"Host", "$host"}, ""),
		dir("proxy_set_header", []string{"X-Forwarded-For", "$proxy_add_x_forwarded_for"}, ""),
		dir("proxy_set_header", []string{"X-Forwarded-Proto", "$scheme"}, ""),
		dir("proxy_connect_timeout", []string{"5s"}, "fail fast when the app is down, so the retry below can try another server"),
		dir("proxy_send_timeout", []string{parsers.Seconds(read)}, ""),
		dir("proxy_read_timeout", []string{parsers.Seconds(read)}, readNote),
		dir("proxy_next_upstream", []string{"error", "timeout", "http_502", "http_503"}, "retry elsewhere; POST/PATCH are never re-sent (no non_idempotent)"),
		dir("proxy_next_upstream_tries", []string{"2"}, "bounded retries"),
	}
	loc := block("location", []string{o.Path}, nil, locDirs...)

	style := dumper.NewStyle()
	var b strings.Builder
	fmt.Fprintf(&b, "# Generated by no502 generate nginx-location: %s -> %s.\n", o.Path, o.Upstream)
	b.WriteString("# Put the upstream block in the http context and the location in your server block.\n")
	b.WriteString(dumper.DumpDirective(up, style))
	b.WriteString("\n\n")
	b.WriteString(dumper.DumpDirective(loc, style))
	b.WriteString("\n")
	out.Text = b.String()
	return out, nil
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
