package k8s

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// Kustomize trees linted as they are (base/ and overlays/prod/ in one run). An overlay's
// patch that sets replicas changes what its build deploys; the base's own value is what
// a build without such a patch deploys. The replica count of each build is worked out
// here from the kustomization files of the run, so that a rule can tell a base whose
// every build overrides its count from one that some build deploys as it is, and see a
// count an overlay sets. Only what decides a workload's replicas is read: resources
// (and the older bases), strategic-merge patch files, replicas: entries, inline JSON 6902
// patches whose effect on the count is certain (json6902Replicas); a patch whose content
// is not read (other inline JSON 6902 that mentions replicas or rewrites the target's
// kind or name, a JSON 6902 patch file, a component, a patch file not among the run's
// files) makes the count of the objects its target may select unknown.

// IsKustomization reports whether path names a kustomization file (kustomize looks for
// kustomization.yaml, kustomization.yml and Kustomization in a directory).
func IsKustomization(path string) bool {
	switch filepath.Base(path) {
	case "kustomization.yaml", "kustomization.yml", "Kustomization":
		return true
	}
	return false
}

// kustomization is what one kustomization file says about the replica counts of the
// objects it builds.
type kustomization struct {
	path string
	dir  string
	// resources are the paths its resources (and bases) name, joined to its directory:
	// files, or directories holding a kustomization.
	resources []string
	steps     []kustomizeStep
	labels    []labelSet
	// floors names the autoscalers whose minReplicas an inline patch of this
	// kustomization sets (strategic merge naming the HorizontalPodAutoscaler, or JSON
	// 6902 on /spec/minReplicas of a target of that kind).
	floors []string
	// gens are its configMapGenerator entries.
	gens []configMapGen
	// floorFiles are its patch files given with a target that may be an autoscaler.
	floorFiles []floorFile
	// prefix and suffix are its namePrefix and nameSuffix: the names its build gives
	// the objects of its resources (see buildCount for which names its steps match).
	prefix, suffix string
}

// configMapGen is one entry of a kustomization's configMapGenerator: a ConfigMap the
// build creates (behavior create, the default), or merges into or replaces one of the
// same name that its resources hold. Its literals are read ("key=value"; kustomize
// splits at the first "=" and drops one pair of matching quotes around the value:
// kubectl 1.32's kustomize v5.5.0 wrote `keep-alive='75'` as "75"); the keys of
// envs/env files and files are not, so such a generator may set any key (open).
type configMapGen struct {
	name, namespace, behavior string
	literals                  map[string]annotation
	open                      bool
}

// labelSet is a kustomization's commonLabels, or one entry of its labels: list, and the
// fields kustomize writes its pairs into besides metadata.labels: selectors (a Service's
// spec.selector, created; a workload's selector; a budget's existing matchLabels) and pod
// templates with includeSelectors (commonLabels always), pod templates alone with
// includeTemplates. A Pod's labels are its metadata.labels: every set reaches them.
// (kubectl 1.32's kustomize v5.5.0 on a Service without a selector, a StatefulSet, two
// budgets with and without one, and a Pod.)
type labelSet struct {
	pairs     map[string]string
	selectors bool
	templates bool
}

// kustomizeStep is one transformation of a build, in the order kustomize applies them:
// the patches (strategic merge first, then the others), then the replicas entries.
type kustomizeStep struct {
	patchFile string // a strategic-merge patch file, joined to the directory
	// touches: an inline patch, JSON 6902 patch or component that may set replicas of
	// the objects it targets; kind/name narrow it when given.
	touches    bool
	kind, name string
	// replicas: a replicas: entry (name, count).
	replicas *parsers.Setting[int]
	// patched: the count an inline JSON 6902 patch sets its target (kind, name) to
	// (json6902Replicas), or a patch file does (readJSON6902Files).
	patched *parsers.Setting[int]
	// json6902: a JSON 6902 patch file (path: with a target), joined to the directory,
	// read by readJSON6902Files when the run holds it; target is the entry's target.
	json6902 string
	target   *yaml.Node
}

// floorFile is a patch file given with a target that may be an autoscaler (its kind, or
// no kind): name is the target's name, "*" when it has none (a label selector).
type floorFile struct {
	path, name string
}

