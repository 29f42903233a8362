package k8s

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// A Patch is a YAML fragment with its parent keys that applies as a strategic merge
// patch (kubectl patch --type strategic --patch-file). It names the object it patches
// (apiVersion, kind, metadata.name/namespace) so that it reads on its own; those fields
// match the object, so they do not change it. Lists of containers merge by name.
//
// A Patch is an ordered mapping: values are Patch, []Patch (a list of mappings), string
// (written as given: Quote a string value), int, or nil (null: delete the key).
type Patch []KV

// KV is one key of a Patch and its value.
type KV struct {
	K string
	V any
}

// Set returns m with k set to v (appended: keys keep the order they are set in).
func (m Patch) Set(k string, v any) Patch { return append(m, KV{k, v}) }

// Text writes m as block YAML indented by two spaces.
func (m Patch) Text() string {
	var b strings.Builder
	writeMap(&b, m, 0, "")
	return b.String()
}

func writeMap(b *strings.Builder, m Patch, indent int, first string) {
	pad := strings.Repeat(" ", indent)
	for i, kv := range m {
		p := pad
		if i == 0 && first != "" {
			p = first
		}
		switch v := kv.V.(type) {
		case Patch:
			fmt.Fprintf(b, "%s%s:\n", p, kv.K)
			writeMap(b, v, indent+2, "")
		case []Patch:
			fmt.Fprintf(b, "%s%s:\n", p, kv.K)
			for _, it := range v {
				writeMap(b, it, indent+4, pad+"  - ")
			}
		case nil:
			fmt.Fprintf(b, "%s%s: null\n", p, kv.K)
		case int:
			fmt.Fprintf(b, "%s%s: %d\n", p, kv.K, v)
		case string:
			fmt.Fprintf(b, "%s%s: %s\n", p, kv.K, v)
		}
	}
}

// Quote writes s as a YAML double-quoted string.
func Quote(s string) string { return strconv.Quote(s) }

// apiVersionOf names the API group of the kinds no502 patches.
func apiVersionOf(kind string) string {
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet":
		return "apps/v1"
	case "HorizontalPodAutoscaler":
		return "autoscaling/v2"
	case "Rollout":
		return "argoproj.io/v1alpha1"
	case "ScaledObject":
		return "keda.sh/v1alpha1"
	case "HTTPScaledObject":
		return "http.keda.sh/v1alpha1"
	case "PodDisruptionBudget":
		return "policy/v1"
	case "Ingress":
		return "networking.k8s.io/v1"
	case "HTTPRoute":
		return "gateway.networking.k8s.io/v1"
	}
	return "v1"
}

// ObjectPatch is the header of a patch for one object, followed by body.
func ObjectPatch(kind, namespace, name string, body ...KV) Patch {
	md := Patch{}.Set("name", name)
	if namespace != "" {
		md = md.Set("namespace", namespace)
	}
	var rest []KV
	for _, kv := range body {
		if extra, ok := kv.V.(Patch); ok && kv.K == "metadata" {
			md = append(md, extra...) // annotations go beside the name
			continue
		}
		rest = append(rest, kv)
	}
	m := Patch{}.Set("apiVersion", apiVersionOf(kind)).Set("kind", kind).Set("metadata", md)
	return append(m, rest...)
}

// PodSpecPatch patches a workload's pod spec: spec.template.spec, or spec for a Pod.
// A Rollout that takes its template from a Deployment (workloadRef) is patched there.
func PodSpecPatch(w *parsers.Workload, podSpec Patch) Patch {
	if w.Kind == "Pod" {
		return ObjectPatch(string(w.Kind), w.Namespace, w.Name, KV{"spec", podSpec})
	}
	kind, ns, name := string(w.Kind), w.Namespace, w.Name
	if o := w.TemplateOwner; o != nil {
		kind, ns, name = o.Kind, o.Namespace, o.Name
	}
	return ObjectPatch(kind, ns, name, KV{"spec", Patch{}.Set("template", Patch{}.Set("spec", podSpec))})
}

// ContainerPatch patches one container (merged by name) and, optionally, pod-level
// fields given in extra.
func ContainerPatch(w *parsers.Workload, c *parsers.Container, fields Patch, extra ...KV) Patch {
	ct := append(Patch{}.Set("name", c.Name), fields...)
	ps := append(Patch{}, extra...)
	ps = ps.Set("containers", []Patch{ct})
	return PodSpecPatch(w, ps)
}

// ReplaceScalar replaces the value at pos (a single-line scalar whose span the model
// holds) with s, a YAML value as written (Quote a string).
func ReplaceScalar(pos parsers.Pos, s string) []parsers.Edit {
	if !pos.IsValid() || pos.EndOffset <= pos.Offset {
		return nil
	}
	return []parsers.Edit{{File: pos.File, Start: int(pos.Offset), End: int(pos.EndOffset), New: s}}
}

// FlowList writes a YAML flow sequence of quoted strings.
func FlowList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// ScalarValue reads the single-line scalar whose span the model holds (a setting's
// value, at) from src: the value as YAML decodes it, quotes removed.
func ScalarValue(src []byte, at parsers.Pos) (string, bool) {
	s, e := int(at.Offset), int(at.EndOffset)
	if s < 0 || e > len(src) || s >= e {
		return "", false
	}
	var v string
	if yaml.Unmarshal(src[s:e], &v) != nil {
		return "", false
	}
	return v, true
}

// EntryAt reads the mapping entry whose value is the single-line scalar at value (a
// setting's span): its key and its value as YAML decodes them. The key is read from the
// text before the value, on its line or, when the value starts a line, on the one above.
func EntryAt(src []byte, value parsers.Pos) (key, val string, ok bool) {
	val, ok = ScalarValue(src, value)
	if !ok {
		return "", "", false
	}
	off := int(value.Offset)
	ls := bytes.LastIndexByte(src[:off], '\n') + 1
	pre := strings.TrimSpace(string(src[ls:off]))
	if pre == "" && ls > 0 {
		prev := bytes.LastIndexByte(src[:ls-1], '\n') + 1
		pre = strings.TrimSpace(string(src[prev : ls-1]))
	}
	pre = strings.TrimLeft(pre, "- ")
	if !strings.HasSuffix(pre, ":") {
		return "", "", false
	}
	if yaml.Unmarshal([]byte(strings.TrimSpace(strings.TrimSuffix(pre, ":"))), &key) != nil || key == "" {
		return "", "", false
	}
	return key, val, true
}
