package parsers

import (
	"net"
	"slices"
	"strconv"
	"strings"
)

// Queries of the linked model that the rules and the route listing (package routes)
// both need: which route of a hop a path reaches, which containers answer a backend, what
// a hop's read timeout is called. They live here, next to the types, so that both read
// the model the same way.

// ServingRoute returns the route of h that a request for path reaches; nil when none
// does or that cannot be known. An nginx server searches its locations as nginx does
// (Locations.Locate: exact, longest prefix, then regexes in order unless ^~); other hops
// take an exact route for the path, else the longest prefix route covering it (their
// regex and named routes are not compared).
//
// A route whose TakenFirst may match path is not known to serve it: nil.
//
// Of a Caddy hop's routes with the same path, a respond wins: Caddy runs respond before
// reverse_proxy (its directive order), and the parser keeps no respond that something
// runs before (a reverse_proxy written before it in a route block).
func (h *Hop) ServingRoute(path string) *Route {
	return h.servingRoute(path, nil, false)
}

// ServingRouteByAddress is ServingRoute for a request whose Host header is the target's
// IP address (an ALB's health check, a kubelet's probe that sets no Host): a TakenFirst
// set that only takes the hosts a Caddy host matcher names (RoutePath.NamedHost) never
// takes it (caddy 2.6.2 on loopback: beside `handle @app { reverse_proxy ... }` with
// `@app host app.example.com`, `handle { respond "up" 200 }` answered "up" 200 to
// /status with Host 127.0.0.1:18080 and to / with Host 10.0.0.5:80, and /status with
// Host app.example.com got the dead upstream's 502).
func (h *Hop) ServingRouteByAddress(path string) *Route {
	return h.servingRoute(path, nil, true)
}

// ServingRouteFor is ServingRoute for the requests of route from's host: among the
// routes of h for the same Host (Route.Host), and, when from is for one host, those for
// any host. Two rules of one load balancer or Ingress for different hosts and the same
// path are each the route of their own host's requests.
func (h *Hop) ServingRouteFor(from *Route, path string) *Route {
	return h.servingRoute(path, func(r *Route) bool {
		return r.Host == from.Host || from.Host != "" && r.Host == ""
	}, false)
}

func (h *Hop) servingRoute(path string, takes func(*Route) bool, byAddress bool) *Route {
	if h.locations != nil {
		if loc, ok := h.locations.Locate(path); ok && loc != nil {
			return loc.Route
		}
		return nil
	}
	var best, exact *Route
	// Of two routes for one path, which one takes the request: a Caddy respond before a
	// reverse_proxy; for one host's requests (takes), a rule for that host before one for
	// any (an ALB's host_header rules come before its default action, an Ingress's rules
	// before its default backend).
	wins := func(r, other *Route) bool {
		return h.Kind == HopCaddy && r.Respond != nil && other.Respond == nil ||
			takes != nil && r.Host != "" && other.Host == ""
	}
	for _, r := range h.Routes {
		if takes != nil && !takes(r) {
			continue
		}
		p := r.Path
		if p == "" {
			p = "/"
		}
		switch r.PathKind {
		case PathExact:
			if p == path && (exact == nil || wins(r, exact)) {
				exact = r
			}
		case PathRegex, PathNamed:
		default:
			if strings.HasPrefix(path, p) && (best == nil || len(p) > len(best.Path) || len(p) == len(best.Path) && wins(r, best)) {
				best = r
			}
		}
	}
	if exact != nil {
		best = exact
	}
	if best != nil && slices.ContainsFunc(best.TakenFirst, func(t RoutePath) bool { return !(byAddress && t.NamedHost) && t.MayMatch(path) }) {
		return nil // something before it may take the request: which route serves it is not known
	}
	return best
}

