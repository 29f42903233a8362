package rules

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/k8s"
)

func init() {
	Register(singleReplica, hpaMinReplicas, rolloutTakesAllDown, pdbMissing)
}

const k8sReplicaSources = `
## Sources

- Deployment replicas default 1, maxUnavailable 25%, maxSurge 25%:
  https://github.com/kubernetes/kubernetes/blob/023f88a/pkg/apis/apps/v1/defaults.go (` + "`SetDefaults_Deployment`" + `)
- PDBs limit evictions only (node drains), not rollouts or deletions:
  https://kubernetes.io/docs/concepts/workloads/pods/disruptions/
- Rolling update rounding (maxUnavailable rounds down, maxSurge up):
  https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
- DaemonSet maxUnavailable: default 1, a percentage of the nodes rounded up (apps/v1
  RollingUpdateDaemonSet):
  https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/daemon-set-v1/
`

var singleReplica = &Rule{
	ID:       "single-replica",
	Category: Replicas,
	Severity: Warning,
	Summary:  "A served Deployment or StatefulSet runs one replica and no autoscaler keeps it at two or more",
	Formats:  []string{parsers.FormatK8s},
	Doc: `# single-replica

A Deployment or StatefulSet that a Service routes to runs a single pod (` + "`replicas: 1`" + `, or
no replicas field, which defaults to 1) and no HorizontalPodAutoscaler keeps it at 2 or more.
Every node drain, eviction or crash of that one pod leaves the Service without a ready
endpoint: the ingress or load balancer answers 502/503 until a new pod is ready. So does
every rollout, unless it starts the new pod first: the default rolling update of a 1-pod
Deployment does (maxSurge 25% rounds up to 1 pod, maxUnavailable 25% down to 0), and the
message then leaves rollouts out. A StatefulSet's rolling update deletes the pod before
creating its replacement; with ` + "`updateStrategy: OnDelete`" + ` no rollout replaces it, and the
message names the deletion that updates it instead. A PodDisruptionBudget that allows no eviction of the one
pod (` + "`minAvailable: 1`" + `, ` + "`maxUnavailable: 0`" + `) keeps node drains from taking it down: they wait on
it until it is forced out (a managed upgrade does after its timeout), and the message says
so instead of counting drains among the causes.

` + "`replicas: 0`" + ` is a deliberate scale-down and is not flagged; neither is a workload no
Service selects, nor a DaemonSet.

A KEDA ScaledObject is the autoscaler of its target (KEDA makes and owns its
HorizontalPodAutoscaler): with ` + "`minReplicaCount`" + ` 2 or more the workload is not single,
whatever its replicas field says; with 1 it is the autoscaler's floor that hpa-min-replicas
reports. Scaling to zero (the default ` + "`minReplicaCount: 0`" + `, or ` + "`idleReplicaCount: 0`" + `) is the
scaler's deliberate choice, which neither rule judges, and neither is a paused ScaledObject;
a ` + "`replicas: 2`" + ` would be undone by the autoscaler. A KEDA HTTP add-on HTTPScaledObject is
read the same way: its operator makes a ScaledObject for the target with
` + "`minReplicaCount`" + ` from ` + "`spec.replicas.min`" + ` (not written: 0), unless the annotation
` + "`httpscaledobject.keda.sh/skip-scaledobject-creation: \"true\"`" + ` leaves the scaling to a
ScaledObject of your own.

A Kustomize tree linted as it is (base/ and overlays/ in one run) is read through its
kustomization files: each kustomization that no other one of the run includes is a build,
and the count it deploys is the base's own unless its patches (strategic-merge patch
files, JSON 6902 patches, inline or in a file the run holds, that replace or add
` + "`/spec/replicas`" + ` of one named target) or ` + "`replicas:`" + ` entries set another. A base whose every build sets 2 or more is not
reported; one that some builds keep at 1 is, naming them; an overlay that sets 1 is
reported at its patch, and the fix edits that patch. An autoscaler or a
PodDisruptionBudget in a file that only some builds list (an overlay's ` + "`hpa.yaml`" + `) is
part of those builds only: the others keep their own count and drains. A build whose count a patch no502
does not read may set (a JSON 6902 patch file the run does not hold, or one that removes
the count, another inline patch that mentions replicas,
a target that is a pattern or a label selector, a component) counts as unknown and makes no
finding. Patch targets match as kustomize matches them: kind and name are anchored regular
expressions (` + "`web.*`" + ` selects ` + "`web`" + `).

The count is the Service's, not the workload's: a Service that selects several
Deployments (reviews-v1, -v2 and -v3 behind ` + "`reviews`" + `) has all their pods, and a
workload that shares a Service with other pods is one version of an app, not reported.
Objects written in one file are taken to be meant for each other, so the examples of a
repository that share labels do not count each other's pods.

When the Deployment's rollout would also stop that pod before its replacement is ready
(` + "`strategy.type: Recreate`" + `, or a ` + "`maxUnavailable`" + ` that still covers 2 pods), it is one
outage and one finding: the message names the strategy and the fix also rolls new pods
before old ones (rollout-takes-all-down reports Deployments of 2 or more pods).

**Fix:** run at least two replicas (` + "`replicas: 2`" + `), or add an HPA with ` + "`minReplicas: 2`" + `.
A count with a comment above it is not written over: the snippet quotes the
comment (one pod is often deliberate, and the reason is written next to it).

When the pods mount a PersistentVolumeClaim that is not ReadWriteMany (or whose object is
not among the linted files), a second pod on another node could not attach it: the finding
says so and offers the patch as a snippet only, since the state has to move first. A
StatefulSet's fix is a snippet too: each of its pods keeps its own state, so a second pod
is a second copy of the data unless the app replicates it.
` + k8sClientsDoc + k8sReplicaSources,
	Run: runSingleReplica,
}

func runSingleReplica(p *Pass) {
	for _, w := range servedK8sFact.Of(p) {
		if w.Kind != parsers.Deployment && w.Kind != parsers.StatefulSet && w.Kind != parsers.Rollout {
			continue
		}
		builds := w.Builds
		if w.MinReplicas.Known() || w.MinReplicas.Unknown {
			// An autoscaler owns the count; hpa-min-replicas covers its floor. In a
			// Kustomize tree, an autoscaler one overlay adds leaves the other builds
			// their own count.
			builds = w.BuildsLacking(w.MinReplicas.Pos.File)
			if len(builds) == 0 || !w.MinReplicas.Pos.IsValid() {
				continue
			}
		}
		// Count what the Service has, not what this workload has: reviews-v1 with one pod
		// behind Service reviews, which also selects reviews-v2 and -v3, is not alone.
		alone := soleServices(w)
		if len(alone) == 0 {
			continue
		}
		for _, site := range replicaSites(w, builds) {
			reportSingleReplica(p, w, alone, site)
		}
	}
}

