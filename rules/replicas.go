package rules

import (
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/no502/no502/parsers"
)

// Replica rules shared by the proxies: one instance behind the proxy.

var singleUpstream = &Rule{
	ID:       "single-upstream",
	Category: Replicas,
	Severity: Warning,
	Summary:  "A proxy forwards to exactly one app server on another host, given as an IP address",
	Formats:  []string{"nginx", "caddy"},
	Doc: `# single-upstream

An upstream with one server, written as the IP address of another host, is one instance
of the app. Every restart, deploy, crash or node failure of that instance is an outage: the
proxy has nowhere else to send requests and returns **502** until it is back (for an
nginx upstream only ` + "`auth_request`" + ` checks use, **500** to every request they guard).

Reported once per upstream: an nginx ` + "`upstream`" + ` block once, and an address written in several
` + "`proxy_pass`" + ` or ` + "`reverse_proxy`" + ` lines once, at the first line that names it (the others are
related lines). Not reported:

- a hostname: it may resolve to many instances (a Kubernetes Service, a DNS round robin,
  a load balancer); ` + "`single-replica`" + ` and ` + "`single-task`" + ` count what runs behind it;
- a loopback address, ` + "`localhost`" + ` or a unix socket: the app shares the proxy's host or
  container (php-fpm, nginx and the app under one supervisord, a sidecar, a single-host
  example). A second instance on the same host does not survive the host, and the proxy
  goes down with it anyway; ` + "`single-replica`" + ` and ` + "`single-instance-on-path`" + ` report the pod
  that runs both;
- one of the proxy's own listeners (` + "`proxy_pass http://127.0.0.1:8079`" + ` to a ` + "`listen 8079`" + `
  of the same nginx, as auth_request and njs subrequests do; a Caddy site proxying to
  another site of the same Caddyfile): an internal hop, not an app;
- a placeholder: an address written with a variable (` + "`$upstream`" + `, ` + "`{$BACKEND:10.0.0.5:80}`" + `:
  the default is not what is deployed) or the unspecified address ` + "`0.0.0.0`" + `;
- an upstream with a ` + "`backup`" + ` server (one live server beside servers marked ` + "`down`" + `
  is reported: nginx sends those nothing);
- an upstream whose peers OpenResty's ` + "`balancer_by_lua`" + ` picks: its ` + "`server 0.0.0.1;`" + ` is the
  placeholder nginx requires, and how many servers take requests is not known.

## Fix

Run two or more instances and list them all (or point the proxy at a name that resolves to
all of them, such as a Kubernetes Service), and add a retry policy so a request that hits a
restarting instance goes to another.

## Evidence

nginx 1.22.1 with one server that restarts gracefully (nothing listens for 500ms) while a
request comes every 25ms: 10 to 22 of 40 requests got 502 (fewer on a loaded machine),
POST and GET alike; with a second server (the fix's SECOND_INSTANCE filled in) and nginx's
default retry, 0.
See [docs/evidence.md](../evidence.md#single-upstream-nginx-the-one-instance-restarts).

## Sources

- nginx upstream servers and the backup parameter: https://nginx.org/en/docs/http/ngx_http_upstream_module.html#server
- Caddy reverse_proxy upstreams: https://caddyserver.com/docs/caddyfile/directives/reverse_proxy#upstreams
`,
	Run: runSingleUpstream,
}

func runSingleUpstream(p *Pass) {
	// One finding per upstream: the first proxy line naming a literal address reports
	// it, the others are related lines of the same finding.
	type instance struct {
		f           Finding
		where, addr string
		lines       int
		// guards: the locations whose auth_request checks are all that uses it
		// (authOnly); nil when any other request goes there.
		guards []string
		mixed  bool
	}
	var order []string
	byAddr := map[string]*instance{}
	own := newListeners(p.Model)
	for _, b := range p.Model.Backends {
		switch b.Kind {
		case parsers.BackendNginxUpstream, parsers.BackendNginxAddress, parsers.BackendCaddy:
		default:
			continue
		}
		// The servers nginx sends requests to: those marked down take none.
		var live []*parsers.Target
		var down []string
		for _, t := range b.Targets {
			if t.Down {
				down = append(down, t.Address)
			} else {
				live = append(live, t)
			}
		}
		if len(live) != 1 {
			continue
		}
		t := live[0]
		format := backendFormat(p.Model, b)
		if t.Backup || !remoteIPTarget(t) || own.own(format, t) != nil {
			continue
		}
		// An upstream{} block is one upstream wherever it is used; a literal address
		// written in several proxy_pass or reverse_proxy lines is one upstream too.
		key := own.root(t.Pos.File) + "\x00" + net.JoinHostPort(t.Host, t.Port)
		if b.Kind == parsers.BackendNginxUpstream {
			key = "upstream\x00" + b.Pos.String()
		}
		guards := authOnly(p.Model, b)
		if in := byAddr[key]; in != nil {
			if guards == nil {
				in.mixed = true
			}
			for _, g := range guards {
				if !slices.Contains(in.guards, g) {
					in.guards = append(in.guards, g)
				}
			}
			in.lines++
			in.f.Related = append(in.f.Related, Related{Pos: t.Pos, Message: "also forwards to " + t.Address})
			continue
		}
		where := "upstream " + b.Name
		if b.Kind != parsers.BackendNginxUpstream {
			where = "this proxy"
		}
		fix := p.addTargetFix(format, b, t)
		addr := t.Address
		if len(down) > 0 {
			addr += " (" + strings.Join(down, ", ") + " marked down)"
		}
		byAddr[key] = &instance{f: Finding{Pos: t.Pos, Fix: fix}, where: where, addr: addr, guards: guards, mixed: guards == nil}
		order = append(order, key)
	}
	for _, k := range order {
		in := byAddr[k]
		also := ""
		if in.lines > 0 {
			also = fmt.Sprintf(" (so do %d more proxy lines)", in.lines)
		}
		outage := "with 502 for every request until it is back"
		if !in.mixed {
			// Only auth_request checks go there: each fails, and nginx answers 500.
			outage = "the auth checks sent there fail and " + authFailure("every request they guard", in.guards) + " until it is back"
		}
		in.f.Message = fmt.Sprintf("%s forwards to a single server %s%s: every restart, deploy or crash of that instance is an outage, %s. Run two or more instances and list them all, or point at a name that resolves to all of them (a Kubernetes Service).", in.where, in.addr, also, outage)
		p.Report(in.f)
	}
}

func init() {
	Register(singleUpstream)
}
