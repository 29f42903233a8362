package rules_test

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules/rulestest"
)

// TestPrestopSeverity: prestop-missing is info by default and a warning where a cloud
// load balancer sends the pod traffic (docs/decisions.md, "Severities (issue 17)").
func TestPrestopSeverity(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-prestop-severity")
	want := map[string]parsers.Severity{"public": parsers.Warning, "internal": parsers.Info, "nodes": parsers.Info}
	seen := 0
	for _, f := range findings {
		if f.Rule.ID != "prestop-missing" {
			continue
		}
		for name, sev := range want {
			if strings.Contains(f.Message, "of Deployment "+name+" ") {
				seen++
				if f.Severity != sev {
					t.Errorf("prestop-missing on %s: severity %v, want %v (%s)", name, f.Severity, sev, f.Message)
				}
			}
		}
	}
	if seen != len(want) {
		t.Errorf("want one prestop-missing finding on each Deployment, got %d", seen)
	}
}

// TestOperatorToolSeverity: findings on a workload whose serving containers run an
// operators' tool (Grafana here) are info and say why (prestop-missing, info already, says
// why too); an app with such a sidecar keeps its warnings (docs/decisions.md, "Operators' tools at info (session 5)").
func TestOperatorToolSeverity(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-operator-tool")
	seen := map[string]int{}
	for _, f := range findings {
		lowered := strings.Contains(f.Message, "runs grafana, a tool for the people who run the system")
		if f.Rule.ID == "prestop-missing" {
			// Info everywhere without a cloud load balancer; on grafana it says why too
			// (session 16).
			onGrafana := strings.Contains(f.Message, "Deployment grafana ")
			if f.Severity != parsers.Info || lowered != onGrafana {
				t.Errorf("prestop-missing: severity %v, reason %v, want info with the reason only on grafana (%s)", f.Severity, lowered, f.Message)
			}
			continue
		}
		switch {
		case strings.Contains(f.Message, "Deployment grafana "):
			seen["grafana"]++
			if f.Severity != parsers.Info || !lowered {
				t.Errorf("%s on grafana: severity %v, want info with the reason (%s)", f.Rule.ID, f.Severity, f.Message)
			}
		case strings.Contains(f.Message, "Deployment shop "):
			seen["shop"]++
			if f.Severity != parsers.Warning || lowered {
				t.Errorf("%s on shop: severity %v, want warning without the reason (%s)", f.Rule.ID, f.Severity, f.Message)
			}
		}
	}
	if seen["grafana"] != 2 || seen["shop"] != 2 {
		t.Errorf("want single-replica and readiness-probe-missing on each Deployment, got %v", seen)
	}
}

// TestOperatorToolSeverityConfigured: a severity set in .no502.yaml is the user's choice
// and is not lowered.
func TestOperatorToolSeverityConfigured(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-operator-tool-configured")
	seen := 0
	for _, f := range findings {
		if !strings.Contains(f.Message, "Deployment grafana ") {
			continue
		}
		want := parsers.Info
		if f.Rule.ID == "single-replica" {
			want = parsers.Warning
		}
		if f.Severity != want {
			t.Errorf("%s on grafana: severity %v, want %v", f.Rule.ID, f.Severity, want)
		}
		seen++
	}
	if seen != 3 {
		t.Errorf("want 3 findings on grafana, got %d", seen)
	}
}

// TestPrestopSeverityALBInstance: behind an ALB Ingress without target-type: ip (instance
// targets, the controller default) prestop-missing stays info and makes no load balancer
// claim (docs/decisions.md, session 7).
func TestPrestopSeverityALBInstance(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-alb-instance")
	seen := 0
	for _, f := range findings {
		if f.Rule.ID != "prestop-missing" {
			continue
		}
		seen++
		if f.Severity != parsers.Info || strings.Contains(f.Message, "to deregister it") {
			t.Errorf("prestop-missing behind instance targets: %v %s", f.Severity, f.Message)
		}
	}
	if seen != 1 {
		t.Errorf("want one prestop-missing finding, got %d", seen)
	}
}