// reportSingleReplica reports w, running one pod as site says, behind Services alone
// that have no other pod.
func reportSingleReplica(p *Pass, w *parsers.Workload, alone []*parsers.Service, site replicaSite) {
	pos, what := w.Pos, "no replicas field (Kubernetes default 1)"
	if site.rep.Explicit() {
		pos, what = site.rep.Pos, withPos(site.rep.Text, site.rep.Pos, p.ownLine(site.rep.Pos))
	}
	what += site.note
	causes, blocked := outageCauses(w), ""
	if pdb, how := drainBlocker(p, w, site.builds); pdb != nil {
		// Evictions of the pod are refused: a drain waits on it instead of taking
		// it down, until someone (a managed upgrade after its timeout) forces it.
		causes = strings.Replace(causes, "node drain or crash", "crash", 1)
		causes = strings.Replace(causes, ", crash", " or crash", 1)
		blocked = fmt.Sprintf(" A node drain does not evict it: PodDisruptionBudget %s %s, so drains and cluster upgrades wait on this pod until it is forced out, with the same outage.", pdb.Name, how)
	}
	if claims := unshareableClaims(w); len(claims) > 0 {
		// A second pod on another node could not mount the volume: the count alone is
		// not the fix, so there is no edit for --fix to apply.
		also := ""
		if rollout, _ := rolloutStopsAll(w, 2); rollout != "" {
			also = fmt.Sprintf(" (which is likely why it uses %s, stopping the pod before its replacement on every rollout)", rollout)
		}
		p.Report(Finding{
			Pos: pos,
			Message: fmt.Sprintf("%s runs a single pod, %s, and %s %s no other pod: every %s of that pod leaves %s with no ready endpoint and %s until a new pod is ready.%s Its pods mount %s, which a second pod on another node cannot attach%s, so replicas: 2 alone would leave that pod stuck. Move the state out of the pod (a database, object storage) or onto ReadWriteMany storage, then run 2 replicas.",
				workloadName(w), what, servicesNamed(alone), verbFor(alone, "has", "have"), causes, theServicesOf(alone), p.noEndpointClients(w, itOf(alone)), blocked, describeClaims(claims), also),
			Related: append(claimRelated(claims), relatedOf(alone)...),
			Fix: k8sSnippetFix("run 2 replicas (not written: a second pod on another node cannot attach the volume this one holds; move the state off the pod or onto ReadWriteMany storage, then set replicas: 2)",
				k8s.ObjectPatch(string(w.Kind), w.Namespace, w.Name, k8s.KV{K: "spec", V: k8s.Patch{}.Set("replicas", 2)})),
		})
		return
	}
	if w.Kind == parsers.StatefulSet {
		// Each pod of a StatefulSet keeps its own state: a second one is a second
		// database, not a replica, unless the app replicates. Not an edit to apply blind.
		p.Report(Finding{
			Pos: pos,
			Message: fmt.Sprintf("%s runs a single pod, %s, and %s %s no other pod: every %s of that pod leaves %s with no ready endpoint and %s until a new pod is ready.%s A StatefulSet's pods each keep their own state, so run 2 replicas once the app replicates or shares its state (or serves without any).",
				workloadName(w), what, servicesNamed(alone), verbFor(alone, "has", "have"), causes, theServicesOf(alone), p.noEndpointClients(w, itOf(alone)), blocked),
			Related: relatedOf(alone),
			Fix: k8sSnippetFix("run 2 replicas (not written: no502 cannot tell whether the app of "+workloadName(w)+" replicates its state or keeps none; make sure it does, then set replicas: 2)",
				k8s.ObjectPatch(string(w.Kind), w.Namespace, w.Name, k8s.KV{K: "spec", V: k8s.Patch{}.Set("replicas", 2)})),
		})
		return
	}
	// One cause, one finding: a rollout that stops every pod (Recreate, maxUnavailable
	// covering them) of a single-pod Deployment is the same outage, said here with both
	// fixes; rollout-takes-all-down reports only Deployments of 2 or more pods.
	if rollout, related := rolloutStopsAll(w, 2); rollout != "" {
		strategy := noDownStrategy(w)
		p.Report(Finding{
			Pos: pos,
			Message: fmt.Sprintf("%s runs a single pod, %s, and %s %s no other pod: every %s of that pod leaves %s with no ready endpoint and %s until a new pod is ready, and %s stops it before its replacement is ready on every rollout.%s Run at least 2 replicas and roll them one at a time, new before old (maxUnavailable: 0, maxSurge: 1).",
				workloadName(w), what, servicesNamed(alone), verbFor(alone, "has", "have"), strings.TrimPrefix(strings.TrimPrefix(causes, "rollout, "), "rollout or "), theServicesOf(alone), p.noEndpointClients(w, itOf(alone)), rollout, blocked),
			Related: append(relatedOf(alone), related...),
			Fix: k8sFix("run 2 replicas, rolled new before old",
				k8s.ObjectPatch(string(w.Kind), w.Namespace, w.Name, k8s.KV{K: "spec", V: k8s.Patch{}.Set("replicas", 2).Set("strategy", strategy)})),
		})
		return
	}
	fix := k8sFix("run 2 replicas",
		k8s.ObjectPatch(string(w.Kind), w.Namespace, w.Name, k8s.KV{K: "spec", V: k8s.Patch{}.Set("replicas", 2)}),
		k8s.ReplaceScalar(w.Replicas.Pos, "2")...)
	switch {
	case site.entry:
		// A replicas: entry of a kustomization: not a manifest the fixes edit.
		where := "set count: 2 in the replicas: entry of "
		if strings.Contains(site.rep.Text, "JSON 6902") {
			where = "set value: 2 in the JSON 6902 patch of "
		}
		fix = k8sSnippetFix("run 2 replicas: "+where+site.rep.Pos.File,
			k8s.ObjectPatch(string(w.Kind), w.Namespace, w.Name, k8s.KV{K: "spec", V: k8s.Patch{}.Set("replicas", 2)}))
	case site.rep.Pos.IsValid() && site.rep.Pos.File != w.Pos.File:
		// An overlay's patch sets the count: the edit goes there, where that build
		// takes it from. (A count nobody wrote has no position: the edit goes in the
		// workload's own spec, as above.)
		fix = k8sFix("run 2 replicas (in the overlay's patch, which decides this build's count)",
			k8s.ObjectPatch(string(w.Kind), w.Namespace, w.Name, k8s.KV{K: "spec", V: k8s.Patch{}.Set("replicas", 2)}),
			k8s.ReplaceScalar(site.rep.Pos, "2")...)
	}
	if site.rep.Pos.IsValid() && !site.entry {
		fix = explainedCount(p, fix, site.rep.Pos, fmt.Sprintf("replicas: %d", site.rep.Value))
	}
	p.Report(Finding{
		Pos: pos,
		Message: fmt.Sprintf("%s runs a single pod, %s, and %s %s no other pod: every %s of that pod leaves %s with no ready endpoint and %s until a new pod is ready.%s Run at least 2 replicas.",
			workloadName(w), what, servicesNamed(alone), verbFor(alone, "has", "have"), causes, theServicesOf(alone), p.noEndpointClients(w, itOf(alone)), blocked),
		Related: append(relatedOf(alone), site.related...),
		Fix:     fix,
	})
}

// replicaSite is a place that makes w run a single pod: its own replicas field (or its
// absence), or, in a Kustomize tree, an overlay's patch or replicas: entry that sets 1.
type replicaSite struct {
	rep   parsers.Setting[int]
	note  string // which Kustomize builds take the count from there, for the message
	entry bool   // a replicas: entry (or an inline JSON 6902 patch) of a kustomization file
	// related points at the base object when the count is an overlay's.
	related []Related
	// builds are the Kustomize builds that deploy the count from there (none outside a
	// Kustomize tree).
	builds []parsers.Build
}

// replicaSites returns where w's count of 1 comes from. Without a Kustomize build of the
// run that includes it, its own field. Otherwise each build decides (parsers.Build): the
// builds that keep the base's 1 make one site there, naming them; each overlay setting
// that sets 1 is a site of its own. A build that sets 2 or more, or whose count a patch
// no502 cannot read may set, makes none: a base whose every build overrides its count
// is deployed by none of them as it is.
func replicaSites(w *parsers.Workload, builds []parsers.Build) []replicaSite {
	if len(w.Builds) == 0 {
		if w.Replicas.Known() && w.Replicas.Value == 1 {
			return []replicaSite{{rep: w.Replicas}}
		}
		return nil
	}
	var out []replicaSite
	at := map[parsers.Pos]int{}
	for _, b := range builds {
		if !b.Replicas.Known() || b.Replicas.Value != 1 {
			continue
		}
		i, ok := at[b.Replicas.Pos]
		if !ok {
			i = len(out)
			at[b.Replicas.Pos] = i
			site := replicaSite{rep: b.Replicas}
			if b.Replicas.Pos != w.Replicas.Pos {
				site.entry = k8s.IsKustomization(b.Replicas.Pos.File)
				site.related = []Related{{Pos: w.Pos, Message: "the " + workloadName(w) + " this build patches"}}
			}
			out = append(out, site)
		}
		out[i].note = appendBuild(out[i].note, filepath.Dir(b.Root))
		out[i].builds = append(out[i].builds, b)
	}
	// The kustomization beside the file, built as it is, adds nothing to say.
	if len(out) == 1 && !out[0].entry && out[0].related == nil && len(w.Builds) == 1 && filepath.Dir(w.Builds[0].Root) == filepath.Dir(w.Pos.File) {
		out[0].note = ""
		return out
	}
	for i := range out {
		out[i].note = " in the Kustomize build of " + out[i].note
	}
	return out
}

