package rules_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/rules"
	"github.com/no502/no502/rules/rulestest"
)

// TestReplicaRolloutWording: single-replica and hpa-min-replicas say a rollout empties
// the Service only where it does: not for a 1-pod Deployment whose rolling update starts
// the new pod first (the default), but for one with maxUnavailable: 1 or maxSurge: 0.
func TestReplicaRolloutWording(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-single-replica-rollout")
	want := map[string]bool{ // Deployment → its message speaks of rollouts
		"surge-first": false,
		"stop-first":  true,
		"no-surge":    true,
		"scaled":      false,
	}
	seen := map[string]bool{}
	for _, f := range findings {
		if f.Rule.ID != "single-replica" && f.Rule.ID != "hpa-min-replicas" {
			continue
		}
		for name, rollout := range want {
			if !strings.Contains(f.Message, "Deployment "+name+" ") {
				continue
			}
			seen[name] = true
			if got := strings.Contains(f.Message, "rollout"); got != rollout {
				t.Errorf("%s on %s: mentions a rollout: %v, want %v (%s)", f.Rule.ID, name, got, rollout, f.Message)
			}
		}
	}
	if len(seen) != len(want) {
		t.Errorf("want a finding on each Deployment, got %v", seen)
	}
}

// TestProbeSlowDetectionLivenessFixUnsafe: shortening a liveness window restarts a slow
// container sooner, so that fix is written only with --unsafe-fixes; a readiness window
// (rotation only) stays safe.
func TestProbeSlowDetectionLivenessFixUnsafe(t *testing.T) {
	wantFixSafetyByDir(t, "probe-slow-detection", map[string]rules.Safety{
		"testdata/k8s-probes-issue17":       rules.FixUnsafe, // readiness cannot fail: liveness
		"testdata/k8s-probe-slow-detection": rules.FixSafe,   // a slow readiness probe
	}, nil)
}

// wantFixSafetyByDir lints each testdata directory and wants every finding of rule id
// there to carry a fix of the safety given for it, and at least one such finding;
// check, when set, looks at each of them too.
func wantFixSafetyByDir(t *testing.T, id string, want map[string]rules.Safety, check func(dir string, want rules.Safety, f rules.Finding)) {
	t.Helper()
	for dir, want := range want {
		_, findings := rulestest.Lint(t, dir)
		seen := false
		for _, f := range findings {
			if f.Rule.ID != id {
				continue
			}
			seen = true
			if got := f.Fix.Safety(); got != want {
				t.Errorf("%s: fix safety %s, want %s (%s; %s)", dir, got, want, f.Message, f.Fix.Description)
			}
			if check != nil {
				check(dir, want, f)
			}
		}
		if !seen {
			t.Errorf("%s: no %s finding", dir, id)
		}
	}
}

// TestGraceZeroEdgeWording: an ingress controller that binds the nodes' ports 80/443
// itself (kind's ingress-nginx, a NodePort Service beside it) has no HTTP proxy in front:
// grace-period-too-short says its clients' connections are reset, not that a proxy
// answers 502.
func TestGraceZeroEdgeWording(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-grace-zero-edge-service")
	seen := false
	for _, f := range findings {
		if f.Rule.ID != "grace-period-too-short" {
			continue
		}
		seen = true
		if strings.Contains(f.Message, "the proxy returns 502") || !strings.Contains(f.Message, "connection reset") {
			t.Errorf("message speaks of a proxy in front: %s", f.Message)
		}
	}
	if !seen {
		t.Error("no grace-period-too-short finding")
	}
}

