package rules

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/k8s"
)

func init() {
	Register(readinessProbeMissing, readinessCannotFail, probeSlowDetection, livenessSameAsReadiness)
}

const k8sHealthSources = `
## Sources

- Probe defaults periodSeconds 10, timeoutSeconds 1, failureThreshold 3, successThreshold 1:
  https://github.com/kubernetes/kubernetes/blob/023f88a/pkg/apis/core/v1/defaults.go (` + "`SetDefaults_Probe`" + `);
  https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes
- Time to notice a failure ≈ periodSeconds × failureThreshold (10 × 3 = 30s by default),
  derived from those definitions.
- A pod is removed from Service endpoints only when its readiness probe fails:
  https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
`

var readinessProbeMissing = &Rule{
	ID:       "readiness-probe-missing",
	Category: Health,
	Severity: Warning,
	Summary:  "A served container has no readinessProbe, so it gets traffic before it can answer and while it cannot",
	Formats:  []string{parsers.FormatK8s},
	Doc: `# readiness-probe-missing

Without a readinessProbe a container counts as ready as soon as it starts. The Service sends
it requests before the app listens (connection refused: 502) and keeps sending them when the
app hangs or loses a dependency (504). With a startupProbe that asks the app (httpGet,
tcpSocket, grpc) the container is not ready until that probe passes, so the message names
only the second: after it, nothing takes the pod out of the Service.

**Fix:** an httpGet readinessProbe on an endpoint that answers only when the app can serve.
` + "`lint --fix`" + ` writes a copy of the liveness probe's check (its whole httpGet request, or its
gRPC health check with the same service name) with the liveness probe's timeoutSeconds: at
the default 1s, a health endpoint that needs more would never pass and no pod would be
ready. An httpGet on a guessed path is a snippet.

A workload served only through Services with ` + "`publishNotReadyAddresses: true`" + ` is not reported:
their endpoints list pods whether or not they are ready, so a readiness probe would keep
no request away from them.

A sidecar whose only ports on the Service are metrics or webhook ports (an exporter beside
the app) is not reported: Prometheus scrapes it and no request goes to it, and a readiness
probe on it would take the app out of the Service whenever the exporter fails.

A container that another container of its pod probes (that container's readinessProbe checks
a port this one declares: a pod shares one network) is not reported: that probe keeps the
pod out of the Service's endpoints until this container answers.

An ingress controller that is the cluster's edge (a DaemonSet or Deployment binding port 80
or 443 of its node: hostPort, or hostNetwork: true; no Service in front) is checked too. No
Service takes it out of rotation, but its readiness paces a rolling update: the update takes
a new pod that is ready for one that can serve, and moves on (a DaemonSet to the next node,
a Deployment to the next old pod). Taken for ready before it listens, it leaves nodes that
refuse connections, and the load balancer in front returns 502. The node exporter on
hostPort 9100, an agent on hostPort 8080 and a Job on hostPort 80 are not edge proxies.
` + k8sClientsDoc + k8sHealthSources,
	Run: runReadinessProbeMissing,
}

func runReadinessProbeMissing(p *Pass) {
	for _, w := range servedK8sFact.Of(p) {
		for _, c := range p.serving(w) {
			if c.Readiness != nil || probedBySibling(w, c) || readinessIgnored(w) {
				continue
			}
			msg := fmt.Sprintf("%s has no readinessProbe: its pods count as ready the moment they start, so %s %s them requests before the app listens (%s) and %s sending them when it hangs (%s). Add a readinessProbe on an endpoint that answers only when the app can serve.",
				containerName(w, c), servicesNamed(w.Services), verbFor(w.Services, "sends", "send"), p.refusedClients(w), verbFor(w.Services, "keeps", "keep"), p.hungClients(w))
			if startupChecksServing(c) {
				// The kubelet keeps a container not ready until its startup probe has
				// passed (prober manager: ready needs started), so requests wait for
				// the app; after that nothing takes the pod out again.
				msg = fmt.Sprintf("%s has no readinessProbe: its pods count as ready once the startupProbe passes and stay ready whatever happens after, so %s %s sending them requests when the app hangs or is overloaded (%s) until the liveness probe, if any, restarts it. Add a readinessProbe on an endpoint that answers only when the app can serve.",
					containerName(w, c), servicesNamed(w.Services), verbFor(w.Services, "keeps", "keep"), p.hungClients(w))
			}
			p.Report(Finding{
				Pos:     c.Pos,
				Message: msg,
				// Where each Service is: a Service of another file that selects the pod by
				// its labels (an example beside others) shows as such (session 17).
				Related: serviceRelated(w),
				Fix:     readinessFix(w, c),
			})
		}
	}
	for _, w := range edgeK8sFact.Of(p) {
		for _, c := range edgeContainers(w) {
			if c.Readiness != nil {
				continue
			}
			p.Report(Finding{
				Pos: c.Pos,
				Message: fmt.Sprintf("%s has no readinessProbe: it takes %s of its node with no Service in front, and a rolling update counts a new pod as available the moment it starts, so %s (502 from the load balancer in front; clients that reach the nodes directly get connection errors). Add a readinessProbe on an endpoint that answers only when the proxy can serve.",
					containerName(w, c), edgeNodePorts(w), edgeRolloutHarm(w)),
				Fix: readinessFix(w, c),
			})
		}
	}
}