// buildsWith returns the Kustomize builds of w that include file (an autoscaler's): all of
// them when every build does or none does (BuildsLacking).
func buildsWith(w *parsers.Workload, file string) []parsers.Build {
	lacking := w.BuildsLacking(file)
	if lacking == nil {
		return w.Builds
	}
	var out []parsers.Build
	for _, b := range w.Builds {
		if !slices.ContainsFunc(lacking, func(l parsers.Build) bool { return l.Root == b.Root }) {
			out = append(out, b)
		}
	}
	return out
}

// appendBuild adds the kustomization file root to a list of builds for a message.
func appendBuild(list, root string) string {
	if list == "" {
		return root
	}
	return list + ", " + root
}

var hpaMinReplicas = &Rule{
	ID:       "hpa-min-replicas",
	Category: Replicas,
	Severity: Warning,
	Summary:  "An autoscaler of a served workload may scale it down to a single pod (minReplicas below 2)",
	Formats:  []string{parsers.FormatK8s},
	Doc: `# hpa-min-replicas

A HorizontalPodAutoscaler whose ` + "`minReplicas`" + ` is below 2 (absent means 1) targets a workload a
Service routes to. At low load the autoscaler scales it to one pod, and then every node
drain or crash of that pod leaves the Service with no ready endpoint (502/503), and so does
every rollout unless it starts the new pod first (see single-replica). A
PodDisruptionBudget that allows no eviction of that one pod keeps drains waiting on it
instead, and the message says so, as single-replica's does.

Like single-replica it counts the Service's pods: an autoscaled version of an app whose
Service also has other workloads' pods is not reported.

A KEDA ScaledObject with ` + "`minReplicaCount: 1`" + ` is the same floor (KEDA makes the HPA with
minReplicas 1) and is reported at that line, its fix ` + "`minReplicaCount: 2`" + `. Scaling to zero
(` + "`minReplicaCount: 0`" + `, the default, or ` + "`idleReplicaCount: 0`" + `) and a paused ScaledObject
(` + "`autoscaling.keda.sh/paused`" + `, ` + "`paused-replicas`" + `) are not judged. An HTTPScaledObject of the
KEDA HTTP add-on with ` + "`replicas.min: 1`" + ` is reported there too; its fix, ` + "`replicas.min: 2`" + `, is a
snippet.

**Fix:** ` + "`minReplicas: 2`" + ` (and ` + "`maxReplicas`" + ` at least as high); a snippet when a comment
above the floor explains it, as for single-replica.

` + k8sClientsDoc + k8sReplicaSources + `- HPA minReplicas defaults to 1: autoscaling/v2 API reference,
  https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/horizontal-pod-autoscaler-v2/
- KEDA ScaledObject: minReplicaCount defaults to 0, maxReplicaCount to 100, scaleTargetRef
  to a Deployment: https://keda.sh/docs/2.16/reference/scaledobject-spec/
- KEDA HTTP add-on: the ScaledObject made from an HTTPScaledObject takes replicas.min and
  .max (kedacore/http-add-on operator/controllers/http/scaled_object.go;
  docs/ref/v0.13.0/http_scaled_object.md)
`,
	Run: runHPAMinReplicas,
}

func runHPAMinReplicas(p *Pass) {
	reported := map[parsers.Pos]bool{} // one finding per autoscaler, however many copies of its target
	for _, w := range servedK8sFact.Of(p) {
		min := w.MinReplicas
		if !min.Known() || min.Value >= 2 || !min.Pos.IsValid() || reported[min.Pos] {
			continue
		}
		if len(soleServices(w)) == 0 {
			continue // its Services have other workloads' pods too (see single-replica)
		}
		reported[min.Pos] = true
		kind, ns, name := hpaName(min.ViaNote())
		// A KEDA ScaledObject's floor and ceiling are minReplicaCount and maxReplicaCount.
		minKey, maxKey := "minReplicas", "maxReplicas"
		switch kind {
		case "ScaledObject":
			minKey, maxKey = "minReplicaCount", "maxReplicaCount"
		case "HTTPScaledObject":
			minKey, maxKey = "min", "max"
		}
		spec := k8s.Patch{}.Set(minKey, 2)
		if w.MaxReplicas.Known() && w.MaxReplicas.Value < 2 {
			spec = spec.Set(maxKey, 2)
		}
		var edits []parsers.Edit
		if kind == "HTTPScaledObject" {
			// The KEDA HTTP add-on's floor is replicas.min (and its ceiling replicas.max),
			// nested under spec: the fix stays a snippet.
			spec = k8s.Patch{}.Set("replicas", spec)
			minKey = "replicas.min"
		} else if k8sKeyAt(p.Model, min.Pos) == minKey {
			edits = k8s.ReplaceScalar(min.Pos, "2")
			if max := w.MaxReplicas; max.Known() && max.Value < 2 {
				// minReplicas above maxReplicas: the API rejects the object. Both, or
				// the patch merged.
				edits = nil
				if max.Explicit() && k8sKeyAt(p.Model, max.Pos) == maxKey {
					edits = append(k8s.ReplaceScalar(min.Pos, "2"), k8s.ReplaceScalar(max.Pos, "2")...)
				}
			}
		}
		causes, blocked := outageCauses(w), ""
		if pdb, how := drainBlocker(p, w, buildsWith(w, min.Pos.File)); pdb != nil {
			// At its floor of one pod, a budget that allows no eviction keeps drains
			// waiting on it (see single-replica).
			causes = strings.Replace(causes, "node drain or crash", "crash", 1)
			causes = strings.Replace(causes, ", crash", " or crash", 1)
			blocked = fmt.Sprintf(" A node drain does not evict that pod: PodDisruptionBudget %s %s, so drains and cluster upgrades wait on it until it is forced out, with the same outage.", pdb.Name, how)
		}
		p.Report(Finding{
			Pos: min.Pos,
			Message: fmt.Sprintf("%s %s lets %s scale down to %d pod (%s): at low load a %s of that pod leaves %s with no ready endpoint and %s.%s Set %s: 2.",
				kind, name, workloadName(w), min.Value, listPos(min.Text, min.Pos, p.ownLine(min.Pos)), causes, servicesNamed(w.Services), p.noEndpointClients(w, itOf(w.Services)), blocked, minKey),
			Related: append([]Related{{Pos: w.Pos, Message: "the autoscaled " + workloadName(w)}}, serviceRelated(w)...),
			Fix:     explainedCount(p, k8sFix("keep at least 2 pods", k8s.ObjectPatch(kind, ns, name, k8s.KV{K: "spec", V: spec}), edits...), min.Pos, fmt.Sprintf("%s: %d", minKey, min.Value)),
		})
	}
}

// explainedCount keeps fix as a snippet when the count it raises carries a comment (the
// lines right above it): someone explained that value there, and
// one pod is often deliberate (plausible/community-edition: "Plausible is not currently
// designed to run in a clustered scenario. Increasing the replicas of this deployment is
// highly NOT recommended!" above replicas: 1). The fix would write 2 under that sentence.
func explainedCount(p *Pass, fix *Fix, at parsers.Pos, entry string) *Fix {
	f := p.Model.File(at.File)
	if f == nil || fix == nil || fix.SnippetOnly() {
		return fix
	}
	c := k8s.EntryComment(f.Src, int(at.Offset))
	if c == "" {
		return fix
	}
	if r := []rune(c); len(r) > 160 {
		c = string(r[:157]) + "..."
	}
	return fix.guess(fmt.Sprintf("the comment at %s (%s:%d) says %q: read it before adding pods", entry, at.File, at.Line, c))
}

