package k8s

import "testing"

// TestKustomizeLabels: a kustomization's labels (includeSelectors, includeTemplates) and
// commonLabels reach the objects its build includes as kustomize writes them (kubectl
// 1.32's kustomize v5.5.0): a Service and a Deployment written without any selector or
// template labels (plantsuite's bases) are linked through them, and a budget's existing
// selector gains them. Out-of-corpus audit: every workload of such a tree was unlinked
// and no rule looked at it.
func TestKustomizeLabels(t *testing.T) {
	m := parse(t,
		"base/kustomization.yaml", `namespace: shop
labels:
  - pairs: {app: devices}
    includeSelectors: true
  - pairs: {tier: web}
    includeTemplates: true
  - pairs: {team: a}
resources: [deployment.yaml, service.yaml, pdb.yaml]
`,
		"base/deployment.yaml", `apiVersion: apps/v1
kind: Deployment
metadata: {name: devices}
spec:
  template:
    spec:
      containers: [{name: c, image: example/devices:1, ports: [{containerPort: 8080}]}]
`,
		"base/service.yaml", `apiVersion: v1
kind: Service
metadata: {name: devices}
spec:
  ports: [{port: 80, targetPort: 8080}]
`,
		"base/pdb.yaml", `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: devices}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {x: "y"}}
`,
		"other/kustomization.yaml", `commonLabels: {app: other}
resources: [all.yaml]
`,
		"other/all.yaml", `apiVersion: apps/v1
kind: Deployment
metadata: {name: other}
spec:
  selector: {matchLabels: {name: other}}
  template:
    metadata: {labels: {name: other}}
    spec:
      containers: [{name: c, image: example/other:1}]
---
apiVersion: v1
kind: Service
metadata: {name: other}
spec:
  selector: {name: other}
  ports: [{port: 80}]
`)
	byName := map[string]map[string]string{}
	for _, w := range m.Workloads {
		byName[w.Name] = w.Labels
	}
	if l := byName["devices"]; l["app"] != "devices" || l["tier"] != "web" || l["team"] != "" {
		t.Errorf("devices template labels %v, want app and tier only", l)
	}
	if l := byName["other"]; l["app"] != "other" || l["name"] != "other" {
		t.Errorf("other template labels %v, want commonLabels added", l)
	}
	for _, s := range m.Services {
		if len(s.Workloads) != 1 || s.Workloads[0].Name != s.Name {
			t.Errorf("Service %s selects %v (selector %+v)", s.Name, s.Workloads, s.Selector)
		}
		if s.Name == "devices" && (s.Selector == nil || s.Selector.MatchLabels["tier"] != "") {
			t.Errorf("Service devices selector %+v, want app only", s.Selector)
		}
	}
	if len(m.PDBs) != 1 || m.PDBs[0].Selector.MatchLabels["app"] != "devices" || m.PDBs[0].Selector.MatchLabels["x"] != "y" {
		t.Errorf("PDB selector %+v", m.PDBs)
	}
}
