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
// operators' tool (Grafana here) are info and say why; an app with such a sidecar keeps
// its warnings (docs/decisions.md, "Operators' tools at info (session 5)").
func TestOperatorToolSeverity(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-operator-tool")
	seen := map[string]int{}
	for _, f := range findings {
		if f.Rule.ID == "prestop-missing" {
			continue // info everywhere without a cloud load balancer
		}
		lowered := strings.Contains(f.Message, "runs grafana, a tool for the people who run the system")
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