// startupChecksServing reports whether c's startupProbe asks the app over the network
// (httpGet, tcpSocket, grpc): until it passes the container is not ready, so no request
// reaches the app before it listens. An exec probe may check anything.
func startupChecksServing(c *parsers.Container) bool {
	if c.Startup == nil {
		return false
	}
	switch c.Startup.Handler {
	case "httpGet", "tcpSocket", "grpc":
		return true
	}
	return false
}

// readinessIgnored reports whether every Service of w publishes not-ready addresses
// (publishNotReadyAddresses: true, as a StatefulSet's peer-discovery Service does): their
// endpoints list the pods whether or not they are ready, so a readiness probe keeps no
// pod out of them. A workload served through any other Service (or an edge port) is
// checked.
func readinessIgnored(w *parsers.Workload) bool {
	if len(w.Services) == 0 {
		return false
	}
	for _, s := range w.Services {
		if !s.PublishNotReady {
			return false
		}
	}
	return true
}

// probedBySibling reports whether another container of w has a readiness probe on a port
// c declares: the containers of a pod share its network, so that probe checks c's server,
// and the pod is ready (in the Service's endpoints) only once it passes. JetStream's model
// server probes /healthcheck on port 8000 of its jetstream-http sidecar, the port the
// Service sends to.
func probedBySibling(w *parsers.Workload, c *parsers.Container) bool {
	for _, o := range w.Containers {
		if o == c || o.Readiness == nil || o.Readiness.Handler == "exec" {
			continue
		}
		port := o.Readiness.Port
		for _, op := range o.Ports {
			if op.Name != "" && op.Name == port {
				port = strconv.Itoa(op.Port)
			}
		}
		for _, cp := range c.Ports {
			if strconv.Itoa(cp.Port) == port {
				return true
			}
		}
	}
	return false
}

