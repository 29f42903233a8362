package k8s

import (
	"path/filepath"

	"github.com/no502/no502/parsers"
)

// link connects the objects of one run: Services to the workloads they select,
// autoscalers to their targets, disruption budgets to the workloads they cover. Only
// objects of the same namespace link, so workloads are indexed by namespace first.
func (b *builder) link(hpas []*hpa) {
	byNS := map[string][]*parsers.Workload{}
	byName := map[string][]*parsers.Workload{} // names can repeat across files
	// byLabel indexes workloads by namespace and label, so matching thousands of
	// selectors against thousands of workloads does not compare every pair.
	byLabel := map[string][]*parsers.Workload{}
	for _, w := range b.m.Workloads {
		byNS[w.Namespace] = append(byNS[w.Namespace], w)
		key := w.Namespace + "/" + string(w.Kind) + "/" + w.Name
		byName[key] = append(byName[key], w)
		for k, v := range w.Labels {
			key := w.Namespace + "\x00" + k + "=" + v
			byLabel[key] = append(byLabel[key], w)
		}
	}
	// candidates are the workloads a selector can match: those carrying its rarest
	// matchLabels pair, or the whole namespace for a selector of expressions only.
	candidates := func(ns string, sel *parsers.Selector) []*parsers.Workload {
		if sel == nil || len(sel.MatchLabels) == 0 {
			return byNS[ns]
		}
		var best []*parsers.Workload
		first := true
		for k, v := range sel.MatchLabels {
			ws := byLabel[ns+"\x00"+k+"="+v]
			if first || len(ws) < len(best) {
				best, first = ws, false
			}
		}
		return best
	}
	for _, svc := range b.m.Services {
		for _, w := range candidates(svc.Namespace, svc.Selector) {
			if svc.Selector.Matches(w.Labels) {
				svc.Workloads = append(svc.Workloads, w)
				w.Services = append(w.Services, svc)
				w.Served = true
			}
		}
	}
	for _, h := range hpas {
		for _, w := range nearest(byName[h.o.namespace+"/"+h.targetKind+"/"+h.targetName], h.o.pos.File) {
			w.MinReplicas, w.MaxReplicas = h.min, h.max
		}
	}
	for _, p := range b.pdbs {
		for _, w := range candidates(p.Namespace, p.Selector) {
			if p.Selector.Matches(w.Labels) {
				w.PDBs = append(w.PDBs, p)
			}
		}
	}
}

// nearest picks, among the workloads of one kind/namespace/name that several files define
// (fixtures or examples of one repository, a kustomize base and its overlay), those
// meant for a reference from file: the definition in the same file, else those in the
// same directory, else all of them (nothing says which one is meant).
func nearest(ws []*parsers.Workload, file string) []*parsers.Workload {
	if len(ws) < 2 {
		return ws
	}
	var same, dir []*parsers.Workload
	for _, w := range ws {
		switch {
		case w.Pos.File == file:
			same = append(same, w)
		case filepath.Dir(w.Pos.File) == filepath.Dir(file):
			dir = append(dir, w)
		}
	}
	if len(same) > 0 {
		return same
	}
	if len(dir) > 0 {
		return dir
	}
	return ws
}