// hpaName reads "from HorizontalPodAutoscaler ns/name" (or "from ScaledObject ns/name"),
// the ViaNote parsers/k8s puts on MinReplicas.
func hpaName(note string) (kind, ns, name string) {
	kind, s, _ := strings.Cut(strings.TrimPrefix(note, "from "), " ")
	ns, name, _ = strings.Cut(s, "/")
	return kind, ns, name
}

var rolloutTakesAllDown = &Rule{
	ID:       "rollout-takes-all-down",
	Category: Replicas,
	Severity: Warning,
	Summary:  "A rollout can stop every pod of a served Deployment or DaemonSet at once (Recreate, or maxUnavailable covering all replicas)",
	Formats:  []string{parsers.FormatK8s},
	Doc: `# rollout-takes-all-down

` + "`strategy.type: Recreate`" + ` deletes every pod of a Deployment before creating the new ones; a
rolling update whose ` + "`maxUnavailable`" + ` is at least the replica count (or 100%) may do the same.
During every rollout the Service then has no ready endpoint and requests get 502/503.

Only Deployments of 2 or more pods are reported here: a single pod is reported once, by
single-replica, whose message and fix include the strategy. Nor is a Deployment whose
Services also route to other workloads' pods (a canary beside its stable version).

A DaemonSet behind a Service is reported when its ` + "`updateStrategy.rollingUpdate.maxUnavailable`" + `
is a percentage of 100 or more: a percentage of the nodes, rounded up, so every node's pod
stops at once however many nodes there are. An integer is not judged (the node count is
not in the manifests), nor is ` + "`OnDelete`" + `, which replaces no pod by itself. Its fix, the default
` + "`maxUnavailable: 1`" + `, is unsafe: a rollout then takes one step per node.

An Argo Rollouts canary is judged by its ` + "`maxUnavailable`" + ` only without traffic routing: with
` + "`trafficRouting`" + ` the controller keeps the stable ReplicaSet at full scale until the canary is
promoted and those fields do not apply (new pods come first, as in a blue-green), and with
` + "`dynamicStableScale: true`" + ` as well the stable pods go as the canary's weight grows, which is
not judged.

**Fix:** ` + "`type: RollingUpdate`" + ` with ` + "`maxUnavailable: 0`" + ` and ` + "`maxSurge: 1`" + ` (new pods become ready before
old ones go).

When the pods mount a PersistentVolumeClaim that is not ReadWriteMany (or whose object is
not among the linted files), Recreate is how the Deployment avoids a rollout that hangs on
the volume: the finding is then ` + "`info`" + `, and says that the state has to move out of the pod
(or onto ReadWriteMany storage) before rolling without downtime.
` + k8sClientsDoc + k8sReplicaSources,
	Run: runRolloutTakesAllDown,
}

func runRolloutTakesAllDown(p *Pass) {
	for _, w := range servedK8sFact.Of(p) {
		if w.Kind == parsers.DaemonSet {
			daemonSetTakesAllDown(p, w)
			continue
		}
		if w.Kind != parsers.Deployment && w.Kind != parsers.Rollout || !w.Strategy.Known() {
			continue
		}
		n, ok := effectiveReplicas(w)
		if !ok || n < 2 {
			// One pod: single-replica (or hpa-min-replicas) reports the outage, with the
			// strategy when it stops that pod too.
			continue
		}
		if len(soleServices(w)) == 0 {
			continue // other workloads' pods keep every Service answering
		}
		fixStrategy := noDownStrategy(w)
		patch := k8s.ObjectPatch(string(w.Kind), w.Namespace, w.Name, k8s.KV{K: "spec", V: k8s.Patch{}.Set("strategy", fixStrategy)})
		if w.Strategy.Value == "Recreate" {
			if claims := unshareableClaims(w); len(claims) > 0 {
				// Recreate is how a Deployment with a ReadWriteOnce volume avoids a rollout
				// that hangs on the volume: a known trade-off, reported as info, no edit.
				p.Report(Finding{
					Pos:      w.Strategy.Pos,
					Severity: Info,
					Message: fmt.Sprintf("%s stops all %s of %s before starting new ones: during every rollout %s %s no ready endpoint and %s. Its pods mount %s, which is likely why: a new pod on another node cannot attach it while the old one holds it, so a RollingUpdate could hang. To deploy without downtime, move the state out of the pod (a database, object storage) or onto ReadWriteMany storage, then roll with maxUnavailable: 0.",
						withPos(w.Strategy.Text, w.Strategy.Pos, p.ownLine(w.Strategy.Pos)), plural(n, "pod"), workloadName(w), servicesNamed(w.Services), verbFor(w.Services, "has", "have"), p.noEndpointClients(w, itOf(w.Services)), describeClaims(claims)),
					Related: claimRelated(claims),
					Fix:     k8sSnippetFix("roll pods one at a time, new before old (not written: the new pod cannot attach the volume while the old one holds it, so the rollout would hang; move the state off the pod or onto ReadWriteMany storage first)", patch),
				})
				continue
			}
			p.Report(Finding{
				Pos: w.Strategy.Pos,
				Message: fmt.Sprintf("%s stops all %s of %s before starting new ones: during every rollout %s %s no ready endpoint and %s. Use a RollingUpdate with maxUnavailable: 0 so new pods are ready before old ones go.",
					withPos(w.Strategy.Text, w.Strategy.Pos, p.ownLine(w.Strategy.Pos)), plural(n, "pod"), workloadName(w), servicesNamed(w.Services), verbFor(w.Services, "has", "have"), p.noEndpointClients(w, itOf(w.Services))),
				Fix: k8sFix("roll pods one at a time, new before old", patch),
			})
			continue
		}
		mu := w.MaxUnavailable
		if !mu.Known() {
			continue
		}
		down, ok := intOrPercent(mu.Value, n, false)
		if !ok || down < n {
			continue
		}
		pos := mu.Pos
		if !pos.IsValid() {
			pos = w.Pos
		}
		p.Report(Finding{
			Pos: pos,
			Message: fmt.Sprintf("%s lets a rollout of %s take down %d of its %s at once: %s can be left with no ready endpoint and %s. Set maxUnavailable: 0 (with maxSurge: 1) so new pods are ready before old ones go.",
				describeAt(mu, p.ownLine(pos)), workloadName(w), min(down, n), plural(n, "pod"), servicesNamed(w.Services), p.noEndpointClients(w, itOf(w.Services))),
			Fix: k8sFix("roll pods one at a time, new before old",
				k8s.ObjectPatch(string(w.Kind), w.Namespace, w.Name, k8s.KV{K: "spec", V: k8s.Patch{}.Set("strategy", k8s.Patch{}.Set(rollingKey(w), k8s.Patch{}.Set("maxUnavailable", 0).Set("maxSurge", 1)))})),
		})
	}
}

// daemonSetTakesAllDown reports a DaemonSet behind a Service whose rolling update stops
// its pod on every node at once: a maxUnavailable percentage of 100 or more (a
// percentage of the nodes, rounded up: all of them however many there are). An integer
// is compared with a node count the manifests do not give: not judged. OnDelete replaces
// no pod by itself.
func daemonSetTakesAllDown(p *Pass, w *parsers.Workload) {
	if !w.Strategy.Known() || w.Strategy.Value != "RollingUpdate" || !w.MaxUnavailable.Explicit() || !w.MaxUnavailable.Known() {
		return
	}
	v := strings.TrimSpace(w.MaxUnavailable.Value)
	pct, err := strconv.Atoi(strings.TrimSuffix(v, "%"))
	if !strings.HasSuffix(v, "%") || err != nil || pct < 100 {
		return
	}
	alone := soleServices(w)
	if len(alone) == 0 {
		return // other workloads' pods keep its Services answering
	}
	mu := w.MaxUnavailable
	fix := k8sFix("replace the pod of one node at a time (the Kubernetes default)",
		k8s.ObjectPatch(string(w.Kind), w.Namespace, w.Name, k8s.KV{K: "spec", V: k8s.Patch{}.Set("updateStrategy", k8s.Patch{}.Set("rollingUpdate", k8s.Patch{}.Set("maxUnavailable", 1)))}),
		k8s.ReplaceScalar(mu.Pos, "1")...)
	// One node at a time makes a rollout over many nodes last much longer than one
	// that replaced them all at once: a change of pace the user may count on.
	fix.markUnsafe()
	fix.Description += " (unsafe: a rollout then replaces one node's pod at a time, so it takes as many steps as there are nodes)"
	p.Report(Finding{
		Pos: mu.Pos,
		Message: fmt.Sprintf("%s lets a rollout of %s stop its pod on every node at once (a percentage of the nodes, rounded up): %s %s no ready endpoint until the new pods are ready, and requests get 502/503. Set maxUnavailable: 1 (the default), or maxSurge: 1 with maxUnavailable: 0 (pods without hostPort) so each node's new pod is ready before its old one stops.",
			describeAt(mu, p.ownLine(mu.Pos)), workloadName(w), servicesNamed(alone), verbFor(alone, "has", "have")),
		Related: relatedOf(alone),
		Fix:     fix,
	})
}

