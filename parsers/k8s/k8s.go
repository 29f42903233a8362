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
	"path/filepath"
	"slices"
	"strings"

	"github.com/no502/no502/parsers"
	"go.yaml.in/yaml/v3"
)

// builder holds what one Parse call has read so far.
type builder struct {
	m           *parsers.Model
	services    map[string]*parsers.Service // namespace/name
	serviceObjs map[*parsers.Service]*object

	nginxCfg          *controllerConfig
	nginxCfgAmbiguous bool
	nginxKeyAnywhere  map[string]bool
	// nginxIngresses are the Ingresses ingress-nginx serves, where a canary finds its
	// main Ingress.
	nginxIngresses []*object
	albGroupAttrs  map[string]annotation
	pdbs           []*parsers.PDB
	claimModes     map[string][]string // PersistentVolumeClaim namespace/name: accessModes
	// configMapEnv holds each ConfigMap's data (namespace/name) for containers that read
	// it as environment variables (envFrom).
	configMapEnv map[string]map[string]parsers.Setting[string]
	// backendConfigs are GKE BackendConfig objects (namespace/name), which a Service's
	// cloud.google.com/backend-config annotation names for GKE's load balancer.
	backendConfigs map[string]*backendConfig
}

// Parse reads every Kubernetes file of a run and returns the model.
func Parse(inputs []parsers.Input, opts parsers.Options) *parsers.Model {
	m := &parsers.Model{}
	b := &builder{m: m, services: map[string]*parsers.Service{}, serviceObjs: map[*parsers.Service]*object{},
		nginxKeyAnywhere: map[string]bool{}, albGroupAttrs: map[string]annotation{}, claimModes: map[string][]string{}, configMapEnv: map[string]map[string]parsers.Setting[string]{},
		backendConfigs: map[string]*backendConfig{}}

	charts := map[string]bool{}
	p := &pending{classes: map[string]string{}, deployments: map[string]*parsers.Workload{}, meshNamespaces: map[string]string{}, linkerdNamespaces: map[string]map[string]string{}}
	arena := &fastArena{}
	var kusts []*kustomization
	for _, in := range inputs {
		file := &parsers.File{Path: in.Path, Format: parsers.FormatK8s, Src: in.Src}
		m.Files = append(m.Files, file)
		if IsKustomization(in.Path) {
			if k := readKustomization(in.Path, in.Src); k != nil {
				kusts = append(kusts, k)
			}
			continue
		}
		if IsEBExtension(in.Path) {
			readEBExtensions(in, m)
			continue
		}
		if IsJSON6902Patch(in.Src) {
			continue // read with the kustomization that names it (readJSON6902Files)
		}
		if chart := helmChart(in.Path, in.Src); chart != "" {
			if !charts[chart] {
				charts[chart] = true
				m.Diags = append(m.Diags, parsers.Notef(parsers.Pos{File: in.Path, Line: 1, Col: 1},
					"skipped Helm chart templates under %s/templates: render them first (helm template) to lint the manifests", chart))
			}
			continue
		}
		if kept := keptFile(opts.Cache, in); kept != nil {
			// The same text as in the parse before: its objects as read then (a copy
			// made before the link steps changed them), without decoding it again.
			m.Diags = append(m.Diags, kept.diags...)
			file.Rendered = append([]parsers.Rendered(nil), kept.rendered...)
			file.Shared = append([]parsers.Pos(nil), kept.shared...)
			for _, out := range kept.outs {
				b.apply(out, p)
			}
			continue
		}
		// Read each file's objects right away and keep node trees only for the few kinds
		// linked later, so the trees of a large run do not all stay alive at once.
		var diags []parsers.Diag
		objects := decodeFile(newSource(in.Path, in.Src), opts.Documents(), &diags, arena, &file.Rendered, &file.Shared)
		m.Diags = append(m.Diags, diags...)
		outs := make([]readOut, len(objects))
		for i, o := range objects {
			outs[i] = read(o)
		}
		keepFile(opts.Cache, in, diags, file.Rendered, file.Shared, outs)
		for _, out := range outs {
			b.apply(out, p)
		}
	}
	resolveWorkloadRefs(m, p)
	for _, w := range m.Workloads {
		switch {
		case w.Mesh == "none":
			w.Mesh = ""
		case w.Mesh == "":
			w.Mesh = p.meshNamespaces[w.Namespace]
		}
		if w.Mesh == "linkerd" {
			inheritLinkerdConfig(w, p.linkerdNamespaces[w.Namespace])
		}
	}
	if len(kusts) > 0 {
		srcs := make(map[string][]byte, len(inputs))
		for _, in := range inputs {
			srcs[filepath.Clean(in.Path)] = in.Src
		}
		readFloorFiles(kusts, srcs)
		readJSON6902Files(kusts, srcs)
	}
	resolveBuilds(m, kusts)
	overriddenFloors(kusts, p.hpas)
	applyKustomizeLabels(m, kusts)
	b.applyGenerators(kusts)
	b.resolveEnvFrom()
	b.readNginxControllers()
	b.link(p.hpas)
	for _, w := range m.Workloads {
		for _, c := range w.Claims {
			c.AccessModes = b.claimModes[w.Namespace+"/"+c.Name]
		}
	}
	for _, o := range p.ingresses {
		if controllerOf(o, p.classes) == ctrlNginx {
			b.nginxIngresses = append(b.nginxIngresses, o)
		}
	}
	// The routes of ingress-nginx's main Ingresses by host and path: a canary Ingress's
	// path takes its settings from there (nginxHop reads them), and its fixes are
	// written there (Route.InheritsFrom).
	mainRoutes := map[string][]*parsers.Route{}
	type canaryHop struct {
		h     *parsers.Hop
		paths []ingressPath
	}
	var canaries []canaryHop
	for _, o := range p.ingresses {
		for _, ip := range o.paths {
			if svc := b.services[o.namespace+"/"+ip.svc]; svc != nil {
				svc.Ingressed = true
			}
		}
		switch controllerOf(o, p.classes) {
		case ctrlNginx:
			h := b.nginxHop(o)
			m.Hops = append(m.Hops, h)
			if isCanary(o) {
				canaries = append(canaries, canaryHop{h, o.paths})
				continue
			}
			for i, r := range h.Routes {
				key := canaryKey(o.paths[i])
				mainRoutes[key] = append(mainRoutes[key], r)
			}
		case ctrlALB:
			m.Hops = append(m.Hops, b.albHop(o))
		case ctrlGCE:
			m.Hops = append(m.Hops, b.gceHop(o))
		}
	}
	for _, c := range canaries {
		for i, r := range c.h.Routes {
			if ms := mainRoutes[canaryKey(c.paths[i])]; len(ms) == 1 {
				r.InheritsFrom = ms[0]
			}
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
	for _, c := range p.apiServerCalls {
		if svc := b.services[c.svc]; svc != nil && !slices.Contains(svc.APIServerCalls, c.by) {
			svc.APIServerCalls = append(svc.APIServerCalls, c.by)
		}
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
	meshNamespaces                map[string]string            // Namespace name: the mesh injected there
	linkerdNamespaces             map[string]map[string]string // Namespace name: readOut.linkerd
	apiServerCalls                []apiServerCall
}

// readOut is what one object of a file gives: the model objects read from it, before
// any link step changes them, and what the builder keeps of it. read makes it from the
// object alone; apply puts it into the model. Between the two it can be kept for a later
// parse of the same file (FileCache).
type readOut struct {
	what  readKind
	o     *object
	w     *parsers.Workload
	ref   string // a Rollout's spec.workloadRef.name
	svc   *parsers.Service
	nlb   bool // the Service is an AWS NLB (its node is read again after the last file)
	h     *hpa
	pdb   *parsers.PDB
	modes []string // a PersistentVolumeClaim's accessModes
	class string   // an IngressClass's controller; a Namespace's injected mesh
	// linkerd: a Namespace's Linkerd proxy configuration annotations that change which
	// inbound ports the proxy takes (linkerdInheritedKeys), as written.
	linkerd map[string]string
	calls   []string // the Services (namespace/name) an APIService or webhook configuration names
	bc      *backendConfig
}

type readKind int

const (
	readOther readKind = iota
	readWorkloadObj
	readRolloutObj
	readServiceObj
	readHPAObj
	readPDBObj
	readConfigMapObj
	readIngressObj
	readPVCObj
	readIngressClassObj
	readHTTPRouteObj
	readTGBObj
	readNamespaceObj
	readAPIServerCallerObj
	readBackendConfigObj
)

// read reads one object. Its node tree is dropped unless apply or a step after the last
// file reads it again (a ConfigMap, an NLB Service, an HTTPRoute, a TargetGroupBinding).
func read(o *object) readOut {
	out := readOut{o: o}
	switch {
	case workloadKinds[o.kind] && isCoreGroup(o) && !isHelmHook(o):
		out.what, out.w = readWorkloadObj, readWorkload(o)
		o.node = nil
	case o.kind == "Rollout" && strings.HasPrefix(o.apiVersion, "argoproj.io/"):
		out.what, out.w = readRolloutObj, readWorkload(o)
		out.ref = str(o.node, "spec", "workloadRef", "name")
		o.node = nil
	case o.kind == "Service" && o.apiVersion == "v1":
		out.what, out.svc = readServiceObj, readService(o)
		if out.nlb = isNLB(o, out.svc); !out.nlb {
			o.node = nil // only its annotations are needed later
		}
	case o.kind == "HorizontalPodAutoscaler":
		out.what, out.h = readHPAObj, readHPA(o)
		o.node = nil
	case o.kind == "ScaledObject" && strings.HasPrefix(o.apiVersion, "keda.sh/"):
		out.what, out.h = readHPAObj, readScaledObject(o)
		o.node = nil
	case o.kind == "HTTPScaledObject" && strings.HasPrefix(o.apiVersion, "http.keda.sh/"):
		if h := readHTTPScaledObject(o); h != nil {
			out.what, out.h = readHPAObj, h
		}
		o.node = nil
	case o.kind == "PodDisruptionBudget":
		out.what, out.pdb = readPDBObj, readPDB(o)
		o.node = nil
	case o.kind == "ConfigMap" && o.apiVersion == "v1":
		out.what = readConfigMapObj // read by apply: it adds embedded files to the model
	case o.kind == "Ingress":
		out.what = readIngressObj
		o.class = str(o.node, "spec", "ingressClassName")
		o.paths = readIngressPaths(o)
		o.node = nil
	case o.kind == "PersistentVolumeClaim" && o.apiVersion == "v1":
		out.what = readPVCObj
		out.modes = strList(val(o.node, "spec", "accessModes"))
		if out.modes == nil {
			out.modes = []string{} // listed without modes: known, and not shareable
		}
		o.node = nil
	case o.kind == "Namespace" && o.apiVersion == "v1":
		out.what, out.class = readNamespaceObj, namespaceMesh(val(o.node, "metadata"))
		out.linkerd = namespaceLinkerdConfig(val(o.node, "metadata"))
		o.node = nil
	case o.kind == "IngressClass":
		out.what, out.class = readIngressClassObj, ingressClassController(o)
		o.node = nil
	case o.kind == "HTTPRoute" && strings.HasPrefix(o.apiVersion, "gateway.networking.k8s.io/"):
		out.what = readHTTPRouteObj
	case o.kind == "TargetGroupBinding" && strings.HasPrefix(o.apiVersion, "elbv2.k8s.aws/"):
		out.what = readTGBObj
	case o.kind == "APIService" && strings.HasPrefix(o.apiVersion, "apiregistration.k8s.io/"):
		out.what, out.calls = readAPIServerCallerObj, serviceRefs(val(o.node, "spec", "service"))
		o.node = nil
	case (o.kind == "ValidatingWebhookConfiguration" || o.kind == "MutatingWebhookConfiguration") &&
		strings.HasPrefix(o.apiVersion, "admissionregistration.k8s.io/"):
		out.what = readAPIServerCallerObj
		for _, wh := range items(val(o.node, "webhooks")) {
			out.calls = append(out.calls, serviceRefs(val(wh, "clientConfig", "service"))...)
		}
		o.node = nil
	case o.kind == "BackendConfig" && strings.HasPrefix(o.apiVersion, "cloud.google.com/"):
		out.what, out.bc = readBackendConfigObj, readBackendConfig(o)
		o.node = nil
	default:
		o.node = nil
	}
	return out
}

// keepable reports whether out can be kept for a later parse: it holds no node tree
// and apply reads nothing but it.
func (out readOut) keepable() bool {
	switch out.what {
	case readConfigMapObj, readHTTPRouteObj, readTGBObj:
		return false
	case readServiceObj:
		return !out.nlb
	}
	return true
}

// apply puts what read made into the model, or keeps it for after the last file.
func (b *builder) apply(out readOut, p *pending) {
	m, o := b.m, out.o
	switch out.what {
	case readWorkloadObj:
		m.Workloads = append(m.Workloads, out.w)
		if o.kind == "Deployment" {
			p.deployments[o.namespace+"/"+o.name] = out.w
		}
	case readRolloutObj:
		m.Workloads = append(m.Workloads, out.w)
		if out.ref != "" {
			p.rolloutRefs = append(p.rolloutRefs, rolloutRef{out.w, out.ref})
		}
	case readServiceObj:
		m.Services = append(m.Services, out.svc)
		b.services[o.namespace+"/"+o.name] = out.svc
		b.serviceObjs[out.svc] = o
		if out.nlb {
			p.nlbs = append(p.nlbs, o)
		}
	case readHPAObj:
		p.hpas = append(p.hpas, out.h)
	case readPDBObj:
		b.pdbs = append(b.pdbs, out.pdb)
		b.m.PDBs = append(b.m.PDBs, out.pdb)
	case readConfigMapObj:
		b.configMapEnv[o.namespace+"/"+o.name] = configMapData(o)
		if cc := readConfigMap(o, m); cc != nil {
			o.node = nil
			b.addNginxConfig(cc)
		}
	case readIngressObj:
		p.ingresses = append(p.ingresses, o)
		if g := o.annotations[albPrefix+"group.name"].value; g != "" {
			if a, ok := o.annotations[albPrefix+"load-balancer-attributes"]; ok {
				b.albGroupAttrs[g] = a
			}
		}
	case readPVCObj:
		b.claimModes[o.namespace+"/"+o.name] = out.modes
	case readIngressClassObj:
		p.classes[o.name] = out.class
	case readNamespaceObj:
		if out.class != "" {
			p.meshNamespaces[o.name] = out.class
		}
		if len(out.linkerd) > 0 {
			p.linkerdNamespaces[o.name] = out.linkerd
		}
	case readHTTPRouteObj:
		p.routes = append(p.routes, o)
	case readTGBObj:
		p.tgbs = append(p.tgbs, o)
	case readBackendConfigObj:
		b.backendConfigs[o.namespace+"/"+o.name] = out.bc
	case readAPIServerCallerObj:
		for _, ref := range out.calls {
			p.apiServerCalls = append(p.apiServerCalls, apiServerCall{ref, o.kind + " " + o.name})
		}
	}
}

// apiServerCall is a Service (namespace/name) the API server calls, and the object that
// makes it call it ("APIService v1beta1.metrics.k8s.io").
type apiServerCall struct{ svc, by string }

// serviceRefs returns the Service an APIService's spec.service or a webhook's
// clientConfig.service names, as namespace/name (both fields are required there), or nil.
func serviceRefs(n *yaml.Node) []string {
	name, ns := str(n, "name"), str(n, "namespace")
	if name == "" || ns == "" {
		return nil
	}
	return []string{ns + "/" + name}
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
