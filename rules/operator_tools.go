package rules

import (
	"slices"
	"strings"

	"github.com/no502/no502/parsers"
)

// Operators' tools: a Kubernetes workload whose serving containers all run an
// observability tool (Prometheus, Grafana, Kiali, Jaeger, ...) or another tool or control
// plane no user request passes through (fortio, Spark, SPIRE, ...) answers the people who
// run the cluster or its own machinery, not its users. Its single replica, missing preStop or missing readiness
// probe are still true, and a 502 can still happen, but it is not a 502 anyone is paged
// for: the corpus review labelled every such finding noise (class internal-addon in
// cmd/no502/testdata/precision/classes.tsv). Those findings are kept, at info, with a
// sentence saying why, unless .no502.yaml sets the rule's severity itself.

// operatorToolWords are words of image names of observability tools an operator looks
// at: dashboards, tracing and metrics stores. "grafana/grafana", "quay.io/kiali/kiali",
// "prom/prometheus", "jaegertracing/all-in-one" (matched by the repository owner). Also
// the plumbing that feeds them, which no user request passes through: the OpenTelemetry
// collector (apps' exporters send it spans and drop or retry them when it is gone),
// metrics-server and GKE's custom-metrics adapter (only the API server calls them, for
// HPAs and kubectl top).
var operatorToolWords = []string{
	"prometheus", "alertmanager", "pushgateway", "grafana", "kiali", "jaeger", "jaegertracing",
	"zipkin", "loki", "skywalking", "kibana", "hubble-ui",
	"opentelemetry-collector", "metrics-server", "custom-metrics-stackdriver-adapter",
}

// operatorToolNames are whole image names (the repository's last path element) of
// tools and control planes that no user request passes through, matched exactly because
// their words are common in app names: a "spark-*" image may be a Spark Java web app, and
// NVIDIA's model servers live under nvcr.io/nim/. Each gives the tool's name and what it
// is, for the message.
var operatorToolNames = map[string]operatorToolKind{
	// fortio's load generator, with its web UI and echo server for whoever runs the test.
	"fortio": {"fortio", operatorsRole},
	// Apache Spark's master (batch jobs and workers connect to it) and its UI; the proxy
	// the Spark example puts in front of that UI.
	"spark":          {"spark", "a batch cluster that jobs and the people who run them use rather than the system's users"},
	"spark-ui-proxy": {"spark-ui-proxy", "the web UI of a batch cluster, for the people who run its jobs rather than the system's users"},
	// SPIRE's server (SPIRE agents fetch identities from it and serve workloads from
	// their cache) and its controller manager (called by the API server as a webhook).
	"spire-server":             {"SPIRE", spireRole},
	"spire-controller-manager": {"SPIRE", spireRole},
	// NGINX App Protect DoS's arbitrator: the NGINX instances share attack state through
	// it; requests do not pass through it.
	"app_protect_dos_arb": {"the NGINX App Protect DoS arbitrator", "which NGINX instances call to share attack state, off the path of user requests"},
	// NGINX Instance Manager (NGINX-Demos' nginx-nms-docker image): the operators'
	// management plane for NGINX fleets.
	"nginx-nim2": {"NGINX Instance Manager", operatorsRole},
	// Database administration UIs (phpmyadmin/phpmyadmin and the official phpmyadmin
	// image, adminer, dpage/pgadmin4): the people who run the database log in to them;
	// the system's users never reach them.
	"phpmyadmin": {"phpMyAdmin", dbAdminRole},
	"adminer":    {"Adminer", dbAdminRole},
	"pgadmin4":   {"pgAdmin", dbAdminRole},
}

// vitessImages are the names of Vitess's own images (owner vitess): its admin daemon, query
// router, tablets and the image with all of them (vitess/lite). Apps reach the database
// through their MySQL driver and operators reach vtctld's UI; no HTTP proxy forwards user
// requests to them. vitess/guestbook, the example app, is not one.
var vitessImages = map[string]bool{
	"lite": true, "base": true, "vtctld": true, "vtadmin": true, "vtorc": true, "vtgate": true,
	"vttablet": true, "mysqlctld": true,
}