// TestOperatorToolTelemetrySeverity: an OpenTelemetry collector, metrics-server and a
// custom-metrics adapter are plumbing for the people who run the system (spans and metrics,
// called by apps' exporters and the API server): their findings are info with the reason
// (docs/decisions.md, "Corpus audit, round 2 (session 11)").
func TestOperatorToolTelemetrySeverity(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-operator-tool-telemetry")
	want := map[string]string{
		"opentelemetrycollector":             "runs opentelemetry-collector, a tool",
		"metrics-server":                     "runs metrics-server, a tool",
		"custom-metrics-stackdriver-adapter": "runs custom-metrics-stackdriver-adapter, a tool",
	}
	seen := map[string]int{}
	for _, f := range findings {
		if f.Rule.ID == "prestop-missing" {
			continue // info everywhere without a cloud load balancer
		}
		for name, reason := range want {
			if !strings.Contains(f.Message, "Deployment "+name+" ") {
				continue
			}
			seen[name]++
			if f.Severity != parsers.Info || !strings.Contains(f.Message, reason) {
				t.Errorf("%s on %s: severity %v, want info with %q (%s)", f.Rule.ID, name, f.Severity, reason, f.Message)
			}
		}
	}
	for name := range want {
		if seen[name] != 2 {
			t.Errorf("want single-replica and readiness-probe-missing on %s, got %d", name, seen[name])
		}
	}
}

// TestOperatorToolControlPlaneSeverity: tools and control planes matched by their whole
// image name (fortio, Spark, SPIRE, the App Protect DoS arbitrator, NGINX Instance
// Manager, Vitess's own images, a Jupyter notebook) are info with the reason, prestop-missing included; the
// near misses (vitess/guestbook, an app named spark-shop, an NVIDIA NIM model server, a
// grafana-proxy in front of dashboards, JupyterHub) keep their warnings and get no such sentence
// (docs/decisions.md, "Noise review, part 1 (session 16)").
func TestOperatorToolControlPlaneSeverity(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-operator-tool-control-plane")
	lowered := map[string]string{
		"fortio":             "runs fortio, a tool for the people who run the system",
		"spark-master":       "runs spark, a batch cluster",
		"spark-ui-proxy":     "runs spark-ui-proxy, the web UI of a batch cluster",
		"appprotect-dos-arb": "runs the NGINX App Protect DoS arbitrator, which NGINX instances call",
		"nginx-nim2":         "runs NGINX Instance Manager, a tool for the people who run the system",
		"vtctld":             "runs Vitess, a database component",
		"spire-server":       "runs SPIRE, the workload identity server",
		"notebook":           "runs Jupyter, one person's notebook server",
	}
	kept := []string{"guestbook", "spark-shop", "llm", "dashboards", "hub"}
	seen := map[string]int{}
	for _, f := range findings {
		var name string
		for n := range lowered {
			if strings.Contains(f.Message, "Deployment "+n+" ") {
				name = n
			}
		}
		for _, n := range kept {
			if strings.Contains(f.Message, "Deployment "+n+" ") {
				name = n
			}
		}
		if name == "" {
			t.Errorf("finding on no Deployment of the test: %s", f.Message)
			continue
		}
		seen[name]++
		if reason, ok := lowered[name]; ok {
			if f.Severity != parsers.Info || !strings.Contains(f.Message, reason) || !strings.HasSuffix(f.Message, ": reported as info.") {
				t.Errorf("%s on %s: severity %v, want info with %q (%s)", f.Rule.ID, name, f.Severity, reason, f.Message)
			}
			continue
		}
		want := parsers.Warning
		if f.Rule.ID == "prestop-missing" {
			want = parsers.Info // without a cloud load balancer
		}
		if f.Severity != want || strings.Contains(f.Message, "reported as info") {
			t.Errorf("%s on %s: severity %v, want %v without the reason (%s)", f.Rule.ID, name, f.Severity, want, f.Message)
		}
	}
	for n := range lowered {
		want := 3 // single-replica, prestop-missing, readiness-probe-missing
		if n == "spire-server" {
			want = 4 // prestop-missing on both containers
		}
		if seen[n] != want {
			t.Errorf("%s: %d findings, want %d", n, seen[n], want)
		}
	}
	for _, n := range kept {
		if seen[n] != 3 {
			t.Errorf("%s: %d findings, want 3", n, seen[n])
		}
	}
}