// noDownStrategy is the strategy that never has fewer pods serving than replicas: a
// Deployment's RollingUpdate, an Argo Rollout's canary, with maxUnavailable 0 and
// maxSurge 1.
func noDownStrategy(w *parsers.Workload) k8s.Patch {
	steps := k8s.Patch{}.Set("maxUnavailable", 0).Set("maxSurge", 1)
	if w.Kind == parsers.Rollout {
		return k8s.Patch{}.Set("canary", steps)
	}
	return k8s.Patch{}.Set("type", "RollingUpdate").Set("rollingUpdate", steps)
}

// rollingKey is where a workload's strategy keeps maxUnavailable and maxSurge: a
// Deployment's rollingUpdate, an Argo Rollout's canary.
func rollingKey(w *parsers.Workload) string {
	if w.Kind == parsers.Rollout {
		return "canary"
	}
	return "rollingUpdate"
}

// unshareableClaims returns the PersistentVolumeClaims w's pods mount that pods on two
// nodes cannot use at once: ReadWriteOnce (or ReadWriteOncePod), or a claim whose object
// is not among the linted files (most storage classes give ReadWriteOnce).
func unshareableClaims(w *parsers.Workload) []*parsers.Claim {
	var out []*parsers.Claim
	for _, c := range w.Claims {
		if !c.Shareable() {
			out = append(out, c)
		}
	}
	return out
}

// describeClaims names claims with their access mode: "PersistentVolumeClaim data
// (ReadWriteOnce)".
func describeClaims(cs []*parsers.Claim) string {
	var parts []string
	for _, c := range cs {
		mode := "access mode not in the linted files; most storage classes give ReadWriteOnce"
		if len(c.AccessModes) > 0 {
			mode = strings.Join(c.AccessModes, ", ")
		} else if c.AccessModes != nil {
			mode = "no accessModes"
		}
		parts = append(parts, fmt.Sprintf("PersistentVolumeClaim %s (%s)", c.Name, mode))
	}
	return strings.Join(parts, " and ")
}

func claimRelated(cs []*parsers.Claim) []Related {
	var out []Related
	for _, c := range cs {
		out = append(out, Related{Pos: c.Pos, Message: "the pods mount PersistentVolumeClaim " + c.Name})
	}
	return out
}

var pdbMissing = &Rule{
	ID:       "pdb-missing",
	Category: Replicas,
	Severity: Info,
	Summary:  "A served workload with 2+ replicas has no PodDisruptionBudget, or one that lets every pod be evicted at once",
	Formats:  []string{parsers.FormatK8s},
	Doc: `# pdb-missing

A workload a Service routes to runs 2 or more pods but no PodDisruptionBudget limits
evictions, or its PDB allows all of them to be evicted at once (` + "`maxUnavailable`" + ` covering every
replica, ` + "`minAvailable: 0`" + `). A node drain (cluster upgrade, node autoscaler scale-down) may then
evict every pod together, leaving the Service with no ready endpoint (502/503).

This is ` + "`info`" + `: a PDB covers evictions (node drains) only, not rollouts or deletions, which
are bounded by the Deployment's ` + "`maxUnavailable`" + ` (see rollout-takes-all-down).

**Fix:** a PDB with ` + "`maxUnavailable: 1`" + ` selecting the pods, and
` + "`unhealthyPodEvictionPolicy: AlwaysAllow`" + `: with the default (` + "`IfHealthyBudget`" + `) a pod that is
running but not ready cannot be evicted while the budget is used up, so one crashlooping pod
blocks every node drain of a cluster upgrade. ` + "`lint --fix`" + ` writes the new PDB as a document
right after the workload's. It selects the labels of the Service's selector, or else the
pod labels, whichever selects no other workload's pods: a pod that two PDBs select cannot
be evicted at all (the eviction API answers 500, "more than one PodDisruptionBudget"), so a
PDB over a canary's and a stable Deployment's pods alike would stop every node drain. When
both select another workload's pods, the PDB is a snippet. It is named after the workload,
or NAME-pdb when a PDB of that name already exists in the namespace (` + "`kubectl apply`" + ` would
overwrite it, and kustomize refuses two objects of one name); a snippet when both are taken,
and when the workload is written in an apiVersion Kubernetes removed in 1.16
(` + "`extensions/v1beta1`" + `, ` + "`apps/v1beta1`" + `, ` + "`apps/v1beta2`" + `): policy/v1 needs 1.21, and no cluster
serves both.

A PDB that selects the pods of several workloads (a ` + "`tier: web`" + ` label on two apps) has one
budget for all of them: Kubernetes scales its ` + "`maxUnavailable`" + ` or percentage over every pod it
selects, so ` + "`maxUnavailable: 50%`" + ` over 2 + 4 pods allows 3 evictions, both pods of the
smaller app among them. It is reported when the evictions it allows cover every pod of a
workload whose Service has no other pod; a stable and a canary Deployment behind one
Service keep the Service answering when all of one of them go, and are not reported. Pods
that two PDBs select are not judged by either: the eviction API refuses them outright, so a
drain stops at them instead of taking them down.

In a Kustomize tree linted as it is (see single-replica), the count judged is the
smallest of 2 or more that one of the builds deploys, and a budget is part of the builds
that list its file: a PDB one overlay adds leaves the other builds without one, which is
reported at the base with a snippet (a budget added beside the base would be a second
one in the builds that have it).
` + k8sClientsDoc + k8sReplicaSources + `- unhealthyPodEvictionPolicy: alpha in Kubernetes 1.26, beta (on by default) in 1.27, stable
  in 1.31 (KEP-3017, https://www.kubernetes.dev/resources/keps/3017/); the default
  IfHealthyBudget and AlwaysAllow are described in the PodDisruptionBudget API reference.
- A pod with more than one PDB is refused eviction: kubernetes
  pkg/registry/core/pod/storage/eviction.go (` + "`len(pdbs) > 1`" + `, HTTP 500).
- A budget's maxUnavailable and percentages are scaled over the pods of every controller
  it selects, rounding up: kubernetes pkg/controller/disruption/disruption.go
  (` + "`getExpectedPodCount`" + `, ` + "`getExpectedScale`" + `).
`,
	Run: runPDBMissing,
}