// readKustomization reads a kustomization file; nil when it does not parse.
func readKustomization(path string, src []byte) *kustomization {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil || len(doc.Content) == 0 {
		return nil
	}
	s := newSource(path, src)
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil
	}
	dir := filepath.Dir(path)
	k := &kustomization{path: path, dir: dir}
	k.prefix, k.suffix = str(root, "namePrefix"), str(root, "nameSuffix")
	// A patch of a kustomization that writes namePrefix or nameSuffix selects its
	// target by the name it had before (kubectl kustomize v5.5.0 applied a target
	// `web` under namePrefix canary- and not a target `canary-web`): buildCount
	// matches the names, so the prefix does not make such a patch unknown.
	join := func(p string) string { return filepath.Join(dir, p) }
	for _, key := range []string{"resources", "bases"} {
		for _, r := range items(val(root, key)) {
			if r.Kind == yaml.ScalarNode && !strings.Contains(r.Value, "://") {
				k.resources = append(k.resources, join(r.Value))
			}
		}
	}
	// patchesStrategicMerge: files, or inline patches.
	for _, p := range items(val(root, "patchesStrategicMerge")) {
		if p.Kind != yaml.ScalarNode {
			k.steps = append(k.steps, kustomizeStep{touches: true})
		} else if strings.Contains(p.Value, "\n") {
			k.steps = append(k.steps, kustomizeStep{touches: strings.Contains(p.Value, "replicas")})
		} else {
			k.steps = append(k.steps, kustomizeStep{patchFile: join(p.Value)})
		}
	}
	// patches: a file or an inline patch (strategic merge or JSON 6902), with or without
	// a target. A file without a target is read as a strategic-merge patch of the object
	// it names; a file with a target may be JSON 6902, not read: its targets are unknown.
	for _, p := range items(val(root, "patches")) {
		kind, name := str(p, "target", "kind"), str(p, "target", "name")
		switch {
		case str(p, "path") != "" && val(p, "target") == nil:
			k.steps = append(k.steps, kustomizeStep{patchFile: join(str(p, "path"))})
		case str(p, "path") != "":
			k.steps = append(k.steps, kustomizeStep{touches: true, kind: kind, name: name, json6902: join(str(p, "path")), target: val(p, "target")})
			k.addFloorFile(join(str(p, "path")), kind, name)
		default:
			if set, touches, ok := json6902Replicas(s, p); ok {
				k.steps = append(k.steps, kustomizeStep{touches: touches && set == nil, patched: set, kind: kind, name: name})
				continue
			}
			k.steps = append(k.steps, kustomizeStep{touches: mayTouchReplicas(str(p, "patch")) || val(p, "patch") == nil, kind: kind, name: name})
		}
	}
	for _, key := range []string{"patches", "patchesStrategicMerge", "patchesJson6902"} {
		for _, p := range items(val(root, key)) {
			k.floors = append(k.floors, inlineFloors(p)...)
		}
	}
	for _, p := range items(val(root, "patchesJson6902")) {
		touches := str(p, "path") != "" || mayTouchReplicas(str(p, "patch"))
		st := kustomizeStep{touches: touches, kind: str(p, "target", "kind"), name: str(p, "target", "name")}
		if set, t, ok := json6902Replicas(s, p); ok && str(p, "path") == "" {
			st.touches, st.patched = t && set == nil, set
		}
		if str(p, "path") != "" {
			k.addFloorFile(join(str(p, "path")), st.kind, st.name)
			st.json6902, st.target = join(str(p, "path")), val(p, "target")
		}
		k.steps = append(k.steps, st)
	}
	if len(items(val(root, "components"))) > 0 {
		k.steps = append(k.steps, kustomizeStep{touches: true})
	}
	if cl := strMap(val(root, "commonLabels")); len(cl) > 0 {
		k.labels = append(k.labels, labelSet{pairs: cl, selectors: true, templates: true})
	}
	for _, l := range items(val(root, "labels")) {
		if pairs := strMap(val(l, "pairs")); len(pairs) > 0 {
			sel := str(l, "includeSelectors") == "true"
			k.labels = append(k.labels, labelSet{pairs: pairs, selectors: sel, templates: sel || str(l, "includeTemplates") == "true"})
		}
	}
	ns := str(root, "namespace")
	for _, g := range items(val(root, "configMapGenerator")) {
		gen := configMapGen{name: str(g, "name"), namespace: str(g, "namespace"), behavior: str(g, "behavior"), literals: map[string]annotation{}}
		if gen.name == "" {
			continue
		}
		if gen.namespace == "" {
			gen.namespace = ns
		}
		if gen.namespace == "" {
			gen.namespace = "default"
		}
		if gen.behavior == "" {
			gen.behavior = "create"
		}
		for _, key := range []string{"envs", "env", "files"} {
			if n := val(g, key); n != nil && (n.Kind != yaml.ScalarNode || n.Value != "") {
				gen.open = true
			}
		}
		for _, l := range items(val(g, "literals")) {
			key, value, ok := strings.Cut(l.Value, "=")
			if l.Kind != yaml.ScalarNode || !ok {
				gen.open = true // kustomize refuses it; whatever it is, not read
				continue
			}
			if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
				value = value[1 : len(value)-1]
			}
			gen.literals[key] = annotation{value: value, pos: s.pos(l), text: l.Value + " (configMapGenerator " + gen.name + ")"}
		}
		k.gens = append(k.gens, gen)
	}
	for _, r := range items(val(root, "replicas")) {
		cn, cv := get(r, "count")
		n, ok := atoi(cv)
		st := parsers.Set(n, s.pos(cv), s.text(cn, cv))
		st.Unknown = !ok
		k.steps = append(k.steps, kustomizeStep{name: str(r, "name"), replicas: &st})
	}
	return k
}