// ReadTimeoutName is the name of the setting that bounds how long h waits for the
// upstream's response on route r, as the user would write it: an nginx location that
// forwards by FastCGI, uwsgi, SCGI or gRPC has its module's (fastcgi_read_timeout). r may
// be nil (the hop's own setting).
func (h *Hop) ReadTimeoutName(r *Route) string {
	if h == nil {
		return "read timeout"
	}
	if r != nil && r.Pass != "" && h.Kind == HopNginx {
		return r.Pass + "_read_timeout"
	}
	if r != nil && r.Pass != "" && h.Kind == HopCaddy {
		return "read_timeout" // of php_fastcgi's FastCGI transport
	}
	switch h.Kind {
	case HopNginx:
		return "proxy_read_timeout"
	case HopCaddy:
		// Caddy waits for the shorter of response_header_timeout and read_timeout
		// (readWait): the one that binds is the one to name.
		if r != nil && r.ReadTimeout.Explicit() && strings.HasPrefix(strings.TrimLeft(r.ReadTimeout.Text, `"`), "read_timeout") {
			return "read_timeout"
		}
		return "response_header_timeout"
	case HopALB, HopCLB:
		return "idle_timeout"
	case HopALBIngress:
		return "idle_timeout.timeout_seconds"
	case HopIngressNginx:
		return "proxy-read-timeout"
	case HopGCEIngress:
		return "timeoutSec" // of the BackendConfig the Service names: the backend service timeout
	case HopGateway:
		if r != nil && r.RequestTimeout != nil {
			return "timeouts.backendRequest"
		}
		return "timeouts.request"
	}
	return "read timeout"
}

// Label names a hop kind for people, as a table or graph shows it: "ALB",
// "ingress-nginx", "Caddy".
func (k HopKind) Label() string {
	switch k {
	case HopALB:
		return "ALB"
	case HopNLB:
		return "NLB"
	case HopCLB:
		return "ELB"
	case HopALBIngress:
		return "ALB Ingress"
	case HopGCEIngress:
		return "GKE Ingress"
	case HopIngressNginx:
		return "ingress-nginx"
	case HopGateway:
		return "Gateway"
	case HopCaddy:
		return "Caddy"
	case HopCloudflare:
		return "Cloudflare"
	}
	return string(k)
}

// ServingContainers returns the containers of w that receive its Services' traffic:
// those declaring a port a Service targets (by number, or by a name that resolves to
// them: TargetContainer). When no declared port
// matches (targetPort by number, ports not declared), a single container is the one;
// with several, which one serves cannot be known and none is returned.
func (w *Workload) ServingContainers() []*Container {
	served := map[*Container]bool{}
	for _, s := range w.Services {
		for _, p := range s.Ports {
			if c, _ := w.TargetContainer(p.TargetPort, p.Protocol); c != nil {
				served[c] = true
			}
		}
	}
	var out []*Container
	for _, c := range w.Containers {
		if served[c] {
			out = append(out, c)
		}
	}
	if len(out) == 0 && len(w.Containers) == 1 {
		return w.Containers
	}
	return out
}

// AppContainer is a container running a known app server, in the workload that runs it.
type AppContainer struct {
	Workload  *Workload
	Container *Container
}

// AppContainers returns the app servers that answer be's connections: the containers
// of its workloads that run a known server (Container.App) and serve the workload's
// Services' ports (all of them when the model has no Service for it, as for an ECS
// service). Workloads that run one of be's proxy hops are left out: the proxy answers
// there, not the app beside it. serving gives a workload's serving containers; nil
// means Workload.ServingContainers (the rules pass a cached copy).
func (be *Backend) AppContainers(serving func(*Workload) []*Container) []AppContainer {
	if serving == nil {
		serving = (*Workload).ServingContainers
	}
	var out []AppContainer
	for _, w := range be.Workloads {
		if be.RunsHop(w) || be.sidecarAnswers(w) {
			continue
		}
		cs := w.Containers
		if len(w.Services) > 0 {
			cs = serving(w)
		}
		cs = be.ReachedContainers(w, cs)
		for _, c := range cs {
			if c.App != nil {
				out = append(out, AppContainer{w, c})
			}
		}
	}
	return out
}

// ReachedContainers keeps the containers of cs (serving containers of w) that be's
// traffic enters, by Backend.Reaches; all of cs when be does not say.
func (be *Backend) ReachedContainers(w *Workload, cs []*Container) []*Container {
	if len(be.Reaches) == 0 {
		return cs
	}
	return be.reached(w, cs)
}

