package parsers

import (
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
// Of a Caddy hop's routes with the same path, a respond wins: Caddy runs respond before
// reverse_proxy (its directive order), and the parser keeps no respond that something
// runs before (a reverse_proxy written before it in a route block).
func (h *Hop) ServingRoute(path string) *Route {
	if h.locations != nil {
		if loc, ok := h.locations.Locate(path); ok && loc != nil {
			return loc.Route
		}
		return nil
	}
	var best, exact *Route
	respondFirst := func(r, other *Route) bool {
		return h.Kind == HopCaddy && r.Respond != nil && other.Respond == nil
	}
	for _, r := range h.Routes {
		p := r.Path
		if p == "" {
			p = "/"
		}
		switch r.PathKind {
		case PathExact:
			if p == path && (exact == nil || respondFirst(r, exact)) {
				exact = r
			}
		case PathRegex, PathNamed:
		default:
			if strings.HasPrefix(path, p) && (best == nil || len(p) > len(best.Path) || len(p) == len(best.Path) && respondFirst(r, best)) {
				best = r
			}
		}
	}
	if exact != nil {
		return exact
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
	case HopGateway:
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
// those declaring a port a Service targets (by name or number). When no declared port
// matches (targetPort by number, ports not declared), a single container is the one;
// with several, which one serves cannot be known and none is returned.
func (w *Workload) ServingContainers() []*Container {
	targets := map[string]bool{}
	for _, s := range w.Services {
		for _, p := range s.Ports {
			targets[p.TargetPort] = true
		}
	}
	var out []*Container
	for _, c := range w.Containers {
		for _, p := range c.Ports {
			if targets[p.Name] && p.Name != "" || targets[strconv.Itoa(p.Port)] {
				out = append(out, c)
				break
			}
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
		if len(be.Reaches) > 0 {
			cs = be.reached(w, cs)
		}
		for _, c := range cs {
			if c.App != nil {
				out = append(out, AppContainer{w, c})
			}
		}
	}
	return out
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
			if r.Container != "" && c.Name == r.Container || r.Port != "" && declaresPort(c, r.Port) {
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
		for _, c := range w.NativeSidecars {
			if port != "" && declaresPort(c, port) {
				return true
			}
		}
	}
	return false
}

// declaresPort reports whether c declares port, by name or number.
func declaresPort(c *Container, port string) bool {
	for _, p := range c.Ports {
		if p.Name != "" && p.Name == port || strconv.Itoa(p.Port) == port {
			return true
		}
	}
	return false
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