// inlineFloors returns the names of the autoscalers whose minReplicas the inline patch
// p (an item of patches, patchesStrategicMerge or patchesJson6902) sets.
func inlineFloors(p *yaml.Node) []string {
	body := p.Value
	if p.Kind != yaml.ScalarNode {
		body = str(p, "patch")
	}
	if !strings.Contains(body, "minReplicas") {
		return nil
	}
	if t := val(p, "target"); t != nil && (str(t, "kind") == "HorizontalPodAutoscaler" || str(t, "kind") == "") {
		// The target names the autoscaler; without a name (a label selector) it may be
		// any of them.
		if n := str(t, "name"); n != "" {
			return []string{n}
		}
		return []string{"*"}
	}
	docs, err := DecodeDocuments([]byte(body))
	if err != nil {
		return nil
	}
	var out []string
	for _, d := range docs {
		r := docRoot(d)
		if str(r, "kind") == "HorizontalPodAutoscaler" && str(r, "metadata", "name") != "" && val(r, "spec", "minReplicas") != nil {
			out = append(out, str(r, "metadata", "name"))
		}
	}
	return out
}

// overriddenFloors makes unknown the floor (minReplicas) of an autoscaler that every
// Kustomize build including its file replaces with an overlay's patch: a patch file
// defining an autoscaler of that name with minReplicas, or an inline patch setting it
// (kubectl kustomize v5.5.0 built minReplicas 2 from both over a base's 1). The base's
// value is then what no build deploys, as a workload's replicas under such a patch
// (resolveBuilds). A build that leaves it keeps it known.
func overriddenFloors(ks []*kustomization, hpas []*hpa) {
	if len(ks) == 0 || len(hpas) == 0 {
		return
	}
	byDir := map[string]*kustomization{}
	for _, k := range ks {
		byDir[k.dir] = k
	}
	included := map[*kustomization]bool{}
	for _, k := range ks {
		for _, r := range k.resources {
			if c := byDir[r]; c != nil && c != k {
				included[c] = true
			}
		}
	}
	// patchFloors: the autoscalers (by name) each patch file defines with minReplicas.
	patchFloors := map[string][]string{}
	for _, h := range hpas {
		if h.min.Explicit() && h.targetName == "" {
			f := filepath.Clean(h.o.pos.File)
			patchFloors[f] = append(patchFloors[f], h.o.name)
		}
	}
	type build struct {
		files, patches map[string]bool
		floors         []string
	}
	var builds []build
	for _, root := range ks {
		if included[root] {
			continue
		}
		b := build{files: buildFiles(root, byDir, map[string]bool{}, map[*kustomization]bool{}), patches: map[string]bool{}}
		patchFiles(root, byDir, b.patches, map[*kustomization]bool{})
		seen := map[*kustomization]bool{}
		var walk func(k *kustomization)
		walk = func(k *kustomization) {
			if seen[k] {
				return
			}
			seen[k] = true
			b.floors = append(b.floors, k.floors...)
			for _, r := range k.resources {
				if c := byDir[r]; c != nil && c != k {
					walk(c)
				}
			}
		}
		walk(root)
		for f := range b.patches {
			b.floors = append(b.floors, patchFloors[f]...)
		}
		builds = append(builds, b)
	}
	for _, h := range hpas {
		if !h.min.Known() || h.targetName == "" {
			continue
		}
		f := filepath.Clean(h.o.pos.File)
		in, raised := 0, 0
		for _, b := range builds {
			if !b.files[f] {
				continue
			}
			in++
			if slices.Contains(b.floors, h.o.name) || slices.Contains(b.floors, "*") {
				raised++
			}
		}
		if in > 0 && raised == in {
			h.min.Unknown = true
			h.min.Text += " (every Kustomize build of the run replaces it with an overlay's patch)"
		}
	}
}

