package rules

import (
	"fmt"
	"path"
	"strings"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/nginx"
)

var upstreamDNSResolvedOnce = &Rule{
	ID:       "upstream-dns-resolved-once",
	Category: Health,
	Severity: Warning,
	Summary:  "nginx resolves an upstream host name once at startup, but its addresses change",
	Formats:  []string{"nginx"},
	Doc: `# upstream-dns-resolved-once

nginx resolves the host name in ` + "`proxy_pass http://name`" + ` or in an ` + "`upstream`" + `'s
` + "`server name`" + ` once, when it starts or reloads, and keeps those addresses until the next
reload. That is fine for a name whose addresses never change. It is not for:

- an AWS Application or Classic Load Balancer's DNS name (` + "`*.elb.amazonaws.com`" + `): AWS
  adds, removes and replaces the load balancer's nodes as it scales, and their addresses
  change (only a Network Load Balancer, ` + "`*.elb.<region>.amazonaws.com`" + `, has fixed addresses);
- an Azure public IP's DNS label (` + "`*.cloudapp.azure.com`" + `), whose dynamic address changes
  when the resource is deallocated or recreated;
- a Kubernetes **headless** Service (` + "`clusterIP: None`" + `) among the linted files: its name
  resolves to the pods' own addresses, which change on every rollout;
- a Docker Compose service's name (or its ` + "`container_name`" + `, an alias), when nginx runs in
  another service of the project: Docker releases a container's address when it stops, and
  a container that ` + "`docker compose up`" + ` recreates (a new image, a changed config) takes
  whichever address is free when it starts, not always its old one, while the nginx
  container, unchanged, keeps running with the address it resolved. Not reported when
  Compose restarts nginx after the service (` + "`depends_on: {app: {restart: true}}`" + ` on the
  proxy), when the service has a fixed address (` + "`ipv4_address`" + `), or when either file says it
  is deployed as a swarm stack (an ` + "`update_config`" + `, ` + "`deploy.mode: global`" + `, a file named like ` + "`docker-stack.yml`" + `): there
  the name is the service's virtual IP, which updates do not change (unless the service sets
  ` + "`endpoint_mode: dnsrr`" + `: then it resolves to the tasks' own addresses, which every update
  replaces, and is reported);
- a name ` + "`.no502.yaml`" + ` declares dynamic:

` + "```yaml" + `
dynamic_hosts:
  - api.partner.example       # a name whose addresses change
  - "*.internal.example"      # every name under a domain
` + "```" + `

When the addresses move, nginx keeps connecting to the old ones: connections are refused or
time out, and clients get **502** (or 504) until someone reloads nginx. A Kubernetes
ClusterIP Service name is stable (the ClusterIP does not change) and is not reported;
neither is any other host name nothing marks as dynamic.

## Fix

Make nginx resolve the name while it runs. With a variable in ` + "`proxy_pass`" + `, nginx
resolves the name per request through ` + "`resolver`" + ` (cached for ` + "`valid=`" + `):

` + "```nginx" + `
resolver 169.254.169.253 valid=30s;  # your DNS server: the VPC resolver, kube-dns's ClusterIP, 127.0.0.11 in Docker
location / {
    set $backend http://internal-app-123456.eu-west-1.elb.amazonaws.com;
    proxy_pass $backend;
}
` + "```" + `

A variable anywhere in the URL does it, in the URI part too (` + "`proxy_pass http://app:8000/$1`" + `):
nginx then evaluates the whole URL per request, and such a proxy_pass is not reported, unless
another ` + "`proxy_pass`" + ` names the same host and port without a variable: nginx made that one a
server group at startup, and a name evaluated per request that matches it uses the addresses
resolved then.

A variable changes how ` + "`proxy_pass`" + ` builds the URI: it no longer puts its own URI part in
place of the location's prefix (a URI part in the variable replaces the whole request URI).
The snippet keeps the path a static ` + "`proxy_pass`" + ` sent with a ` + "`rewrite ... break`" + `:
` + "`location /api/ { proxy_pass http://app:8000/; }`" + ` becomes ` + "`rewrite ^/api/(.*)$ /$1 break;`" + `
and ` + "`proxy_pass http://$upstream_host:8000;`" + `. From nginx 1.27.3 (earlier only in NGINX Plus), an
` + "`upstream`" + ` can re-resolve its servers itself, when it has a shared-memory ` + "`zone`" + `:

` + "```nginx" + `
resolver 10.96.0.10 valid=10s;
upstream app {
    zone app 64k;
    server app-headless.default.svc.cluster.local:8080 resolve;
}
` + "```" + `

The resolver address is a choice no502 cannot make, so the fix is a snippet. For a Compose
service it is Docker's embedded DNS server, ` + "`127.0.0.11`" + ` in every container on a
user-defined network; the snippet names it, and also offers ` + "`depends_on`" + ` with
` + "`restart: true`" + ` on the proxy's service (Compose 2.17 and later restart it after recreating
the app). Both change more than a setting (how proxy_pass builds URIs; when nginx restarts),
so the fix stays a snippet.

## Sources

- nginx resolves a proxy_pass name at startup, and at run time only when the address holds a
  variable (through resolver; "the name is searched among the described server groups, and,
  if not found, is determined using a resolver"): https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass,
  https://nginx.org/en/docs/http/ngx_http_core_module.html#resolver
- ` + "`server ... resolve`" + ` (open source since 1.27.3; needs a zone):
  https://nginx.org/en/docs/http/ngx_http_upstream_module.html#resolve
- ALB addresses are not static (only an NLB's are): https://repost.aws/knowledge-center/alb-static-ip,
  https://docs.aws.amazon.com/elasticloadbalancing/latest/network/network-load-balancers.html
- Azure dynamic public IP addresses change on deallocation:
  https://learn.microsoft.com/en-us/azure/virtual-network/ip-services/public-ip-addresses
- Docker releases a container's address when it stops; a started container gets a free one
  (moby/libnetwork#1038: https://github.com/moby/libnetwork/issues/1038); nginx in Compose
  returning 502 after the app's container was recreated, until nginx is reloaded:
  https://github.com/medic/cht-core/issues/8205,
  https://github.com/NginxProxyManager/nginx-proxy-manager/issues/1021
- docker compose up recreates only the services whose configuration or image changed
  (dependents only with --always-recreate-deps), and depends_on restart: true restarts a
  dependent after its dependency: https://docs.docker.com/reference/compose-file/services/#depends_on,
  https://github.com/docker/compose/pull/10284
- Docker's embedded DNS server is 127.0.0.11:
  https://docs.docker.com/engine/network/#dns-services
- Kubernetes headless Services resolve to pod addresses:
  https://kubernetes.io/docs/concepts/services-networking/service/#headless-services
`,
	Run: runUpstreamDNSResolvedOnce,
}

