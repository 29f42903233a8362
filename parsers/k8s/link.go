package k8s

import "github.com/no502/no502/parsers"

// link connects the objects of one run: Services to the workloads they select,
// autoscalers to their targets, disruption budgets to the workloads they cover. Only
// objects of the same namespace link, so workloads are indexed by namespace first.
func (b *builder) link(hpas []*hpa) {
	byNS := map[string][]*parsers.Workload{}
	byName := map[string][]*parsers.Workload{} // names can repeat across files
	for _, w := range b.m.Workloads {
		byNS[w.Namespace] = append(byNS[w.Namespace], w)
		byName[w.Namespace+"/"+w.Kind+"/"+w.Name] = append(byName[w.Namespace+"/"+w.Kind+"/"+w.Name], w)
	}
	for _, svc := range b.m.Services {
		for _, w := range byNS[svc.Namespace] {
			if svc.Selector.Matches(w.Labels) {
				svc.Workloads = append(svc.Workloads, w)
				w.Services = append(w.Services, svc)
				w.Served = true
			}
		}
	}
	for _, h := range hpas {
		for _, w := range byName[h.o.namespace+"/"+h.targetKind+"/"+h.targetName] {
			w.MinReplicas, w.MaxReplicas = h.min, h.max
		}
	}
	for _, p := range b.pdbs {
		for _, w := range byNS[p.Namespace] {
			if p.Selector.Matches(w.Labels) {
				w.PDBs = append(w.PDBs, p)
			}
		}
	}
}