// mayTouchReplicas reports whether an inline patch no502 does not apply may change the
// replica count of its target: it mentions replicas, or it is a JSON 6902 patch that
// rewrites the target's kind or name (op replace /kind StatefulSet, /metadata/name
// web-v2). After such a patch the object is another one, which later patches and
// replicas: entries reach by its new kind and name (kubectl kustomize v5.5.0 set the
// count of a Deployment turned StatefulSet from a StatefulSet patch file, and of one
// renamed web-v2 from a replicas: entry for web-v2), so the base's count no longer says
// what the build deploys. "/metadata/name" also matches /metadata/namespace, which later
// patch files match on too: unknown as well.
func mayTouchReplicas(patch string) bool {
	return strings.Contains(patch, "replicas") || strings.Contains(patch, "/kind") || strings.Contains(patch, "/metadata/name")
}

// resolveBuilds gives each workload in a file some kustomization of the run builds the
// Builds of the run's outermost kustomizations that include it.
func resolveBuilds(m *parsers.Model, ks []*kustomization) {
	if len(ks) == 0 {
		return
	}
	byDir := map[string]*kustomization{}
	for _, k := range ks {
		byDir[k.dir] = k
	}
	included := map[*kustomization]bool{}
	listed := map[string]bool{} // files some kustomization lists: the only workloads to look at
	for _, k := range ks {
		for _, r := range k.resources {
			if c := byDir[r]; c != nil && c != k {
				included[c] = true
			} else {
				listed[r] = true
			}
		}
	}
	byFile := map[string][]*parsers.Workload{}
	for _, f := range m.Files {
		byFile[filepath.Clean(f.Path)] = nil // read: a patch there that names no workload sets nothing
	}
	for _, w := range m.Workloads {
		f := filepath.Clean(w.Pos.File)
		byFile[f] = append(byFile[f], w)
	}
	files := map[*kustomization]map[string]bool{}
	for _, root := range ks {
		if !included[root] {
			files[root] = buildFiles(root, byDir, map[string]bool{}, map[*kustomization]bool{})
		}
	}
	for _, root := range ks {
		if included[root] {
			continue
		}
		patches := map[string]bool{}
		patchFiles(root, byDir, patches, map[*kustomization]bool{})
		for f := range patches {
			for _, w := range byFile[f] {
				if !slices.Contains(w.PatchedIn, root.path) {
					w.PatchedIn = append(w.PatchedIn, root.path)
				}
			}
		}
		for _, w := range m.Workloads {
			if !listed[filepath.Clean(w.Pos.File)] {
				continue
			}
			if r, ok := buildReplicas(root, w, byDir, byFile, map[*kustomization]bool{}); ok {
				w.Builds = append(w.Builds, parsers.Build{Root: root.path, Replicas: r, Files: files[root]})
			}
		}
	}
}

