package rules

import (
	"slices"
	"strconv"
	"strings"

	"github.com/no502/no502/parsers"
)

// k8sWorkloads returns the Kubernetes workloads that serve HTTP requests: the only ones a
// 502 can come from. A workload is served over HTTP when
//
//   - an HTTP proxy of the run forwards to it: an Ingress or HTTPRoute reaches one of its
//     Services, an nginx or Caddy upstream or an ALB target group resolves to it; or
//   - lacking that, one of its Services sends TCP traffic to a port it listens on (a
//     declared container port, by name or number) that is not a metrics, UDP/SCTP or
//     plain-TCP port; a LoadBalancer or NodePort Service counts even when the pod declares
//     no ports, since a cloud load balancer stands in front of it.
//
// A pod with no ports whose Service only names it (a `sleep infinity` toolbox, a curl
// client), a workload scraped through a metrics-only Service, a DNS, syslog or TCP echo
// server, and a datastore (redis, postgres, kafka...) that no HTTP proxy forwards to
// serve no HTTP request: no rule of this package reports on them. Jobs and CronJobs are
// not read as workloads at all (parsers/k8s). An edge proxy bound to port 80 or 443 of
// its node with no Service in front is served too, but reasons differ: see
// k8sEdgeProxies.
func k8sWorkloads(m *parsers.Model) []*parsers.Workload {
	var proxied map[*parsers.Workload]bool
	var out []*parsers.Workload
	for _, w := range m.Workloads {
		if w.Format != parsers.FormatK8s || !w.Served {
			continue
		}
		if proxied == nil {
			proxied = proxiedWorkloads(m)
		}
		if proxied[w] || !isDatastore(w) && reachedOverHTTP(w) {
			out = append(out, w)
		}
	}
	return out
}

// proxiedWorkloads returns the workloads an HTTP proxy forwards requests to: a hop (nginx,
// Caddy, an ALB, a modeled Ingress or HTTPRoute), an Ingress of a controller no502 does
// not model, or a target group outside the cluster (TargetGroupBinding). A network load
// balancer passes TCP through and does not count.
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
		if h.Kind == parsers.HopNLB || h.Passthrough {
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
	for _, be := range m.Backends {
		if be.Kind == parsers.BackendTargetGroup {
			for _, w := range be.Workloads {
				out[w] = true
			}
		}
	}
	return out
}

// reachedOverHTTP reports whether one of w's Services sends it traffic that can be HTTP:
// a port that is not metrics, UDP/SCTP or named as plain TCP, whose targetPort is a port a
// container of w declares. When no container declares a port, a numeric targetPort is
// taken to reach the pod (many images listen without declaring), unless every container
// only sleeps (a curl or toolbox pod whose Service exists to give it a name). When
// containers declare ports and none is the targetPort, the Service reaches nothing that
// is known to listen.
func reachedOverHTTP(w *parsers.Workload) bool {
	for _, s := range w.Services {
		if serviceReaches(s, w) {
			return true
		}
	}
	return false
}

// trafficServices returns the Services of svcs that carry requests to w: an Ingress
// routes to them, or they reach w over HTTP (not only a metrics or webhook port). When
// none does (w is reached some other way, such as a proxy upstream), svcs is returned.
func trafficServices(svcs []*parsers.Service, w *parsers.Workload) []*parsers.Service {
	var out []*parsers.Service
	for _, s := range svcs {
		if s.Ingressed || serviceReaches(s, w) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return svcs
	}
	return out
}

// serviceReaches reports whether Service s sends w traffic that can be HTTP (see
// reachedOverHTTP).
func serviceReaches(s *parsers.Service, w *parsers.Workload) bool {
	declared := false
	for _, c := range w.Containers {
		declared = declared || len(c.Ports) > 0
	}
	for _, sp := range s.Ports {
		if !httpCapable(sp) {
			continue
		}
		c, cp := w.TargetContainer(sp.TargetPort, sp.Protocol)
		if c == nil {
			// Declared ports are informational: a pod that declares none may still
			// listen on a numeric targetPort, unless all it runs is a sleep.
			if _, err := strconv.Atoi(sp.TargetPort); err == nil && !declared && !idlePod(w) {
				return true
			}
			continue
		}
		if !isMetricsPort(c, sp, cp) && !isDatastoreContainer(c) && !strings.EqualFold(cp.Protocol, "UDP") && !strings.EqualFold(cp.Protocol, "SCTP") {
			return true
		}
	}
	return false
}

