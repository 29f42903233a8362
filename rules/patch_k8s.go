package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/no502/no502/parsers"
)

// A k8s fix is a YAML fragment with its parent keys that applies as a strategic merge
// patch (kubectl patch --type strategic --patch-file). It names the object it patches
// (apiVersion, kind, metadata.name/namespace) so that it reads on its own; those fields
// match the object, so they do not change it. Lists of containers merge by name.
//
// ymap is an ordered mapping for building such fragments: values are ymap, []ymap (a
// list of mappings), string (written as given), int, or nil (null: delete the key).
type ymap []ykv

type ykv struct {
	k string
	v any
}

func (m ymap) set(k string, v any) ymap { return append(m, ykv{k, v}) }

// yamlText writes m as block YAML indented by two spaces.
func yamlText(m ymap) string {
	var b strings.Builder
	writeMap(&b, m, 0, "")
	return b.String()
}

func writeMap(b *strings.Builder, m ymap, indent int, first string) {
	pad := strings.Repeat(" ", indent)
	for i, kv := range m {
		p := pad
		if i == 0 && first != "" {
			p = first
		}
		switch v := kv.v.(type) {
		case ymap:
			fmt.Fprintf(b, "%s%s:\n", p, kv.k)
			writeMap(b, v, indent+2, "")
		case []ymap:
			fmt.Fprintf(b, "%s%s:\n", p, kv.k)
			for _, it := range v {
				writeMap(b, it, indent+4, pad+"  - ")
			}
		case nil:
			fmt.Fprintf(b, "%s%s: null\n", p, kv.k)
		case int:
			fmt.Fprintf(b, "%s%s: %d\n", p, kv.k, v)
		case string:
			fmt.Fprintf(b, "%s%s: %s\n", p, kv.k, v)
		}
	}
}

// yamlQuote writes s as a YAML double-quoted string.
func yamlQuote(s string) string { return strconv.Quote(s) }

// apiVersionOf names the API group of the kinds no502 patches.
func apiVersionOf(kind string) string {
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet":
		return "apps/v1"
	case "HorizontalPodAutoscaler":
		return "autoscaling/v2"
	case "PodDisruptionBudget":
		return "policy/v1"
	case "Ingress":
		return "networking.k8s.io/v1"
	case "HTTPRoute":
		return "gateway.networking.k8s.io/v1"
	}
	return "v1"
}

// objectPatch is the header of a patch for one object, followed by body.
func objectPatch(kind, namespace, name string, body ...ykv) ymap {
	md := ymap{}.set("name", name)
	if namespace != "" {
		md = md.set("namespace", namespace)
	}
	var rest []ykv
	for _, kv := range body {
		if extra, ok := kv.v.(ymap); ok && kv.k == "metadata" {
			md = append(md, extra...) // annotations go beside the name
			continue
		}
		rest = append(rest, kv)
	}
	m := ymap{}.set("apiVersion", apiVersionOf(kind)).set("kind", kind).set("metadata", md)
	return append(m, rest...)
}

// podSpecPatch patches a workload's pod spec: spec.template.spec, or spec for a Pod.
func podSpecPatch(w *parsers.Workload, podSpec ymap) ymap {
	if w.Kind == "Pod" {
		return objectPatch(string(w.Kind), w.Namespace, w.Name, ykv{"spec", podSpec})
	}
	return objectPatch(string(w.Kind), w.Namespace, w.Name, ykv{"spec", ymap{}.set("template", ymap{}.set("spec", podSpec))})
}

// containerPatch patches one container (merged by name) and, optionally, pod-level
// fields given in extra.
func containerPatch(w *parsers.Workload, c *parsers.Container, fields ymap, extra ...ykv) ymap {
	ct := append(ymap{}.set("name", c.Name), fields...)
	ps := append(ymap{}, extra...)
	ps = ps.set("containers", []ymap{ct})
	return podSpecPatch(w, ps)
}

// k8sFix wraps a patch as a Fix. A rule may give the edits (a scalar replaced in place);
// otherwise ResolveEdits computes them from the patch when a run is to write them.
func k8sFix(desc string, patch ymap, edits ...Edit) *Fix {
	return &Fix{Description: desc, Snippet: yamlText(patch), Edits: edits, patch: patch}
}

// k8sSnippetFix wraps a patch that --fix must not write: one holding a value no502 had to
// guess (a probe's path: a wrong guess makes pods that never get ready), or one that is
// safe only after another change (a second replica of a pod with a ReadWriteOnce volume).
func k8sSnippetFix(desc string, patch ymap) *Fix {
	f := k8sFix(desc, patch)
	f.snippetOnly()
	return f
}

// k8sNewObjectFix wraps a patch that creates an object (a PodDisruptionBudget): --fix
// writes it as a new document after the object the finding is about.
func k8sNewObjectFix(desc string, patch ymap) *Fix {
	f := k8sFix(desc, patch)
	f.newObject = true
	return f
}

// scalarEdit replaces the value at pos (a single-line scalar) with s.
func scalarEdit(pos parsers.Pos, s string) []Edit {
	if !pos.IsValid() || pos.EndOffset <= pos.Offset {
		return nil
	}
	return []Edit{{File: pos.File, Start: int(pos.Offset), End: int(pos.EndOffset), New: s}}
}