// TestCaddyRetryFixSafety: lb_try_duration on a reverse_proxy without an active health
// check is written only with --unsafe-fixes. On Caddy before the fix of caddy#7546 a
// retried POST fails, and with passive health (dead-upstream-in-rotation's fix) that
// failure takes the healthy upstream out too: caddy 2.6.2, one of two upstreams down, 20
// POSTs: none fixed 11 ok, fail_duration alone 19 ok, lb_try_duration alone 8 ok, both
// 0 ok (19 got 503). With health_uri the retries are safe.
func TestCaddyRetryFixSafety(t *testing.T) {
	wantFixSafetyByDir(t, "no-retry-on-failure", map[string]rules.Safety{
		"testdata/caddy-dead-upstream":       rules.FixUnsafe,
		"testdata/caddy-retry-active-health": rules.FixSafe,
	}, nil)
}

// TestCaddyPassiveHealthFixUnsafe: dead-upstream-in-rotation's Caddy fix (fail_duration)
// is written only with --unsafe-fixes. With Caddy's default max_fails 1 one failed round
// trip takes an upstream out for fail_duration, a response_header_timeout included: on
// caddy 2.6.2 six requests past a 2s timeout took both upstreams out (503 to every
// request for 30s), and an upstream down for 0.3s answered 503 for 30s after it was back
// (docs/decisions.md, "Generator review fixes (session 8)").
func TestCaddyPassiveHealthFixUnsafe(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/caddy-dead-upstream")
	seen := false
	for _, f := range findings {
		if f.Rule.ID != "dead-upstream-in-rotation" || f.Fix == nil {
			continue
		}
		seen = true
		if got := f.Fix.Safety(); got != rules.FixUnsafe {
			t.Errorf("fix safety %s, want unsafe (%s)", got, f.Fix.Description)
		}
		if !strings.Contains(f.Fix.Description, "max_fails") {
			t.Errorf("the fix should say why it is unsafe: %s", f.Fix.Description)
		}
	}
	if !seen {
		t.Error("no dead-upstream-in-rotation finding with a fix")
	}
}

// TestPDBFixSelectsOnlyItsPods: the PodDisruptionBudget pdb-missing adds must select the
// workload's pods only. A pod that two PDBs select cannot be evicted at all (the eviction
// subresource answers 500, "more than one PodDisruptionBudget"), so a selector that also
// takes another workload's pods (the Service's app: web over a stable Deployment with its
// own PDB and a canary) would block every node drain. The canary's own pod labels are
// used instead; when no labels single the pods out, the fix is a snippet.
func TestPDBFixSelectsOnlyItsPods(t *testing.T) {
	wantFixSafetyByDir(t, "pdb-missing", map[string]rules.Safety{
		"testdata/k8s-pdb-shared-selector": rules.FixUnsafe,
		"testdata/k8s-pdb-no-own-labels":   rules.FixSnippet,
	}, func(dir string, want rules.Safety, f rules.Finding) {
		if snippet := f.Fix.Snippet; want == rules.FixUnsafe && !strings.Contains(snippet, `track: "canary"`) {
			t.Errorf("%s: the new PDB does not select the canary's own labels:\n%s", dir, snippet)
		}
	})
}

// TestPDBFixNameIsFree: the new PDB is not named after the workload when a PDB of that
// name exists in the namespace (selecting other pods): kubectl apply would overwrite one
// with the other, and kustomize refuses two objects of one name ("may not add resource
// with an already registered id").
func TestPDBFixNameIsFree(t *testing.T) {
	wantFixSafetyByDir(t, "pdb-missing", map[string]rules.Safety{
		"testdata/k8s-pdb-name-taken": rules.FixUnsafe,
	}, func(dir string, want rules.Safety, f rules.Finding) {
		if snippet := f.Fix.Snippet; !strings.Contains(snippet, "name: api-pdb") {
			t.Errorf("%s: the new PDB is not named api-pdb:\n%s", dir, snippet)
		}
	})
}