// patchFiles adds to out the strategic-merge patch files k's build applies: its own and
// those of the kustomizations it includes.
func patchFiles(k *kustomization, byDir map[string]*kustomization, out map[string]bool, seen map[*kustomization]bool) {
	if seen[k] {
		return
	}
	seen[k] = true
	for _, st := range k.steps {
		if st.patchFile != "" {
			out[filepath.Clean(st.patchFile)] = true
		}
	}
	for _, res := range k.resources {
		if c := byDir[res]; c != nil && c != k {
			patchFiles(c, byDir, out, seen)
		}
	}
}

// buildFiles adds to out the files k's build includes through its resources, recursively
// (a resource that is a directory of the run holding a kustomization is that build), and
// returns out.
func buildFiles(k *kustomization, byDir map[string]*kustomization, out map[string]bool, seen map[*kustomization]bool) map[string]bool {
	if seen[k] {
		return out
	}
	seen[k] = true
	for _, res := range k.resources {
		if c := byDir[res]; c != nil {
			buildFiles(c, byDir, out, seen)
		} else {
			out[res] = true
		}
	}
	return out
}

// buildReplicas returns the replica count k's build gives w, and whether k's build
// includes w's file at all (through its resources, recursively).
func buildReplicas(k *kustomization, w *parsers.Workload, byDir map[string]*kustomization, byFile map[string][]*parsers.Workload, seen map[*kustomization]bool) (parsers.Setting[int], bool) {
	r, found, _ := buildCount(k, w, byDir, byFile, seen)
	return r, found
}

// workloadNames are the names a step of one kustomization may select a workload by:
// kustomize (kubectl kustomize v5.5.0) matched a patch's target, a strategic-merge
// patch file's name and a replicas: entry by the name the object was written with
// (orig) and by the name the kustomizations below gave it (cur: their namePrefix and
// nameSuffix), and a replicas: entry also by the name this kustomization's own prefix
// and suffix give it (own). A name it had between those (a build of three levels or more
// that prefixes twice) was not tried: a step naming it leaves the count unknown.
type workloadNames struct {
	orig, cur, own string
	between        []string
}

// is reports whether a patch (or, with entry, a replicas: entry) naming n certainly
// selects the workload; maybe whether it may (a name it had between).
func (ns workloadNames) is(n string, entry bool) (is, maybe bool) {
	if n == ns.orig || n == ns.cur || entry && n == ns.own {
		return true, true
	}
	return false, slices.Contains(ns.between, n)
}

// buildCount is buildReplicas, and returns the name k's build gives w too (its own
// namePrefix and nameSuffix around the name from below), for the kustomization above.
func buildCount(k *kustomization, w *parsers.Workload, byDir map[string]*kustomization, byFile map[string][]*parsers.Workload, seen map[*kustomization]bool) (parsers.Setting[int], bool, []string) {
	if seen[k] {
		return parsers.Setting[int]{}, false, nil // a cycle: kustomize refuses it
	}
	seen[k] = true
	var r parsers.Setting[int]
	found := false
	chain := []string{w.Name} // the names w had, from the one written to the latest
	for _, res := range k.resources {
		if res == filepath.Clean(w.Pos.File) {
			r, found = w.Replicas, true
		} else if c := byDir[res]; c != nil {
			r, found, chain = buildCount(c, w, byDir, byFile, seen)
		}
		if found {
			break
		}
	}
	if !found {
		return r, false, nil
	}
	cur := chain[len(chain)-1]
	names := workloadNames{orig: w.Name, cur: cur, own: k.prefix + cur + k.suffix}
	if len(chain) > 2 {
		names.between = chain[1 : len(chain)-1]
	}
	unknown := func() { r = parsers.Setting[int]{Unknown: true, Pos: r.Pos} }
	kind := string(w.Kind)
	for _, st := range k.steps {
		switch {
		case st.replicas != nil:
			if is, maybe := names.is(st.name, true); is {
				r = *st.replicas
			} else if maybe {
				unknown()
			}
		case st.patchFile != "":
			ps, ok := byFile[st.patchFile]
			if !ok {
				unknown()
				continue
			}
			for _, p := range ps {
				if string(p.Kind) != kind || !(p.Replicas.Explicit() || p.Replicas.Unknown) {
					continue
				}
				if is, maybe := names.is(p.Name, false); is {
					r = p.Replicas
				} else if maybe {
					unknown()
				}
			}
		case st.patched != nil:
			if st.kind != kind {
				continue
			}
			if is, maybe := names.is(st.name, false); is {
				r = *st.patched
			} else if maybe {
				unknown()
			}
		case st.touches:
			if targetMatches(st.kind, kind) && (targetMatches(st.name, names.orig) || targetMatches(st.name, names.cur) || slices.ContainsFunc(names.between, func(n string) bool { return targetMatches(st.name, n) })) {
				unknown()
			}
		}
	}
	if k.prefix != "" || k.suffix != "" {
		chain = append(chain, names.own)
	}
	return r, true, chain
}

