package k8s

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// workloadKinds are the kinds whose pods can serve traffic. Job and CronJob run to
// completion and are never behind a Service in a way that matters here: skipped.
var workloadKinds = map[string]bool{
	"Deployment": true, "StatefulSet": true, "DaemonSet": true, "ReplicaSet": true, "Pod": true,
	"ReplicationController": true,
}

// Kubernetes defaults (../shared/reference/defaults.md, "Kubernetes": K8S-CORE, K8S-APPS).
const (
	defGrace      = 30 * time.Second
	defPeriod     = 10 * time.Second
	defTimeout    = 1 * time.Second
	defFailure    = 3
	defSuccess    = 1
	defReplicas   = 1
	defMaxUnavail = "25%"
	defMaxSurge   = "25%"
)

// readWorkload builds a Workload from a workload object.
func readWorkload(o *object) *parsers.Workload {
	s := o.src
	w := &parsers.Workload{
		Kind:       parsers.WorkloadKind(o.kind),
		Format:     parsers.FormatK8s,
		Name:       o.name,
		Namespace:  o.namespace,
		APIVersion: o.apiVersion,
		Pos:        o.pos,
		Block:      o.block,
	}
	spec := val(o.node, "spec")
	pod := val(spec, "template", "spec")
	w.Labels = strMap(val(spec, "template", "metadata", "labels"))
	if o.kind == "Pod" {
		pod = spec
		w.Labels = strMap(val(o.node, "metadata", "labels"))
	}

	switch w.Kind {
	case parsers.Deployment, parsers.StatefulSet, parsers.ReplicaSet, parsers.ReplicationController:
		w.Replicas = intSetting(s, spec, "replicas", defReplicas, "Kubernetes default replicas 1")
	case parsers.Rollout:
		w.Replicas = intSetting(s, spec, "replicas", defReplicas, "Argo Rollouts default replicas 1")
		readRolloutStrategy(s, val(spec, "strategy"), w)
	case parsers.Pod:
		w.Replicas = parsers.Def(1, "a bare Pod is a single replica")
	}
	if o.kind == "Deployment" {
		st := val(spec, "strategy")
		w.Strategy = strSetting(s, st, "type", "RollingUpdate", "Kubernetes default strategy RollingUpdate")
		if w.Strategy.Value == "RollingUpdate" {
			ru := val(st, "rollingUpdate")
			w.MaxUnavailable = strSetting(s, ru, "maxUnavailable", defMaxUnavail, "Kubernetes default maxUnavailable 25%")
			w.MaxSurge = strSetting(s, ru, "maxSurge", defMaxSurge, "Kubernetes default maxSurge 25%")
		}
	}
	if o.kind == "StatefulSet" {
		// RollingUpdate (the default) deletes each pod before creating its replacement;
		// OnDelete replaces a pod only when someone deletes it. apps/v1
		// StatefulSetUpdateStrategy.
		w.Strategy = strSetting(s, val(spec, "updateStrategy"), "type", "RollingUpdate", "Kubernetes default updateStrategy RollingUpdate")
	}
	if o.kind == "DaemonSet" {
		// A DaemonSet replaces its pods node by node: maxUnavailable (default 1; a
		// percentage of the nodes, rounded up) at a time, or with maxSurge (default 0)
		// the new pod first. apps/v1 RollingUpdateDaemonSet.
		st := val(spec, "updateStrategy")
		w.Strategy = strSetting(s, st, "type", "RollingUpdate", "Kubernetes default updateStrategy RollingUpdate")
		if w.Strategy.Value == "RollingUpdate" {
			ru := val(st, "rollingUpdate")
			w.MaxUnavailable = strSetting(s, ru, "maxUnavailable", "1", "Kubernetes default DaemonSet maxUnavailable 1")
			w.MaxSurge = strSetting(s, ru, "maxSurge", "0", "Kubernetes default DaemonSet maxSurge 0")
		}
	}
	w.Mesh = podMesh(val(spec, "template", "metadata"))
	w.MeshInbound = podMeshInbound(val(spec, "template", "metadata"))
	if o.kind == "Pod" {
		w.Mesh = podMesh(val(o.node, "metadata"))
		w.MeshInbound = podMeshInbound(val(o.node, "metadata"))
	}
	w.HostNetwork = str(pod, "hostNetwork") == "true"
	w.TerminationGrace = secondsSetting(s, pod, "terminationGracePeriodSeconds", defGrace, "Kubernetes default terminationGracePeriodSeconds 30")
	for _, c := range items(val(pod, "containers")) {
		if c.Kind == yaml.MappingNode {
			w.Containers = append(w.Containers, readContainer(s, c))
		}
	}
	for _, c := range items(val(pod, "initContainers")) {
		if c.Kind == yaml.MappingNode && str(c, "restartPolicy") == "Always" {
			w.NativeSidecars = append(w.NativeSidecars, readContainer(s, c))
		}
	}
	cmVolumes := map[string]string{} // volume name → "ns/name", for volumeMounts
	for _, v := range items(val(pod, "volumes")) {
		if n := str(v, "configMap", "name"); n != "" {
			w.ConfigMaps = append(w.ConfigMaps, o.namespace+"/"+n)
			if val(val(v, "configMap"), "items") == nil {
				// items remap keys to other paths: where each lands is not followed.
				cmVolumes[str(v, "name")] = o.namespace + "/" + n
			}
		}
		if cn, node := get(val(v, "persistentVolumeClaim"), "claimName"); cn != nil && node != nil && node.Kind == yaml.ScalarNode && node.Value != "" {
			w.Claims = append(w.Claims, &parsers.Claim{Name: node.Value, Pos: s.pos(node)})
		}
	}
	readConfigMapMounts(pod, w, cmVolumes)
	return w
}

