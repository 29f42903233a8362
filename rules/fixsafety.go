package rules

import (
	"fmt"
	"slices"
	"strings"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/k8s"
)

// Safety says whether lint --fix writes a fix, as ruff's fix applicability does.
type Safety string

// Safety levels.
const (
	// FixSafe changes the finding's own setting and nothing else: --fix writes it.
	FixSafe Safety = "safe"
	// FixUnsafe changes behaviour a user may rely on (more replicas cost money, a longer
	// grace period slows deletes): written only with --unsafe-fixes.
	FixUnsafe Safety = "unsafe"
	// FixSnippet is never written: it holds a guess (a placeholder, an invented
	// upstream, a guessed path or port) or needs another change first.
	FixSnippet Safety = "snippet"
)

// Safety says whether lint --fix writes the fix.
func (f *Fix) Safety() Safety {
	switch {
	case f != nil && f.leader != nil:
		// Written by the fix of another finding (writeSharedOnce): as safe as it is.
		return f.leader.Safety()
	case f == nil || f.manual || len(f.Edits) == 0 && f.patch == nil && f.tf == nil:
		return FixSnippet
	case f.unsafe:
		return FixUnsafe
	}
	for _, k := range f.sets {
		if _, ok := unsafeSettings[k]; ok {
			return FixUnsafe
		}
	}
	return FixSafe
}

// unsafeSettings are the settings whose fix changes behaviour a user may rely on, and
// why: --fix writes them only with --unsafe-fixes (docs/decisions.md has the table).
var unsafeSettings = map[string]string{
	"replicas":                      "more replicas cost money",
	"minReplicas":                   "more replicas cost money",
	"maxReplicas":                   "more replicas cost money",
	"minReplicaCount":               "more replicas cost money",
	"maxReplicaCount":               "more replicas cost money",
	"min_size":                      "more instances cost money",
	"max_size":                      "more instances cost money",
	"desired_capacity":              "more instances cost money",
	"desired_count":                 "more tasks cost money",
	"autoscaling_min_capacity":      "more tasks cost money",
	"min_capacity":                  "more tasks cost money",
	"max_capacity":                  "more tasks cost money",
	"autoscaling_max_capacity":      "more tasks cost money",
	"stopTimeout":                   "a longer stop timeout slows every deploy",
	"maxSurge":                      "a surge pod needs spare capacity during every rollout",
	"rollingUpdate":                 "a surge pod needs spare capacity during every rollout",
	"terminationGracePeriodSeconds": "a longer grace period slows deletes and rollouts",
	"lifecycle":                     "a preStop sleep slows every pod's shutdown",
	"stop_grace_period":             "a longer grace period slows docker compose stop, down and recreates",
	"deregistration_delay":          "a longer delay slows every deploy",
	"connection_draining_timeout":   "a longer delay slows every deploy",
	"alb.ingress.kubernetes.io/target-group-attributes": "a longer delay slows every deploy",
	"minAvailable":               "a disruption budget can hold up node drains",
	"unhealthyPodEvictionPolicy": "a disruption budget can hold up node drains",
}

// Declare names the settings f changes, as the config writes them ("proxy_read_timeout",
// "minReplicas"): the rules' fix constructors do it; a fix built elsewhere (a test, an
// unused suppression removed: none) says it here. It returns f.
func (f *Fix) Declare(settings ...string) *Fix {
	f.sets = append(f.sets, settings...)
	return f
}

// markUnsafe makes f written only with --unsafe-fixes; it returns f.
func (f *Fix) markUnsafe() *Fix {
	if f != nil {
		f.unsafe = true
	}
	return f
}

// guess makes f a snippet because it holds a value no502 had to guess; why is added to
// its description. It returns f.
func (f *Fix) guess(why string) *Fix {
	if f != nil {
		f.snippetOnly()
		f.Description = withReason(f.Description, why)
	}
	return f
}