// cloudDynamicSuffixes are the DNS name suffixes of cloud endpoints whose addresses
// change, with what to call them in a message. An NLB's name ends in
// .elb.<region>.amazonaws.com and is not listed: its addresses are fixed per subnet.
var cloudDynamicSuffixes = []struct{ suffix, what string }{
	{".elb.amazonaws.com", "an AWS Application or Classic Load Balancer's DNS name, whose node addresses change as AWS scales and replaces them"},
	{".elb.amazonaws.com.cn", "an AWS Application or Classic Load Balancer's DNS name, whose node addresses change as AWS scales and replaces them"},
	{".cloudapp.azure.com", "an Azure public IP's DNS label, whose dynamic address changes when the resource is deallocated or recreated"},
}

// dynamicHost says why target t's addresses change, or "" when nothing says they do.
func dynamicHost(p *Pass, t *parsers.Target) (why string, rel []Related) {
	if t.IP || t.Unix || t.Local || t.Host == "" || strings.Contains(t.Host, "$") {
		return "", nil
	}
	host := strings.ToLower(strings.TrimSuffix(t.Host, "."))
	if d, ok := p.Config.DynamicHost(host); ok {
		return "a name .no502.yaml declares dynamic (" + d.Text + ")", []Related{{Pos: d.Pos, Message: "declared dynamic here"}}
	}
	if s := t.Service; s != nil && s.Headless {
		return fmt.Sprintf("the headless Service %s/%s (clusterIP: None), whose name resolves to its pods' addresses, which change on every rollout", s.Namespace, s.Name),
			[]Related{{Pos: s.Pos, Message: "headless Service"}}
	}
	return CloudDynamicHost(host), nil
}

// CloudDynamicHost says why a cloud endpoint's name has addresses that change (an ALB's,
// an Azure public IP's DNS label), or "" when its suffix says nothing. The nginx
// generator refuses such a name for the same reason this rule reports it.
func CloudDynamicHost(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, c := range cloudDynamicSuffixes {
		if strings.HasSuffix(host, c.suffix) {
			return c.what
		}
	}
	return ""
}

