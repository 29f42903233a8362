// Package k8s reads Kubernetes manifests into the no502 model: workloads with their
// probes and shutdown settings, Services, autoscalers and disruption budgets linked to
// them, and the Ingress controllers, Gateway routes and AWS load balancers in front of
// them as hops.
//
// Each document is decoded once into a yaml.Node tree (go.yaml.in/yaml/v3), which keeps
// positions; readers walk the nodes for the few fields no502 needs. Aliases are resolved
// at most one level, so alias bombs stay cheap.
package k8s

import (
	"strings"

	"github.com/no502/no502/parsers"
)

// builder holds what one Parse call has read so far.
type builder struct {
	m           *parsers.Model
	services    map[string]*parsers.Service // namespace/name
	serviceObjs map[*parsers.Service]*object

	nginxCfg          *controllerConfig
	nginxCfgAmbiguous bool
	nginxKeyAnywhere  map[string]bool
	albGroupAttrs     map[string]annotation
	pdbs              []*parsers.PDB
	claimModes        map[string][]string // PersistentVolumeClaim namespace/name: accessModes
}

// Parse reads every Kubernetes file of a run and returns the model.
func Parse(inputs []parsers.Input, opts parsers.Options) *parsers.Model {
	m := &parsers.Model{}
	b := &builder{m: m, services: map[string]*parsers.Service{}, serviceObjs: map[*parsers.Service]*object{},
		nginxKeyAnywhere: map[string]bool{}, albGroupAttrs: map[string]annotation{}, claimModes: map[string][]string{}}

	charts := map[string]bool{}
	p := &pending{classes: map[string]string{}, deployments: map[string]*parsers.Workload{}}
	arena := &fastArena{}
	for _, in := range inputs {
		file := &parsers.File{Path: in.Path, Format: parsers.FormatK8s, Src: in.Src}
		m.Files = append(m.Files, file)
		if chart := helmChart(in.Path, in.Src); chart != "" {
			if !charts[chart] {
				charts[chart] = true
				m.Diags = append(m.Diags, parsers.Notef(parsers.Pos{File: in.Path, Line: 1, Col: 1},
					"skipped Helm chart templates under %s/templates: render them first (helm template) to lint the manifests", chart))
			}
			continue
		}
		// Read each file's objects right away and keep node trees only for the few kinds
		// linked later, so the trees of a large run do not all stay alive at once.
		for _, o := range decodeFile(newSource(in.Path, in.Src), opts.Documents(), &m.Diags, arena, &file.Rendered) {
			b.add(o, p)
		}
	}
	resolveWorkloadRefs(m, p)
	b.link(p.hpas)
	for _, w := range m.Workloads {
		for _, c := range w.Claims {
			c.AccessModes = b.claimModes[w.Namespace+"/"+c.Name]
		}
	}
	for _, o := range p.ingresses {
		for _, ip := range o.paths {
			if svc := b.services[o.namespace+"/"+ip.svc]; svc != nil {
				svc.Ingressed = true
			}
		}
		switch controllerOf(o, p.classes) {
		case ctrlNginx:
			m.Hops = append(m.Hops, b.nginxHop(o))
		case ctrlALB:
			m.Hops = append(m.Hops, b.albHop(o))
		}
	}
	for _, o := range p.nlbs {
		svc := b.services[o.namespace+"/"+o.name]
		m.Hops = append(m.Hops, b.nlbHop(o, svc))
	}
	for _, o := range p.routes {
		m.Hops = append(m.Hops, b.gatewayHop(o))
	}
	for _, o := range p.tgbs {
		b.targetGroupBinding(o)
	}
	return m
}

// pending holds what can only be read once every file has been: objects that link to
// Services and controller configs in other files.
type pending struct {
	hpas                          []*hpa
	deployments                   map[string]*parsers.Workload // namespace/name
	rolloutRefs                   []rolloutRef
	ingresses, routes, tgbs, nlbs []*object
	classes                       map[string]string
}