// applyKustomizeLabels writes each kustomization's labels into the objects of the files
// its build includes, as kustomize does, so that Services, workloads and budgets written
// without the selectors and template labels a kustomization adds (labels: with
// includeSelectors, commonLabels) are linked as deployed. A base that several builds
// include gets every build's labels: each adds its pairs to the selectors and the pods
// alike, so what selects what among them does not change. The maps are copied first:
// the parse cache keeps the objects as read.
func applyKustomizeLabels(m *parsers.Model, ks []*kustomization) {
	byDir := map[string]*kustomization{}
	for _, k := range ks {
		byDir[k.dir] = k
	}
	for _, k := range ks {
		if len(k.labels) == 0 {
			continue
		}
		files := buildFiles(k, byDir, map[string]bool{}, map[*kustomization]bool{})
		in := func(p parsers.Pos) bool { return files[filepath.Clean(p.File)] }
		for _, ls := range k.labels {
			for _, w := range m.Workloads {
				if in(w.Pos) && (ls.templates || w.Kind == parsers.Pod) {
					w.Labels = withPairs(w.Labels, ls.pairs)
				}
			}
			if !ls.selectors {
				continue
			}
			for _, svc := range m.Services {
				// Kubernetes ignores an ExternalName Service's selector.
				if in(svc.Pos) && svc.Type != "ExternalName" {
					sel := parsers.Selector{}
					if svc.Selector != nil {
						sel = *svc.Selector
					}
					sel.MatchLabels = withPairs(sel.MatchLabels, ls.pairs)
					svc.Selector = &sel
				}
			}
			for _, p := range m.PDBs {
				if in(p.Pos) && p.Selector != nil {
					sel := *p.Selector
					sel.MatchLabels, sel.All = withPairs(sel.MatchLabels, ls.pairs), false
					p.Selector = &sel
				}
			}
		}
	}
}

// withPairs returns a copy of m with pairs set (a pair of the same key replaced).
func withPairs(m, pairs map[string]string) map[string]string {
	out := make(map[string]string, len(m)+len(pairs))
	maps.Copy(out, m)
	maps.Copy(out, pairs)
	return out
}

// applyGenerators takes the ConfigMaps the kustomizations of the run generate into
// account, where no502 reads a ConfigMap's data: as environment variables (envFrom) and
// as the ingress-nginx controller's configuration.
//
//   - Environment: a generated ConfigMap whose data is known (behavior create, literals
//     only, the only generator and the only ConfigMap of that name) is read as a
//     ConfigMap of the generator's namespace (its own, else the kustomization's, else
//     default). Any other generator makes every ConfigMap of its name unknown: merge
//     and replace change what a ConfigMap of the resources holds in that build only,
//     and an envs or files source may set any variable.
//   - ingress-nginx: a generator's literals that are controller keys are a controller
//     config of their own (the controller's values, not its defaults; with another
//     config in the run, the keys of either become unknown, as for two ConfigMaps). A
//     generator that may set any key (envs, files) or replaces a controller ConfigMap of
//     the run makes every controller key unknown when it is the controller's: it has
//     the name of a controller ConfigMap of the run, or a name of ingress-nginx's
//     (ingress-nginx-controller, nginx-configuration, ...).
func (b *builder) applyGenerators(ks []*kustomization) {
	byName := map[string][]configMapGen{}
	for _, k := range ks {
		for _, g := range k.gens {
			byName[g.name] = append(byName[g.name], g)
		}
	}
	plain := map[string]bool{} // names of the ConfigMaps of the run's files
	for key := range b.configMapEnv {
		_, name, _ := strings.Cut(key, "/")
		plain[name] = true
	}
	for name, gens := range byName {
		g := gens[0]
		if len(gens) == 1 && g.behavior == "create" && !g.open && !plain[name] {
			data := map[string]parsers.Setting[string]{}
			for k, a := range g.literals {
				data[k] = parsers.Set(a.value, a.pos, a.text)
			}
			b.configMapEnv[g.namespace+"/"+name] = data
			continue
		}
		for key := range b.configMapEnv {
			if _, n, _ := strings.Cut(key, "/"); n == name {
				delete(b.configMapEnv, key)
			}
		}
	}
	for _, k := range ks {
		for _, g := range k.gens {
			cc := &controllerConfig{keys: map[string]annotation{}}
			for key, a := range g.literals {
				if nginxKeys[key] {
					cc.keys[key] = a
				}
			}
			controllers := b.nginxCfg != nil && b.nginxCfg.o != nil && b.nginxCfg.o.name == g.name || nginxConfigMapName(g.name)
			if controllers && (g.open || g.behavior == "replace") {
				b.nginxCfgAmbiguous = true
				for key := range nginxKeys {
					b.nginxKeyAnywhere[key] = true
				}
			}
			if len(cc.keys) > 0 {
				b.addNginxConfig(cc)
			}
		}
	}
}