func runUpstreamDNSResolvedOnce(p *Pass) {
	done := map[*parsers.Target]bool{}
	for _, h := range p.Model.Hops {
		if h.Kind != parsers.HopNginx {
			continue
		}
		for _, r := range h.Routes {
			be := r.Backend
			if be == nil || r.Respond != nil {
				continue
			}
			for _, t := range be.Targets {
				if done[t] {
					continue
				}
				done[t] = true
				if t.Resolve {
					continue // server ... resolve: re-resolved while running
				}
				if resolvedPerRequest(p.Model, be, r, t) {
					continue
				}
				why, rel := dynamicHost(p, t)
				fix := dnsFix(p.Model, h, be, t)
				if why == "" {
					if why, rel = composeRecreated(h, t); why != "" {
						fix = composeDNSFix(p.Model, h, be, t)
					}
				}
				if why == "" {
					continue
				}
				where := "proxy_pass"
				if be.Kind == parsers.BackendNginxUpstream {
					where = "upstream " + be.Name
				}
				fails := "clients get 502"
				if guards := authOnly(p.Model, be); guards != nil {
					fails = "the auth checks sent there fail: " + authFailure("every request they guard", guards)
				}
				msg := fmt.Sprintf("%s names %s, %s: nginx resolves it once, at startup or reload, and keeps those addresses; when they move, nginx keeps connecting to the old ones and %s until the next reload. %s.",
					where, t.Host, why, fails, upperFirst(fix.Description))
				p.Report(Finding{Pos: t.Pos, Message: msg, Related: rel, Fix: fix})
			}
		}
	}
}

// resolvedPerRequest reports whether nginx resolves target t of route r while it runs: a
// proxy_pass naming a literal host with a variable in its URI part
// (http://app:8000/$1, http://app:8000$request_uri) is evaluated per request, and
// its name resolved through the resolver (without one the request gets 502 "no resolver
// defined to resolve"). Not when another proxy_pass names the same host and port without
// a variable: nginx made that one an implicit upstream at startup, and a name evaluated
// per request that matches it uses the addresses resolved then (nginx 1.22.1 on
// loopback: with proxy_pass http://localhost:39682 in one location, proxy_pass
// http://localhost:39682/$1 in another answered 200 with no resolver; without it, 502
// "no resolver defined to resolve localhost").
func resolvedPerRequest(m *parsers.Model, be *parsers.Backend, r *parsers.Route, t *parsers.Target) bool {
	if be.Kind == parsers.BackendNginxUpstream || !r.ProxyPass.Known() || !strings.Contains(r.ProxyPass.Value, "$") {
		return false
	}
	for _, h := range m.Hops {
		if h.Kind != parsers.HopNginx {
			continue
		}
		for _, o := range h.Routes {
			ob := o.Backend
			if ob == nil || ob.Kind == parsers.BackendNginxUpstream || !o.ProxyPass.Known() || strings.Contains(o.ProxyPass.Value, "$") {
				continue
			}
			for _, ot := range ob.Targets {
				if strings.EqualFold(ot.Host, t.Host) && ot.Port == t.Port {
					return false
				}
			}
		}
	}
	return true
}

// composeRecreated says why the addresses of target t, a Compose service name that an
// nginx running in another service of the project resolves, change under it; "" when
// they do not: the name is not a Compose service's, the service has a fixed address
// (ipv4_address, ipv6_address), or Compose restarts the proxy after it recreates the
// service (depends_on: {service: {restart: true}} on the proxy). Docker releases a
// container's address when it stops, and a recreated container takes whichever address
// is free when it starts (moby/libnetwork#1038); nginx keeps the one it resolved.
func composeRecreated(h *parsers.Hop, t *parsers.Target) (string, []Related) {
	proxy, app := h.Workload, t.Compose
	if app == nil || proxy == nil || proxy.Compose == nil || app == proxy || app.Compose == nil {
		return "", nil
	}
	for _, n := range app.Compose.Networks {
		if n.Static {
			return "", nil
		}
	}
	if swarmIntended(app) || swarmIntended(proxy) {
		// Under docker stack deploy a service name resolves to the service's virtual
		// IP, which its tasks' updates do not change; with endpoint_mode: dnsrr to the
		// tasks' own addresses, which are not fixed: every task an update or a restart
		// replaces comes back as a new container (moby/moby#24496).
		if m := app.Compose.EndpointMode; m.Known() && m.Value == "dnsrr" {
			why := fmt.Sprintf("the swarm service %s with endpoint_mode: dnsrr, whose name resolves to its tasks' own addresses, not to a virtual IP: each task an update (docker stack deploy) or a failure replaces is a new container with whichever address is free, while %s keeps running",
				app.Name, composeService(proxy))
			return why, []Related{{Pos: m.Pos, Message: "endpoint_mode dnsrr: the name resolves to the tasks' addresses"}}
		}
		return "", nil
	}
	for _, d := range proxy.Compose.DependsOn {
		if d.Service == app.Name && (d.Restart.Unknown || d.Restart.Known() && d.Restart.Value) {
			return "", nil // Compose restarts the proxy after the app (or it may: unknown)
		}
	}
	why := fmt.Sprintf("the Compose service %s, whose container gets whichever address is free, not always its old one, each time docker compose up recreates it (a new image, a changed config) while %s keeps running",
		app.Name, composeService(proxy))
	return why, []Related{{Pos: app.Pos, Message: "Compose service " + app.Name}}
}