func runPDBMissing(p *Pass) {
	reported := map[*parsers.PDB]bool{} // one finding per budget, however many workloads it covers
	for _, w := range servedK8sFact.Of(p) {
		switch w.Kind {
		case parsers.Deployment, parsers.StatefulSet, parsers.ReplicaSet, parsers.ReplicationController, parsers.Rollout:
		default:
			continue
		}
		n, build, ok := pdbReplicas(w)
		if !ok || n < 2 {
			continue
		}
		if len(w.PDBs) > 0 {
			reportPDBMissingInBuilds(p, w)
		}
		if len(w.PDBs) == 0 {
			labels, other := pdbLabels(w, p.Model.Workloads)
			name, taken := freePDBName(w, p.Model)
			pdb := k8s.ObjectPatch("PodDisruptionBudget", w.Namespace, name,
				k8s.KV{K: "spec", V: k8s.Patch{}.Set("maxUnavailable", 1).Set("selector", k8s.Patch{}.Set("matchLabels", labelsMap(labels))).Set("unhealthyPodEvictionPolicy", "AlwaysAllow")})
			fix := k8sNewObjectFix("add a PodDisruptionBudget (a new object: kubectl apply)", pdb)
			switch {
			case other == w:
				fix = k8sSnippetFix("add a PodDisruptionBudget whose selector takes these pods (not written: no502 read no labels of them to select them by)", pdb)
			case other != nil:
				// A pod two PDBs select cannot be evicted at all: the eviction subresource
				// answers 500 ("more than one PodDisruptionBudget"), whatever each allows.
				fix = k8sSnippetFix(fmt.Sprintf("add a PodDisruptionBudget whose selector takes only these pods (not written: these labels also select the pods of %s, and a pod that two PDBs select cannot be evicted at all; give the pods a label of their own)", workloadName(other)), pdb)
			case taken:
				fix = k8sSnippetFix(fmt.Sprintf("add a PodDisruptionBudget under a name of its own (not written: PodDisruptionBudgets %s and %s-pdb already exist in the namespace, and kubectl apply would overwrite one)", w.Name, w.Name), pdb)
			}
			fix = beforeAPI(w, fix, "a policy/v1 PodDisruptionBudget needs Kubernetes 1.21")
			p.Report(Finding{
				Pos: w.Pos,
				Message: fmt.Sprintf("%s runs %d pods%s behind %s but no PodDisruptionBudget selects them: a node drain (cluster upgrade, node scale-down) may evict all of them at once and %s until they are rescheduled. A PDB covers evictions only, not rollouts. Add a PDB with maxUnavailable: 1.",
					workloadName(w), n, build, servicesNamed(w.Services), p.noEndpointClients(w, theServicesOf(w.Services))),
				Fix: fix,
			})
			continue
		}
		if distinctPDBs(w.PDBs) > 1 {
			// A pod that two budgets select cannot be evicted at all (the eviction
			// subresource answers 500, "more than one PodDisruptionBudget"): a drain stops
			// at it rather than taking it down, whatever each budget allows.
			continue
		}
		for _, pdb := range w.PDBs {
			if reported[pdb] {
				continue
			}
			pool := pdbPool(p, pdb)
			total, ok := 0, true
			for _, o := range pool {
				k, known := effectiveReplicas(o)
				if sameObject(o, w) {
					k, known = n, true // the count pdbReplicas chose (a Kustomize build's)
				}
				if !known || o.Kind == parsers.DaemonSet || o.Kind == parsers.Pod || o.MinReplicas.Unknown {
					// The disruption controller counts the pods a controller's scale
					// gives; a DaemonSet or bare pod has none (the budget then admits
					// no percentage), a count no502 cannot read is unknown: silence.
					ok = false
					break
				}
				total += k
			}
			if !ok || total < n {
				continue
			}
			if len(pool) > 1 && len(soleServices(w)) == 0 {
				// The budget spans several workloads, and w's Services have other pods
				// (a canary and its stable version): evicting all of w leaves them.
				continue
			}
			var bad parsers.Setting[string]
			allowed := 0
			switch {
			case pdb.MaxUnavailable.Known():
				// Scaled over every pod the budget selects, rounding up
				// (disruption controller, getExpectedPodCount).
				if v, ok := intOrPercent(pdb.MaxUnavailable.Value, total, true); ok {
					bad, allowed = pdb.MaxUnavailable, min(v, total)
				}
			case pdb.MinAvailable.Known():
				if v, ok := intOrPercent(pdb.MinAvailable.Value, total, true); ok {
					bad, allowed = pdb.MinAvailable, max(0, total-v)
				}
			}
			if !bad.Known() || allowed < n {
				continue
			}
			reported[pdb] = true
			spec := k8s.Patch{}.Set("maxUnavailable", 1)
			if pdb.MinAvailable.Known() {
				spec = spec.Set("minAvailable", nil)
			}
			msg := fmt.Sprintf("PodDisruptionBudget %s allows all %d pods of %s%s to be evicted at once (%s): a node drain may take every pod down together and %s. A PDB covers evictions only, not rollouts. Set maxUnavailable: 1.",
				pdb.Name, n, workloadName(w), build, describeAt(bad, p.ownLine(bad.Pos)), p.noEndpointClients(w, servicesNamed(w.Services)))
			if len(pool) > 1 {
				names := make([]string, len(pool))
				for i, o := range pool {
					names[i] = workloadName(o)
				}
				msg = fmt.Sprintf("PodDisruptionBudget %s allows %d of the %d pods it selects (%s) to be evicted at once (%s), enough for all %d pods of %s: a node drain may take them down together, and %s %s no other pod, so %s. A PDB covers evictions only, not rollouts. Set maxUnavailable: 1.",
					pdb.Name, allowed, total, strings.Join(names, ", "), describeAt(bad, p.ownLine(bad.Pos)), n, workloadName(w), servicesNamed(soleServices(w)), verbFor(soleServices(w), "has", "have"), p.noEndpointClients(w, itOf(soleServices(w))))
			}
			p.Report(Finding{
				Pos:     bad.Pos,
				Message: msg,
				Related: []Related{{Pos: w.Pos, Message: "the " + workloadName(w) + " it covers"}},
				Fix:     k8sFix("allow one eviction at a time", k8s.ObjectPatch("PodDisruptionBudget", pdb.Namespace, pdb.Name, k8s.KV{K: "spec", V: spec})),
			})
		}
	}
}

// pdbReplicas returns the pod count pdb-missing judges w by: its own (effectiveReplicas),
// or in a Kustomize tree, the smallest count of 2 or more that one of its builds deploys
// (a budget that lets every pod of that build go is the one at fault; builds of one pod
// are single-replica's), with a note naming that build when it is not the base's own
// count. ok is false when no build's count is known to be 2 or more.
func pdbReplicas(w *parsers.Workload) (n int, note string, ok bool) {
	if len(w.Builds) == 0 || w.MinReplicas.Known() || w.MinReplicas.Unknown {
		n, ok = effectiveReplicas(w)
		return n, "", ok
	}
	var builds []string
	for _, b := range w.Builds {
		if !b.Replicas.Known() || b.Replicas.Value < 2 {
			continue
		}
		switch {
		case !ok || b.Replicas.Value < n:
			n, ok, builds = b.Replicas.Value, true, []string{filepath.Dir(b.Root)}
		case b.Replicas.Value == n:
			builds = append(builds, filepath.Dir(b.Root))
		}
	}
	if ok && (len(builds) < len(w.Builds) || !w.Replicas.Known() || w.Replicas.Value != n) {
		note = " in the Kustomize build of " + strings.Join(builds, ", ")
	}
	return n, note, ok
}

// reportPDBMissingInBuilds reports w, which has PodDisruptionBudgets, for the Kustomize
// builds of 2 or more pods that include none of them: a budget one overlay adds (its
// pdb.yaml among that overlay's resources) is not deployed by the others. The fix is a
// snippet: a budget added beside the base would give the overlay's build two budgets
// over the same pods, which the eviction API refuses (every drain stops at them).
func reportPDBMissingInBuilds(p *Pass, w *parsers.Workload) {
	if w.MinReplicas.Known() || w.MinReplicas.Unknown {
		return
	}
	var without []string
	n := 0
	for _, b := range w.Builds {
		if !b.Replicas.Known() || b.Replicas.Value < 2 {
			continue
		}
		has := false
		for _, pdb := range w.PDBs {
			lacking := w.BuildsLacking(pdb.Pos.File)
			has = has || !slices.ContainsFunc(lacking, func(l parsers.Build) bool { return l.Root == b.Root })
		}
		if !has {
			without = append(without, filepath.Dir(b.Root))
			if n == 0 || b.Replicas.Value < n {
				n = b.Replicas.Value
			}
		}
	}
	if len(without) == 0 {
		return
	}
	names := make([]string, 0, len(w.PDBs))
	var related []Related
	for _, pdb := range w.PDBs {
		if !slices.Contains(names, pdb.Name) {
			names = append(names, pdb.Name)
			related = append(related, Related{Pos: pdb.Pos, Message: "PodDisruptionBudget " + pdb.Name + ", in other builds only"})
		}
	}
	name, _ := freePDBName(w, p.Model)
	labels, _ := pdbLabels(w, p.Model.Workloads)
	pdb := k8s.ObjectPatch("PodDisruptionBudget", w.Namespace, name,
		k8s.KV{K: "spec", V: k8s.Patch{}.Set("maxUnavailable", 1).Set("selector", k8s.Patch{}.Set("matchLabels", labelsMap(labels))).Set("unhealthyPodEvictionPolicy", "AlwaysAllow")})
	p.Report(Finding{
		Pos: w.Pos,
		Message: fmt.Sprintf("%s runs %d pods behind %s in the Kustomize build of %s, which includes no PodDisruptionBudget for them (PodDisruptionBudget %s is in other builds only): a node drain (cluster upgrade, node scale-down) may evict all of them at once and %s until they are rescheduled. A PDB covers evictions only, not rollouts. Add a PDB with maxUnavailable: 1 to that build.",
			workloadName(w), n, servicesNamed(w.Services), strings.Join(without, ", "), strings.Join(names, ", "), p.noEndpointClients(w, theServicesOf(w.Services))),
		Related: related,
		Fix:     k8sSnippetFix("add a PodDisruptionBudget to the resources of "+strings.Join(without, ", ")+" (not written: one beside the base would be a second budget in the builds that have one, and the eviction API refuses a pod two budgets select)", pdb),
	})
}