// reached keeps the containers of cs (serving containers of w) that be's traffic enters
// (Backend.Reaches): a container named by a reach, or declaring its port. With several
// containers and none declaring it, which one listens cannot be known and none is kept.
func (be *Backend) reached(w *Workload, cs []*Container) []*Container {
	if slices.Contains(be.Reaches, Reach{}) || len(w.Containers) == 1 {
		// An entry not known: any container. A pod or task of one container is that
		// container (ports need not be declared; a task no file defines has one standing
		// for it).
		return cs
	}
	var out []*Container
	for _, c := range cs {
		for _, r := range be.Reaches {
			if r.Container != "" && c.Name == r.Container || r.Port != "" && w.portOwner(r.Port, "") == c {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// sidecarAnswers reports whether be's connections to w enter a native sidecar (an init
// container with restartPolicy: Always, such as envoy or oauth2-proxy in front of the
// app): a port be reaches, or when which one is not known, a port one of w's Services
// targets, is one the sidecar declares. The sidecar then holds the connections, with
// its own keep-alive and timeouts, which no502 does not read; the app server beside it
// does not answer be.
func (be *Backend) sidecarAnswers(w *Workload) bool {
	if len(w.NativeSidecars) == 0 {
		return false
	}
	var ports []string
	if len(be.Reaches) > 0 && !slices.Contains(be.Reaches, Reach{}) {
		for _, r := range be.Reaches {
			ports = append(ports, r.Port)
			for _, c := range w.NativeSidecars {
				if r.Container != "" && c.Name == r.Container {
					return true
				}
			}
		}
	} else {
		for _, s := range w.Services {
			for _, p := range s.Ports {
				ports = append(ports, p.TargetPort)
			}
		}
	}
	for _, port := range ports {
		if c := w.portOwner(port, ""); c != nil && slices.Contains(w.NativeSidecars, c) {
			return true
		}
	}
	return false
}

// TargetContainer returns the container of w that a Service port's targetPort (a port
// name or number) sends to, and the port it declares; nil when none declares it. A name
// resolves as Kubernetes resolves it (FindPort, pkg/api/v1/pod/util.go, which the
// endpoint controllers call): the first of the app containers, in their order, that
// declares a port of that name and the Service port's protocol (TCP when empty), else
// the first native sidecar that does. A name declared by two containers (the API
// server only warns: "duplicate port name ... services and probes that select ports by
// name will use spec.containers[0]...") reaches the first one alone. A number is the
// port the pod listens on, whichever container declares it.
func (w *Workload) TargetContainer(target, protocol string) (*Container, *ContainerPort) {
	if target == "" {
		return nil, nil
	}
	_, err := strconv.Atoi(target)
	byNumber := err == nil
	for _, cs := range [][]*Container{w.Containers, w.NativeSidecars} {
		for _, c := range cs {
			for i := range c.Ports {
				p := &c.Ports[i]
				if byNumber && strconv.Itoa(p.Port) == target ||
					!byNumber && p.Name == target && strings.EqualFold(orTCP(p.Protocol), orTCP(protocol)) {
					return c, p
				}
			}
		}
	}
	return nil, nil
}

// portOwner is the container of TargetContainer.
func (w *Workload) portOwner(target, protocol string) *Container {
	c, _ := w.TargetContainer(target, protocol)
	return c
}

// orTCP returns protocol, or TCP (the Kubernetes default for Service and container
// ports) when it is empty.
func orTCP(protocol string) string {
	if protocol == "" {
		return "TCP"
	}
	return protocol
}

// ReachServicePort returns the Reach of the Service port that port (a number or a
// port name, as an Ingress or a route names it; "" for a Service's only port) selects:
// its targetPort. ok is false when no port of svc matches.
func ReachServicePort(svc *Service, port string) (Reach, bool) {
	for _, p := range svc.Ports {
		if port == "" && len(svc.Ports) == 1 || port != "" && (p.Name == port || strconv.Itoa(p.Port) == port) {
			return Reach{Port: p.TargetPort}, p.TargetPort != ""
		}
	}
	return Reach{}, false
}

// RunsHop reports whether w runs one of be's proxy hops.
func (be *Backend) RunsHop(w *Workload) bool {
	for _, h := range be.Hops {
		if h.Workload == w {
			return true
		}
	}
	return false
}

// UpstreamHosts returns the names the Host header of route r's upstream requests can
// carry (lowercased, without a port), when the config says them all; nil when any name
// may come (a load balancer passing on whatever the client sent) or it cannot be known.
//
//   - A Caddyfile site passes the client's Host on (reverse_proxy's default), and the
//     client's Host is one of the site's addresses: its host names, when each address is
//     a plain name (no wildcard, placeholder or IP; ":80" takes any Host). A header_up
//     Host sets it: {host} keeps the client's, a literal is that name.
//   - nginx sends proxy_set_header Host's value, by default $proxy_host (the proxy_pass
//     address or upstream{} name): $host and $http_host are the client's, one of the
//     server's names when each is a plain name; a literal is that name.
//   - ingress-nginx and the ALB pass the client's on, which is the Ingress rule's host
//     or the listener rule's host_header (Route.Host) when it is a plain name;
//     ingress-nginx's upstream-vhost sets it.
func (r *Route) UpstreamHosts() []string {
	if r.Hop == nil || r.Backend == nil {
		return nil
	}
	h := r.Hop
	switch h.Kind {
	case HopCaddy:
		if h.Format != FormatCaddy || len(h.Listen) == 0 {
			return nil
		}
		v := "{host}"
		for _, x := range r.Headers {
			if name, val, _ := strings.Cut(x.Value, " "); strings.EqualFold(name, "Host") {
				v = val
			}
		}
		switch v {
		case "{host}", "{http.request.host}", "{hostport}", "{http.request.hostport}":
			var out []string
			for _, a := range h.Listen {
				if i := strings.Index(a, "://"); i >= 0 {
					a = a[i+3:]
				}
				if i := strings.IndexByte(a, '/'); i >= 0 {
					a = a[:i]
				}
				n, ok := plainHost(a)
				if !ok {
					return nil
				}
				out = append(out, n)
			}
			return out
		}
		if n, ok := plainHost(v); ok {
			return []string{n}
		}
		return nil
	case HopIngressNginx, HopALBIngress, HopALB:
		// They pass the client's Host on (ingress-nginx: proxy_set_header Host
		// $best_http_host, unless upstream-vhost sets it), and the client's is the
		// Ingress rule's host, or the listener rule's host_header.
		v := r.Host
		if val, ok := hostHeader(r); ok {
			v = val
		}
		if n, ok := plainHost(v); ok {
			return []string{n}
		}
		return nil
	case HopNginx:
		if r.HeadersUnread != nil {
			return nil
		}
		v := "$proxy_host"
		if val, ok := hostHeader(r); ok {
			v = strings.Trim(strings.TrimSpace(val), `"'`)
		}
		switch v {
		case "$proxy_host":
			if n, ok := plainHost(r.Backend.Name); ok {
				return []string{n}
			}
			return nil
		case "$host", "$http_host":
			var out []string
			for _, n := range h.ServerNames {
				n, ok := plainHost(n)
				if !ok {
					return nil
				}
				out = append(out, n)
			}
			return out
		}
		if n, ok := plainHost(v); ok {
			return []string{n}
		}
	}
	return nil
}

// hostHeader returns the value of the last Host header the route sets ("Host value"
// entries of r.Headers), as written.
func hostHeader(r *Route) (string, bool) {
	v, ok := "", false
	for _, x := range r.Headers {
		if name, val, _ := strings.Cut(x.Value, " "); strings.EqualFold(name, "Host") {
			v, ok = val, true
		}
	}
	return v, ok
}

// plainHost returns the host name of a "name" or "name:port" written in a config,
// lowercased, when it is one exact name: not empty, no wildcard, regex, variable or
// placeholder, not an IP address (a request to an address is not matched by name).
func plainHost(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "."))
	if i := strings.LastIndexByte(s, ':'); i >= 0 && !strings.Contains(s[:i], ":") {
		s = s[:i]
	}
	if s == "" || s == "_" || strings.ContainsAny(s, "*~$%{}[]()^\\/ :") || net.ParseIP(s) != nil {
		return "", false
	}
	return s, true
}

// ReachedHops returns the proxy hops behind route r that its requests reach: the hops of
// its Backend, less the nginx servers a name-based choice rules out. nginx gives a
// request to the server (of those on the port it came in on) whose server_name is the
// Host header's name, else to that port's default server
// (https://nginx.org/en/docs/http/request_processing.html). When r's Host names are known
// (UpstreamHosts) and each picks one server for sure, only those servers are reached.
// When that cannot be known (the servers run in different workloads or listen on
// different ports, a name some server matches by wildcard or regex), every hop stays.
//
// Caddy sites and nginx servers that listen only on other ports than the one r's
// requests come in on are not reached either (hopsOnPort).
func (r *Route) ReachedHops() []*Hop {
	if r.Backend == nil {
		return nil
	}
	all := hopsOnPort(r.Backend.Hops, trafficPort(r.Backend))
	var servers []*Hop
	for _, h := range all {
		if h.Kind == HopNginx {
			servers = append(servers, h)
		}
	}
	if len(servers) < 2 {
		return all
	}
	for _, s := range servers[1:] {
		if s.Workload != servers[0].Workload {
			return all // each nginx picks among its own servers
		}
	}
	servers = onPort(servers, composePort(r.Backend))
	if len(servers) < 2 {
		return all
	}
	hosts := r.UpstreamHosts()
	if len(hosts) == 0 {
		return all
	}
	keep := map[*Hop]bool{}
	for _, host := range hosts {
		s := serverFor(servers, host, composePort(r.Backend))
		if s == nil {
			return all
		}
		keep[s] = true
	}
	out := make([]*Hop, 0, len(all))
	for _, h := range all {
		if h.Kind != HopNginx || keep[h] {
			out = append(out, h)
		}
	}
	return out
}

// trafficPort is the one port the requests of backend be reach its hops on: a Compose
// service's container port (composePort), the port a load balancer sends to
// (TrafficPorts), or a Kubernetes Service's numeric targetPort (Reaches); "" when that is
// not one known number.
func trafficPort(be *Backend) string {
	if p := composePort(be); p != "" {
		return p
	}
	port := ""
	same := func(p string) bool {
		if port != "" && p != port {
			return false
		}
		port = p
		return true
	}
	for _, tp := range be.TrafficPorts {
		if !tp.Port.Known() || !same(strconv.Itoa(mappedPort(be, tp))) {
			return ""
		}
	}
	for _, rc := range be.Reaches {
		if !IsPortNumber(rc.Port) || !same(rc.Port) {
			return ""
		}
	}
	return port
}

// mappedPort is the port inside the container that traffic port tp reaches: an ECS task
// in bridge network mode is registered on the host port its portMapping maps to the
// container's port (hostPort 80 to containerPort 8080: the proxy in it listens on 8080).
func mappedPort(be *Backend, tp TrafficPort) int {
	if tp.Workload == "" {
		return tp.Port.Value
	}
	for _, w := range be.Workloads {
		if w.Name != tp.Workload {
			continue
		}
		for _, c := range w.Containers {
			for _, cp := range c.Ports {
				if cp.HostPort == tp.Port.Value && cp.Port > 0 {
					return cp.Port
				}
			}
			if c.PortsUnknown {
				return 0 // a mapping not read may map it to any port
			}
		}
	}
	return tp.Port.Value
}

// hopsOnPort drops from hops the Caddy sites and nginx servers that listen only on ports
// other than port. Caddy runs one server per listener address, and a connection to port
// reaches only the sites served there (caddy adapt 2.6.2: ":80 {...}" and ":8080 {...}"
// become two servers, each with its own listen and idle_timeout); nginx picks among the
// servers that listen on the address the connection came to
// (https://nginx.org/en/docs/http/request_processing.html), so a server with only
// "listen 8080" never sees a connection to port 80 (nginx 1.22 on loopback: its
// keepalive_timeout does not apply there). Only hops whose every address writes its port
// are judged: a Caddy address without one (example.com: 443, and 80 for the redirect,
// moved by http_port/https_port), with a placeholder, a range or a network prefix, an
// nginx listen of a host alone or a unix socket, may be on port. When no hop of a kind
// writes port itself, the requests may come through a port mapping (Docker's 80:8080)
// to any of them, so every hop of that kind stays.
func hopsOnPort(hops []*Hop, port string) []*Hop {
	if port == "" {
		return hops
	}
	elsewhere := map[*Hop]bool{}
	on := map[HopKind]bool{}
	for _, h := range hops {
		if h.Kind != HopCaddy && h.Kind != HopNginx || len(h.Listen) == 0 {
			continue
		}
		other := true
		for _, l := range h.Listen {
			var p string
			if h.Kind == HopCaddy {
				p = caddyAddressPort(l)
				if p == port || p == "" && caddyDefaultPort(l) == port {
					on[h.Kind] = true
				}
			} else if p = nginxListenPort(l); p == port {
				on[h.Kind] = true
			}
			if p == "" || p == port {
				other = false
			}
		}
		if other {
			elsewhere[h] = true
		}
	}
	for h := range elsewhere {
		if !on[h.Kind] {
			delete(elsewhere, h)
		}
	}
	if len(elsewhere) == 0 {
		return hops
	}
	out := make([]*Hop, 0, len(hops))
	for _, h := range hops {
		if !elsewhere[h] {
			out = append(out, h)
		}
	}
	return out
}

// caddyDefaultPort is the port a Caddy site address without one is served on by
// default: 80 for http://, else 443 (before http_port and https_port, which may move
// them; the address then only counts as a sign that port is Caddy's own, never to drop a
// hop).
// An address with a port that is not a plain number (a range, a placeholder), a path or a
// network prefix (a JSON listener's "tcp/:80") has none: "".
func caddyDefaultPort(l string) string {
	port := "443"
	switch {
	case strings.HasPrefix(l, "http://"):
		port, l = "80", strings.TrimPrefix(l, "http://")
	case strings.HasPrefix(l, "https://"):
		l = strings.TrimPrefix(l, "https://")
	}
	if strings.ContainsAny(l, ":/{}") {
		return ""
	}
	return port
}

// caddyAddressPort is the port a Caddy site address or server listen address writes
// ("http://example.com:8080", ":80", "[::1]:443"), "" when it writes none or not a
// plain number.
func caddyAddressPort(l string) string {
	if i := strings.Index(l, "://"); i >= 0 {
		l = l[i+3:]
	}
	if i := strings.IndexByte(l, '/'); i >= 0 {
		l = l[:i]
	}
	_, p, err := net.SplitHostPort(l)
	if err != nil || !IsPortNumber(p) {
		return ""
	}
	return p
}

// nginxListenPort is the port an nginx listen address writes ("8080", "127.0.0.1:8080",
// "[::]:80", "*:80"), "" for a host alone (port 80, or 8000 for an unprivileged nginx)
// and a unix socket.
func nginxListenPort(l string) string {
	if strings.HasPrefix(l, "unix:") {
		return ""
	}
	if IsPortNumber(l) {
		return l
	}
	i := strings.LastIndexByte(l, ':')
	if i < 0 || strings.HasSuffix(l[:i+1], "::") && !strings.HasPrefix(l, "[") {
		return ""
	}
	if p := l[i+1:]; IsPortNumber(p) {
		return p
	}
	return ""
}

// IsPortNumber reports whether s is a port written as a decimal number (digits only).
func IsPortNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// composePort is the port a backend's requests reach its Compose services on: the port
// every active target names, when each target is a Compose service's name (the container
// port itself, not a Service port mapped to another); "" otherwise.
func composePort(be *Backend) string {
	port := ""
	for _, t := range be.Targets {
		if t.Backup || t.Down {
			continue
		}
		if t.Compose == nil || t.Port == "" || port != "" && t.Port != port {
			return ""
		}
		port = t.Port
	}
	return port
}

// onPort keeps the servers that compete for a request on port: those listening on it
// when it is known; else all of them when they all listen alike, and none otherwise.
func onPort(servers []*Hop, port string) []*Hop {
	if port == "" {
		for _, s := range servers[1:] {
			if len(s.Listen) == 0 || !slices.Equal(s.Listen, servers[0].Listen) {
				return nil
			}
		}
		return servers
	}
	var out []*Hop
	for _, s := range servers {
		for _, l := range s.Listen {
			if l == port || strings.HasSuffix(l, ":"+port) {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// serverFor returns the nginx server of servers (all on one port) that a request with
// Host name gets, or nil when that is not one known server: the only one naming it
// exactly; else, when no server has a wildcard or regex name (which might match), the
// one marked default_server (on port, when known), or, none marked, the first in the file that holds them all.
func serverFor(servers []*Hop, name, port string) *Hop {
	var exact *Hop
	fuzzy := false
	for _, s := range servers {
		for _, n := range s.ServerNames {
			switch {
			case n == name:
				if exact != nil && exact != s {
					return nil
				}
				exact = s
			case strings.ContainsAny(n, "*~$") || strings.HasPrefix(n, "."):
				fuzzy = true
			}
		}
	}
	if exact != nil {
		return exact
	}
	if fuzzy {
		return nil
	}
	var def *Hop
	for _, s := range servers {
		if len(s.DefaultFor) > 0 && (port == "" || len(onPort([]*Hop{{Listen: s.DefaultFor}}, port)) > 0) {
			if def != nil {
				return nil
			}
			def = s
		}
	}
	if def != nil {
		return def
	}
	first := servers[0]
	for _, s := range servers[1:] {
		if s.Pos.File != first.Pos.File {
			return nil // the order of includes decides: not followed here
		}
		if s.Pos.Offset < first.Pos.Offset {
			first = s
		}
	}
	return first
}