// swarmIntended reports whether w's files say it is deployed as a swarm stack: an
// update_config (which docker compose up ignores), deploy.mode: global (one task per
// node), or a file named like a stack file
// (docker-stack.yml). Such a file may be used with docker compose too; which one runs it
// is not in the files, so the Compose-only findings that swarm would make wrong stay
// silent.
func swarmIntended(w *parsers.Workload) bool {
	if w.Compose.UpdateOrder.Explicit() || w.Compose.UpdateParallelism.Explicit() {
		return true
	}
	if m := w.Compose.DeployMode; m.Unknown || m.Known() && m.Value == "global" {
		return true // one task per swarm node: a mode for docker stack deploy
	}
	for _, p := range w.Compose.Projects {
		for _, f := range p.Files {
			if strings.Contains(strings.ToLower(path.Base(f)), "stack") {
				return true
			}
		}
	}
	return false
}

// composeDNSFix is the snippet for a Compose service name: a variable in proxy_pass with
// Docker's embedded DNS server (127.0.0.11, the one address every container on a
// user-defined network has), or a Compose restart of the proxy after the service.
func composeDNSFix(m *parsers.Model, h *parsers.Hop, be *parsers.Backend, t *parsers.Target) *Fix {
	proxy := "the proxy"
	if h.Workload != nil {
		proxy = h.Workload.Name
	}
	desc := fmt.Sprintf("put the name in a variable in proxy_pass with Docker's DNS as resolver, so nginx resolves it while running; or have Compose restart %s after it recreates %s (depends_on: {%s: {condition: service_started, restart: true}} on %s)", proxy, t.Compose.Name, t.Compose.Name, proxy)
	if swarmIntended(t.Compose) || h.Workload != nil && h.Workload.Compose != nil && swarmIntended(h.Workload) {
		// docker stack deploy ignores depends_on: only re-resolving helps.
		desc = "put the name in a variable in proxy_pass with Docker's DNS as resolver, so nginx resolves it while running"
	}
	f := &Fix{Description: desc,
		Snippet: "resolver 127.0.0.11 valid=10s;  # Docker's embedded DNS\n" + variablePass(m, be, t, "http")}
	if be.Kind == parsers.BackendNginxUpstream && h.Version.Known() && nginx.VersionAtLeast(h.Version.Value, "1.27.3") {
		f.Snippet = fmt.Sprintf("resolver 127.0.0.11 valid=10s;  # in http{}: Docker's embedded DNS\nupstream %s {\n    zone %s 64k;\n    server %s:%s resolve;\n}\n", be.Name, be.Name, t.Host, t.Port)
	}
	f.snippetOnly()
	return f
}

// dnsFix is the snippet that makes nginx re-resolve t: server ... resolve in a zoned
// upstream for nginx ≥ 1.27.3, else a variable in proxy_pass with a resolver. The
// resolver's address is the user's choice: the fix is never written.
func dnsFix(m *parsers.Model, h *parsers.Hop, be *parsers.Backend, t *parsers.Target) *Fix {
	port, scheme := t.Port, "http"
	if port == "443" {
		scheme = "https"
	}
	newer := h.Version.Known() && nginx.VersionAtLeast(h.Version.Value, "1.27.3")
	var f *Fix
	if be.Kind == parsers.BackendNginxUpstream && newer {
		f = &Fix{Description: "add resolve to the server line and a zone to upstream " + be.Name + ", with a resolver in http{}",
			Snippet: fmt.Sprintf("resolver YOUR_DNS_SERVER valid=30s;  # in http{}: the VPC resolver, kube-dns's ClusterIP, 127.0.0.11 in Docker\nupstream %s {\n    zone %s 64k;\n    server %s:%s resolve;\n}\n", be.Name, be.Name, t.Host, port)}
	} else {
		f = &Fix{Description: "put the name in a variable in proxy_pass and set a resolver, so nginx resolves it while running (or, on nginx ≥ 1.27.3, server ... resolve in an upstream with a zone)",
			Snippet: "resolver YOUR_DNS_SERVER valid=30s;  # the VPC resolver, kube-dns's ClusterIP, 127.0.0.11 in Docker\n" + variablePass(m, be, t, scheme)}
	}
	f.snippetOnly()
	return f
}