// distinctPDBs counts budgets by namespace and name: a kustomize base and its overlay, or
// two copies of one file, define one PDB.
func distinctPDBs(pdbs []*parsers.PDB) int {
	seen := map[string]bool{}
	for _, p := range pdbs {
		seen[p.Namespace+"/"+p.Name] = true
	}
	return len(seen)
}

// drainBlocker returns the PodDisruptionBudget that refuses every eviction of w's one
// pod, and how it does, or nil. A budget over w alone whose maxUnavailable comes to 0 or
// whose minAvailable to 1 or more leaves no disruption for a single pod (disruption
// controller: disruptionsAllowed = healthy - desiredHealthy); pods under two budgets are
// refused outright (eviction.go, HTTP 500).
func drainBlocker(p *Pass, w *parsers.Workload, builds []parsers.Build) (*parsers.PDB, string) {
	pdbs := w.PDBs
	if len(builds) > 0 {
		// In a Kustomize tree, a budget one overlay adds is not in the other builds:
		// only the budgets every build of the count deploys keep its drains waiting.
		pdbs = nil
		for _, pdb := range w.PDBs {
			if lacking := w.BuildsLacking(pdb.Pos.File); !slices.ContainsFunc(builds, func(b parsers.Build) bool {
				return slices.ContainsFunc(lacking, func(l parsers.Build) bool { return l.Root == b.Root })
			}) {
				pdbs = append(pdbs, pdb)
			}
		}
	}
	if len(pdbs) == 0 {
		return nil, ""
	}
	if distinctPDBs(pdbs) > 1 {
		return pdbs[0], "is one of two PodDisruptionBudgets selecting it, and the eviction API refuses such a pod"
	}
	pdb := pdbs[0]
	if len(pdbPool(p, pdb)) != 1 {
		return nil, "" // its budget is shared with other pods
	}
	switch {
	case pdb.MaxUnavailable.Known():
		if v, ok := intOrPercent(pdb.MaxUnavailable.Value, 1, true); ok && v == 0 {
			return pdb, "(" + describeAt(pdb.MaxUnavailable, p.ownLine(w.Pos)) + ") allows no eviction of its one pod"
		}
	case pdb.MinAvailable.Known():
		if v, ok := intOrPercent(pdb.MinAvailable.Value, 1, true); ok && v >= 1 {
			return pdb, "(" + describeAt(pdb.MinAvailable, p.ownLine(w.Pos)) + ") allows no eviction of its one pod"
		}
	}
	return nil, ""
}

// pdbPoolsFact: the workloads whose pods each PodDisruptionBudget selects, in model
// order, once per object (a kustomize base and its overlay, two copies of one
// Deployment, count once): the disruption controller scales a budget's maxUnavailable or
// percentage over all of them. Indexed once per run: looked up per workload and budget,
// a scan of every workload made 10,000 manifests quadratic.
var pdbPoolsFact = &Fact[map[*parsers.PDB][]*parsers.Workload]{
	Name: "the workloads each PodDisruptionBudget selects",
	Compute: func(p *Pass) map[*parsers.PDB][]*parsers.Workload {
		out := map[*parsers.PDB][]*parsers.Workload{}
		for _, o := range p.Model.Workloads {
			if o.Format != parsers.FormatK8s {
				continue
			}
			for i, pdb := range o.PDBs {
				if slices.Contains(o.PDBs[:i], pdb) || slices.ContainsFunc(out[pdb], func(x *parsers.Workload) bool { return sameObject(x, o) }) {
					continue
				}
				out[pdb] = append(out[pdb], o)
			}
		}
		return out
	},
}

// pdbPool returns the workloads whose pods pdb selects (pdbPoolsFact).
func pdbPool(p *Pass, pdb *parsers.PDB) []*parsers.Workload {
	return pdbPoolsFact.Of(p)[pdb]
}

// freePDBName names the PodDisruptionBudget a fix adds for w: the workload's name, or
// NAME-pdb when a PDB of the run already has that name in w's namespace (a PDB of other
// pods: kubectl apply would overwrite it with the new one, and kustomize refuses two
// objects of one name). taken is true when both names are in use.
func freePDBName(w *parsers.Workload, m *parsers.Model) (name string, taken bool) {
	used := func(name string) bool {
		for _, pdb := range m.PDBs {
			if pdb.Namespace == w.Namespace && pdb.Name == name {
				return true
			}
		}
		return false
	}
	for _, name := range []string{w.Name, w.Name + "-pdb"} {
		if !used(name) {
			return name, false
		}
	}
	return w.Name, true
}

// pdbLabels picks the labels a new PDB should select: the selector of a Service that
// routes to w (stable, already chosen by the user), else the pod labels; the first that
// selects the pods of no other Kubernetes workload of w's namespace among all. A PDB
// over another workload's pods would put them under two budgets when they have one (or
// get one from the same fix run), and the eviction subresource refuses a pod that two
// PDBs select (HTTP 500), so a node drain would stop at it. When every choice selects
// another workload's pods, other is the first such workload (the labels returned are the
// first choice's, for a snippet); other is w itself when none of its labels are known.
func pdbLabels(w *parsers.Workload, all []*parsers.Workload) (labels map[string]string, other *parsers.Workload) {
	var choices []map[string]string
	for _, s := range w.Services {
		if s.Selector != nil && len(s.Selector.MatchLabels) > 0 && len(s.Selector.MatchExpressions) == 0 {
			choices = append(choices, s.Selector.MatchLabels)
		}
	}
	choices = append(choices, w.Labels)
	for _, l := range choices {
		if len(l) == 0 {
			continue // an empty selector of policy/v1 selects every pod of the namespace
		}
		sel := &parsers.Selector{MatchLabels: l}
		var shared *parsers.Workload
		for _, o := range all {
			if o != w && o.Format == parsers.FormatK8s && o.Namespace == w.Namespace && !sameObject(o, w) && sel.Matches(o.Labels) {
				shared = o
				break
			}
		}
		if shared == nil {
			return l, nil
		}
		if labels == nil {
			labels, other = l, shared
		}
	}
	if labels == nil {
		return nil, w // no labels read: nothing that selects only these pods
	}
	return labels, other
}

// sameObject reports whether a and b define the same object (kind, namespace and name):
// an overlay's patch or another file's copy of it, whose pods are a's, not another
// workload's.
func sameObject(a, b *parsers.Workload) bool {
	return a.Kind == b.Kind && a.Namespace == b.Namespace && a.Name == b.Name
}

// labelsMap writes labels as a sorted k8s.Patch with quoted values.
func labelsMap(l map[string]string) k8s.Patch {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var m k8s.Patch
	for _, k := range keys {
		m = m.Set(k, k8s.Quote(l[k]))
	}
	return m
}