// suggestedReadiness builds a readiness probe for c: the liveness probe's HTTP endpoint
// or gRPC health check when there is one, else /healthz on the serving port; its timing differs from the
// liveness probe so that the fix does not trip liveness-same-as-readiness.
func suggestedReadiness(w *parsers.Workload, c *parsers.Container) (probe k8s.Patch, guessed bool) {
	path, port := "/healthz", probePortFor(w, c)
	guessed = true
	if l := c.Liveness; l != nil && l.Handler == "httpGet" {
		path, port, guessed = l.Path, l.Port, false
	}
	pr := k8s.Patch{}
	if l := c.Liveness; l != nil && l.Handler == "httpGet" {
		// Every field that decides what the kubelet asks is copied: without scheme:
		// HTTPS it would send plain HTTP to a TLS port, without the Host header a
		// virtual host the app does not serve, and no pod would ever be ready.
		get := k8s.Patch{}.Set("path", yamlPlain(path)).Set("port", yamlPlain(port))
		if l.Scheme != "" {
			get = get.Set("scheme", yamlPlain(l.Scheme))
		}
		if l.Host != "" {
			get = get.Set("host", k8s.Quote(l.Host))
		}
		if len(l.Headers) > 0 {
			hs := make([]k8s.Patch, len(l.Headers))
			for i, h := range l.Headers {
				hs[i] = k8s.Patch{}.Set("name", k8s.Quote(h.Name)).Set("value", k8s.Quote(h.Value))
			}
			get = get.Set("httpHeaders", hs)
		}
		// A field no502 does not read may change the request too: then the copy is
		// only a suggestion.
		guessed = l.HTTPOpaque
		pr = pr.Set("httpGet", get)
	} else if l := c.Liveness; l != nil && l.Handler == "grpc" && l.Port != "" {
		// A gRPC server checked by the gRPC health protocol: an httpGet to its port
		// would never pass (no pod ever ready). The liveness probe's check is one it
		// answers, or its pods would be restarting.
		get := k8s.Patch{}.Set("port", yamlPlain(l.Port))
		if l.GRPCService != "" {
			get = get.Set("service", k8s.Quote(l.GRPCService))
		}
		pr, guessed = pr.Set("grpc", get), false
	} else if _, ok := httpProbePort(c, port); ok || !hasNamedPort(c, port) || httpAppServer(c) {
		// A port whose name does not say HTTP (nginx-port) still speaks HTTP when the
		// container's server is one that serves it: a TCP check there passes while the
		// server fails every request, the probe readiness-cannot-fail reports.
		pr = pr.Set("httpGet", k8s.Patch{}.Set("path", path).Set("port", port))
	} else {
		pr, guessed = pr.Set("tcpSocket", k8s.Patch{}.Set("port", port)), false
	}
	period, ft := 5, 2
	if l := c.Liveness; l != nil && l.Period.Value == 5*time.Second && l.FailureThreshold.Value == 2 {
		period, ft = 10, 3
	}
	// A copy of the liveness check waits as long for its answer: a health endpoint
	// given timeoutSeconds: 5 because it takes 2s would fail every readiness check at
	// the default 1s, and no pod would ever be ready. A timeout no502 cannot read makes
	// the copy a suggestion.
	if l := c.Liveness; l != nil && (pr[0].K == "httpGet" && l.Handler == "httpGet" || pr[0].K == "grpc") {
		switch {
		case l.Timeout.Unknown:
			guessed = true
		case l.Timeout.Explicit() && l.Timeout.Value > time.Second:
			secs := int((l.Timeout.Value + time.Second - 1) / time.Second)
			pr = pr.Set("timeoutSeconds", secs)
			period = max(period, secs)
		}
	}
	return pr.Set("periodSeconds", period).Set("failureThreshold", ft), guessed
}

// readinessFix adds the suggested readiness probe. On the liveness probe's endpoint (which
// the app serves, or its pods would be restarting) or a TCP check of a non-HTTP port it is
// written by --fix; on a guessed /healthz it is a snippet: a path the app does not serve
// would make pods that never get ready.
func readinessFix(w *parsers.Workload, c *parsers.Container) *Fix {
	probe, guessed := suggestedReadiness(w, c)
	patch := k8s.ContainerPatch(w, c, k8s.Patch{}.Set("readinessProbe", probe))
	if l := c.Liveness; guessed && l != nil && (l.Handler == "httpGet" || l.Handler == "grpc") && l.Timeout.Unknown {
		return k8sSnippetFix("add a readiness probe on the check the liveness probe makes (no502 cannot read its timeoutSeconds: give the readiness probe the same, or it may never pass)", patch)
	}
	if guessed && c.Liveness != nil && c.Liveness.Handler == "httpGet" {
		return k8sSnippetFix("add a readiness probe on the endpoint the liveness probe checks (its httpGet has a field no502 does not read: check that the copy asks the same request)", patch)
	}
	if guessed && len(c.Ports) == 0 && len(w.NativeSidecars) > 0 {
		// The Service's port may be the sidecar's (an auth proxy in front of the app):
		// probePortFor left those out, and the port written is a guess too.
		return k8sSnippetFix("add a readiness probe (point path at your app's readiness endpoint and port at the port the app listens on: the container declares none, and the Service's ports a native sidecar declares are the sidecar's)", patch)
	}
	if guessed {
		return k8sSnippetFix("add a readiness probe (point path at your app's readiness endpoint)", patch)
	}
	if _, ok := probe[0].V.(k8s.Patch); ok && probe[0].K == "httpGet" {
		return k8sFix("add a readiness probe on the endpoint the liveness probe checks", patch)
	}
	if probe[0].K == "grpc" {
		return k8sFix("add a readiness probe on the gRPC health check the liveness probe uses", patch)
	}
	if httpAppServer(c) {
		// An HTTP app server: a TCP check passes while the app answers 500 to every
		// request (the kind of probe this rule calls useless). Its readiness path
		// is a guess.
		return k8sSnippetFix("add an HTTP readiness probe on the app's readiness endpoint ("+c.App.Name+" serves HTTP: a TCP check would pass while it fails every request)", patch)
	}
	return k8sFix("add a TCP readiness probe on the serving port", patch)
}

