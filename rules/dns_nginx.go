package rules

import (
	"fmt"
	"path"
	"regexp"
	"slices"
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
reload. ` + "`fastcgi_pass name:9000`" + ` is resolved the same way (nginx 1.22.1: ` + "`nginx -t`" + ` fails
with "host not found in upstream" for a fastcgi_pass name that does not resolve, as for
proxy_pass), and is checked for a php-fpm Compose service it reaches. That is fine for a
name whose addresses never change. It is not for:

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
time out, and clients get **502** (or 504) until someone reloads nginx. In an upstream of
several servers that passes a failed connect on (` + "`proxy_next_upstream error`" + `, the default),
the requests sent to the moved one wait for the connect to fail and go to another server;
502 comes once every server's addresses have moved. A Kubernetes
ClusterIP Service name is stable (the ClusterIP does not change) and is not reported;
neither is any other host name nothing marks as dynamic.

A location whose upstream a ` + "`map{}`" + ` or ` + "`split_clients`" + ` chooses (` + "`proxy_pass http://$backend;`" + `)
reaches every ` + "`upstream{}`" + ` the values name, and their servers are resolved at startup all the
same: they are reported too, naming the map. The fix there is the upstream's own ` + "`zone`" + ` and
` + "`server ... resolve`" + ` (nginx 1.27.3 and later), or a map value that names ` + "`host:port`" + ` with a
` + "`resolver`" + `, not a variable ` + "`proxy_pass`" + ` (which would send every request of the location to one
host); it stays a snippet.

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

A variable changes how ` + "`proxy_pass`" + ` builds the URI: the URI part it is given replaces the
request's, and without one the request's URI goes unchanged. A location that replaces its
prefix (` + "`location /api/ { proxy_pass http://app:8000/; }`" + `) then needs
` + "`rewrite ^/api/(.*)$ /$1 break;`" + ` after the ` + "`set`" + ` (a ` + "`break`" + ` ends the ` + "`set`" + ` lines after it); the
snippet writes it. Put the ` + "`resolver`" + ` in ` + "`server{}`" + ` or ` + "`http{}`" + `: another location's
` + "`proxy_pass`" + ` with a variable and the same host, which the literal one used to serve, needs it
too. A variable names one host: for an upstream of several servers, use the form below. From nginx 1.27.3 (earlier only in NGINX Plus), an
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
	// The routes' own backends first, then the upstream{} blocks a proxy_pass to a map's
	// variable reaches (Route.Alternatives): nginx resolves an upstream's servers at
	// startup however a request gets there, so the requests the map sends there meet the
	// old addresses too. A server a direct proxy_pass also reaches is reported as that.
	for _, viaMap := range []bool{false, true} {
		runDNSRoutes(p, done, viaMap)
	}
}

func runDNSRoutes(p *Pass, done map[*parsers.Target]bool, viaMap bool) {
	for _, h := range p.Model.Hops {
		if h.Kind != parsers.HopNginx {
			continue
		}
		for _, r := range h.Routes {
			bes := []*parsers.Backend{r.Backend}
			if viaMap {
				bes = r.Alternatives
			} else if r.Pass == "fastcgi" {
				// fastcgi_pass php:9000 (or an upstream{} of such servers) is resolved
				// at startup as proxy_pass is: both make an implicit or named upstream
				// when the configuration is read (nginx 1.22.1: nginx -t fails "host not
				// found in upstream" for either).
				bes = []*parsers.Backend{r.PassBackend}
			}
			for _, be := range bes {
				if be == nil || r.Respond != nil {
					continue
				}
				runDNSBackend(p, done, h, r, be, viaMap)
			}
		}
	}
}

func runDNSBackend(p *Pass, done map[*parsers.Target]bool, h *parsers.Hop, r *parsers.Route, be *parsers.Backend, viaMap bool) {
	{
		{
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
				// The fix is built only for a target reported: its snippet walks the
				// hop's routes, and most targets are not (5,000 nginx servers: 9 MB).
				why, rel := dynamicHost(p, t)
				var fix *Fix
				if why != "" {
					fix = dnsFix(p.Model, h, be, t)
				} else if why, rel = composeRecreated(h, t); why != "" {
					fix = composeDNSFix(p.Model, h, be, t)
				}
				if why == "" {
					continue
				}
				where := "proxy_pass"
				if r.Pass != "" {
					where = r.Pass + "_pass"
					fix = passDNSFix(h, r, be, t)
				}
				if be.Kind == parsers.BackendNginxUpstream {
					where = "upstream " + be.Name
				}
				if viaMap {
					// The variable snippet would replace the map's proxy_pass by one name.
					fix = mapDNSFix(p.Model, be, t, fix)
					where = fmt.Sprintf("upstream %s (which the map of %s (line %d) sends requests to)", be.Name, mapPass(r), r.ProxyPass.Pos.Line)
					rel = append(rel, Related{Pos: r.ProxyPass.Pos, Message: "a map's value sends requests here to upstream " + be.Name})
				}
				fails := "clients get 502 until the next reload"
				if guards := authOnly(p.Model, be); guards != nil {
					fails = "the auth checks sent there fail: " + authFailure("every request they guard", guards) + " until the next reload"
				} else if len(liveTargets(be)) > 1 && (r.Pass == "" && unretried(p.Model, be) == nil || r.Pass != "" && passesOnError(r)) {
					// A pool that passes a failed connect on (proxy_next_upstream error, the
					// default): nginx 1.22.1 on loopback, one of two servers refusing,
					// answered every GET and POST from the other; a primary refusing with a
					// backup server, every one from the backup.
					fails = fmt.Sprintf("each request sent there waits for the connect to fail and goes to another server of upstream %s; clients get 502 once the addresses of every server have moved, until the next reload", be.Name)
				}
				msg := fmt.Sprintf("%s names %s, %s: nginx resolves it once, at startup or reload, and keeps those addresses; when they move, nginx keeps connecting to the old ones and %s. %s.",
					where, t.Host, why, fails, upperFirst(fix.Description))
				p.Report(Finding{Pos: t.Pos, Message: msg, Related: rel, Fix: fix})
			}
		}
	}
}

// passesOnError reports whether a fastcgi_pass (uwsgi_pass, ...) route hands a failed
// connect on to the next server of its upstream: fastcgi_next_upstream includes error
// (the default, "error timeout") and its tries are not 1.
func passesOnError(r *parsers.Route) bool {
	c, tries := r.Retry.Conditions, r.Retry.Tries
	return !(c.Unknown || c.Known() && (!slices.Contains(c.Value, "error") || slices.Contains(c.Value, "off")) || tries.Known() && tries.Value == 1)
}

// passDNSFix is the snippet for a fastcgi_pass (uwsgi_pass, ...) whose host name moves:
// the name in a variable with a resolver (the module resolves a name it meets in a
// variable per request, through the resolver, as proxy_pass does), zone and resolve in
// its upstream{} on nginx 1.27.3 and later, or Compose restarting nginx after it
// recreates the service. The resolver's address and where the lines go are the user's
// choice: never written.
func passDNSFix(h *parsers.Hop, r *parsers.Route, be *parsers.Backend, t *parsers.Target) *Fix {
	pass := r.Pass + "_pass"
	resolver := "YOUR_DNS_SERVER valid=30s;  # in server{} or http{}: the VPC resolver, kube-dns's ClusterIP, 127.0.0.11 in Docker"
	desc := "put the name in a variable in " + pass + " with a resolver, so nginx resolves it while running"
	restart := ""
	if proxy := h.Workload; t.Compose != nil && proxy != nil && proxy.Compose != nil {
		resolver = "127.0.0.11 valid=10s;  # in server{} or http{}: Docker's embedded DNS"
		desc = "put the name in a variable in " + pass + " with Docker's DNS as resolver, so nginx resolves it while running"
		if !swarmIntended(t.Compose) && !swarmIntended(proxy) {
			restart = fmt.Sprintf("; or have Compose restart %s after it recreates %s (depends_on: {%s: {condition: service_started, restart: true}} on %s)", proxy.Name, t.Compose.Name, t.Compose.Name, proxy.Name)
		}
	}
	f := &Fix{Description: desc + restart,
		Snippet: fmt.Sprintf("resolver %s\nset $%s_host %s;\n%s $%s_host:%s;  # a variable: resolved per request, cached for valid=\n", resolver, r.Pass, t.Host, pass, r.Pass, t.Port)}
	zoned := fmt.Sprintf("resolver %s\nupstream %s {\n    zone %s 64k;\n    server %s:%s resolve;", strings.Replace(resolver, "server{} or http{}", "http{}", 1), be.Name, be.Name, t.Host, t.Port)
	switch {
	case be.Kind == parsers.BackendNginxUpstream && len(be.Targets) > 1:
		// A variable names one server, not the pool.
		f.Description = "have nginx re-resolve the servers of upstream " + be.Name + " (zone and resolve, nginx ≥ 1.27.3)" + restart
		f.Snippet = zoned + "  # and each other server\n}\n"
	case be.Kind == parsers.BackendNginxUpstream && h.Version.Known() && nginx.VersionAtLeast(h.Version.Value, "1.27.3"):
		f.Description = "add resolve to the server line and a zone to upstream " + be.Name + ", with a resolver in http{}" + restart
		f.Snippet = zoned + "\n}\n"
	}
	f.snippetOnly()
	return f
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
	return stackNamed(w)
}

// stackNamed reports whether one of the files that declare w is named like a swarm
// stack file (docker-stack.yml, stack.yml, makeplane/plane's swarm-compose.yml: run with
// docker stack deploy -c).
func stackNamed(w *parsers.Workload) bool {
	for _, p := range w.Compose.Projects {
		for _, f := range p.Files {
			if name := strings.ToLower(path.Base(f)); strings.Contains(name, "stack") || strings.Contains(name, "swarm") {
				return true
			}
		}
	}
	return false
}

// mapDNSFix is the fix for target t of upstream be that a route reaches through a map's
// variable (proxy_pass http://$backend): a variable proxy_pass naming t would send every
// request of the route to t, not what the map chooses, so the snippet is the upstream's
// own re-resolving (zone and resolve, nginx ≥ 1.27.3), or else a map value that names the
// server itself, which nginx resolves per request through the resolver (as any name that
// is no upstream{}'s). A Compose fix keeps its restart choice.
func mapDNSFix(m *parsers.Model, be *parsers.Backend, t *parsers.Target, f *Fix) *Fix {
	resolver := "YOUR_DNS_SERVER valid=30s;  # in http{}: the VPC resolver, kube-dns's ClusterIP, 127.0.0.11 in Docker"
	if t.Compose != nil {
		resolver = "127.0.0.11 valid=10s;  # in http{}: Docker's embedded DNS"
	}
	desc := fmt.Sprintf("have nginx re-resolve the servers of upstream %s (zone and resolve, nginx ≥ 1.27.3); on an older nginx, have the map give %s:%s instead of %s, with a resolver, so nginx resolves it per request (upstream %s's other settings then no longer apply to those requests)", be.Name, t.Host, t.Port, be.Name, be.Name)
	if i := strings.Index(f.Description, "; or have Compose restart"); i >= 0 {
		desc += f.Description[i:]
	} else if i := strings.Index(f.Description, "or have Compose restart"); i >= 0 {
		desc += "; " + f.Description[i:]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "resolver %s\nupstream %s {  # nginx >= 1.27.3\n    zone %s 64k;\n", resolver, be.Name, be.Name)
	for _, x := range liveTargets(be) {
		fmt.Fprintf(&b, "    %s;\n", resolvingServer(m, x))
	}
	b.WriteString("    # and the upstream's other lines as they are\n}\n")
	out := &Fix{Description: desc, Snippet: b.String()}
	out.snippetOnly()
	return out
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
	scheme, rewrite := variablePass(h, be)
	f := &Fix{Description: desc,
		Snippet: fmt.Sprintf("resolver 127.0.0.11 valid=10s;  # in server{} or http{}: Docker's embedded DNS\nset $upstream_host %s;  # first in the location: a rewrite ... break above it would skip it\n%sproxy_pass %s://$upstream_host:%s;  # a variable: resolved per request, cached for valid=\n", t.Host, rewrite, scheme, t.Port)}
	if be.Kind == parsers.BackendNginxUpstream && h.Version.Known() && nginx.VersionAtLeast(h.Version.Value, "1.27.3") {
		f.Snippet = fmt.Sprintf("resolver 127.0.0.11 valid=10s;  # in http{}: Docker's embedded DNS\nupstream %s {\n    zone %s 64k;\n    server %s:%s resolve;\n}\n", be.Name, be.Name, t.Host, t.Port)
	}
	if pool := poolResolveSnippet(m, be, "127.0.0.11 valid=10s;  # in http{}: Docker's embedded DNS"); pool != "" {
		f.Snippet = pool
		f.Description = fmt.Sprintf("have nginx re-resolve the servers of upstream %s (zone and resolve, nginx ≥ 1.27.3: a variable in proxy_pass names one server, not the pool)", be.Name)
		if !swarmIntended(t.Compose) && (h.Workload == nil || h.Workload.Compose == nil || !swarmIntended(h.Workload)) {
			f.Description += fmt.Sprintf("; or have Compose restart %s after it recreates %s (depends_on: {%s: {condition: service_started, restart: true}} on %s)", proxy, t.Compose.Name, t.Compose.Name, proxy)
		}
	}
	f.snippetOnly()
	return f
}

// dnsFix is the snippet that makes nginx re-resolve t: server ... resolve in a zoned
// upstream for nginx ≥ 1.27.3, else a variable in proxy_pass with a resolver. The
// resolver's address is the user's choice: the fix is never written.
func dnsFix(m *parsers.Model, h *parsers.Hop, be *parsers.Backend, t *parsers.Target) *Fix {
	port := t.Port
	scheme, rewrite := variablePass(h, be)
	if port == "443" {
		scheme = "https"
	}
	newer := h.Version.Known() && nginx.VersionAtLeast(h.Version.Value, "1.27.3")
	var f *Fix
	if be.Kind == parsers.BackendNginxUpstream && newer {
		f = &Fix{Description: "add resolve to the server line and a zone to upstream " + be.Name + ", with a resolver in http{}",
			Snippet: fmt.Sprintf("resolver YOUR_DNS_SERVER valid=30s;  # in http{}: the VPC resolver, kube-dns's ClusterIP, 127.0.0.11 in Docker\nupstream %s {\n    zone %s 64k;\n    server %s:%s resolve;\n}\n", be.Name, be.Name, t.Host, port)}
	} else if pool := poolResolveSnippet(m, be, "YOUR_DNS_SERVER valid=30s;  # in http{}: the VPC resolver, kube-dns's ClusterIP, 127.0.0.11 in Docker"); pool != "" {
		f = &Fix{Description: fmt.Sprintf("have nginx re-resolve the servers of upstream %s (zone and resolve, nginx ≥ 1.27.3: a variable in proxy_pass names one server, not the pool)", be.Name),
			Snippet: pool}
	} else {
		f = &Fix{Description: "put the name in a variable in proxy_pass and set a resolver, so nginx resolves it while running (or, on nginx ≥ 1.27.3, server ... resolve in an upstream with a zone)",
			Snippet: fmt.Sprintf("resolver YOUR_DNS_SERVER valid=30s;  # in server{} or http{}: the VPC resolver, kube-dns's ClusterIP, 127.0.0.11 in Docker\nset $upstream_host %s;  # first in the location: a rewrite ... break above it would skip it\n%sproxy_pass %s://$upstream_host:%s;  # a variable: resolved per request, cached for valid=\n", t.Host, rewrite, scheme, port)}
	}
	f.snippetOnly()
	return f
}

// poolResolveSnippet is the snippet for an nginx upstream of more than one server
// (active or backup): a variable in proxy_pass names one host, so it would replace the
// pool by one of its servers and drop its backups; re-resolving the pool takes a zone and resolve on each server (nginx 1.27.3,
// before it NGINX Plus). "" for any other backend.
func poolResolveSnippet(m *parsers.Model, be *parsers.Backend, resolver string) string {
	live := liveTargets(be)
	if be.Kind != parsers.BackendNginxUpstream || len(live) < 2 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "resolver %s\nupstream %s {  # nginx >= 1.27.3: a variable in proxy_pass would reach one server of the pool\n    zone %s 64k;\n", resolver, be.Name, be.Name)
	for _, t := range live {
		fmt.Fprintf(&b, "    %s;\n", resolvingServer(m, t))
	}
	b.WriteString("    # and the upstream's other lines as they are\n}\n")
	return b.String()
}

// variablePass says how the variable proxy_pass of the snippets must be written for the
// routes of hop h that forward to backend be: the scheme they write (http unless every
// one writes https), and the rewrite line that keeps the URI the app gets, "" when none
// is needed. With a variable, proxy_pass sends the URI part it is given as it is, in
// place of the request's, and without one the request's URI unchanged; a literal
// proxy_pass replaces the part of the URI the location matched with its URI part
// (nginx's proxy_pass documentation). So a prefix location whose proxy_pass URI differs
// from its prefix (location /api/ { proxy_pass http://api:8000/; }) needs a rewrite that
// replaces the prefix itself, written after the set: rewrite ... break ends the rewrite
// module's directives, set among them (nginx 1.22.1 on loopback: a set after the break
// left the variable empty, "no host in upstream"; with the set first /api/users?x=1
// reached the app as /users?x=1, as with the literal proxy_pass). When the routes need
// different rewrites, or one cannot be written (a URI with variables, a path with
// characters a rewrite would need quoted), a comment says what each location must keep.
func variablePass(h *parsers.Hop, be *parsers.Backend) (scheme, rewrite string) {
	scheme = "http"
	rewrites := map[string]bool{}
	https, plain := 0, 0
	for _, r := range h.Routes {
		if r.Backend != be || !r.ProxyPass.Known() {
			continue
		}
		s, uri, ok := strings.Cut(strings.Trim(r.ProxyPass.Value, `"'`), "://")
		if !ok {
			continue // proxy_pass $backend: the URL is not written here
		}
		if strings.EqualFold(s, "https") {
			https++
		} else {
			plain++
		}
		if i := strings.IndexByte(uri, '/'); i >= 0 {
			uri = uri[i:]
		} else {
			uri = ""
		}
		rewrites[uriRewrite(r, uri)] = true
	}
	if https > 0 && plain == 0 {
		scheme = "https"
	}
	delete(rewrites, "")
	switch {
	case len(rewrites) == 0:
	case len(rewrites) == 1 && !rewrites[uriUnwritable]:
		for rw := range rewrites {
			rewrite = rw
		}
	default:
		rewrite = "# with a variable, proxy_pass sends the request's URI unchanged: in each location whose\n# proxy_pass has a path, replace its prefix with that path (rewrite ^/prefix/(.*)$ /path/$1 break;)\n"
	}
	return scheme, rewrite
}

// uriUnwritable marks a route whose URI a rewrite line cannot keep.
const uriUnwritable = "?"

// uriRewrite is the rewrite line that makes the variable proxy_pass of route r send what
// its literal proxy_pass with URI part uri sends: "" when none is needed (no URI part, or
// one equal to the location's prefix), uriUnwritable when it cannot be written.
func uriRewrite(r *parsers.Route, uri string) string {
	if uri == "" || r.PathKind == parsers.PathPrefix && uri == r.Path {
		return ""
	}
	safe := func(s string) bool {
		return s != "" && strings.IndexFunc(s, func(c rune) bool {
			return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/-_.~", c))
		}) < 0
	}
	if !safe(r.Path) || !safe(uri) {
		return uriUnwritable
	}
	switch r.PathKind {
	case parsers.PathPrefix:
		return fmt.Sprintf("rewrite ^%s(.*)$ %s$1 break;\n", regexp.QuoteMeta(r.Path), uri)
	case parsers.PathExact:
		return fmt.Sprintf("rewrite ^%s$ %s break;\n", regexp.QuoteMeta(r.Path), uri)
	}
	return uriUnwritable
}

func init() {
	Register(upstreamDNSResolvedOnce)
}

// liveTargets are the servers of b that get requests: the active ones and the backups
// (not those marked down).
func liveTargets(b *parsers.Backend) []*parsers.Target {
	var out []*parsers.Target
	for _, t := range b.Targets {
		if !t.Down {
			out = append(out, t)
		}
	}
	return out
}

// resolvingServer is t's server line with resolve added, its other parameters (weight,
// max_fails, backup) as written; from the address alone when the line cannot be read.
func resolvingServer(m *parsers.Model, t *parsers.Target) string {
	line := fmt.Sprintf("server %s:%s resolve", t.Host, t.Port)
	if t.Backup {
		line += " backup"
	}
	f := m.File(t.Pos.File)
	if f == nil || t.Pos.Offset < 0 || t.Pos.EndOffset <= t.Pos.Offset || int(t.Pos.EndOffset) > len(f.Src) {
		return line
	}
	words := strings.Fields(strings.TrimSuffix(strings.TrimSpace(string(f.Src[t.Pos.Offset:t.Pos.EndOffset])), ";"))
	if len(words) < 2 || words[0] != "server" {
		return line
	}
	out := []string{"server", words[1], "resolve"}
	for _, w := range words[2:] {
		if w == "resolve" || strings.ContainsAny(w, "#;{}\"'") {
			if w != "resolve" {
				return line
			}
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}
