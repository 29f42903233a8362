package link

import (
	"slices"
	"strconv"
	"strings"

	"github.com/no502/no502/parsers"
)

// linkServiceDNS resolves nginx and Caddy upstream hosts that are Kubernetes Service DNS
// names (svc, svc.ns, svc.ns.svc, svc.ns.svc.cluster.local) with a port the Service
// exposes. A backend is linked only when every active target resolves: a mix of Service
// names and other hosts would make replica counts and keep-alive comparisons about part
// of the pool. A bare "svc" resolves only for a proxy whose own pod namespace is known
// (it runs from a ConfigMap), as the cluster's DNS search path does.
func linkServiceDNS(m *parsers.Model) {
	if len(m.Services) == 0 {
		return
	}
	byName := map[string]*parsers.Service{}
	for _, s := range m.Services {
		byName[s.Namespace+"/"+s.Name] = s
	}
	for _, h := range m.Hops {
		if h.Kind != parsers.HopNginx && h.Kind != parsers.HopCaddy {
			continue
		}
		ns := ""
		if h.Workload != nil && h.Workload.Format == parsers.FormatK8s {
			ns = h.Workload.Namespace
		}
		for _, be := range routeBackends(h) {
			if be.Service != nil || len(be.Workloads) > 0 {
				continue
			}
			var svcs []*parsers.Service
			var reaches []parsers.Reach
			active := 0
			for _, t := range be.Targets {
				if t.Backup || t.Down {
					continue
				}
				active++
				if s := resolve(byName, t, ns); s != nil {
					t.Service = s
					if s.Headless && !headlessListens(s, t.Port) {
						// The name resolves to the pods' addresses, and the proxy connects
						// to them on the port it names, not the Service's targetPort:
						// which container answers there (if any) is not known.
						continue
					}
					svcs = append(svcs, s)
					if r, ok := parsers.ReachServicePort(s, t.Port); ok && !slices.Contains(reaches, r) {
						reaches = append(reaches, r)
					}
				}
			}
			if active == 0 || len(svcs) != active {
				continue
			}
			// The containers behind the ports the targets name, not the pods' others.
			be.Reaches = reaches
			if same(svcs) {
				be.Service = svcs[0]
			}
			for _, s := range svcs {
				for _, w := range s.Workloads {
					addWorkload(be, w)
				}
			}
		}
	}
}

// headlessListens reports whether a proxy that connects to the pods of headless Service s
// on port (its name resolves to the pods' own addresses: no kube-proxy maps the Service
// port to the targetPort) reaches the port the Service targets: the Service port of that
// number targets the same number, or a port name its pods declare with that number.
func headlessListens(s *parsers.Service, port string) bool {
	r, ok := parsers.ReachServicePort(s, port)
	if !ok {
		return false
	}
	if r.Port == port {
		return true
	}
	if _, err := strconv.Atoi(r.Port); err == nil || len(s.Workloads) == 0 {
		return false
	}
	for _, w := range s.Workloads {
		if _, cp := w.TargetContainer(r.Port, ""); cp == nil || strconv.Itoa(cp.Port) != port {
			return false
		}
	}
	return true
}

func same(svcs []*parsers.Service) bool {
	for _, s := range svcs[1:] {
		if s != svcs[0] {
			return false
		}
	}
	return true
}

// resolve finds the Service a target's host names, or nil.
func resolve(byName map[string]*parsers.Service, t *parsers.Target, podNS string) *parsers.Service {
	if t.IP || t.Unix || t.Local || t.Host == "" {
		return nil
	}
	host := strings.TrimSuffix(strings.ToLower(t.Host), ".")
	parts := strings.Split(host, ".")
	var name, ns string
	switch {
	case len(parts) == 1 && podNS != "":
		name, ns = parts[0], podNS
	case len(parts) == 2:
		name, ns = parts[0], parts[1]
	case len(parts) == 3 && parts[2] == "svc":
		name, ns = parts[0], parts[1]
	case len(parts) == 5 && parts[2] == "svc" && parts[3] == "cluster" && parts[4] == "local":
		name, ns = parts[0], parts[1]
	default:
		return nil
	}
	s := byName[ns+"/"+name]
	if s == nil || !exposes(s, t.Port) {
		return nil
	}
	return s
}

// exposes reports whether the Service listens on port (a number as written in the
// upstream address; nginx and Caddy default it to 80).
func exposes(s *parsers.Service, port string) bool {
	n, err := strconv.Atoi(port)
	if err != nil {
		return false
	}
	for _, p := range s.Ports {
		if p.Port == n {
			return true
		}
	}
	return false
}