// withoutScrapeOnly drops from cs (the containers of w its Services target) those whose
// every targeted port is a metrics or webhook port (isMetricsPort): an exporter sidecar
// on the app's Service (nginx-prometheus-exporter on "metrics") is scraped by Prometheus
// and called by no user request, so it needs no readiness probe or preStop delay for
// one; a readiness probe written into it would even take the app out of the Service
// whenever the exporter fails. A port reached through a Service that a proxy, Ingress or
// target group sends requests to (routed) counts as served whatever its name. When that
// would leave none, cs is returned as it is.
func withoutScrapeOnly(w *parsers.Workload, cs []*parsers.Container, routed map[*parsers.Service]map[string]bool) []*parsers.Container {
	var out []*parsers.Container
	for _, c := range cs {
		if !scrapeOnly(w, c, routed) {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return cs
	}
	return out
}

// scrapeOnly reports whether every port of c a Service of w targets is a metrics or
// webhook port no proxy routes to. A container none of whose declared ports
// is targeted (the one container of a pod that declares none) is not.
func scrapeOnly(w *parsers.Workload, c *parsers.Container, routed map[*parsers.Service]map[string]bool) bool {
	targeted := false
	for _, s := range w.Services {
		for _, sp := range s.Ports {
			if tc, cp := w.TargetContainer(sp.TargetPort, sp.Protocol); tc == c {
				if routed[s][""] || routed[s][sp.TargetPort] || !isMetricsPort(c, sp, cp) {
					return false
				}
				targeted = true
			}
		}
	}
	return targeted
}

// routedServices returns, for each Service a proxy, Ingress or target group of m sends
// requests to, the targetPorts (as the Service writes them) those requests go to; "" when
// which one cannot be told (an Ingress of a controller no502 does not model, a backend
// without a port).
func routedServices(m *parsers.Model) map[*parsers.Service]map[string]bool {
	out := map[*parsers.Service]map[string]bool{}
	add := func(svc *parsers.Service, reaches []parsers.Reach) {
		if out[svc] == nil {
			out[svc] = map[string]bool{}
		}
		if len(reaches) == 0 {
			out[svc][""] = true
		}
		for _, r := range reaches {
			out[svc][r.Port] = true
		}
	}
	for _, h := range m.Hops {
		for _, r := range h.Routes {
			if r.Backend != nil && r.Backend.Service != nil {
				add(r.Backend.Service, r.Backend.Reaches)
			}
		}
	}
	for _, be := range m.Backends {
		if be.Service != nil {
			add(be.Service, be.Reaches)
		}
	}
	for _, svc := range m.Services {
		if svc.Ingressed && out[svc] == nil {
			add(svc, nil) // an Ingress no hop models: any of its ports
		}
	}
	return out
}

// idlePod reports whether every container of w runs nothing but a sleep: `sleep infinity`,
// a shell script ending in `sleep 3600` or `tail -f /dev/null`, or a curl image with no
// command (a client pod kept alive to exec into).
func idlePod(w *parsers.Workload) bool {
	if len(w.Containers) == 0 {
		return true
	}
	for _, c := range w.Containers {
		if !idleContainer(c) {
			return false
		}
	}
	return true
}

func idleContainer(c *parsers.Container) bool {
	argv := append(append([]string{}, c.Command...), c.Args...)
	if len(argv) == 0 {
		return imageName(c.Image) == "curl"
	}
	if len(argv) >= 3 && (cmdBase(argv[0]) == "sh" || cmdBase(argv[0]) == "bash" || cmdBase(argv[0]) == "ash") && argv[1] == "-c" {
		script := strings.NewReplacer("&&", ";", "||", ";", "\n", ";").Replace(argv[2])
		stmts := strings.FieldsFunc(script, func(r rune) bool { return r == ';' || r == '\n' })
		for i := len(stmts) - 1; i >= 0; i-- {
			if f := strings.Fields(stmts[i]); len(f) > 0 {
				argv = f
				break
			}
		}
	}
	switch cmdBase(argv[0]) {
	case "sleep":
		return true
	case "tail":
		return strings.Contains(strings.Join(argv, " "), "/dev/null")
	}
	return false
}

// httpCapable reports whether a Service port can carry HTTP: TCP, not declared with an
// appProtocol that is clearly something else (tcp, mqtt, redis, ...), and not named as
// plain TCP, TLS passthrough, DNS or syslog (Istio's port-naming convention: tcp-*, tls-*).
func httpCapable(sp parsers.ServicePort) bool {
	if sp.Protocol != "" && !strings.EqualFold(sp.Protocol, "TCP") {
		return false
	}
	if nonHTTPAppProtocols[strings.ToLower(sp.AppProtocol)] {
		return false
	}
	n := strings.ToLower(sp.Name)
	for _, pre := range []string{"tcp", "udp", "tls", "dns", "syslog", "sctp", "mongo", "mysql", "redis", "postgres"} {
		if n == pre || strings.HasPrefix(n, pre+"-") {
			return false
		}
	}
	switch sp.Port {
	case 53, 514, 601, 5353:
		return false
	}
	return true
}

// nonHTTPAppProtocols are appProtocol values that name a protocol other than HTTP: plain
// TCP, TLS passthrough, and the IANA service names of brokers and datastores. HTTP ones
// (http, https, h2c, kubernetes.io/h2c, kubernetes.io/ws, grpc) and values not listed (a
// custom domain-prefixed name) leave the port HTTP-capable: only a clear "not HTTP"
// silences the rules (https://kubernetes.io/docs/concepts/services-networking/service/#application-protocol).
var nonHTTPAppProtocols = map[string]bool{
	"tcp": true, "udp": true, "sctp": true, "tls": true,
	"mqtt": true, "mqtts": true, "secure-mqtt": true, "amqp": true, "amqps": true, "kafka": true, "nats": true, "stomp": true,
	"redis": true, "postgresql": true, "postgres": true, "mysql": true, "mongodb": true, "mongo": true,
	"memcache": true, "memcached": true, "cassandra": true, "cql": true, "zookeeper": true, "ldap": true, "ldaps": true,
	"dns": true, "domain": true, "smtp": true, "submission": true, "imap": true, "imaps": true, "pop3": true, "pop3s": true,
	"ssh": true, "ftp": true, "syslog": true, "ms-sql-s": true, "mssql": true, "rtmp": true, "sip": true,
}

// isMetricsPort reports whether a Service port only exposes metrics for Prometheus or an
// admission webhook for the API server: named so (metrics, http-metrics, https-main and
// https-self of kube-state-metrics, webhook, https-webhook, webhook-server), in the
// exporters' port range 9100-9199, or served by kube-rbac-proxy or an exporter image
// (which front metrics endpoints). Prometheus or the API server calls it, no user request
// does (and the API server retries a webhook call or applies its failurePolicy).
func isMetricsPort(c *parsers.Container, sp parsers.ServicePort, cp *parsers.ContainerPort) bool {
	for _, n := range []string{sp.Name, cp.Name} {
		n = strings.ToLower(n)
		if strings.Contains(n, "metrics") || strings.Contains(n, "webhook") || n == "https-main" || n == "https-self" || n == "prometheus" {
			return true
		}
	}
	if cp.Port >= 9100 && cp.Port <= 9199 {
		return true
	}
	img := imageName(c.Image)
	return img == "kube-rbac-proxy" || strings.HasSuffix(img, "exporter") || strings.Contains(img, "exporter-") || strings.Contains(img, "_exporter")
}

// datastoreWords are words of image names of servers that speak their own protocol, not
// HTTP: a word of the image name (split at - _ .) that starts with one, or the whole name
// (cloud-sql-proxy), marks a datastore. "examples-bookinfo-mongodb", "gb-redisslave",
// "kubernetes-kafka" and "volume-nfs" all match.
var datastoreWords = []string{
	"redis", "valkey", "keydb", "postgres", "postgis", "pgbouncer", "mysql", "mariadb", "percona",
	"mongo", "memcached", "rabbitmq", "cassandra", "scylla", "etcd", "nats", "kafka", "zookeeper",
	"nfs", "dynamodb", "cockroach", "couchbase", "neo4j", "clickhouse", "cloudsql", "documentdb",
	"hazelcast", "rethinkdb",
}

// consoleWords mark an image that is a web console, exporter or operator for a datastore
// (mongo-express, redis_exporter, kafka-ui): HTTP apps or controllers, not the datastore.
var consoleWords = map[string]bool{
	"exporter": true, "express": true, "ui": true, "console": true, "admin": true, "commander": true,
	"dashboard": true, "insight": true, "web": true, "gui": true, "rest": true, "operator": true,
	"management": true, "connect": true,
}

// datastorePorts are the well-known ports of datastores: MongoDB, MySQL, PostgreSQL,
// Redis (and Sentinel), Kafka, ZooKeeper, etcd, NFS, memcached, AMQP, Cassandra, NATS,
// Hazelcast and DocumentDB (MongoDB's wire protocol on PostgreSQL).
var datastorePorts = map[int]bool{
	27017: true, 3306: true, 5432: true, 6379: true, 26379: true, 9092: true, 9093: true, 2181: true,
	2379: true, 2380: true, 2049: true, 11211: true, 5672: true, 9042: true, 4222: true, 5701: true,
	10260: true,
}

// isDatastore reports whether every container of w is a datastore.
func isDatastore(w *parsers.Workload) bool {
	if len(w.Containers) == 0 {
		return false
	}
	for _, c := range w.Containers {
		if !isDatastoreContainer(c) {
			return false
		}
	}
	return true
}

// isDatastoreContainer reports whether c runs a datastore: its image name has a datastore
// word, or it listens on a datastore's well-known port and names no port http or web; an
// httpGet probe says it speaks HTTP either way. podinfo run as a "database" on 3306 with
// an HTTP readiness probe is an HTTP app.
func isDatastoreContainer(c *parsers.Container) bool {
	if probesHTTP(c) {
		return false
	}
	img := imageName(c.Image)
	if strings.Contains(strings.ReplaceAll(img, "-", ""), "cloudsqlproxy") {
		return true
	}
	words := strings.FieldsFunc(img, func(r rune) bool { return r == '-' || r == '_' || r == '.' })
	for _, wd := range words {
		if consoleWords[wd] {
			return false
		}
	}
	for _, wd := range words {
		for _, d := range datastoreWords {
			if strings.HasPrefix(wd, d) {
				// A datastore image with a web console on the side (rabbitmq:management's
				// rabbitmq-http) is still a datastore; an Ingress to the console makes it
				// proxied, and then it is checked.
				return true
			}
		}
	}
	if namesHTTPPort(c) {
		return false
	}
	for _, p := range c.Ports {
		if datastorePorts[p.Port] {
			return true
		}
	}
	return false
}

// probesHTTP reports whether a probe of the container speaks HTTP to it.
func probesHTTP(c *parsers.Container) bool {
	for _, pr := range []*parsers.Probe{c.Readiness, c.Liveness, c.Startup} {
		if pr != nil && pr.Handler == "httpGet" {
			return true
		}
	}
	return false
}

// namesHTTPPort reports whether the container declares a port named http, https, web or
// http-*.
func namesHTTPPort(c *parsers.Container) bool {
	for _, p := range c.Ports {
		n := strings.ToLower(p.Name)
		if n == "web" || strings.HasPrefix(n, "http") || strings.HasSuffix(n, "-http") {
			return true
		}
	}
	return false
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
			if p.TargetPort != "" && !nativeSidecarPort(w, p.TargetPort) {
				return p.TargetPort
			}
		}
	}
	return "8080"
}