// podMesh reads a pod's own choice of a service-mesh proxy: Istio's
// sidecar.istio.io/inject (label or annotation) or istio.io/rev label, Linkerd's
// linkerd.io/inject annotation. "none" when the pod opts out (its Namespace's injection
// then does not apply), "" when it says nothing.
// https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/#controlling-the-injection-policy;
// https://linkerd.io/2/features/proxy-injection/
func podMesh(md *yaml.Node) string {
	for _, key := range []string{"labels", "annotations"} {
		switch str(md, key, "sidecar.istio.io/inject") {
		case "true":
			return "istio"
		case "false":
			return "none"
		}
	}
	switch str(md, "annotations", "linkerd.io/inject") {
	case "enabled", "ingress":
		return "linkerd"
	case "disabled":
		return "none"
	}
	if str(md, "labels", "istio.io/rev") != "" {
		return "istio"
	}
	return ""
}

// podMeshInbound reads the pod annotations that change which inbound ports a mesh proxy
// takes: Istio's traffic.sidecar.istio.io/excludeInboundPorts (ports not redirected to
// the sidecar) and includeInboundPorts ("*": all, the default; a list: only those; "":
// none), Linkerd's config.linkerd.io/skip-inbound-ports (not redirected to the proxy)
// and opaque-ports (proxied as plain TCP). nil when none is written.
// https://istio.io/latest/docs/reference/config/annotations/;
// https://linkerd.io/2/reference/proxy-configuration/,
// https://linkerd.io/2/features/protocol-detection/
func podMeshInbound(md *yaml.Node) *parsers.MeshInbound {
	var out *parsers.MeshInbound
	// read returns the ranges written under key, whether it is written, and whether its
	// value was read; an unread value (a port name) stays out of every list.
	read := func(mesh, key string, star bool) ([]parsers.PortRange, bool) {
		n := val(md, "annotations", key)
		if n == nil || n.Kind != yaml.ScalarNode {
			return nil, false
		}
		if out == nil {
			out = &parsers.MeshInbound{Said: map[string][]string{}}
		}
		out.Said[mesh] = append(out.Said[mesh], fmt.Sprintf("%s: %q", key, n.Value))
		v := strings.TrimSpace(n.Value)
		if star && v == "*" {
			return nil, false
		}
		rs, ok := portRanges(v)
		return rs, ok
	}
	exclude, _ := read("istio", "traffic.sidecar.istio.io/excludeInboundPorts", false)
	include, includeSet := read("istio", "traffic.sidecar.istio.io/includeInboundPorts", true)
	skip, _ := read("linkerd", "config.linkerd.io/skip-inbound-ports", false)
	opaque, _ := read("linkerd", "config.linkerd.io/opaque-ports", false)
	if out != nil {
		out.IstioExclude, out.IstioInclude, out.IstioIncludeSet = exclude, include, includeSet
		out.LinkerdSkip, out.LinkerdOpaque = skip, opaque
	}
	return out
}