// yamlPlain writes s as a plain YAML scalar when it reads back as the same string or
// number (a path, a port number or name, HTTPS), else quoted.
func yamlPlain(s string) string {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/-_.", r)) {
			return k8s.Quote(s)
		}
	}
	if s == "" {
		return k8s.Quote(s)
	}
	return s
}

// httpAppServer reports whether c's server is a known one that serves HTTP on its port.
func httpAppServer(c *parsers.Container) bool {
	return c.App != nil && c.App.Name != "" && !c.App.NotHTTP
}

func hasNamedPort(c *parsers.Container, port string) bool {
	for _, p := range c.Ports {
		if p.Name == port && port != "" {
			return true
		}
	}
	return false
}

var readinessCannotFail = &Rule{
	ID:       "readiness-cannot-fail",
	Category: Health,
	Severity: Warning,
	Summary:  "A readinessProbe that cannot fail (exec true/echo, or a TCP check on an HTTP port)",
	Formats:  []string{parsers.FormatK8s},
	Doc: `# readiness-cannot-fail

A readinessProbe that always succeeds is no probe: an exec of ` + "`true`" + `, ` + "`/bin/true`" + `, ` + "`exit 0`" + ` or
` + "`echo ...`" + `, a shell script that swallows its check's failure (` + "`curl ... || true`" + `,
` + "`curl ...; exit 0`" + `; one that can leave earlier, with an exit of its own or set -e, is not
judged), or a ` + "`tcpSocket`" + ` check on the port of an HTTP server (the port accepts connections as
soon as the server binds, before the app can serve, and keeps accepting them while it is
stuck). The pod stays in rotation when it cannot answer; requests get 502/504.

A tcpSocket probe on a port that does not speak HTTP (grpc, redis, postgres, ...) is fine and
not flagged, and so is one on a port no Service targets (an app that opens a port of its
own once it is ready): only the port the traffic goes to accepts connections regardless.
A workload served only through Services with ` + "`publishNotReadyAddresses: true`" + ` is not
reported either: their endpoints list its pods whether they are ready or not.

**Fix:** an httpGet probe on a readiness endpoint.

An ingress controller that is the cluster's edge (a DaemonSet or Deployment binding port 80
or 443 of its node: hostPort, or hostNetwork: true; no Service in front) is checked too (a tcpSocket check of its port 80 or 443 cannot fail either). No
Service takes it out of rotation, but its readiness paces a rolling update: the update takes
a new pod that is ready for one that can serve, and moves on (a DaemonSet to the next node,
a Deployment to the next old pod). Taken for ready before it listens, it leaves nodes that
refuse connections, and the load balancer in front returns 502. The node exporter on
hostPort 9100, an agent on hostPort 8080 and a Job on hostPort 80 are not edge proxies.
` + k8sClientsDoc + k8sHealthSources,
	Run: runReadinessCannotFail,
}