// TestReadinessSnippetSkipsNativeSidecarPort: the Service sends to port 4180, which a
// native sidecar (an auth proxy in initContainers with restartPolicy: Always) declares;
// the app container declares none. The readiness probe suggested for the app must not
// probe 4180: that checks the sidecar, and a pod whose app is down would stay ready.
func TestReadinessSnippetSkipsNativeSidecarPort(t *testing.T) {
	wantFixSafetyByDir(t, "readiness-probe-missing", map[string]rules.Safety{
		"testdata/k8s-native-sidecar-port": rules.FixSnippet,
	}, func(dir string, want rules.Safety, f rules.Finding) {
		if strings.Contains(f.Fix.Snippet, "4180") || !strings.Contains(f.Fix.Description, "native sidecar") {
			t.Errorf("%s: the suggested probe checks the sidecar's port, or does not say the port is a guess: %s\n%s", dir, f.Fix.Description, f.Fix.Snippet)
		}
	})
}

// TestIngressNginxRetryOffWording: with proxy-next-upstream "off" on the Ingress,
// ingress-nginx resends no GET whose reused connection the app closed; keepalive-race
// must not say it does.
func TestIngressNginxRetryOffWording(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-ingress-nginx-retry-off")
	seen := false
	for _, f := range findings {
		if f.Rule.ID != "keepalive-race" {
			continue
		}
		seen = true
		if strings.Contains(f.Message, "resends a GET that fails this way, never a POST") || !strings.Contains(f.Message, "GETs and POSTs alike") {
			t.Errorf("message claims retries the Ingress turned off: %s", f.Message)
		}
	}
	if !seen {
		t.Error("no keepalive-race finding")
	}
}

// TestProbeSlowDetectionTimeout: a readiness probe with timeoutSeconds 120 and period 10
// takes 3 × 120s to take a hung pod out; the fix, which only shortens the period and
// threshold, cannot bring that within 5m, so it is a snippet that says why.
func TestProbeSlowDetectionTimeout(t *testing.T) {
	wantFixSafetyByDir(t, "probe-slow-detection", map[string]rules.Safety{
		"testdata/k8s-probe-slow-timeout": rules.FixSnippet,
	}, func(dir string, want rules.Safety, f rules.Finding) {
		if !strings.Contains(f.Message, "takes 6m") || !strings.Contains(f.Fix.Description, "timeoutSeconds 120") {
			t.Errorf("%s: the window or the fix ignores the timeout: %s; %s", dir, f.Message, f.Fix.Description)
		}
	})
}

// TestSingleReplicaDrainBlockedWording: one pod under minAvailable: 1 cannot be evicted;
// single-replica must not say every node drain takes it down, and says the drain waits.
func TestSingleReplicaDrainBlockedWording(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-single-replica-pdb-blocks")
	seen := false
	for _, f := range findings {
		if f.Rule.ID != "single-replica" {
			continue
		}
		seen = true
		if strings.Contains(f.Message, "node drain or crash") || !strings.Contains(f.Message, "A node drain does not evict it") {
			t.Errorf("message says drains take the pod down past its PDB: %s", f.Message)
		}
	}
	if !seen {
		t.Error("no single-replica finding")
	}
}

// TestSingleReplicaStatefulSetCauses: a StatefulSet of one pod is told what empties its
// Service as a Deployment is. With updateStrategy OnDelete no rollout replaces the pod
// (the user's deletion does); under a PDB that allows no eviction, drains wait on it.
func TestSingleReplicaStatefulSetCauses(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-single-replica-statefulset-causes")
	seen := map[string]bool{}
	for _, f := range findings {
		if f.Rule.ID != "single-replica" {
			continue
		}
		switch {
		case strings.Contains(f.Message, "StatefulSet search "):
			seen["search"] = true
			if strings.Contains(f.Message, "rollout") || !strings.Contains(f.Message, "OnDelete") {
				t.Errorf("OnDelete StatefulSet: message blames a rollout: %s", f.Message)
			}
		case strings.Contains(f.Message, "StatefulSet cache "):
			seen["cache"] = true
			if strings.Contains(f.Message, "node drain or crash") || !strings.Contains(f.Message, "A node drain does not evict it") || !strings.Contains(f.Message, "every rollout or crash") {
				t.Errorf("StatefulSet under a blocking PDB: message says drains take the pod down: %s", f.Message)
			}
		}
	}
	if !seen["search"] || !seen["cache"] {
		t.Errorf("findings seen: %v", seen)
	}
}