// linkerdInheritedKeys are the Linkerd proxy configuration annotations that change
// which inbound ports the proxy takes, and that a pod inherits from its Namespace.
// Linkerd's proxy injector reads a pod's config.linkerd.io/* annotations over its
// Namespace's: the Namespace's annotations are copied first and the pod's written over
// them, key by key (applyAnnotationOverrides, linkerd/linkerd2 pkg/inject/inject.go;
// https://linkerd.io/2/reference/proxy-configuration/: "can be set on a namespace,
// pod spec or workload pod template"). A key the pod writes, even "", is the pod's.
var linkerdInheritedKeys = []string{"config.linkerd.io/skip-inbound-ports", "config.linkerd.io/opaque-ports"}

// namespaceLinkerdConfig reads a Namespace's linkerdInheritedKeys, as written (scalars
// only); nil when it writes none.
func namespaceLinkerdConfig(md *yaml.Node) map[string]string {
	var out map[string]string
	for _, key := range linkerdInheritedKeys {
		if n := val(md, "annotations", key); n != nil && n.Kind == yaml.ScalarNode {
			if out == nil {
				out = map[string]string{}
			}
			out[key] = n.Value
		}
	}
	return out
}

// inheritLinkerdConfig gives w (whose pods run the Linkerd proxy) the inbound port
// annotations of its Namespace (ns, namespaceLinkerdConfig) that its pod template does
// not write. Each is said with where it is written, for messages; a value that is not
// a list of ports (a port name) is said and not read, as on a pod.
func inheritLinkerdConfig(w *parsers.Workload, ns map[string]string) {
	if len(ns) == 0 {
		return
	}
	mi := w.MeshInbound
	for _, key := range linkerdInheritedKeys {
		v, ok := ns[key]
		if !ok || podWrites(mi, key) {
			continue
		}
		if mi == nil {
			mi = &parsers.MeshInbound{Said: map[string][]string{}}
		} else {
			cp := *mi // the pod's own, kept as read
			cp.Said = maps.Clone(mi.Said)
			mi = &cp
		}
		mi.Said["linkerd"] = append(slices.Clip(mi.Said["linkerd"]), fmt.Sprintf("%s: %q on Namespace %s", key, v, w.Namespace))
		rs, ok := portRanges(strings.TrimSpace(v))
		if !ok {
			continue
		}
		switch key {
		case "config.linkerd.io/skip-inbound-ports":
			mi.LinkerdSkip = rs
		case "config.linkerd.io/opaque-ports":
			mi.LinkerdOpaque = rs
		}
	}
	w.MeshInbound = mi
}

// podWrites reports whether the pod annotations mi was read from write key (the
// annotations said, as podMeshInbound says them: `key: "value"`).
func podWrites(mi *parsers.MeshInbound, key string) bool {
	if mi == nil {
		return false
	}
	for _, s := range mi.Said["linkerd"] {
		if strings.HasPrefix(s, key+": ") {
			return true
		}
	}
	return false
}

// portRanges reads a comma-separated list of ports and ranges ("8080, 9000-9010"); ok
// is false when an item is anything else (a port name).
func portRanges(v string) ([]parsers.PortRange, bool) {
	var out []parsers.PortRange
	if v == "" {
		return nil, true
	}
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		from, to, isRange := strings.Cut(item, "-")
		a, err1 := strconv.Atoi(from)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(to)
		}
		if err1 != nil || err2 != nil || a < 1 || b < a || b > 65535 {
			return nil, false
		}
		out = append(out, parsers.PortRange{From: a, To: b})
	}
	return out, true
}

// namespaceMesh reads a Namespace's injection: Istio's istio-injection: enabled or
// istio.io/rev label, Linkerd's linkerd.io/inject: enabled annotation.
func namespaceMesh(md *yaml.Node) string {
	if str(md, "labels", "istio-injection") == "enabled" {
		return "istio"
	}
	if str(md, "labels", "istio-injection") == "" && str(md, "labels", "istio.io/rev") != "" {
		return "istio"
	}
	if str(md, "annotations", "linkerd.io/inject") == "enabled" {
		return "linkerd"
	}
	return ""
}