// serviceRelated points at the Services that route to w.
func serviceRelated(w *parsers.Workload) []Related { return relatedOf(w.Services) }

// soleServices returns the Services of w that route requests (not only metrics or a
// webhook: trafficServices) to no pod but w's, or none when one
// of w's Services has other pods too (w is then one version of an app, reviews-v1 of
// reviews, and a Service for that version alone is an experiment's path). Each
// kind/namespace/name counts once (a kustomize base and its overlay are one Deployment).
//
// Examples and fixtures of one repository share labels and namespaces, so a Service can
// select workloads it was never written for. The objects written together are taken to
// be meant for each other: when w's file has Services selecting w, only they count, each
// with the workloads of that file (the ingress-nginx manifests of nine providers,
// kube-score's fixtures that each define my-service); otherwise a Service written beside
// workloads of its own counts only if w is one of them (by kind/namespace/name), and a
// Service written alone counts everything it selects (a service.yaml next to a
// deployment.yaml; bookinfo-ratings-v2-mysql.yaml adding a version to Service ratings).
func soleServices(w *parsers.Workload) []*parsers.Service {
	return trafficServices(soleServicesAll(w), w)
}

func soleServicesAll(w *parsers.Workload) []*parsers.Service {
	self := string(w.Kind) + "/" + w.Namespace + "/" + w.Name
	var own []*parsers.Service
	for _, s := range w.Services {
		if s.Pos.File == w.Pos.File {
			own = append(own, s)
		}
	}
	if len(own) > 0 {
		for _, s := range own {
			if hasOtherPods(inFile(s.Workloads, s.Pos.File), w, self) {
				return nil
			}
		}
		return own
	}
	var out []*parsers.Service
	for _, s := range w.Services {
		pool := s.Workloads
		if local := inFile(s.Workloads, s.Pos.File); len(local) > 0 {
			if !hasIdentity(local, self) {
				continue // written for its own file's workloads; w is linked by labels only
			}
			pool = local
		}
		if hasOtherPods(pool, w, self) {
			return nil
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		// Only Services written for other workloads select w: w is alone only if none of
		// them has other pods.
		for _, s := range w.Services {
			if hasOtherPods(s.Workloads, w, self) {
				return nil
			}
		}
		return w.Services
	}
	return out
}

// hasOtherPods reports whether a workload of pool other than w (by identity) runs pods,
// or may: a DaemonSet, an unknown count.
func hasOtherPods(pool []*parsers.Workload, w *parsers.Workload, self string) bool {
	for _, x := range pool {
		if x == w || string(x.Kind)+"/"+x.Namespace+"/"+x.Name == self {
			continue
		}
		n, ok := effectiveReplicas(x)
		if x.Kind == parsers.DaemonSet || !ok || n > 0 || x.MinReplicas.Unknown {
			return true
		}
	}
	return false
}

// hasIdentity reports whether one of ws is the object kind/namespace/name id.
func hasIdentity(ws []*parsers.Workload, id string) bool {
	for _, w := range ws {
		if string(w.Kind)+"/"+w.Namespace+"/"+w.Name == id {
			return true
		}
	}
	return false
}

// inFile returns the workloads defined in file.
func inFile(ws []*parsers.Workload, file string) []*parsers.Workload {
	var out []*parsers.Workload
	for _, w := range ws {
		if w.Pos.File == file {
			out = append(out, w)
		}
	}
	return out
}

// namesOf lists Service names once each, in order.
// theServicesOf names the Services namesOf(svcs) lists as a whole: "the Service", or
// "the Services" for several.
func theServicesOf(svcs []*parsers.Service) string {
	if itOf(svcs) == "them" {
		return "the Services"
	}
	return "the Service"
}

// itOf is the pronoun for the Services namesOf(svcs) lists: "it", or "them" for several.
func itOf(svcs []*parsers.Service) string {
	if strings.Contains(namesOf(svcs), ", ") {
		return "them"
	}
	return "it"
}

// servicesNamed names the Services namesOf(svcs) lists for a message: "Service web", or
// "Services web, web-external" for several, so the verb after it can agree (verbFor).
func servicesNamed(svcs []*parsers.Service) string {
	if itOf(svcs) == "them" {
		return "Services " + namesOf(svcs)
	}
	return "Service " + namesOf(svcs)
}

// verbFor is the form of a verb that agrees with servicesNamed(svcs): one for a single
// Service, many for several ("has" / "have").
func verbFor(svcs []*parsers.Service, one, many string) string {
	if itOf(svcs) == "them" {
		return many
	}
	return one
}

func namesOf(svcs []*parsers.Service) string {
	var names []string
	seen := map[string]bool{}
	for _, s := range svcs {
		if !seen[s.Name] {
			seen[s.Name] = true
			names = append(names, s.Name)
		}
	}
	return strings.Join(names, ", ")
}

// relatedOf points at Services that route requests to the workload of a finding.
func relatedOf(svcs []*parsers.Service) []Related {
	var out []Related
	for _, s := range svcs {
		out = append(out, Related{Pos: s.Pos, Message: "Service " + s.Name + " routes requests to it"})
	}
	return out
}

// surgesFirst reports whether a rollout of w with n pods is known to start a new pod
// before it stops any: an Argo blue-green rollout or traffic-routed canary (which keeps
// the stable pods at full scale until promotion), or a rolling update (a Deployment's,
// an Argo canary's) whose maxUnavailable comes to 0 pods (a percentage rounds down) and
// maxSurge to 1 or more (a percentage rounds up). The default 25%/25% does for 1 pod;
// when both come to 0 Kubernetes stops one pod first (the fencepost it resolves to
// maxUnavailable 1). apps/v1 RollingUpdateDeployment; Argo Rollouts specification.
func surgesFirst(w *parsers.Workload, n int) bool {
	if !w.Strategy.Known() {
		return false
	}
	switch {
	case w.Kind == parsers.Rollout && (w.Strategy.Value == "BlueGreen" || w.Strategy.Value == "CanaryTrafficRouting"):
		return true
	case w.Kind == parsers.Deployment && w.Strategy.Value == "RollingUpdate",
		w.Kind == parsers.Rollout && w.Strategy.Value == "Canary":
	default:
		return false
	}
	if !w.MaxUnavailable.Known() || !w.MaxSurge.Known() {
		return false
	}
	down, ok1 := intOrPercent(w.MaxUnavailable.Value, n, false)
	up, ok2 := intOrPercent(w.MaxSurge.Value, n, true)
	return ok1 && ok2 && down == 0 && up >= 1
}

// outageCauses is what empties the Service of a workload running a single pod: every
// node drain or crash of it, and every rollout unless the rollout starts the new pod first.
//
// A StatefulSet with updateStrategy OnDelete has no rollout: a template change replaces
// the pod when someone deletes it, and that deletion is the outage.
func outageCauses(w *parsers.Workload) string {
	if surgesFirst(w, 1) {
		return "node drain or crash"
	}
	if w.Kind == parsers.StatefulSet && w.Strategy.Known() && w.Strategy.Value == "OnDelete" {
		return "deletion to update it (updateStrategy OnDelete), node drain or crash"
	}
	return "rollout, node drain or crash"
}

// rolloutStopsAll describes how a rollout of Deployment w would stop every pod even with
// n replicas ("strategy: Recreate", "maxUnavailable: 100%"), or "" when it would not.
func rolloutStopsAll(w *parsers.Workload, n int) (string, []Related) {
	if w.Kind != parsers.Deployment || !w.Strategy.Known() {
		return "", nil
	}
	if w.Strategy.Value == "Recreate" {
		return fmt.Sprintf("%s (%s)", w.Strategy.Text, w.Strategy.Pos.Short()), []Related{{Pos: w.Strategy.Pos, Message: "the Recreate strategy"}}
	}
	if mu := w.MaxUnavailable; mu.Known() {
		if down, ok := intOrPercent(mu.Value, n, false); ok && down >= n {
			var rel []Related
			if mu.Explicit() {
				rel = []Related{{Pos: mu.Pos, Message: "maxUnavailable " + mu.Value}}
			}
			return mu.Describe(), rel
		}
	}
	return "", nil
}
