package k8s

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// hpa is a HorizontalPodAutoscaler (autoscaling/v1 and v2 share the fields read here).
type hpa struct {
	o          *object
	targetKind string
	targetName string
	min        parsers.Setting[int]
	max        parsers.Setting[int]
}

func readHPA(o *object) *hpa {
	spec := val(o.node, "spec")
	h := &hpa{o: o, targetKind: str(spec, "scaleTargetRef", "kind"), targetName: str(spec, "scaleTargetRef", "name")}
	k, v := get(spec, "minReplicas")
	if v == nil || isNull(v) {
		// Absent means 1. The setting still points at the HPA, the object to change.
		h.min = parsers.Setting[int]{Value: 1, Pos: o.pos, Text: "kind: HorizontalPodAutoscaler (no minReplicas: Kubernetes default 1)"}
	} else {
		n, ok := atoi(v)
		h.min = parsers.Set(n, o.src.pos(v), o.src.text(k, v))
		h.min.Unknown = !ok
	}
	mk, mv := get(spec, "maxReplicas")
	if n, ok := atoi(mv); ok {
		h.max = parsers.Set(n, o.src.pos(mv), o.src.text(mk, mv))
	}
	// Name the autoscaler, so messages and fixes can address it.
	note := "from HorizontalPodAutoscaler " + o.namespace + "/" + o.name
	origin := &parsers.Origin{Note: note}
	h.min.Origin, h.max.Origin = origin, origin
	return h
}

// readScaledObject reads a KEDA ScaledObject as the autoscaler it makes: KEDA creates and
// owns a HorizontalPodAutoscaler for its target (scaleTargetRef: kind Deployment unless
// said), with minReplicaCount as its floor (default 0: scaled to zero when idle) and
// maxReplicaCount its ceiling (default 100),
// https://keda.sh/docs/2.16/reference/scaledobject-spec/. A floor of 1 or more is known
// (hpa-min-replicas reports 1 at minReplicaCount, as it does an HPA's minReplicas: 1);
// scale to zero (the default 0, or idleReplicaCount) is a deliberate choice of the
// scaler, and a paused ScaledObject holds its count: both unknown, so the replica rules
// stay silent rather than count the Deployment's replicas field, which the HPA overrides.
func readScaledObject(o *object) *hpa {
	spec := val(o.node, "spec")
	h := &hpa{o: o, targetKind: str(spec, "scaleTargetRef", "kind"), targetName: str(spec, "scaleTargetRef", "name")}
	if h.targetKind == "" {
		h.targetKind = "Deployment"
	}
	note := "from ScaledObject " + o.namespace + "/" + o.name
	k, v := get(spec, "minReplicaCount")
	_, idle := get(spec, "idleReplicaCount")
	_, paused := o.annotations["autoscaling.keda.sh/paused"]
	_, pausedAt := o.annotations["autoscaling.keda.sh/paused-replicas"]
	// A floor of 1 is the HPA's minReplicas: 1, as an HPA's own (KEDA sets the HPA's
	// minReplicas to minReplicaCount when it is above 0), unless idleReplicaCount
	// scales the target to zero when idle or an annotation pauses the scaling.
	mk, mv := get(spec, "maxReplicaCount")
	h.kedaRange(o, [2]*yaml.Node{k, v}, [2]*yaml.Node{mk, mv}, idle == nil && !paused && !pausedAt,
		"kind: ScaledObject (no minReplicaCount: KEDA default 0)", note)
	return h
}

// kedaRange sets the floor and ceiling of a KEDA scaler (each given as its key and
// value nodes, nil when absent): a floor of 2 or more is known, and one of 1 when
// floorOne (nothing scales the target to zero or holds its count); any other floor is
// unknown, at the value or, unset, at the object with the text unset. An unset ceiling
// is KEDA's default 100.
func (h *hpa) kedaRange(o *object, floor, ceiling [2]*yaml.Node, floorOne bool, unset, note string) {
	k, v := floor[0], floor[1]
	if n, ok := atoi(v); ok && (n >= 2 || n == 1 && floorOne) {
		h.min = parsers.Set(n, o.src.pos(v), o.src.text(k, v))
	} else {
		pos, text := o.pos, unset
		if v != nil && !isNull(v) {
			pos, text = o.src.pos(v), o.src.text(k, v)
		}
		h.min = parsers.Setting[int]{Pos: pos, Text: text, Unknown: true}
	}
	mk, mv := ceiling[0], ceiling[1]
	if n, ok := atoi(mv); ok {
		h.max = parsers.Set(n, o.src.pos(mv), o.src.text(mk, mv))
	} else if mv == nil || isNull(mv) {
		h.max = parsers.Def(100, "KEDA default maxReplicaCount 100")
	}
	origin := &parsers.Origin{Note: note}
	h.min.Origin, h.max.Origin = origin, origin
}