// withReason adds why to desc's "(not written: ...)" clause, or opens one: a fix kept
// a snippet for two reasons says both in one clause, not in two parentheses in a row.
func withReason(desc, why string) string {
	const open = " (not written: "
	if i := strings.LastIndex(desc, open); i >= 0 && strings.HasSuffix(desc, ")") && !strings.Contains(desc[i:], ") (") {
		return desc[:len(desc)-1] + "; also, " + why + ")"
	}
	return desc + open + why + ")"
}

// Reject keeps f as a snippet that is not written, saying why: lint --fix calls it for a
// fix that failed its check (it changed a setting it does not name, broke the file, or
// did not settle).
func (f *Fix) Reject(why string) {
	if f == nil || f.manual {
		return
	}
	f.guess(why)
}

// Settings names the fields of the model (parsers.Route.ReadTimeout: "ReadTimeout") the
// fix may change. lint --fix compares the model before and after a round of fixes and
// writes a fix only when every field that changed in an object the fix edits is one of
// these. A fix with no named settings (an unused suppression removed) may change none.
func (f *Fix) Settings() []string {
	if f == nil {
		return nil
	}
	var out []string
	for _, s := range f.sets {
		out = append(out, settingFields[s]...)
	}
	return out
}

// Writes lists the settings the fix writes, as the config writes them.
func (f *Fix) Writes() []string {
	if f == nil {
		return nil
	}
	return append([]string(nil), f.sets...)
}

// guardHostPorts keeps as snippets the fixes that would run more pods of a workload
// whose containers bind a hostPort (more replicas, a surge pod in rollouts): two such pods
// cannot share a node, so a surge pod waits for a free node and a rollout can hang.
func guardHostPorts(m *parsers.Model, findings []Finding) {
	type key struct{ kind, ns, name string }
	var bound map[key]bool
	for i := range findings {
		fix := findings[i].Fix
		if fix == nil || fix.patch == nil || fix.Safety() == FixSnippet {
			continue
		}
		more := false
		for _, s := range fix.sets {
			more = more || s == "replicas" || s == "maxSurge" || s == "rollingUpdate"
		}
		if !more {
			continue
		}
		if bound == nil {
			bound = map[key]bool{}
			for _, w := range m.Workloads {
				for _, c := range w.Containers {
					for _, p := range c.Ports {
						if p.HostPort > 0 {
							bound[key{string(w.Kind), w.Namespace, w.Name}] = true
						}
					}
				}
			}
			if len(bound) == 0 {
				return
			}
		}
		kind, ns, name := patchObject(fix.patch)
		if bound[key{kind, ns, name}] || ns == "" && bound[key{kind, "default", name}] {
			fix.guess("its pods bind a hostPort, so a second pod needs a node of its own (two cannot share one) and may never schedule; drop the hostPort (the Service reaches the pods without it) or make sure a free node is there, then make this change")
		}
	}
}

// guardBarePods makes unsafe the fixes that change the spec of a bare Pod (kind: Pod, no
// controller): the API server refuses a change of a running Pod's spec beyond a few
// fields ("pod updates may not change fields other than `spec.containers[*].image`,
// `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only
// additions to existing tolerations), `spec.terminationGracePeriodSeconds` (allow it to
// be set to 1 if it was previously negative)": ValidatePodUpdate, pkg/apis/core/
// validation), and no fix of no502 changes only those. The fixed file is right, but
// `kubectl apply` of it fails on the running Pod, and applying it means deleting the Pod
// and creating it again, which stops what it serves: the description says so, and the
// fix is written only with --unsafe-fixes. kubectl's client-side dry run does not
// check it (the rule is the API server's).
func guardBarePods(findings []Finding) {
	for i := range findings {
		fix := findings[i].Fix
		if fix == nil || fix.patch == nil || fix.Safety() == FixSnippet {
			continue
		}
		kind, _, name := patchObject(fix.patch)
		if kind != "Pod" || !slices.ContainsFunc(fix.patch, func(kv k8s.KV) bool { return kv.K == "spec" }) {
			continue
		}
		fix.markUnsafe()
		fix.Description += fmt.Sprintf(" (unsafe: Pod %s is a bare Pod, whose spec the API server does not let change in place, so `kubectl apply` of the fixed file is refused: delete the Pod and create it again (kubectl replace --force -f), which stops it meanwhile, or run it under a Deployment)", name)
	}
}