// add reads one object into the model, or keeps it for after the last file.
func (b *builder) add(o *object, p *pending) {
	m := b.m
	switch {
	case workloadKinds[o.kind] && isCoreGroup(o) && !isHelmHook(o):
		w := readWorkload(o)
		m.Workloads = append(m.Workloads, w)
		if o.kind == "Deployment" {
			p.deployments[o.namespace+"/"+o.name] = w
		}
	case o.kind == "Rollout" && strings.HasPrefix(o.apiVersion, "argoproj.io/"):
		w := readWorkload(o)
		m.Workloads = append(m.Workloads, w)
		if ref := str(o.node, "spec", "workloadRef", "name"); ref != "" {
			p.rolloutRefs = append(p.rolloutRefs, rolloutRef{w, ref})
		}
	case o.kind == "Service" && o.apiVersion == "v1":
		svc := readService(o)
		m.Services = append(m.Services, svc)
		b.services[o.namespace+"/"+o.name] = svc
		b.serviceObjs[svc] = o
		if isNLB(o, svc) {
			p.nlbs = append(p.nlbs, o)
		} else {
			o.node = nil // only its annotations are needed later
		}
	case o.kind == "HorizontalPodAutoscaler":
		p.hpas = append(p.hpas, readHPA(o))
		o.node = nil
	case o.kind == "PodDisruptionBudget":
		b.pdbs = append(b.pdbs, readPDB(o))
	case o.kind == "ConfigMap" && o.apiVersion == "v1":
		if cc := readConfigMap(o, m); cc != nil {
			o.node = nil
			b.addNginxConfig(cc)
		}
	case o.kind == "Ingress":
		o.class = str(o.node, "spec", "ingressClassName")
		o.paths = readIngressPaths(o)
		o.node = nil
		p.ingresses = append(p.ingresses, o)
		if g := o.annotations[albPrefix+"group.name"].value; g != "" {
			if a, ok := o.annotations[albPrefix+"load-balancer-attributes"]; ok {
				b.albGroupAttrs[g] = a
			}
		}
	case o.kind == "PersistentVolumeClaim" && o.apiVersion == "v1":
		modes := strList(val(o.node, "spec", "accessModes"))
		if modes == nil {
			modes = []string{} // listed without modes: known, and not shareable
		}
		b.claimModes[o.namespace+"/"+o.name] = modes
	case o.kind == "IngressClass":
		p.classes[o.name] = ingressClassController(o)
	case o.kind == "HTTPRoute" && strings.HasPrefix(o.apiVersion, "gateway.networking.k8s.io/"):
		p.routes = append(p.routes, o)
	case o.kind == "TargetGroupBinding" && strings.HasPrefix(o.apiVersion, "elbv2.k8s.aws/"):
		p.tgbs = append(p.tgbs, o)
	}
}

// isHelmHook reports whether o is a Helm hook (annotated helm.sh/hook): helm creates it
// at a point of a release's life (helm test's client pod, a pre-install Job) and it is
// no part of what serves the release's traffic, even when its labels match a Service's
// selector (the test pod of every `helm create` chart carries the app's labels).
func isHelmHook(o *object) bool {
	_, ok := o.annotations["helm.sh/hook"]
	return ok
}

// isCoreGroup keeps workload kinds of the core and apps groups (a CRD may reuse a name
// such as Deployment in another group).
func isCoreGroup(o *object) bool {
	switch o.apiVersion {
	case "v1", "apps/v1", "apps/v1beta1", "apps/v1beta2", "extensions/v1beta1":
		return true
	}
	return false
}

// addNginxConfig records an ingress-nginx controller ConfigMap. With two or more, which
// one serves a given Ingress is not known: their keys become unknown.
func (b *builder) addNginxConfig(cc *controllerConfig) {
	for k := range cc.keys {
		b.nginxKeyAnywhere[k] = true
	}
	if b.nginxCfg != nil {
		b.nginxCfgAmbiguous = true
		return
	}
	b.nginxCfg = cc
}
