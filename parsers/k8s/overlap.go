package k8s

import (
	"go.yaml.in/yaml/v3"
)

// handlerKeys are the fields of a probe or lifecycle hook of which Kubernetes accepts
// exactly one ("may not specify more than 1 handler type"): two definitions merged by a
// strategic merge patch, one with httpGet and one with exec, make an object the API
// server rejects.
var handlerKeys = []string{"exec", "httpGet", "tcpSocket", "grpc", "sleep"}

// Overlap reports where a patch of the object patch names, in this manifest (a
// workload written as a strategic-merge patch file is: patchLike), sets what the patch
// writes: the first such key path ("spec.template.spec.containers[web].readinessProbe"),
// or "" when the manifest holds no such object or it sets none of it. Such a definition is
// a Kustomize overlay's patch of a base object (or another copy of the object): kustomize
// merges it over the base, so a change the patch makes in the base is overridden there,
// or merged with it into something else (a probe with two handlers). Kind and name must
// match; a namespace only when both name one (an overlay's patch usually names none:
// kustomization.yaml sets it).
func (mf *Manifest) Overlap(patch Patch) string {
	if mf == nil {
		return ""
	}
	kind, _ := patchScalar(patch, "kind")
	md, _ := patchMap(patch, "metadata")
	name, _ := patchScalar(md, "name")
	ns, _ := patchScalar(md, "namespace")
	if kind == "" || name == "" {
		return ""
	}
	for _, d := range mf.docs {
		root := docRoot(d)
		if root == nil || scalarAt(root, "kind") != kind {
			continue
		}
		dmd := valueOf(root, "metadata")
		if scalarAt(dmd, "name") != name {
			continue
		}
		if dns := scalarAt(dmd, "namespace"); ns != "" && ns != "default" && dns != "" && dns != "default" && dns != ns {
			continue
		}
		if !patchLike(root) {
			continue
		}
		if p := overlap(patch, root, true); p != "" {
			return p
		}
	}
	return ""
}

// patchLike reports whether a workload is written as a strategic-merge patch file is:
// without spec.selector (apps/v1 requires it) and without the pod labels a selector
// needs. A whole workload is another copy of the object, as examples of one repository
// are (kustomize refuses two resources of one name), not a patch of it.
func patchLike(root *yaml.Node) bool {
	spec := valueOf(root, "spec")
	if valueOf(spec, "selector") != nil {
		return false
	}
	labels := valueOf(valueOf(valueOf(spec, "template"), "metadata"), "labels")
	if scalarAt(root, "kind") == "Pod" {
		labels = valueOf(valueOf(root, "metadata"), "labels")
	}
	return labels == nil
}

// overlap returns the first key path of patch that node (a mapping) also sets: a scalar
// or list both set, a mapping one sets where the other has a scalar, or a probe or hook
// given a handler where the other already has one. Lists of named items (containers)
// match by name; a list of other items is replaced by a patch, so any overlaps.
func overlap(patch Patch, node *yaml.Node, top bool) string {
	if node == nil || node.Kind != yaml.MappingNode {
		return ""
	}
	if handlerClash(patch, node) {
		return "handler"
	}
	for _, kv := range patch {
		if top && (kv.K == "apiVersion" || kv.K == "kind") {
			continue
		}
		o := valueOf(node, kv.K)
		if o == nil {
			continue
		}
		switch v := kv.V.(type) {
		case Patch:
			if top && kv.K == "metadata" {
				v = withoutKeys(v, "name", "namespace")
			}
			if o.Kind != yaml.MappingNode {
				return kv.K
			}
			if p := overlap(v, o, false); p != "" {
				if p == "handler" {
					return kv.K
				}
				return kv.K + "." + p
			}
		case []Patch:
			if o.Kind != yaml.SequenceNode {
				return kv.K
			}
			for _, it := range v {
				name, ok := patchScalar(it, "name")
				if !ok {
					return kv.K
				}
				for _, el := range o.Content {
					if scalarAt(el, "name") != name {
						continue
					}
					if p := overlap(withoutKeys(it, "name"), el, false); p != "" {
						if p == "handler" {
							return kv.K + "[" + name + "]"
						}
						return kv.K + "[" + name + "]." + p
					}
				}
			}
		default:
			return kv.K
		}
	}
	return ""
}

// handlerClash reports whether patch gives a probe or hook a handler while node, the
// same probe or hook in another definition, has one: merged, the object has two.
func handlerClash(patch Patch, node *yaml.Node) bool {
	mine, theirs := false, false
	for _, k := range handlerKeys {
		if _, ok := patchMap(patch, k); ok {
			mine = true
		}
		if valueOf(node, k) != nil {
			theirs = true
		}
	}
	return mine && theirs
}