// readHTTPScaledObject reads a KEDA HTTP add-on HTTPScaledObject as the autoscaler it
// makes: the add-on's operator creates a ScaledObject of the same name for its target,
// with minReplicaCount and maxReplicaCount from spec.replicas.min and .max (nil: KEDA's
// defaults 0 and 100) and the HTTPScaledObject's annotations (so KEDA's pause
// annotations apply), unless the annotation
// httpscaledobject.keda.sh/skip-scaledobject-creation is "true": then a ScaledObject of
// the user's scales the target, and this one none (nil). kedacore/http-add-on
// operator/controllers/http/scaled_object.go, docs/ref/v0.13.0/http_scaled_object.md.
// The target is scaleTargetRef.name and .kind (v0.8 on), or scaleTargetRef.deployment
// (earlier releases, which had no replicas and always scaled to zero when idle).
func readHTTPScaledObject(o *object) *hpa {
	if strings.EqualFold(strings.TrimSpace(o.annotations["httpscaledobject.keda.sh/skip-scaledobject-creation"].value), "true") {
		return nil
	}
	spec := val(o.node, "spec")
	h := &hpa{o: o, targetKind: str(spec, "scaleTargetRef", "kind"), targetName: str(spec, "scaleTargetRef", "name")}
	if h.targetName == "" {
		h.targetName = str(spec, "scaleTargetRef", "deployment")
	}
	if h.targetKind == "" {
		h.targetKind = "Deployment"
	}
	note := "from HTTPScaledObject " + o.namespace + "/" + o.name
	reps := val(spec, "replicas")
	k, v := get(reps, "min")
	_, paused := o.annotations["autoscaling.keda.sh/paused"]
	_, pausedAt := o.annotations["autoscaling.keda.sh/paused-replicas"]
	mk, mv := get(reps, "max")
	h.kedaRange(o, [2]*yaml.Node{k, v}, [2]*yaml.Node{mk, mv}, !paused && !pausedAt,
		"kind: HTTPScaledObject (no replicas.min: KEDA default minReplicaCount 0)", note)
	return h
}

// readPDB reads a PodDisruptionBudget (policy/v1 and v1beta1).
func readPDB(o *object) *parsers.PDB {
	spec := val(o.node, "spec")
	p := &parsers.PDB{Name: o.name, Namespace: o.namespace, Pos: o.pos, Selector: readSelector(val(spec, "selector"))}
	// policy/v1 made an empty selector ({}) select every pod of the namespace; in
	// policy/v1beta1 it selects none, as a null one does in both
	// (https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/pod-disruption-budget-v1/#PodDisruptionBudgetSpec).
	if sel := p.Selector; sel != nil && o.apiVersion == "policy/v1" && val(spec, "selector").Kind == yaml.MappingNode &&
		len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 && emptyOrAbsent(val(spec, "selector", "matchLabels")) && emptyOrAbsent(val(spec, "selector", "matchExpressions")) {
		sel.All = true
	}
	p.MinAvailable = optString(o.src, spec, "minAvailable")
	p.MaxUnavailable = optString(o.src, spec, "maxUnavailable")
	return p
}

// emptyOrAbsent reports whether n is absent, null, or an empty mapping or list: a
// selector field that selects by nothing. A value this parser cannot read (a template
// expression) is not.
func emptyOrAbsent(n *yaml.Node) bool {
	return n == nil || isNull(n) || (n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode) && len(n.Content) == 0
}

// optString reads an optional scalar; the zero Setting when absent.
func optString(s *source, m *yaml.Node, key string) parsers.Setting[string] {
	k, v := get(m, key)
	if v == nil || isNull(v) || v.Kind != yaml.ScalarNode {
		return parsers.Setting[string]{}
	}
	return parsers.Set(v.Value, s.pos(v), s.text(k, v))
}