// TestKustomizeFixes: in a Kustomize tree linted as it is, a single pod an overlay's
// patch sets is fixed in that patch (the edit kustomize builds the overlay from; checked
// with kubectl kustomize: the prod build then has replicas: 2), and a base's single pod
// that one build keeps while another patches it is told with that build's name, its fix
// a snippet (the overlay's patch sets the same field).
func TestKustomizeFixes(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-kustomize-overlay-replicas")
	n := 0
	for _, f := range findings {
		if f.Rule.ID != "single-replica" {
			continue
		}
		n++
		if !strings.HasSuffix(f.Pos.File, filepath.Join("overlays", "prod", "replicas.yaml")) || !strings.Contains(f.Message, "in the Kustomize build of overlays/prod") {
			t.Errorf("overlay's single pod: %s: %s", f.Pos, f.Message)
		}
		if f.Fix == nil || f.Fix.SnippetOnly() || len(f.Fix.Edits) != 1 || f.Fix.Edits[0].New != "2" || !strings.HasSuffix(f.Fix.Edits[0].File, "replicas.yaml") {
			t.Errorf("overlay's single pod: the fix does not set the patch's replicas to 2: %+v", f.Fix)
		}
	}
	_, findings = rulestest.Lint(t, "testdata/k8s-kustomize-base-replicas")
	for _, f := range findings {
		if f.Rule.ID != "single-replica" {
			continue
		}
		n++
		if !strings.Contains(f.Message, "in the Kustomize build of overlays/dev,") || strings.Contains(f.Message, "overlays/prod") {
			t.Errorf("base's single pod: the message does not name the build that keeps it: %s", f.Message)
		}
		if f.Fix == nil || !f.Fix.SnippetOnly() {
			t.Errorf("base's single pod: the fix is written though overlays/prod patches the same field: %+v", f.Fix)
		}
	}
	if n != 2 {
		t.Errorf("%d single-replica findings, want 2", n)
	}
}

// TestKustomizeSiblingOverlayFixes: the patches of two sibling overlays define the same
// Deployment and both set replicas, but no build has both, so neither overrides the
// other: each fix is written into its own patch (it was a snippet saying the other
// overlay's patch "merges over this file's object").
func TestKustomizeSiblingOverlayFixes(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-kustomize-sibling-overlays")
	n := 0
	for _, f := range findings {
		if f.Rule.ID != "single-replica" {
			continue
		}
		n++
		if f.Fix == nil || f.Fix.SnippetOnly() || len(f.Fix.Edits) != 1 || f.Fix.Edits[0].File != f.Pos.File {
			t.Errorf("%s: the fix is not written into the overlay's own patch: %+v", f.Pos, f.Fix)
		}
	}
	if n != 2 {
		t.Errorf("%d single-replica findings, want 2 (one per overlay)", n)
	}
}

// TestSingleReplicaRolloutTrafficRouting: an Argo canary with traffic routing keeps the
// stable pod until the canary is promoted, whatever maxUnavailable says: its single pod is
// not stopped by a rollout, and the message must not say so.
func TestSingleReplicaRolloutTrafficRouting(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-rollout-traffic-routing")
	seen := false
	for _, f := range findings {
		if f.Rule.ID != "single-replica" {
			continue
		}
		seen = true
		if strings.Contains(f.Message, "rollout") {
			t.Errorf("message blames rollouts of a traffic-routed canary: %s", f.Message)
		}
	}
	if !seen {
		t.Error("no single-replica finding")
	}
}