// readinessCannotFailWhy says why c's readiness probe cannot fail, or "" when it can (or
// there is none): an exec that always succeeds, or a tcpSocket check of the HTTP port the
// Services send traffic to. A tcpSocket probe of a port nothing else uses (an app that
// opens a port of its own once it is ready) can fail, and is not flagged.
func readinessCannotFailWhy(w *parsers.Workload, c *parsers.Container) string {
	r := c.Readiness
	if r == nil {
		return ""
	}
	switch r.Handler {
	case "exec":
		if alwaysSucceeds(r.Command) {
			return fmt.Sprintf("runs `%s`, which always succeeds", strings.Join(r.Command, " "))
		}
		// A check whose failure the script swallows: "curl ... || true", "curl ...; exit 0".
		if script, _, ok := composeHealthCannotFail(r.Command); ok {
			return fmt.Sprintf("runs `%s`, which always succeeds (the script ends in success whatever the check returns)", script)
		}
	case "tcpSocket":
		desc, ok := httpProbePort(c, r.Port)
		if ok && servedPort(w, c, r.Port) {
			return fmt.Sprintf("only checks that HTTP port %s accepts TCP connections, which it does as soon as the server binds and while the app is stuck", desc)
		}
	}
	return ""
}

// servedPort reports whether port (a number or a port name of c) is one a Service of w
// sends traffic to.
func servedPort(w *parsers.Workload, c *parsers.Container, port string) bool {
	name, num := port, port
	for _, p := range c.Ports {
		if p.Name != "" && p.Name == port || strconv.Itoa(p.Port) == port {
			name, num = p.Name, strconv.Itoa(p.Port)
		}
	}
	for _, s := range w.Services {
		for _, sp := range s.Ports {
			// A port name two containers declare reaches the first (TargetContainer).
			tc, _ := w.TargetContainer(sp.TargetPort, sp.Protocol)
			if sp.TargetPort != "" && (sp.TargetPort == name || sp.TargetPort == num) && (tc == nil || tc == c) {
				return true
			}
		}
	}
	// An edge proxy's port 80 or 443 of the node gets its traffic without a Service.
	for _, p := range c.Ports {
		if (p.Name != "" && p.Name == name || strconv.Itoa(p.Port) == num) && edgePort(w, p) && len(edgeContainers(w)) > 0 {
			return true
		}
	}
	return false
}

// httpReadinessFix replaces container c's readinessProbe handler with an httpGet on the
// port traffic reaches (the tcpSocket probe's own port when it has one), as a snippet:
// the path is a guess.
func httpReadinessFix(w *parsers.Workload, c *parsers.Container) *Fix {
	r := c.Readiness
	port := probePortFor(w, c)
	if r.Handler == "tcpSocket" {
		port = r.Port
	}
	fields := k8s.Patch{}.Set("readinessProbe", k8s.Patch{}.Set(r.Handler, nil).Set("httpGet", k8s.Patch{}.Set("path", "/healthz").Set("port", port)))
	return k8sSnippetFix("probe a readiness endpoint over HTTP (point path at it)", k8s.ContainerPatch(w, c, fields))
}

func runReadinessCannotFail(p *Pass) {
	for _, w := range servedK8sFact.Of(p) {
		if readinessIgnored(w) {
			continue // the endpoints list its pods whether they are ready or not
		}
		for _, c := range p.serving(w) {
			r := c.Readiness
			why := readinessCannotFailWhy(w, c)
			if why == "" {
				continue
			}
			p.Report(Finding{
				Pos: r.Pos,
				Message: fmt.Sprintf("readinessProbe of %s %s: a pod that cannot answer stays in %s, and %s. Probe an HTTP endpoint that answers only when the app can serve.",
					containerName(w, c), why, servicesNamed(w.Services), p.stuckPodClients(w)),
				Fix: httpReadinessFix(w, c),
			})
		}
	}
	for _, w := range edgeK8sFact.Of(p) {
		for _, c := range edgeContainers(w) {
			r := c.Readiness
			why := readinessCannotFailWhy(w, c)
			if why == "" {
				continue
			}
			p.Report(Finding{
				Pos: r.Pos,
				Message: fmt.Sprintf("readinessProbe of %s %s: it takes %s of its node with no Service in front, and a rolling update takes a new pod that cannot answer yet for ready, so %s (502 from the load balancer in front; clients that reach the nodes directly get connection errors). Probe an HTTP endpoint that answers only when the proxy can serve.",
					containerName(w, c), why, edgeNodePorts(w), edgeRolloutHarm(w)),
				Fix: httpReadinessFix(w, c),
			})
		}
	}
}

