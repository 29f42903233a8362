package rules

import (
	"fmt"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/k8s"
)

var singleInstanceOnPath = &Rule{
	ID:       "single-instance-on-path",
	Category: Replicas,
	Severity: Warning,
	Summary:  "A proxy runs one instance in front of a replicated app: the app's replicas do not make the path available",
	Formats:  []string{"nginx", "caddy", "k8s"},
	Doc: `# single-instance-on-path

A request path is only as available as its least replicated layer. An nginx or Caddy
that runs as a single pod (its config in a ConfigMap mounted by a workload with one
replica) in front of an app with several replicas makes every restart, rollout or node
drain of that one proxy pod an outage: requests get 502 (or connection errors) no matter
how many app pods are ready.

` + "`single-replica`" + ` already reports a single-pod Deployment that a Service selects and
` + "`single-task`" + ` an ECS service; this rule reports the proxy pods those rules cannot see as
serving, because traffic reaches them in a way no Service in the files says (host
network, a node port set up outside the manifests, a chain: in .no502.yaml), and names
the replicated app behind them.

## Fix

Run at least two replicas of the proxy (and a PodDisruptionBudget).

## Sources

- Deployment replicas default 1: https://github.com/kubernetes/kubernetes/blob/023f88a/pkg/apis/apps/v1/defaults.go
  (SetDefaults_Deployment)
`,
	Run: runSingleInstanceOnPath,
}

func runSingleInstanceOnPath(p *Pass) {
	done := map[*parsers.Workload]bool{}
	for _, h := range p.Model.Hops {
		w := h.Workload
		if w == nil || done[w] || w.Served || w.Format != parsers.FormatK8s {
			continue // a served workload is single-replica's
		}
		n, ok := effectiveReplicas(w)
		if !ok || n != 1 {
			continue
		}
		var app *parsers.Workload
		for _, r := range h.Routes {
			if r.Backend == nil {
				continue
			}
			for _, x := range r.Backend.Workloads {
				if m, ok := effectiveReplicas(x); ok && m >= 2 && x != w {
					app = x
				}
			}
		}
		if app == nil {
			continue
		}
		done[w] = true
		pos := w.Pos
		if w.Replicas.Explicit() {
			pos = w.Replicas.Pos
		}
		m, _ := effectiveReplicas(app)
		p.Report(Finding{
			Pos: pos,
			Message: fmt.Sprintf("%s runs %s (%s) as a single pod (%s) in front of %s with %d replicas: every restart, rollout or node drain of that pod stops the whole path, and requests fail with 502 or connection errors however many app pods are ready. Run at least 2 replicas of the proxy.",
				workloadName(w), product(h), h.Name, describeAt(w.Replicas, p.ownLine(pos)), workloadName(app), m),
			Related: []Related{{Pos: app.Pos, Message: fmt.Sprintf("%s runs %d replicas", workloadName(app), m)}},
			Fix: k8sFix("run 2 replicas of the proxy",
				k8s.ObjectPatch(string(w.Kind), w.Namespace, w.Name, k8s.KV{K: "spec", V: k8s.Patch{}.Set("replicas", 2)}),
				k8s.ReplaceScalar(w.Replicas.Pos, "2")...),
		})
	}
}

func init() { Register(singleInstanceOnPath) }