// TestReadinessMissingStartupWording: with a startupProbe on the served port, a container
// without a readinessProbe is not ready before the startup probe passes (the kubelet's
// prober manager keeps ready false until the container has started): the message must not
// say requests come before the app listens, only that they keep coming when it hangs.
func TestReadinessMissingStartupWording(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/k8s-readiness-missing-startup")
	seen := false
	for _, f := range findings {
		if f.Rule.ID != "readiness-probe-missing" {
			continue
		}
		seen = true
		if strings.Contains(f.Message, "before the app listens") || !strings.Contains(f.Message, "startupProbe") {
			t.Errorf("message says requests come before the app listens despite the startupProbe: %s", f.Message)
		}
	}
	if !seen {
		t.Error("no readiness-probe-missing finding")
	}
}

// TestScaledObjectFloorFix: the fix for a ScaledObject's minReplicaCount: 1 sets
// minReplicaCount: 2, unsafe like an HPA's minReplicas fix (more replicas cost money).
func TestScaledObjectFloorFix(t *testing.T) {
	wantFixSafetyByDir(t, "hpa-min-replicas", map[string]rules.Safety{
		"testdata/k8s-keda-min-one": rules.FixUnsafe,
	}, func(dir string, want rules.Safety, f rules.Finding) {
		if !strings.Contains(f.Fix.Snippet, "kind: ScaledObject") || !strings.Contains(f.Fix.Snippet, "minReplicaCount: 2") {
			t.Errorf("%s: the fix does not set the ScaledObject's minReplicaCount:\n%s", dir, f.Fix.Snippet)
		}
	})
}

// TestCaddyRetryCaveatWithActiveCheck: where the reverse_proxy already has health_uri,
// no-retry-on-failure's caddy#7546 caveat does not ask to add one; it says POSTs fail
// until that check has marked the dead upstream down. Without one, it still asks for it.
func TestCaddyRetryCaveatWithActiveCheck(t *testing.T) {
	for dir, want := range map[string]string{
		"testdata/caddy-retry-active-health": "until the active health check has marked the dead upstream down",
		"testdata/caddy-dead-upstream":       "add an active health_uri check as well",
	} {
		_, findings := rulestest.Lint(t, dir)
		seen := false
		for _, f := range findings {
			if f.Rule.ID != "no-retry-on-failure" {
				continue
			}
			seen = true
			if !strings.Contains(f.Message, want) {
				t.Errorf("%s: message should say %q: %s", dir, want, f.Message)
			}
		}
		if !seen {
			t.Errorf("%s: no no-retry-on-failure finding", dir)
		}
	}
}

// TestCaddyDeadFirstUpstreamMessage: under lb_policy first without retries or health
// checks, the first upstream's death fails every request (caddy 2.6.2 on loopback), not
// "its share": the message names the upstream and says so.
func TestCaddyDeadFirstUpstreamMessage(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/caddy-retry-sticky")
	seen := false
	for _, f := range findings {
		if f.Rule.ID != "dead-upstream-in-rotation" {
			continue
		}
		seen = true
		if want := "when 10.0.4.5:8080 dies, lb_policy first keeps sending it every request"; !strings.Contains(f.Message, want) {
			t.Errorf("message should say %q: %s", want, f.Message)
		}
	}
	if !seen {
		t.Error("no dead-upstream-in-rotation finding")
	}
}

// TestReadinessSnippetHTTPOnNamedPort: for an HTTP server whose port has a name that
// does not say HTTP (nginx-port), the suggested probe is the HTTP check its description
// asks for, on that port, not a tcpSocket check (which passes while every request fails).
func TestReadinessSnippetHTTPOnNamedPort(t *testing.T) {
	wantFixSafetyByDir(t, "readiness-probe-missing", map[string]rules.Safety{
		"testdata/k8s-readiness-named-http-port": rules.FixSnippet,
	}, func(dir string, want rules.Safety, f rules.Finding) {
		if strings.Contains(f.Fix.Snippet, "tcpSocket") || !strings.Contains(f.Fix.Snippet, "httpGet") || !strings.Contains(f.Fix.Snippet, "port: nginx-port") {
			t.Errorf("%s: the snippet is not an HTTP check on nginx-port: %s\n%s", dir, f.Fix.Description, f.Fix.Snippet)
		}
	})
}
