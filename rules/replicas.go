package rules

import "fmt"

// Replica rules shared by the proxies: one instance behind the proxy.

var singleUpstream = &Rule{
	ID:       "single-upstream",
	Category: Replicas,
	Severity: Warning,
	Summary:  "A proxy forwards to exactly one server, given as an IP address",
	Formats:  []string{"nginx", "caddy"},
	Doc: `# single-upstream

An upstream with one server, written as an IP address, is one instance of the app. Every
restart, deploy, crash or node failure of that instance is an outage: the proxy has nowhere
else to send requests and returns **502** until it is back.

A hostname may resolve to many instances (a Kubernetes Service, a DNS round robin, a load
balancer), so a single hostname is not reported. A unix socket or localhost is an app on
the same machine as the proxy, often on purpose (a sidecar): reported at ` + "`info`" + `.
An upstream with a ` + "`backup`" + ` server is not reported.

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
	for _, b := range p.Model.Backends {
		switch b.Kind {
		case "nginx-upstream", "nginx-address", "caddy":
		default:
			continue
		}
		if len(b.Targets) != 1 {
			continue
		}
		t := b.Targets[0]
		if t.Backup || t.Down || (t.Host == "" && !t.Unix) {
			continue
		}
		format := backendFormat(p.Model, b)
		fix := p.Fix(format, Change{Kind: AddTarget, Backend: b, Target: t})
		where := "upstream " + b.Name
		if b.Kind != "nginx-upstream" {
			where = "this proxy"
		}
		switch {
		case t.Unix || t.Local:
			msg := fmt.Sprintf("%s forwards to a single local server %s: when that process restarts or crashes, every request gets 502 until it is back. Fine for a sidecar; otherwise run a second instance.", where, t.Address)
			p.Report(Finding{Pos: t.Pos, Severity: Info, Message: msg, Fix: fix})
		case t.IP:
			msg := fmt.Sprintf("%s forwards to a single server %s: every restart, deploy or crash of that instance is an outage, with 502 for every request until it is back. Run two or more instances and list them all, or point at a name that resolves to all of them (a Kubernetes Service).", where, t.Address)
			p.Report(Finding{Pos: t.Pos, Message: msg, Fix: fix})
		}
	}
}

func init() {
	Register(singleUpstream)
}