// patchObject reads the kind, namespace and name a patch names (k8s.ObjectPatch).
func patchObject(p k8s.Patch) (kind, ns, name string) {
	for _, kv := range p {
		switch kv.K {
		case "kind":
			kind, _ = kv.V.(string)
		case "metadata":
			if md, ok := kv.V.(k8s.Patch); ok {
				for _, m := range md {
					switch m.K {
					case "name":
						name, _ = m.V.(string)
					case "namespace":
						ns, _ = m.V.(string)
					}
				}
			}
		}
	}
	return kind, ns, name
}

// patchKeys lists every key of a Kubernetes patch, nested ones included.
func patchKeys(p k8s.Patch, out []string) []string {
	for _, kv := range p {
		out = append(out, kv.K)
		switch v := kv.V.(type) {
		case k8s.Patch:
			out = patchKeys(v, out)
		case []k8s.Patch:
			for _, it := range v {
				out = patchKeys(it, out)
			}
		}
	}
	return out
}

// settingFields maps a setting as a config writes it (nginx and Caddy directives,
// Terraform attributes, Kubernetes keys) to the model fields it decides. A key that
// only places a value (spec, metadata, name) decides none. A setting not listed here
// may change nothing, so a fix that writes it is never written: add it here.
//
// A proxy run from a manifest (nginx or Caddy in a ConfigMap) is also that container's
// server: its client keep-alive and its drain are the container's App.KeepAlive and
// App.GracefulTimeout, so the proxy settings name those too.
var settingFields = map[string][]string{
	// nginx
	"proxy_read_timeout":    {"ReadTimeout"},
	"proxy_connect_timeout": {"ConnectTimeout"},
	"proxy_send_timeout":    {"SendTimeout"},
	// The other modules' timeouts are the route's too (Route.Pass names the module).
	"fastcgi_read_timeout":      {"ReadTimeout"},
	"fastcgi_connect_timeout":   {"ConnectTimeout"},
	"fastcgi_send_timeout":      {"SendTimeout"},
	"uwsgi_read_timeout":        {"ReadTimeout"},
	"uwsgi_connect_timeout":     {"ConnectTimeout"},
	"uwsgi_send_timeout":        {"SendTimeout"},
	"scgi_read_timeout":         {"ReadTimeout"},
	"scgi_connect_timeout":      {"ConnectTimeout"},
	"scgi_send_timeout":         {"SendTimeout"},
	"grpc_read_timeout":         {"ReadTimeout"},
	"grpc_connect_timeout":      {"ConnectTimeout"},
	"grpc_send_timeout":         {"SendTimeout"},
	"proxy_next_upstream":       {"Retry"},
	"proxy_next_upstream_tries": {"Retry"},
	// The other modules retry alike (their routes' Retry).
	"fastcgi_next_upstream":       {"Retry"},
	"fastcgi_next_upstream_tries": {"Retry"},
	"uwsgi_next_upstream":         {"Retry"},
	"uwsgi_next_upstream_tries":   {"Retry"},
	"scgi_next_upstream":          {"Retry"},
	"scgi_next_upstream_tries":    {"Retry"},
	"grpc_next_upstream":          {"Retry"},
	"grpc_next_upstream_tries":    {"Retry"},
	"proxy_http_version":          {"HTTPVersion"},
	"proxy_set_header":            {"Headers", "ConnectionHeader"},
	"keepalive_timeout":           {"ClientIdleTimeout", "KeepAliveIdle", "KeepAlive"},
	"max_fails":                   {"MaxFails", "Passive"},
	// A balancing method moved above keepalive (upstream-keepalive-unused) keeps the
	// pool it replaced.
	"least_conn":   {"LBPolicy", "KeepAliveConns", "KeepAliveReplaced"},
	"ip_hash":      {"LBPolicy", "KeepAliveConns", "KeepAliveReplaced"},
	"hash":         {"LBPolicy", "KeepAliveConns", "KeepAliveReplaced"},
	"random":       {"LBPolicy", "KeepAliveConns", "KeepAliveReplaced"},
	"fail_timeout": {"FailTimeout", "Passive"},
	// A route that starts to proxy gets every proxy setting (its defaults).
	"proxy_pass": {"Respond", "Pass", "ProxyPass", "Backend", "Backends", "ReadTimeout", "ConnectTimeout", "SendTimeout", "Retry", "HTTPVersion", "ConnectionHeader", "Headers"},
	// Caddy
	"response_header_timeout": {"ReadTimeout"},
	"read_timeout":            {"ReadTimeout", "KeepAliveIdle"}, // a deadline on idle pooled connections too
	"lb_try_duration":         {"Retry"},
	"fail_duration":           {"Passive", "FailTimeout"},
	"keepalive":               {"KeepAliveIdle"},
	"idle":                    {"ClientIdleTimeout", "KeepAlive"},
	"grace_period":            {"ShutdownTimeout", "GracefulTimeout"},
	"shutdown_delay":          {"ShutdownDelay", "GracefulTimeout"},
	// A respond that becomes a reverse_proxy loses its TakenFirst (only responds keep
	// the paths a sibling handle takes first).
	"reverse_proxy": {"Respond", "Pass", "ProxyPass", "Backend", "Backends", "ReadTimeout", "ConnectTimeout", "SendTimeout", "Retry", "HTTPVersion", "ConnectionHeader", "Headers", "TakenFirst"},
	// Terraform
	"idle_timeout":                       {"ClientIdleTimeout", "ReadTimeout", "KeepAliveIdle"},
	"deregistration_delay":               {"DeregistrationDelay"},
	"connection_draining":                {"DeregistrationDelay"},
	"connection_draining_timeout":        {"DeregistrationDelay"},
	"min_size":                           {"MinReplicas"},
	"max_size":                           {"MaxReplicas"},
	"desired_capacity":                   {"Replicas"},
	"desired_count":                      {"Replicas"},
	"autoscaling_min_capacity":           {"MinReplicas"},
	"min_capacity":                       {"MinReplicas"},
	"max_capacity":                       {"MaxReplicas"},
	"autoscaling_max_capacity":           {"MaxReplicas"},
	"stopTimeout":                        {"TerminationGrace", "StopTimeout"},
	"deployment_maximum_percent":         {"MaxPercent"},
	"deployment_minimum_healthy_percent": {"MinHealthyPercent"},
	"health_check_type":                  {"HealthCheckType"},
	"health_check":                       {"Health"},
	"enabled":                            {"Health"},
	"matcher":                            {"Health"},
	"interval":                           {"Health"},
	"timeout":                            {"Health"},
	"healthy_threshold":                  {"Health"},
	"unhealthy_threshold":                {"Health"},
	// A health check's port (target group) and target (classic ELB): only health-check-wrong-port writes them.
	"port":   {"Health"},
	"target": {"Health"},
	// Kubernetes
	"replicas":                      {"Replicas"},
	"minReplicas":                   {"MinReplicas"},
	"maxReplicas":                   {"MaxReplicas"},
	"minReplicaCount":               {"MinReplicas"}, // a KEDA ScaledObject's floor
	"maxReplicaCount":               {"MaxReplicas"},
	"strategy":                      {"Strategy", "MaxSurge", "MaxUnavailable"},
	"rollingUpdate":                 {"MaxSurge", "MaxUnavailable"},
	"maxSurge":                      {"MaxSurge"},
	"maxUnavailable":                {"MaxUnavailable"},
	"minAvailable":                  {"MinAvailable", "PDBs"},
	"selector":                      {"PDBs"},
	"terminationGracePeriodSeconds": {"TerminationGrace"},
	// Compose
	"stop_grace_period": {"TerminationGrace"},
	"stop_signal":       {"StopSignal"},
	"lifecycle":         {"PreStopDelay"},
	"readinessProbe":    {"Readiness"},
	"livenessProbe":     {"Liveness"},
	"command":           {"Command", "App", "ArgPos"},
	"args":              {"Args", "App", "ArgPos"},
	"env":               {"Env", "App"},
	"nginx.ingress.kubernetes.io/proxy-read-timeout":     {"ReadTimeout"},
	"alb.ingress.kubernetes.io/load-balancer-attributes": {"ClientIdleTimeout", "ReadTimeout", "KeepAliveIdle"},
	"alb.ingress.kubernetes.io/target-group-attributes":  {"DeregistrationDelay"},
	// An NLB Service's target group attributes (the AWS Load Balancer Controller).
	"service.beta.kubernetes.io/aws-load-balancer-target-group-attributes": {"DeregistrationDelay"},
}