// A notebook server (the Jupyter project's images, jupyter/*-notebook and
// quay.io/jupyter/*-notebook, and TensorFlow's notebook images, tensorflow/tensorflow
// with a -jupyter tag) is one person's notebook: its kernels hold their state in memory,
// so one replica is all it can run, and it answers whoever opened it rather than the
// system's users. JupyterHub, which serves a platform's users their notebooks, is not one.
const notebookRole = "one person's notebook server, for whoever opened it rather than the system's users"

const (
	operatorsRole = "a tool for the people who run the system rather than its users"
	dbAdminRole   = "a database administration UI for the people who run the system rather than its users"
	spireRole     = "the workload identity server, which SPIRE agents and the API server call rather than the system's users"
	vitessRole    = "a database component that apps reach through their MySQL driver and operators through its UI, not through an HTTP proxy"
)

// operatorToolKind is a tool and what it is: "NGINX Instance Manager" and "a tool for the
// people who run the system rather than its users".
type operatorToolKind struct{ Name, Role string }

// operatorTool returns the tool every serving container of w runs, or a zero kind.
func operatorTool(w *parsers.Workload) operatorToolKind {
	cs := w.ServingContainers()
	if len(cs) == 0 {
		cs = w.Containers
	}
	var tool operatorToolKind
	for _, c := range cs {
		t := operatorToolOf(c.Image)
		if t.Name == "" {
			return operatorToolKind{}
		}
		if tool.Name == "" {
			tool = t
		}
	}
	return tool
}

// operatorToolOf returns the operator tool an image reference names, or a zero kind:
// an operatorToolWords word as its name or owner or as a dash-separated part of either
// (not a name that ends in -proxy or -gateway, which fronts the tool, maybe for users:
// cashee/grafana-proxy shows dashboards without Grafana's header), an
// operatorToolNames name, one of Vitess's images, the Kubernetes Dashboard, or a
// Jupyter notebook server.
func operatorToolOf(image string) operatorToolKind {
	ref, tag := strings.ToLower(image), ""
	if i := strings.IndexAny(ref, ":@"); i >= 0 && !strings.Contains(ref[i:], "/") {
		ref, tag = ref[:i], ref[i+1:]
	}
	parts := strings.Split(ref, "/")
	name := parts[len(parts)-1]
	owner := ""
	if len(parts) > 1 {
		owner = parts[len(parts)-2]
	}
	if t, ok := operatorToolNames[name]; ok {
		return t
	}
	if owner == "vitess" && vitessImages[name] {
		return operatorToolKind{"Vitess", vitessRole}
	}
	// The Kubernetes Dashboard: kubernetesui/dashboard and its split images (-web, -api,
	// -auth, metrics-scraper) since v2, and the older kubernetes-dashboard-amd64 (and
	// other architectures) of gcr.io/google_containers and k8s.gcr.io.
	if owner == "kubernetesui" && name == "metrics-scraper" {
		return operatorToolKind{"the Kubernetes Dashboard's metrics scraper", operatorsRole}
	}
	if owner == "kubernetesui" || name == "kubernetes-dashboard" || strings.HasPrefix(name, "kubernetes-dashboard-") && !strings.HasSuffix(name, "-proxy") && !strings.HasSuffix(name, "-gateway") {
		return operatorToolKind{"the Kubernetes Dashboard", operatorsRole}
	}
	if owner == "jupyter" && strings.HasSuffix(name, "-notebook") ||
		owner == "tensorflow" && name == "tensorflow" && strings.Contains(tag, "jupyter") {
		return operatorToolKind{"Jupyter", notebookRole}
	}
	// The image's own name, and the owner just before it (jaegertracing/all-in-one).
	for _, n := range []string{name, owner} {
		if n == "" || strings.HasSuffix(n, "-proxy") || strings.HasSuffix(n, "-gateway") {
			continue
		}
		for _, word := range operatorToolWords {
			if n == word || strings.HasPrefix(n, word+"-") || strings.HasSuffix(n, "-"+word) {
				return operatorToolKind{word, operatorsRole}
			}
		}
	}
	return operatorToolKind{}
}