// TestAPIServerOnlySeverity: a workload whose every Service an APIService or an admission
// webhook configuration names, and no Ingress or proxy reaches, is called only by the API
// server: its findings are info with the reason. An API with a second Service, an
// aggregated API server an Ingress also exposes, and a workload whose Service only shares
// its name with one a webhook names in another namespace keep their warnings
// (docs/decisions.md, "Noise review, part 1 (session 16)").
func TestAPIServerOnlySeverity(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-operator-tool-apiserver")
	lowered := map[string]string{
		"custom-metrics-adapter": "is called only by the Kubernetes API server (Service custom-metrics-adapter is named by APIService v1beta1.custom.metrics.k8s.io)",
		"policy-controller":      "is called only by the Kubernetes API server (Service policy-controller is named by ValidatingWebhookConfiguration policy-validation)",
	}
	kept := []string{"shop-api", "reports", "orders"}
	seen := map[string]int{}
	for _, f := range findings {
		name := ""
		for _, n := range append([]string{"custom-metrics-adapter", "policy-controller"}, kept...) {
			if strings.Contains(f.Message, "Deployment "+n+" ") {
				name = n
			}
		}
		if name == "" {
			t.Errorf("finding on no Deployment of the test: %s", f.Message)
			continue
		}
		seen[name]++
		if reason, ok := lowered[name]; ok {
			if f.Severity != parsers.Info || !strings.Contains(f.Message, reason) {
				t.Errorf("%s on %s: severity %v, want info with %q (%s)", f.Rule.ID, name, f.Severity, reason, f.Message)
			}
			continue
		}
		want := parsers.Warning
		if f.Rule.ID == "prestop-missing" {
			want = parsers.Info // without a cloud load balancer
		}
		if f.Severity != want || strings.Contains(f.Message, "API server") {
			t.Errorf("%s on %s: severity %v, want %v without the reason (%s)", f.Rule.ID, name, f.Severity, want, f.Message)
		}
	}
	for _, n := range append([]string{"custom-metrics-adapter", "policy-controller"}, kept...) {
		if seen[n] != 3 {
			t.Errorf("%s: %d findings, want 3 (single-replica, prestop-missing, readiness-probe-missing)", n, seen[n])
		}
	}
}

// TestComposeOperatorToolSeverity: a Compose service running a database administration UI
// (phpMyAdmin, Adminer) gets its replica finding at info with the reason; an app's, and
// one whose image name only contains such a word, stays a warning.
func TestComposeOperatorToolSeverity(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/compose-operator-tool")
	want := map[string]parsers.Severity{"app": parsers.Warning, "pma": parsers.Info, "adminer": parsers.Info, "reports": parsers.Warning}
	seen := map[string]bool{}
	for _, f := range findings {
		if f.Rule.ID != "single-replica" {
			continue
		}
		for name, sev := range want {
			if !strings.HasPrefix(f.Message, "service "+name+" ") {
				continue
			}
			seen[name] = true
			lowered := strings.Contains(f.Message, "Compose service "+name+" runs ")
			if f.Severity != sev || lowered != (sev == parsers.Info) {
				t.Errorf("%s: severity %v, reason %v, want %v (%s)", name, f.Severity, lowered, sev, f.Message)
			}
		}
	}
	if len(seen) != len(want) {
		t.Errorf("single-replica on %v, want on each of %v", seen, want)
	}
}

// TestConflictingServiceSeverity: a workload whose own file defines a Service that does
// not select it, while another file's Service of that namespace and name does (kube-score's
// "service does not target" fixtures), is served only if the other file replaces its own:
// its findings are info, with both definitions named (session 17). Near misses keep their
// severity: no definition in the workload's file (api: a canary Service elsewhere
// disagrees), its own file's definition selects it (shop), the file's other Service has
// another name (cart), has no selector (pay: a patch or hand-managed endpoints) or is in
// another namespace (orders), and a second Service that certainly selects it (reports).
func TestConflictingServiceSeverity(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-conflicting-service")
	const reason = "Service web is defined twice: service-target.yaml:3 selects Deployment fixture-web, but the definition in its own file (service-not-target.yaml:20) does not. A cluster holds one Service web, so these files are alternatives (test fixtures, separate examples), and this Deployment gets its requests only if another file's definition is applied instead of its own: reported as info."
	names := []string{"fixture-web", "api", "shop", "cart", "pay", "orders", "reports"}
	seen := map[string]int{}
	for _, f := range findings {
		name := ""
		for _, n := range names {
			if strings.Contains(f.Message, "Deployment "+n+" ") {
				name = n
			}
		}
		if name == "" {
			t.Errorf("finding on no Deployment of the test: %s", f.Message)
			continue
		}
		seen[name]++
		if name == "fixture-web" {
			if f.Severity != parsers.Info || !strings.HasSuffix(f.Message, " "+reason) {
				t.Errorf("%s on %s: severity %v, want info ending %q (%s)", f.Rule.ID, name, f.Severity, reason, f.Message)
			}
			continue
		}
		want := parsers.Warning
		if f.Rule.ID == "prestop-missing" {
			want = parsers.Info // without a cloud load balancer
		}
		if f.Severity != want || strings.Contains(f.Message, "is defined") {
			t.Errorf("%s on %s: severity %v, want %v without the reason (%s)", f.Rule.ID, name, f.Severity, want, f.Message)
		}
	}
	for _, n := range names {
		if seen[n] != 3 {
			t.Errorf("%s: %d findings, want 3 (single-replica, prestop-missing, readiness-probe-missing)", n, seen[n])
		}
	}
}