// readConfigMapMounts records where each container mounts the pod's ConfigMap volumes.
func readConfigMapMounts(pod *yaml.Node, w *parsers.Workload, cmVolumes map[string]string) {
	if len(cmVolumes) == 0 {
		return
	}
	i := 0
	for _, c := range items(val(pod, "containers")) {
		if c.Kind != yaml.MappingNode {
			continue
		}
		if i >= len(w.Containers) {
			return
		}
		ct := w.Containers[i]
		i++
		for _, vm := range items(val(c, "volumeMounts")) {
			if cm, ok := cmVolumes[str(vm, "name")]; ok && str(vm, "mountPath") != "" {
				ct.ConfigMapMounts = append(ct.ConfigMapMounts, parsers.ConfigMapMount{ConfigMap: cm, Path: str(vm, "mountPath"), SubPath: str(vm, "subPath")})
			}
		}
	}
}

// readContainer reads the fields of one container that drain and health rules need.
func readContainer(s *source, c *yaml.Node) *parsers.Container {
	ct := &parsers.Container{
		Name:    str(c, "name"),
		Pos:     s.pos(c),
		Image:   str(c, "image"),
		Command: strList(val(c, "command")),
		Args:    strList(val(c, "args")),
	}
	for _, e := range items(val(c, "env")) {
		_, v := get(e, "value")
		name := str(e, "name")
		if name == "" {
			continue
		}
		if ct.Env == nil {
			ct.Env = map[string]parsers.Setting[string]{}
		}
		switch {
		case v != nil && v.Kind == yaml.ScalarNode:
			ct.Env[name] = parsers.Set(v.Value, s.pos(v), name+"="+v.Value)
		case val(e, "valueFrom") != nil:
			// From a ConfigMap or Secret key, a field of the pod: not known here.
			ct.Env[name] = parsers.Setting[string]{Pos: s.pos(e), Text: name + " (valueFrom)", Unknown: true}
		default:
			ct.Env[name] = parsers.Set("", s.pos(e), name+"=") // no value: the empty string
		}
	}
	for _, e := range items(val(c, "envFrom")) {
		src := parsers.EnvFromSource{ConfigMap: str(e, "configMapRef", "name"), Secret: str(e, "secretRef", "name"), Prefix: str(e, "prefix"), Pos: s.pos(e)}
		if src.ConfigMap == "" && src.Secret == "" {
			src.Secret = "?" // a source this parser does not read: unknown
		}
		ct.EnvFrom = append(ct.EnvFrom, src)
	}
	for _, p := range items(val(c, "ports")) {
		n, _ := atoi(val(p, "containerPort"))
		proto := str(p, "protocol")
		if proto == "" {
			proto = "TCP"
		}
		hp, _ := atoi(val(p, "hostPort"))
		ct.Ports = append(ct.Ports, parsers.ContainerPort{Name: str(p, "name"), Port: n, Protocol: proto, Pos: s.pos(p), HostPort: hp})
	}
	if argNodes := append(items(val(c, "command")), items(val(c, "args"))...); len(argNodes) == len(ct.Command)+len(ct.Args) {
		for _, n := range argNodes {
			ct.ArgPos = append(ct.ArgPos, s.argPos(n))
		}
	}
	readPreStop(s, c, ct)
	ct.Readiness = readProbe(s, c, "readinessProbe")
	ct.Liveness = readProbe(s, c, "livenessProbe")
	ct.Startup = readProbe(s, c, "startupProbe")
	return ct
}

// intSetting reads an integer field of m, or its default. A value that is not an integer
// (a template expression) is Unknown.
func intSetting(s *source, m *yaml.Node, key string, def int, defText string) parsers.Setting[int] {
	k, v := get(m, key)
	if v == nil || isNull(v) {
		return parsers.Def(def, defText)
	}
	n, ok := atoi(v)
	st := parsers.Set(n, s.pos(v), s.text(k, v))
	st.Unknown = !ok
	return st
}

// secondsSetting reads an integer *Seconds field as a duration.
func secondsSetting(s *source, m *yaml.Node, key string, def time.Duration, defText string) parsers.Duration {
	k, v := get(m, key)
	if v == nil || isNull(v) {
		return parsers.Def(def, defText)
	}
	n, ok := atoi(v)
	st := parsers.Set(time.Duration(n)*time.Second, s.pos(v), s.text(k, v))
	st.Unknown = !ok || n < 0
	return st
}

// strSetting reads a scalar field (strings and int-or-percent values) or its default.
func strSetting(s *source, m *yaml.Node, key, def, defText string) parsers.Setting[string] {
	k, v := get(m, key)
	if v == nil || isNull(v) {
		return parsers.Def(def, defText)
	}
	st := parsers.Set(v.Value, s.pos(v), s.text(k, v))
	st.Unknown = v.Kind != yaml.ScalarNode
	return st
}