// alwaysSucceeds reports whether an exec probe command cannot fail: true, :, exit 0, or
// echo, run directly or as the whole of a shell script.
func alwaysSucceeds(cmd []string) bool {
	if len(cmd) == 0 {
		return false
	}
	switch cmdBase(cmd[0]) {
	case "true", "echo":
		return true
	case "sh", "bash", "ash", "dash":
		if len(cmd) < 3 || cmd[1] != "-c" {
			return false
		}
		s := strings.TrimSpace(cmd[2])
		if strings.ContainsAny(s, ";&|`$<>\n") {
			return false
		}
		f := strings.Fields(s)
		if len(f) == 0 {
			return false
		}
		switch {
		case f[0] == "true" || f[0] == "/bin/true" || f[0] == ":" || f[0] == "echo":
			return true
		case f[0] == "exit" && (len(f) == 1 || f[1] == "0"):
			return true
		}
	}
	return false
}

func cmdBase(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

var probeSlowDetection = &Rule{
	ID:       "probe-slow-detection",
	Category: Health,
	Severity: Warning,
	Summary:  "A probe takes longer than probe_failure_window (default 5m) to notice a failing pod",
	Formats:  []string{parsers.FormatK8s},
	Doc: `# probe-slow-detection

A probe notices a failure after periodSeconds × failureThreshold (defaults 10 × 3 = 30s), or
timeoutSeconds × failureThreshold when the timeout is the longer: the kubelet waits for each
check, and a check of a pod that hangs lasts its timeout. When
that window is longer than probe_failure_window (.no502.yaml, default 5m), a pod that stops
answering stays in the Service that long and the requests sent to it get 502/504.

The readiness probe is checked; a liveness probe only when the readiness probe cannot fail
(see readiness-cannot-fail), or there is none and readiness-probe-missing does not report
the container (the Services publish not-ready addresses, or another container's readiness
probe checks its port): then it is the only thing that takes a broken pod away. A container
with no readiness probe is otherwise left to readiness-probe-missing, whose probe is the
fix. Startup probes are meant to be patient and are not checked.

**Fix:** periodSeconds ≤ 10 and failureThreshold ≤ 3. On a liveness probe the fix is
written only with --unsafe-fixes: a shorter liveness window restarts a slow container
sooner, where a readiness window only takes it out of rotation.
` + k8sClientsDoc + k8sHealthSources,
	Run: runProbeSlowDetection,
}

func runProbeSlowDetection(p *Pass) {
	limit := p.Config.ProbeFailureWindow
	if !limit.Known() || limit.Value <= 0 {
		return
	}
	for _, w := range servedK8sFact.Of(p) {
		for _, c := range p.serving(w) {
			pr, key, only := c.Readiness, "readinessProbe", ""
			if pr == nil || readinessCannotFailWhy(w, c) != "" {
				if pr == nil && !probedBySibling(w, c) && !readinessIgnored(w) {
					// readiness-probe-missing says the hung pod stays in the Service, and
					// its readiness probe is the fix: one finding per cause.
					continue
				}
				// A readiness probe that cannot fail (or one that keeps no pod out): the
				// liveness probe is what takes a broken pod away (by restarting it).
				pr, key = c.Liveness, "livenessProbe"
				if c.Readiness != nil {
					only = " (its readinessProbe cannot fail, so only this probe takes a broken pod away)"
				}
			}
			if pr == nil || !pr.Period.Known() || !pr.FailureThreshold.Known() {
				continue
			}
			win := pr.FailureWindow()
			if win <= limit.Value {
				continue
			}
			pos := pr.Pos
			switch {
			case pr.FailureThreshold.Explicit():
				pos = pr.FailureThreshold.Pos
			case pr.Period.Explicit():
				pos = pr.Period.Pos
			}
			period := min(pr.Period.Value, 10*time.Second)
			ft := max(1, min(pr.FailureThreshold.Value, 3))
			var related []Related
			if limit.Explicit() {
				related = append(related, Related{Pos: limit.Pos, Message: "probe_failure_window " + parsers.Seconds(limit.Value)})
			}
			fixWin := parsers.ProbeWindow(period, pr.Timeout, ft)
			timing := k8s.Patch{}.Set("periodSeconds", int(period/time.Second)).Set("failureThreshold", ft)
			maxTimeout := max(1, int(limit.Value/time.Second)/ft)
			if fixWin > limit.Value {
				// The longest timeout that fits; a guess (see below), so a snippet.
				timing = timing.Set("timeoutSeconds", maxTimeout)
			}
			fix := k8sFix("notice failures within "+parsers.FormatDuration(min(fixWin, limit.Value)),
				k8s.ContainerPatch(w, c, k8s.Patch{}.Set(key, timing)))
			if key == "livenessProbe" {
				// A shorter liveness window restarts a slow container sooner (the harm
				// liveness-same-as-readiness is about), where a readiness window only
				// takes it out of rotation: written only with --unsafe-fixes.
				fix.markUnsafe()
			}
			if fixWin > limit.Value {
				// Each check of a hung pod waits out a timeoutSeconds this long: a shorter
				// period alone does not bring the window within the limit, and what
				// timeout the endpoint needs is the user's to say.
				fix.guess(fmt.Sprintf("its timeoutSeconds %d spaces the checks of a hung pod %ds apart whatever the period, and timeoutSeconds %d is the longest that fits, which no502 cannot tell the endpoint always answers within; if it does, apply this, else the check would fail healthy pods", int(pr.Timeout.Value/time.Second), int(pr.Timeout.Value/time.Second), maxTimeout))
			}
			eg := fmt.Sprintf("periodSeconds: %d, failureThreshold: %d", int(period/time.Second), ft)
			if fixWin > limit.Value {
				eg = fmt.Sprintf("timeoutSeconds at most %d with %s", maxTimeout, eg)
			}
			how := fmt.Sprintf("periodSeconds %d × failureThreshold %d", int(pr.Period.Value/time.Second), pr.FailureThreshold.Value)
			if pr.Timeout.Known() && pr.Timeout.Value > pr.Period.Value {
				how = fmt.Sprintf("timeoutSeconds %d, longer than periodSeconds %d, × failureThreshold %d: each check of a hung pod waits out its timeout", int(pr.Timeout.Value/time.Second), int(pr.Period.Value/time.Second), pr.FailureThreshold.Value)
			}
			p.Report(Finding{
				Pos: pos,
				Message: fmt.Sprintf("%s of %s%s takes %s to notice a failure (%s): a pod that stops answering stays in %s that long and %s. Keep the window within %s (%s), e.g. %s.",
					key, containerName(w, c), only, parsers.FormatDuration(win), how,
					servicesNamed(w.Services), p.stuckPodClients(w), parsers.FormatDuration(limit.Value), describeAt(limit, p.ownLine(pos)), eg),
				Related: related,
				Fix:     fix,
			})
		}
	}
}

var livenessSameAsReadiness = &Rule{
	ID:       "liveness-same-as-readiness",
	Category: Health,
	Severity: Warning,
	Summary:  "A livenessProbe identical to the readinessProbe (same check, same timing) restarts pods exactly when they leave the Service",
	Formats:  []string{parsers.FormatK8s},
	Doc: `# liveness-same-as-readiness

When liveness and readiness run the same check with the same timing, a slow or overloaded
app fails both at once: the pod is taken out of the Service and restarted in the same
moment, instead of being given time to recover. When every pod is slow (a traffic spike, a
slow database), all of them restart together and requests get 502/503 until they are back.

Every container of a served pod is checked, sidecars too: a pod is ready only when all its
containers are. A readiness probe that cannot fail is reported by readiness-cannot-fail
alone.

Using the same endpoint with a more tolerant liveness probe (a higher failureThreshold or
longer period) is the recommended pattern and is not flagged. Probes that ask different
things are not the same check: an httpGet with another path, scheme, host or Host header, or
a grpc probe naming another ` + "`service`" + ` (the gRPC health server answers for each service
name on its own, https://github.com/grpc/grpc/blob/master/doc/health-checking.md).

**Fix:** make liveness more tolerant, e.g. twice the failureThreshold.
` + k8sClientsDoc + k8sHealthSources,
	Run: runLivenessSameAsReadiness,
}

func runLivenessSameAsReadiness(p *Pass) {
	for _, w := range servedK8sFact.Of(p) {
		// Every container: a pod is ready only when all of its containers are, so a
		// sidecar failing both probes under load takes the pod out and restarts it too.
		for _, c := range w.Containers {
			r, l := c.Readiness, c.Liveness
			if r == nil || l == nil || !sameProbe(c, r, l) {
				continue
			}
			if readinessCannotFailWhy(w, c) != "" {
				continue // one probe finding per container: readiness-cannot-fail says it
			}
			ft := max(2*l.FailureThreshold.Value, l.FailureThreshold.Value+3)
			p.Report(Finding{
				Pos: l.Pos,
				Message: fmt.Sprintf("livenessProbe of %s is identical to its readinessProbe (%s, every %s, %d failures): when the app is slow under load both fail together, so pods are restarted the moment they leave %s, and when all pods are slow all restart and %s. Make liveness more tolerant, e.g. failureThreshold: %d.",
					containerName(w, c), probeCheck(l), parsers.Seconds(l.Period.Value), l.FailureThreshold.Value, servicesNamed(w.Services), p.noEndpointClients(w, theServicesOf(w.Services)), ft),
				Related: []Related{{Pos: r.Pos, Message: "the readinessProbe it duplicates"}},
				Fix:     k8sFix("give liveness more patience than readiness", k8s.ContainerPatch(w, c, k8s.Patch{}.Set("livenessProbe", k8s.Patch{}.Set("failureThreshold", ft)))),
			})
		}
	}
}

// containerPortNumber is port as a number when it names a port c declares (http → 8080),
// else port as written: a probe on the named port and one on its number check the same.
func containerPortNumber(c *parsers.Container, port string) string {
	for _, p := range c.Ports {
		if p.Name != "" && p.Name == port && p.Port > 0 {
			return strconv.Itoa(p.Port)
		}
	}
	return port
}

// sameProbe reports whether two probes run the same check with the same timing. Every
// value must be known; an unknown one keeps the rule silent.
func sameProbe(c *parsers.Container, a, b *parsers.Probe) bool {
	if a.Handler == "" || a.Handler != b.Handler || a.Path != b.Path || containerPortNumber(c, a.Port) != containerPortNumber(c, b.Port) ||
		strings.Join(a.Command, "\x00") != strings.Join(b.Command, "\x00") || a.GRPCService != b.GRPCService {
		return false
	}
	// Another scheme, host or Host header asks another server (or virtual host): not the
	// same check. Other headers (microservices-demo's frontend sends a different session
	// cookie from each probe) reach the same handler.
	if a.HTTPOpaque || b.HTTPOpaque || !strings.EqualFold(cmp.Or(a.Scheme, "HTTP"), cmp.Or(b.Scheme, "HTTP")) || a.Host != b.Host || hostHeader(a) != hostHeader(b) {
		return false
	}
	for _, s := range []parsers.Duration{a.Period, b.Period, a.Timeout, b.Timeout, a.InitialDelay, b.InitialDelay} {
		if !s.Known() {
			return false
		}
	}
	if !a.FailureThreshold.Known() || !b.FailureThreshold.Known() {
		return false
	}
	return a.Period.Value == b.Period.Value && a.Timeout.Value == b.Timeout.Value &&
		a.FailureThreshold.Value == b.FailureThreshold.Value
}

// hostHeader is the Host header an httpGet probe sends, or "".
func hostHeader(p *parsers.Probe) string {
	for _, h := range p.Headers {
		if strings.EqualFold(h.Name, "Host") {
			return h.Value
		}
	}
	return ""
}

// probeCheck describes what a probe checks, for messages.
func probeCheck(p *parsers.Probe) string {
	switch p.Handler {
	case "httpGet":
		return "httpGet " + p.Path + " on port " + p.Port
	case "exec":
		return "exec " + strings.Join(p.Command, " ")
	}
	return p.Handler + " on port " + p.Port
}

// edgeRolloutHarm says what a rolling update of edge proxy w does when it takes a pod
// for ready before it answers. A DaemonSet replaces its pod node by node (a hostPort
// leaves no room for a surge pod beside it), moving on when the new pod is ready; a
// Deployment stops old pods as new ones become ready.
func edgeRolloutHarm(w *parsers.Workload) string {
	if w.Kind == parsers.DaemonSet {
		return "the update moves on to the next node before this one listens, and several nodes can refuse connections at once"
	}
	return "the update stops old pods before the new ones listen, and until they do the nodes of both refuse connections"
}
