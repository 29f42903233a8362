package rules

import (
	"strconv"
	"strings"

	"github.com/no502/no502/parsers"
)

// k8sWorkloads returns the Kubernetes workloads a Service routes traffic to. The k8s
// rules look at nothing else: a pod nobody sends requests to cannot cause a 502. Nor can
// a datastore (redis, postgres, kafka...) that no proxy of the linted configs forwards to:
// its clients are apps speaking its own protocol, not an HTTP proxy.
func k8sWorkloads(m *parsers.Model) []*parsers.Workload {
	var proxied map[*parsers.Workload]bool
	var out []*parsers.Workload
	for _, w := range m.Workloads {
		if w.Format != parsers.FormatK8s || !w.Served {
			continue
		}
		if isDatastore(w) {
			if proxied == nil {
				proxied = proxiedWorkloads(m)
			}
			if !proxied[w] {
				continue
			}
		}
		out = append(out, w)
	}
	return out
}

// proxiedWorkloads returns the workloads an HTTP proxy forwards requests to: a hop (nginx,
// Caddy, an ALB, a modeled Ingress or HTTPRoute), or an Ingress of a controller no502 does
// not model. A network load balancer passes TCP through and does not count.
func proxiedWorkloads(m *parsers.Model) map[*parsers.Workload]bool {
	out := map[*parsers.Workload]bool{}
	for _, svc := range m.Services {
		if svc.Ingressed {
			for _, w := range svc.Workloads {
				out[w] = true
			}
		}
	}
	for _, h := range m.Hops {
		if h.Kind == parsers.HopNLB {
			continue
		}
		for _, r := range h.Routes {
			if r.Backend != nil {
				for _, w := range r.Backend.Workloads {
					out[w] = true
				}
			}
		}
	}
	return out
}

// datastoreImages are the image names (the last path element, without tag or digest) of
// servers that speak their own protocol, not HTTP. Exporters and web consoles for them
// (redis_exporter, mongo-express) have other names and stay checked.
var datastoreImages = map[string]bool{
	"redis": true, "redis-stack-server": true, "valkey": true, "keydb": true,
	"postgres": true, "postgresql": true, "postgis": true, "pgbouncer": true,
	"mysql": true, "mysql-server": true, "mariadb": true, "percona-server": true,
	"mongo": true, "mongodb": true, "mongodb-community-server": true,
	"memcached": true, "rabbitmq": true, "cassandra": true, "etcd": true, "nats": true,
	"kafka": true, "cp-kafka": true, "zookeeper": true, "cp-zookeeper": true,
}

// isDatastore reports whether every container of w runs a datastore image.
func isDatastore(w *parsers.Workload) bool {
	if len(w.Containers) == 0 {
		return false
	}
	for _, c := range w.Containers {
		if !datastoreImages[imageName(c.Image)] {
			return false
		}
	}
	return true
}

// imageName returns the repository's last path element: "docker.io/bitnami/redis:7.2@sha256:..."
// gives "redis".
func imageName(image string) string {
	if i := strings.IndexByte(image, '@'); i >= 0 {
		image = image[:i]
	}
	if i := strings.LastIndexByte(image, '/'); i >= 0 {
		image = image[i+1:]
	}
	if i := strings.IndexByte(image, ':'); i >= 0 {
		image = image[:i]
	}
	return strings.ToLower(image)
}

// servingContainers returns the containers of w that receive the Services' traffic:
// those declaring a port a Service targets (by name or number). When no declared port
// matches (targetPort by number, ports not declared), a single container is the one;
// with several, which one serves cannot be known and none is returned.
func servingContainers(w *parsers.Workload) []*parsers.Container {
	targets := map[string]bool{}
	for _, s := range w.Services {
		for _, p := range s.Ports {
			targets[p.TargetPort] = true
		}
	}
	var out []*parsers.Container
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

// effectiveReplicas is the pod count a rollout or drain starts from: the autoscaler's
// floor when there is one, else spec.replicas. ok is false when it cannot be known.
func effectiveReplicas(w *parsers.Workload) (n int, ok bool) {
	if w.MinReplicas.Known() {
		return w.MinReplicas.Value, true
	}
	if w.Replicas.Known() {
		return w.Replicas.Value, true
	}
	return 0, false
}

// intOrPercent resolves an int-or-percent value against n pods; roundUp as Kubernetes does
// for maxSurge and PDB maxUnavailable (maxUnavailable of a Deployment rounds down).
func intOrPercent(v string, n int, roundUp bool) (int, bool) {
	v = strings.TrimSpace(v)
	if strings.HasSuffix(v, "%") {
		p, err := strconv.Atoi(strings.TrimSuffix(v, "%"))
		if err != nil || p < 0 {
			return 0, false
		}
		x := p * n
		if roundUp {
			return (x + 99) / 100, true
		}
		return x / 100, true
	}
	i, err := strconv.Atoi(v)
	return i, err == nil && i >= 0
}

// workloadName names a workload in messages: "Deployment web", "Compose service web".
func workloadName(w *parsers.Workload) string {
	if w.Kind == parsers.KindComposeService {
		return "Compose service " + w.Name
	}
	return string(w.Kind) + " " + w.Name
}

// containerName names a container in messages.
func containerName(w *parsers.Workload, c *parsers.Container) string {
	return "container " + c.Name + " of " + workloadName(w)
}

// nonHTTPImages are images whose main port speaks something else than HTTP.
var nonHTTPImages = []string{"redis", "postgres", "mysql", "mariadb", "mongo", "rabbitmq", "memcached",
	"kafka", "zookeeper", "fpm", "cassandra", "nats", "etcd", "pgbouncer", "valkey"}

// httpProbePort reports whether a probe's port (a number or a port name of c) is an HTTP port
// of an HTTP server: named like one (http, web, http-*), or, without a name, a port
// number HTTP servers use. A named port that is not HTTP-like (grpc, redis, tcp) is not.
func httpProbePort(c *parsers.Container, port string) (desc string, ok bool) {
	img := strings.ToLower(c.Image)
	for _, n := range nonHTTPImages {
		if strings.Contains(img, n) {
			return "", false
		}
	}
	name, num := "", 0
	if n, err := strconv.Atoi(port); err == nil {
		num = n
		for _, p := range c.Ports {
			if p.Port == n {
				name = p.Name
			}
		}
	} else {
		name = port
		for _, p := range c.Ports {
			if p.Name == port {
				num = p.Port
			}
		}
	}
	desc = port
	if name != "" && num > 0 {
		desc = strconv.Itoa(num) + " (" + name + ")"
	}
	if name != "" {
		l := strings.ToLower(name)
		return desc, strings.HasPrefix(l, "http") || strings.HasSuffix(l, "-http") || l == "web"
	}
	switch num {
	case 80, 443, 3000, 5000, 8000, 8080, 8081, 8443, 8888, 9000:
		return desc, true
	}
	return desc, false
}

// probePortFor picks the port to use in a suggested probe: the first declared port of c
// (by name when named), else the first Service targetPort.
func probePortFor(w *parsers.Workload, c *parsers.Container) string {
	for _, p := range c.Ports {
		if p.Name != "" {
			return p.Name
		}
		if p.Port > 0 {
			return strconv.Itoa(p.Port)
		}
	}
	for _, s := range w.Services {
		for _, p := range s.Ports {
			if p.TargetPort != "" {
				return p.TargetPort
			}
		}
	}
	return "8080"
}
