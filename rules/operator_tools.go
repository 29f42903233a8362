package rules

import (
	"strings"

	"github.com/no502/no502/parsers"
)

// Operators' tools: a Kubernetes workload whose serving containers all run an
// observability tool (Prometheus, Grafana, Kiali, Jaeger, ...) answers the people who run
// the cluster, not its users. Its single replica, missing preStop or missing readiness
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

// operatorTool returns the word naming the observability tool every serving container of
// w runs, or "".
func operatorTool(w *parsers.Workload) string {
	cs := w.ServingContainers()
	if len(cs) == 0 {
		cs = w.Containers
	}
	tool := ""
	for _, c := range cs {
		t := operatorToolOf(c.Image)
		if t == "" {
			return ""
		}
		if tool == "" {
			tool = t
		}
	}
	return tool
}

// operatorToolOf returns the operator-tool word in an image reference's name or owner,
// or "".
func operatorToolOf(image string) string {
	ref := strings.ToLower(image)
	if i := strings.IndexAny(ref, ":@"); i >= 0 && !strings.Contains(ref[i:], "/") {
		ref = ref[:i]
	}
	parts := strings.Split(ref, "/")
	// The image's own name, and the owner just before it (jaegertracing/all-in-one).
	names := parts[len(parts)-1:]
	if len(parts) > 1 {
		names = append(names, parts[len(parts)-2])
	}
	for _, n := range names {
		for _, word := range operatorToolWords {
			if n == word || strings.HasPrefix(n, word+"-") || strings.HasSuffix(n, "-"+word) {
				return word
			}
		}
	}
	return ""
}

// lowerOperatorTools lowers to info the replica, drain and health findings that point
// inside the document of a Kubernetes workload running an operators' tool.
func lowerOperatorTools(m *parsers.Model, cfg *Config, findings []Finding) {
	type tool struct {
		w    *parsers.Workload
		name string
	}
	var tools []tool
	for _, w := range m.Workloads {
		if w.Format != parsers.FormatK8s || w.Block.File == "" || w.Block.EndOffset <= w.Block.Offset {
			continue
		}
		if name := operatorTool(w); name != "" {
			tools = append(tools, tool{w, name})
		}
	}
	if len(tools) == 0 {
		return
	}
	for i := range findings {
		f := &findings[i]
		if f.Severity <= Info || f.Rule == nil {
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
			f.Message += " " + string(t.w.Kind) + " " + t.w.Name + " runs " + t.name +
				", a tool for the people who run the system rather than its users: reported as info."
			break
		}
	}
}