// variablePass writes the lines that make the proxy_pass lines naming target t resolve
// its name per request: the name in a variable, and the proxy_pass that uses it. With a
// variable, proxy_pass no longer replaces the location's prefix with its own URI part
// (location /api/ with proxy_pass http://app:8000/ sends /api/users as /users; with
// http://$upstream_host:8000 it would send /api/users, a path the app may not serve), so
// a proxy_pass with a URI part of its own gets the rewrite ... break that sends the same
// path: nginx 1.22.1 on loopback sent /users?x=1&y=a%20b, /legacy/items?q=1 and
// /healthz?full=1 for both forms (location /api/, /v1 -> /legacy, = /health -> /healthz).
// The scheme is the one proxy_pass gives (def when no route says).
func variablePass(m *parsers.Model, be *parsers.Backend, t *parsers.Target, def string) string {
	type pass struct {
		loc, pp, uri, scheme string
		rewrite              string // "" when the path needs none, "?" when no502 cannot write it
	}
	var passes []pass
	for _, h := range m.Hops {
		if h.Kind != parsers.HopNginx {
			continue
		}
		for _, r := range h.Routes {
			if r.Backend != be || !r.ProxyPass.Known() {
				continue
			}
			scheme, rest, ok := strings.Cut(r.ProxyPass.Value, "://")
			if !ok {
				continue
			}
			ps := pass{loc: r.Path, pp: r.ProxyPass.Value, scheme: strings.ToLower(scheme)}
			if i := strings.IndexAny(rest, "/?"); i >= 0 && !strings.HasPrefix(rest, "unix:") {
				ps.uri = rest[i:]
			}
			if ps.uri != "" && !(ps.uri == r.Path && (r.PathKind == parsers.PathPrefix || r.PathKind == parsers.PathExact)) {
				ps.rewrite = keepPathRewrite(r, ps.uri)
			}
			passes = append(passes, ps)
		}
	}
	scheme := def
	if len(passes) > 0 && (passes[0].scheme == "http" || passes[0].scheme == "https") {
		scheme = passes[0].scheme
	}
	var b strings.Builder
	fmt.Fprintf(&b, "set $upstream_host %s;\n", t.Host)
	direct := be.Kind != parsers.BackendNginxUpstream && len(passes) == 1
	for _, ps := range passes {
		switch {
		case ps.rewrite == "":
		case ps.rewrite == "?":
			fmt.Fprintf(&b, "# location %s: proxy_pass %s puts its own path in place of the location's; with a variable it sends the request's: rewrite it to the same path (rewrite ... break)\n", ps.loc, ps.pp)
		case direct:
			fmt.Fprintf(&b, "%s  # the path proxy_pass %s sent: with a variable, proxy_pass sends the request's own\n", ps.rewrite, ps.pp)
		default:
			fmt.Fprintf(&b, "# in location %s, for the path proxy_pass %s sent: %s\n", ps.loc, ps.pp, ps.rewrite)
		}
	}
	fmt.Fprintf(&b, "proxy_pass %s://$upstream_host:%s;  # a variable: resolved per request, cached for valid=\n", scheme, t.Port)
	return b.String()
}

// keepPathRewrite returns the rewrite ... break that sends, through a proxy_pass with a
// variable and no URI part, the path route r's proxy_pass with URI part uri sends: the
// location's prefix (or exact path) replaced by uri, the rest and the query string
// kept. "?" when no502 cannot write it: a regex or named location (where nginx refuses
// a URI part anyway), a query string in uri, or characters it would have to escape.
func keepPathRewrite(r *parsers.Route, uri string) string {
	if r.PathKind != parsers.PathPrefix && r.PathKind != parsers.PathExact || strings.ContainsAny(uri, "?$ ;{}'\"\\") {
		return "?"
	}
	var re strings.Builder
	for _, c := range r.Path {
		switch {
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/_-~", c):
			re.WriteRune(c)
		case c == '.':
			re.WriteString(`\.`)
		default:
			return "?"
		}
	}
	return fmt.Sprintf("rewrite ^%s(.*)$ %s$1 break;", re.String(), uri)
}

func init() {
	Register(upstreamDNSResolvedOnce)
}