// guardOverlays keeps as a snippet a Kubernetes fix of an object that another file of
// the run defines too and sets on the fix's path: a Kustomize overlay's patch of a base
// (or another copy of the object). Kustomize merges the overlay over the base, so the
// change written into the base is overridden there, or merged with it into an object the
// API server rejects (a readiness probe given httpGet in the base and exec in the
// overlay has two handlers). Which definition decides the deployed value is the user's
// layout; a base whose overlays set none of what the fix writes is still fixed.
func guardOverlays(m *parsers.Model, findings []Finding) {
	type key struct{ kind, name string }
	var defined map[key][]*parsers.Workload
	read := map[string]*k8s.Manifest{}
	for i := range findings {
		f := &findings[i]
		fix := f.Fix
		if fix == nil || fix.patch == nil || fix.newObject || fix.SnippetOnly() {
			continue
		}
		if defined == nil {
			defined = map[key][]*parsers.Workload{}
			for _, w := range m.Workloads {
				k := key{string(w.Kind), w.Name}
				defined[k] = append(defined[k], w)
			}
		}
		kind, _, name := patchObject(fix.patch)
		defs := defined[key{kind, name}]
		if len(defs) < 2 {
			continue
		}
		// The definition the fix edits: that of its edits' file, else the first of the
		// files ResolveEdits tries (the finding's, then its related positions').
		own := ""
		for _, e := range fix.Edits {
			own = e.File
		}
		for _, cand := range append([]parsers.Pos{f.Pos}, relatedPositions(f)...) {
			for _, w := range defs {
				if own == "" && w.Pos.File == cand.File {
					own = cand.File
				}
			}
		}
		var ownDef *parsers.Workload
		for _, w := range defs {
			if w.Pos.File == own {
				ownDef = w
			}
		}
		for _, w := range defs {
			path := w.Pos.File
			if path == own || ownDef != nil && apartInKustomize(ownDef, w) {
				continue
			}
			mf, ok := read[path]
			if !ok {
				if file := m.File(path); file != nil && file.Host == "" {
					mf = k8s.ReadManifest(path, file.Src)
				}
				read[path] = mf
			}
			if at := mf.Overlap(fix.patch); at != "" {
				fix.guess(kind + " " + name + " is also defined in " + path + ", which sets " + at +
					" too, and no502 cannot tell which definition is deployed (where one is a Kustomize patch of the other, it overrides this change or merges with it into an invalid object); make the change in the one that decides the deployed value")
				break
			}
		}
	}
}