// calledByAPIServer returns, when every Service of w is one the Kubernetes API server
// calls (an APIService or an admission webhook configuration names it) and no Ingress,
// proxy or target group of the run sends requests to it, what names them
// ("APIService v1beta1.metrics.k8s.io"); otherwise nil. An aggregated API server
// (kubectl top, HPAs) or a webhook-only controller (the API server applies the webhook's
// failurePolicy when it cannot call it) answers the API server; no user request passes
// through it.
func calledByAPIServer(w *parsers.Workload, routed map[*parsers.Service]map[string]bool) []string {
	var by []string
	for _, s := range w.Services {
		if len(s.APIServerCalls) == 0 || s.Ingressed || routed[s] != nil {
			return nil
		}
		for _, c := range s.APIServerCalls {
			if !slices.Contains(by, c) {
				by = append(by, c)
			}
		}
	}
	return by
}

// lowerOperatorTools lowers to info the replica, drain and health findings that point
// inside the document of a Kubernetes workload (or the block of a Compose service)
// running an operators' tool, or one only
// the API server calls, and says why; a finding its rule already reports at info
// (prestop-missing without a cloud load balancer) gets the sentence too, so that its 502
// reads as what it is.
func lowerOperatorTools(m *parsers.Model, cfg *Config, findings []Finding) {
	type tool struct {
		w   *parsers.Workload
		why string
	}
	var tools []tool
	var routed map[*parsers.Service]map[string]bool
	var byName map[string][]*parsers.Service
	for _, w := range m.Workloads {
		if w.Format != parsers.FormatK8s && w.Format != parsers.FormatCompose || w.Block.File == "" || w.Block.EndOffset <= w.Block.Offset {
			continue
		}
		if t := operatorTool(w); t.Name != "" {
			name := string(w.Kind) + " " + w.Name
			if w.Format == parsers.FormatCompose {
				name = "Compose service " + w.Name
			}
			tools = append(tools, tool{w, name + " runs " + t.Name + ", " + t.Role + ": reported as info."})
			continue
		}
		if w.Format == parsers.FormatCompose {
			continue // the API server's callers are Kubernetes objects
		}
		if len(w.Services) == 0 {
			continue
		}
		if routed == nil {
			routed = routedServices(m)
		}
		if by := calledByAPIServer(w, routed); by != nil {
			tools = append(tools, tool{w, string(w.Kind) + " " + w.Name + " is called only by the Kubernetes API server (" + servicesNamed(w.Services) + " " + verbFor(w.Services, "is", "are") + " named by " + strings.Join(by, ", ") + "), not by the system's users: reported as info."})
			continue
		}
		if byName == nil {
			byName = servicesByName(m)
		}
		if u, ok := uncertainlyServed(w, byName); ok {
			tools = append(tools, tool{w, uncertainWhy(w, u)})
		}
	}
	if len(tools) == 0 {
		return
	}
	for i := range findings {
		f := &findings[i]
		if f.Severity == Off || f.Rule == nil {
			continue
		}
		if c := f.Rule.Category; c != Replicas && c != Drain && c != Health {
			continue
		}
		if _, set := cfg.Rules[f.Rule.ID]; set {
			continue // the user chose this rule's severity
		}
		for _, t := range tools {
			b := t.w.Block
			if f.Pos.File != b.File || f.Pos.Offset < b.Offset || f.Pos.Offset >= b.EndOffset {
				continue
			}
			f.Severity = Info
			f.Message += " " + t.why
			break
		}
	}
}