// nativeSidecarPort reports whether port (a number or a name) is one a native sidecar of
// w declares (an init container with restartPolicy: Always, such as an oauth2-proxy in
// front of the app): a Service sending there reaches the sidecar, and a probe of the
// app on that port would check the sidecar instead.
func nativeSidecarPort(w *parsers.Workload, port string) bool {
	c, _ := w.TargetContainer(port, "")
	return c != nil && slices.Contains(w.NativeSidecars, c)
}

// Edge proxies on the nodes' ports. An ingress controller run as a DaemonSet or
// Deployment that binds port 80 or 443 of its node (hostPort, or hostNetwork: true) is
// the cluster's edge: the load balancer or DNS in front sends requests to the nodes, and
// no Service is involved. It serves every request of the cluster, so it is served even
// with no Service and no proxy of the run in front of it.

// edgeHTTPPorts are the node ports an edge proxy takes: HTTP and HTTPS.
var edgeHTTPPorts = map[int]bool{80: true, 443: true}

// edgeContainers returns the containers of w that bind TCP port 80 or 443 of their
// node: a hostPort, or a containerPort of a pod on the host network. Only a DaemonSet or
// Deployment counts: the kinds an edge proxy runs as (a Job binding hostPort 80 is not
// read as a workload at all; parsers/k8s).
func edgeContainers(w *parsers.Workload) []*parsers.Container {
	if w.Format != parsers.FormatK8s || w.Kind != parsers.DaemonSet && w.Kind != parsers.Deployment {
		return nil
	}
	var out []*parsers.Container
	for _, c := range w.Containers {
		for i, p := range c.Ports {
			// An admission webhook or metrics endpoint on 443 of the host network (a
			// webhook server run with hostNetwork for a custom CNI) is called by the API
			// server or Prometheus, not by users.
			if edgePort(w, p) && !isMetricsPort(c, parsers.ServicePort{}, &c.Ports[i]) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// edgePort reports whether container port p of w is port 80 or 443 of the node, over TCP.
func edgePort(w *parsers.Workload, p parsers.ContainerPort) bool {
	if p.Protocol != "" && !strings.EqualFold(p.Protocol, "TCP") {
		return false // QUIC on UDP 443 is not what a TCP load balancer reaches
	}
	node := p.HostPort
	if w.HostNetwork && node == 0 {
		node = p.Port
	}
	return edgeHTTPPorts[node]
}

// edgeNodePorts describes the node ports w binds, for messages: "hostPort 80 and 443",
// "port 80 (hostNetwork)".
func edgeNodePorts(w *parsers.Workload) string {
	var ports []string
	seen := map[int]bool{}
	host := true
	for _, c := range w.Containers {
		for _, p := range c.Ports {
			if !edgePort(w, p) {
				continue
			}
			n := p.HostPort
			if n == 0 {
				n, host = p.Port, false
			}
			if !seen[n] {
				seen[n] = true
				ports = append(ports, strconv.Itoa(n))
			}
		}
	}
	list := strings.Join(ports, " and ")
	if host {
		return "hostPort " + list
	}
	return "port " + list + " (hostNetwork)"
}

// k8sEdgeProxies returns the workloads served only as an edge proxy: they bind port 80
// or 443 of their nodes (edgeContainers) and are not among k8sWorkloads (no Service or
// proxy of the run sends them HTTP; a metrics-only Service does not count).
//
// Only the rules whose reasoning holds without a Service check them: a grace period
// that kills in-flight requests, and the readiness probe that paces a rolling update
// from node to node. The others reason about Service endpoints (a preStop sleep covers
// the endpoint removal racing SIGTERM; a failing readiness probe takes a pod out of its
// Service), which an edge proxy on the nodes' ports does not have.
func k8sEdgeProxies(served []*parsers.Workload, m *parsers.Model) []*parsers.Workload {
	var in map[*parsers.Workload]bool
	var out []*parsers.Workload
	for _, w := range m.Workloads {
		if len(edgeContainers(w)) == 0 || isDatastore(w) {
			continue
		}
		if in == nil {
			in = make(map[*parsers.Workload]bool, len(served))
			for _, s := range served {
				in[s] = true
			}
		}
		if !in[w] {
			out = append(out, w)
		}
	}
	return out
}
