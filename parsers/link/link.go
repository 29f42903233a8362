// Package link connects the hops of one request path across the files of a run, after
// every format parser has run: nginx and Caddy upstreams named by Kubernetes Service DNS
// names → the Service → its workloads; nginx or Caddy config held in a ConfigMap → the
// workload that mounts it (so that proxy runs with that pod's grace period, behind that
// pod's Services); nginx or Caddy config bind-mounted into a Docker Compose service →
// that service, and its upstreams by service name → the services they name; app
// servers detected from container command lines; and what
// .no502.yaml declares where no file says it (chain:, backends:).
//
// Links made inside one format stay with its parser (Ingress → Service → workload in
// parsers/k8s, target group → ECS service in parsers/terraform); this package only
// reads them.
package link

import (
	"slices"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/appserver"
)

// Link connects m in place. embedded lists the config texts the loader parsed out of
// other files (their Owner names the ConfigMap); d is what .no502.yaml declares (nil
// when nothing).
func Link(m *parsers.Model, embedded []parsers.Embedded, d *parsers.Declared) {
	detectApps(m)
	linkCloudNames(m)
	linkConfigMaps(m, embedded)
	linkCompose(m)
	linkPHPFPM(m, embedded)
	linkServiceDNS(m)
	if d != nil {
		linkChains(m, d.Chains)
		applyBackends(m, d.Backends)
	}
}

// linkCloudNames joins backends the cloud knows by one name: a Terraform target group and
// the TargetGroupBinding that feeds it the pods of a Service. Each gets the workloads
// (and so the app servers and proxies) the other knows, so the ALB's settings are checked
// against the pods behind it.
func linkCloudNames(m *parsers.Model) {
	byName := map[string][]*parsers.Backend{}
	var names []string
	for _, be := range m.Backends {
		if be.Kind != parsers.BackendTargetGroup || be.CloudName == "" {
			continue
		}
		if byName[be.CloudName] == nil {
			names = append(names, be.CloudName)
		}
		byName[be.CloudName] = append(byName[be.CloudName], be)
	}
	for _, name := range names {
		group := byName[name]
		if len(group) < 2 {
			continue
		}
		for _, from := range group {
			for _, to := range group {
				if from == to {
					continue
				}
				if to.Service == nil {
					to.Service = from.Service
				}
				for _, w := range from.Workloads {
					addWorkload(to, w)
				}
				for _, r := range from.Reaches {
					if !slices.Contains(to.Reaches, r) {
						to.Reaches = append(to.Reaches, r)
					}
				}
			}
		}
	}
}

// detectApps fills Container.App from command lines and environment.
func detectApps(m *parsers.Model) {
	for _, w := range m.Workloads {
		for _, c := range w.Containers {
			if c.App == nil {
				c.App = appserver.Detect(c)
			}
		}
	}
}

// addHop records that h serves be, once.
func addHop(be *parsers.Backend, h *parsers.Hop) {
	for _, x := range be.Hops {
		if x == h {
			return
		}
	}
	be.Hops = append(be.Hops, h)
}

// addWorkload records that w serves be, once.
func addWorkload(be *parsers.Backend, w *parsers.Workload) {
	for _, x := range be.Workloads {
		if x == w {
			return
		}
	}
	be.Workloads = append(be.Workloads, w)
	w.Served = true
}

// routeBackends are the backends h's routes forward to, each once, in route order: a
// route's Backend and the upstream{} blocks a proxy_pass to a map's variable reaches
// (Route.Alternatives). The requests the map sends to such an upstream reach the
// services its servers name, as a direct proxy_pass would: nginx 1.22.1 on loopback
// sent the map's default to one upstream and a Host the map lists to the other.
func routeBackends(h *parsers.Hop) []*parsers.Backend {
	var out []*parsers.Backend
	for _, r := range h.Routes {
		for _, be := range append([]*parsers.Backend{r.Backend}, r.Alternatives...) {
			if be != nil && !slices.Contains(out, be) {
				out = append(out, be)
			}
		}
	}
	return out
}