// readRolloutStrategy reads an Argo Rollout's strategy: canary replaces pods within
// maxUnavailable/maxSurge (both 25% by default, as a Deployment's rolling update);
// blueGreen brings the new pods up in full before traffic moves, so it never has fewer
// pods serving than before.
// https://argo-rollouts.readthedocs.io/en/stable/features/specification/
func readRolloutStrategy(s *source, st *yaml.Node, w *parsers.Workload) {
	if c := val(st, "canary"); c != nil {
		if val(c, "trafficRouting") != nil {
			// With traffic routing the controller leaves the stable ReplicaSet at full
			// scale until the canary is promoted, and maxSurge/maxUnavailable do not
			// apply (argoproj/argo-rollouts discussion 2237; features/canary,
			// "Dynamic Stable Scale"): new pods come before old ones go, as in a
			// blue-green. dynamicStableScale: true scales the stable pods down as the
			// canary's weight grows, by steps the manifest does not bound: unknown.
			if str(c, "dynamicStableScale") == "true" {
				w.Strategy = parsers.Setting[string]{Unknown: true}
				return
			}
			w.Strategy = parsers.Set("CanaryTrafficRouting", s.pos(c), "strategy: canary with trafficRouting")
			return
		}
		w.Strategy = parsers.Set("Canary", s.pos(c), "strategy: canary")
		w.MaxUnavailable = strSetting(s, c, "maxUnavailable", defMaxUnavail, "Argo Rollouts default canary maxUnavailable 25%")
		w.MaxSurge = strSetting(s, c, "maxSurge", defMaxSurge, "Argo Rollouts default canary maxSurge 25%")
		return
	}
	if bg := val(st, "blueGreen"); bg != nil {
		w.Strategy = parsers.Set("BlueGreen", s.pos(bg), "strategy: blueGreen")
		return
	}
	w.Strategy = parsers.Setting[string]{Unknown: true}
}

// rolloutRef is a Rollout whose pod template is a Deployment's (spec.workloadRef).
type rolloutRef struct {
	w    *parsers.Workload
	name string
}

// resolveWorkloadRefs gives each Rollout with a workloadRef the pods of the Deployment it
// names: containers, labels and grace period, with their positions in the Deployment
// (where fixes to the template are written). Argo Rollouts scales that Deployment down,
// so it is not a workload of its own any more.
func resolveWorkloadRefs(m *parsers.Model, p *pending) {
	if len(p.rolloutRefs) == 0 {
		return
	}
	drop := map[*parsers.Workload]bool{}
	for _, r := range p.rolloutRefs {
		d := p.deployments[r.w.Namespace+"/"+r.name]
		if d == nil {
			continue
		}
		r.w.Containers, r.w.Labels, r.w.TerminationGrace = d.Containers, d.Labels, d.TerminationGrace
		r.w.ConfigMaps, r.w.Claims = d.ConfigMaps, d.Claims
		r.w.TemplateOwner = &parsers.ObjectRef{Kind: string(d.Kind), Namespace: d.Namespace, Name: d.Name}
		drop[d] = true
	}
	if len(drop) == 0 {
		return
	}
	kept := m.Workloads[:0]
	for _, w := range m.Workloads {
		if !drop[w] {
			kept = append(kept, w)
		}
	}
	m.Workloads = kept
}

// argPos is where a command or args item is written. A literal block scalar of several
// lines (args: - |, a script) gets the span of its content instead, first line to last,
// with no end offset: its lines are the script's lines, so appserver places a flag on
// its own line (not at the "|" above it), and no fix takes the span for a value to
// replace. An explicit indentation indicator (|2) is left as written.
func (s *source) argPos(n *yaml.Node) parsers.Pos {
	p := s.pos(n)
	v := strings.TrimRight(n.Value, "\n")
	if n.Kind != yaml.ScalarNode || n.Style&yaml.LiteralStyle == 0 || !strings.Contains(v, "\n") {
		return p
	}
	if hdr := s.line(n.Line); n.Column >= 1 && n.Column <= len(hdr) && strings.ContainsAny(hdr[n.Column-1:], "123456789") {
		return p
	}
	line, indent := blockStart(s, n, n)
	if line == 0 {
		return p
	}
	return parsers.Pos{File: s.path, Line: int32(line), Col: int32(indent + 1), Offset: int32(s.offset(line, indent+1)),
		EndLine: int32(line + strings.Count(v, "\n"))}
}