// nginxConfigMapName reports whether name is one ingress-nginx's manifests and chart
// give the controller's ConfigMap (deploy/static: ingress-nginx-controller; older
// releases: nginx-configuration, nginx-load-balancer-conf; the chart:
// <release>-ingress-nginx-controller, <release>-nginx-ingress-controller).
func nginxConfigMapName(name string) bool {
	switch name {
	case "nginx-configuration", "nginx-load-balancer-conf", "ingress-nginx-controller", "nginx-ingress-controller":
		return true
	}
	return strings.HasSuffix(name, "-ingress-nginx-controller") || strings.HasSuffix(name, "-nginx-ingress-controller")
}

// addFloorFile records a patch file given with a target of kind kind and name name when
// the target may be an autoscaler.
func (k *kustomization) addFloorFile(path, kind, name string) {
	if kind != "" && kind != "HorizontalPodAutoscaler" {
		return
	}
	if name == "" {
		name = "*"
	}
	k.floorFiles = append(k.floorFiles, floorFile{path: path, name: name})
}

// readFloorFiles adds to each kustomization's floors the autoscalers whose floor its
// patch files given with a target may set: a file that mentions minReplicas, or one not
// among the run's files (srcs, by cleaned path), whose content is not known. A JSON 6902
// patch file is never among them (it has no apiVersion or kind), so any such patch of an
// autoscaler target counts. Before, only inline patches and strategic-merge patch files
// did: a JSON 6902 file raising minReplicas 1 to 3 in the only build of the base left
// hpa-min-replicas reporting the base's 1 (kubectl kustomize v5.5.0 built 3).
// readJSON6902Files reads the JSON 6902 patch files the kustomizations of the run name
// (path: with a target) that the run holds (srcs, by cleaned path), for what each does to
// its target's replica count (json6902File). A file the run does not hold, or that is
// not a list of operations, leaves its target's count unknown (the step's touches, as
// written by readKustomization). A patches: entry whose file turns out to be a
// strategic-merge patch (kustomize accepts either there) is not a list: unknown too.
func readJSON6902Files(ks []*kustomization, srcs map[string][]byte) {
	for _, k := range ks {
		for i := range k.steps {
			st := &k.steps[i]
			if st.json6902 == "" {
				continue
			}
			src, ok := srcs[filepath.Clean(st.json6902)]
			if !ok {
				continue
			}
			if set, touches, ok := json6902File(filepath.Clean(st.json6902), src, st.target); ok {
				st.touches, st.patched = touches && set == nil, set
			}
		}
	}
}

func readFloorFiles(ks []*kustomization, srcs map[string][]byte) {
	for _, k := range ks {
		for _, f := range k.floorFiles {
			if src, ok := srcs[filepath.Clean(f.path)]; !ok || strings.Contains(string(src), "minReplicas") {
				k.floors = append(k.floors, f.name)
			}
		}
	}
}
