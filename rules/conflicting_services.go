package rules

import (
	"strconv"

	"github.com/no502/no502/parsers"
)

// Conflicting Service definitions. A cluster holds one object per kind, namespace and
// name, so when a workload's own file defines a Service that does not select it, and
// another file defines a Service of the same namespace and name that does, the two files
// cannot both be applied: they are alternatives (kube-score's "service does not target"
// fixtures next to the fixtures whose Service does), and the workload is served only if
// the other file's definition replaces its own. Its replica, drain and health findings
// are kept, at info, with a sentence naming both definitions: the corpus review labelled
// every such finding noise (class fixture-crosslink in
// cmd/no502/testdata/precision/classes.tsv).
//
// Only the workload's own file counts. A definition in the same directory or elsewhere
// says nothing about which one is meant: a parent directory's Service serves the
// examples below it (GKE samples' llm-multiple-gpus/llm-service.yaml), and the corpus is
// linted flat, so a directory rule cannot be checked against it (session 17).
// A definition with no selector says nothing about selection (a kustomize patch of the
// Service, or one with hand-managed endpoints) and is not counted.

// uncertainService is a Service of a workload whose definitions disagree on it: sel
// selects the workload, not does not.
type uncertainService struct {
	sel, not *parsers.Service
	defs     int // how many definitions of that namespace/name have a selector
}

// servicesByName indexes the Services of a model with a selector by namespace/name.
func servicesByName(m *parsers.Model) map[string][]*parsers.Service {
	by := map[string][]*parsers.Service{}
	for _, s := range m.Services {
		if s.Selector == nil || !s.Selector.All && len(s.Selector.MatchLabels) == 0 && len(s.Selector.MatchExpressions) == 0 {
			continue
		}
		k := s.Namespace + "/" + s.Name
		by[k] = append(by[k], s)
	}
	return by
}

// uncertainlyServed returns, when every Service that selects w is also defined in w's own
// file by a definition that does not select it, that Service's definition that selects w
// and the one in w's file; otherwise ok is false.
func uncertainlyServed(w *parsers.Workload, byName map[string][]*parsers.Service) (u uncertainService, ok bool) {
	if len(w.Services) == 0 {
		return u, false
	}
	for _, s := range w.Services {
		defs := byName[s.Namespace+"/"+s.Name]
		var not *parsers.Service
		for _, d := range defs {
			if d.Pos.File != w.Pos.File {
				continue
			}
			if d.Selector.Matches(w.Labels) {
				return u, false // w's own file's definition selects it
			}
			if not == nil {
				not = d
			}
		}
		if not == nil {
			return u, false // w's file says nothing about this Service
		}
		if u.sel == nil {
			u = uncertainService{sel: s, not: not, defs: len(defs)}
		}
	}
	return u, true
}

// uncertainWhy is the sentence appended to a finding on w: "Service my-service is
// defined 29 times: b.yaml:3 selects Pod pod-test-1, but the definition in its own file
// (a.yaml:17) does not. A cluster holds one Service my-service, so these files are
// alternatives (test fixtures, separate examples), and this Pod gets its requests only
// if another file's definition is applied instead of its own: reported as info."
func uncertainWhy(w *parsers.Workload, u uncertainService) string {
	times := strconv.Itoa(u.defs) + " times"
	if u.defs == 2 {
		times = "twice"
	}
	what := string(w.Kind) + " " + w.Name
	return "Service " + u.sel.Name + " is defined " + times + ": " + u.sel.Pos.Short() + " selects " + what +
		", but the definition in its own file (" + u.not.Pos.Short() + ") does not. A cluster holds one Service " + u.sel.Name +
		", so these files are alternatives (test fixtures, separate examples), and this " + string(w.Kind) +
		" gets its requests only if another file's definition is applied instead of its own: reported as info."
}