// structuralKeys only place a Kubernetes patch's values (in every fix's patch):
// a kustomization's patch that names them may set nothing a fix writes.
var structuralKeys = map[string]bool{"apiVersion": true, "kind": true, "metadata": true, "name": true,
	"namespace": true, "spec": true, "template": true, "containers": true, "initContainers": true}

// guardKustomizePatches keeps as a snippet a Kubernetes fix of an object that a
// kustomization of the run patches, at a key the fix writes, with a patch no502 does not
// merge into the object (an inline patch, or a JSON 6902 patch file: k8s.PatchTouches).
// Kustomize applies the patch after the base: the build deploys the patch's value, so
// the change is not what runs, or it merges with the patch into something else (a
// preStop hook written beside an overlay's 5 s grace period that it outlasts). A base
// no kustomization patches at those keys is still fixed (session 18).
func guardKustomizePatches(m *parsers.Model, findings []Finding) {
	var patches []k8s.KustomizePatch
	read := func(path string) ([]byte, bool) {
		if f := m.File(path); f != nil && f.Host == "" {
			return f.Src, true
		}
		return nil, false
	}
	readAll := func() {
		for _, f := range m.Files {
			if k8s.IsKustomization(f.Path) && f.Host == "" {
				patches = append(patches, k8s.KustomizePatches(f.Path, f.Src, read)...)
			}
		}
	}
	once := false
	for i := range findings {
		fix := findings[i].Fix
		if fix == nil || fix.patch == nil || fix.newObject || fix.SnippetOnly() {
			continue
		}
		if !once {
			once = true
			readAll()
		}
		if len(patches) == 0 {
			return
		}
		kind, _, name := patchObject(fix.patch)
		var keys []string
		for _, k := range patchKeys(fix.patch, nil) {
			if !structuralKeys[k] && !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
		if kind == "" || name == "" || len(keys) == 0 {
			continue
		}
		for _, kp := range patches {
			if what, key := kp.Touches(kind, name, keys); what != "" {
				why := kp.File + " patches " + kind + " " + name + " with " + what
				if key != "" {
					why += " that sets " + key
				}
				fix.guess(why + ", which kustomize applies after this definition: the build deploys the patch's value, not this change; make the change in the patch")
				break
			}
		}
	}
}

// apartInKustomize reports whether two definitions of one object never meet in a
// Kustomize build: each is in some build of the run (as a resource or a patch) and no
// build has both, as the patches of two sibling overlays (prod and staging each patching
// the base's replicas). A definition no kustomization lists may meet anything.
func apartInKustomize(a, b *parsers.Workload) bool {
	ra, rb := kustomizeRoots(a), kustomizeRoots(b)
	if len(ra) == 0 || len(rb) == 0 {
		return false
	}
	for _, r := range ra {
		if slices.Contains(rb, r) {
			return false
		}
	}
	return true
}

// kustomizeRoots lists the Kustomize builds (root kustomization files) that include w's
// file, as a resource or as a patch.
func kustomizeRoots(w *parsers.Workload) []string {
	out := slices.Clone(w.PatchedIn)
	for _, b := range w.Builds {
		if !slices.Contains(out, b.Root) {
			out = append(out, b.Root)
		}
	}
	return out
}

// relatedPositions lists the positions of f's related locations.
func relatedPositions(f *Finding) []parsers.Pos {
	out := make([]parsers.Pos, 0, len(f.Related))
	for _, r := range f.Related {
		out = append(out, r.Pos)
	}
	return out
}

// guardSharedText keeps as snippets the fixes with an edit inside text that is read into
// more than one place (parsers.File.Shared: a Kubernetes mapping that YAML merge keys
// merge into others): the edit would change each of them. Terraform fixes say so when
// they are made (tfFix); this covers the edits rules compute from a setting's position
// (k8s.ReplaceScalar).
func guardSharedText(m *parsers.Model, findings []Finding) {
	for i := range findings {
		fix := findings[i].Fix
		if fix == nil || fix.Safety() == FixSnippet || fix.leader != nil {
			continue
		}
		for _, e := range fix.Edits {
			end := e.End
			if end < e.Start {
				end = e.Start
			}
			if span, ok := sharedSpan(m, parsers.ByteRange(e.File, e.Start, end)); ok {
				fix.guess(fmt.Sprintf("the value is in %s, a mapping merged in with a YAML merge key (<<), whose text every mapping that merges it reads: set the value by hand in the mapping that needs it", span.Short()))
				break
			}
		}
	}
}
