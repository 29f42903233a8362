package rules

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/k8s"
)

func init() {
	Register(prestopMissing, gracePeriodTooShort)
}

// preStopSleep is the delay the fixes suggest: long enough for kube-proxy and the AWS
// Load Balancer Controller to take the endpoint out (EKS best practices use sleep 10).
const preStopSleep = 10 * time.Second

const k8sDrainSources = `
## Sources

- Endpoint removal and SIGTERM happen in parallel; terminationGracePeriodSeconds defaults to
  30 and covers the preStop hook plus the container's stop, then SIGKILL (with a one-off 2s
  extension when the hook leaves less than 2s: kubelet kuberuntime ` + "`killContainer`" + `,
  ` + "`minimumGracePeriodInSeconds`" + `): https://github.com/kubernetes/kubernetes/blob/023f88a/pkg/apis/core/v1/defaults.go (` + "`SetDefaults_PodSpec`" + `);
  https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination;
  https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/
- preStop sleep of about 10s: EKS best practices, https://docs.aws.amazon.com/eks/latest/best-practices/load-balancing.html
- The sleep action (lifecycle.preStop.sleep.seconds) is beta since Kubernetes 1.30, GA in 1.34
  (KEP-3960, https://github.com/kubernetes/enhancements/issues/3960); on older clusters use
  exec ["sleep", "10"].
`

var prestopMissing = &Rule{
	ID:       "prestop-missing",
	Category: Drain,
	Severity: Info,
	Summary:  "A served container has no preStop delay, so it stops while still receiving requests",
	Formats:  []string{parsers.FormatK8s},
	Doc: `# prestop-missing

When a pod is deleted (rollout, scale-down, drain), Kubernetes removes it from the Service's
endpoints **and** sends SIGTERM at the same time. kube-proxy on every node, the ingress
controller and a cloud load balancer learn about the removal a few seconds later, and until
then keep sending it requests. An app that stops accepting connections on SIGTERM answers
those with connection refused or reset: the proxy returns 502.

A preStop hook that sleeps (the ` + "`sleep`" + ` action, or an exec hook running ` + "`sleep N`" + `) keeps the pod
serving until it is out of rotation. Other hooks (ingress-nginx's /wait-shutdown, an HTTP
call) are not judged, except one that stops the app first, alone or before any sleep in
its script:

- ` + "`nginx -s quit`" + ` (or ` + "`-s stop`" + `) returns at once and nginx closes its listening sockets
  (nginx 1.22 on loopback: the command returned in 8ms, the next connection was refused, a
  request in flight completed); so do ` + "`apachectl -k graceful-stop`" + ` and ` + "`caddy stop`" + `;
- ` + "`kill -TERM 1`" + ` (INT, QUIT where the server handles it), or ` + "`pkill`" + `/` + "`killall`" + ` of the server,
  when the container's command runs that server as PID 1 (directly, through tini or
  dumb-init, ` + "`exec`" + ` at the end of a shell script, ` + "`python -m`" + `) or starts it by that name:
  gunicorn as PID 1 of a PID namespace, sent ` + "`kill -TERM 1`" + `, logged "Handling signal: term",
  and the next request got no answer while the one in flight completed.

The pod then refuses connections while its endpoint is still in rotation, as with no
hook, and the sleep after the signal delays nothing. It is reported at the hook, with a
snippet that sleeps before the signal (snippet only: the command is the user's, and the
new one needs a shell in the image). A kill that may do nothing is not judged: the kernel
drops a signal sent to a PID namespace's init that has no handler for it, SIGKILL included
(gunicorn after ` + "`kill -9 1`" + `, gunicorn under ` + "`sh -c \"migrate && gunicorn\"`" + ` after ` + "`kill -TERM 1`" + `,
and node without a SIGTERM handler each served the next request on loopback), and with an
image's own entrypoint PID 1 is not known. Neither is a call to a local stop or shutdown
endpoint (Spring's ` + "`/actuator/shutdown`" + ` answers 404 unless enabled). The hook's sleep is then no
known delay, and no rule counts it.

A container running Caddy with ` + "`shutdown_delay`" + ` set (above 0) is not reported: after SIGTERM
Caddy keeps accepting new connections for that long before it shuts down (caddy 2.6.2 on
loopback, ` + "`shutdown_delay 3s`" + `: 200 for 2.5s after SIGTERM, then connection refused), which is
the preStop sleep's work; proxy-shutdown-unbounded asks for it, and counts a preStop sleep
in its place.

A proxy in the pod (an nginx or Caddy config the pod mounts) that forwards to another
container of the same pod over the loopback address, at a port that container declares
(nginx beside php-fpm: ` + "`fastcgi_pass 127.0.0.1:9000`" + `, a php container with containerPort
9000), is reported with that container: it gets its stop signal at the same moment, so a
sleep in the proxy alone keeps the pod accepting requests the proxy can no longer pass on.
The message names it and the fix gives it the same sleep, unless it has a preStop hook of
its own.

A sidecar whose only ports on the Service are metrics or webhook ports (an exporter beside
the app: ` + "`metrics`" + `, 9100-9199) is not reported: Prometheus scrapes it, no request goes
to it. A proxy, Ingress or target group that routes to such a port makes it served.

A server known to keep serving for a few seconds after SIGTERM is not reported at info:
podinfo (` + "`stefanprodan/podinfo`" + `) marks itself unready and waits 3s before it shuts down
unless its log level is debug, longer than kube-proxy or an ingress controller takes to drop
the pod. Behind a cloud load balancer (below) it is reported: 3s is not enough there.

An ingress controller bound to port 80 or 443 of its node (hostPort, hostNetwork) with no
Service in front is not reported: nothing removes it from rotation while it sleeps (the load
balancer in front only notices when it stops answering), so a preStop sleep would only delay
the same gap. Its grace period and readiness probe are checked (grace-period-too-short,
readiness-probe-missing).

**Severity:** ` + "`info`" + `, and ` + "`warning`" + ` when a cloud load balancer sends the pod traffic itself: an
ALB or NLB of the AWS Load Balancer Controller that targets the pods (` + "`target-type: ip`" + `), a
target group with ip targets bound to the Service (a TargetGroupBinding; Terraform's default
` + "`target_type`" + ` is instance, which registers the nodes), or a Service of type LoadBalancer with
` + "`externalTrafficPolicy: Local`" + ` (its load balancer sends a node's share to that node's pods
until the node fails its health check). With instance targets (the controller's default)
and on a LoadBalancer Service with the default ` + "`externalTrafficPolicy: Cluster`" + `, the load
balancer sends to the nodes and kube-proxy drops the pod in a second or two, so those stay
at info. How many requests reach a stopping pod depends on how long the
layer in front takes to drop it: kube-proxy and an ingress controller watching endpoints
take a second or two, and many servers finish the connections they accepted after
SIGTERM; a cloud load balancer takes 10 seconds or more to deregister a target, and every
request it sends in that time fails. The condition is true of nearly every manifest, so
without that evidence it is advice, not a failed check.

**Fix:** ` + "`lifecycle.preStop.sleep.seconds: 10`" + `, with terminationGracePeriodSeconds longer than
the sleep plus the app's own shutdown. A snippet for a workload written in an apiVersion
Kubernetes removed in 1.16 (` + "`extensions/v1beta1`" + `, ` + "`apps/v1beta1`" + `, ` + "`apps/v1beta2`" + `): the sleep
action needs 1.30, and no cluster serves both.

## Evidence

Two upstreams behind nginx 1.22.1 at 40 requests per second, each taking 200ms; one is
deleted: the app gets SIGTERM (and exits at once) and nginx is reloaded without it 300ms
later. Without a preStop delay the POSTs in flight on it got 502 (4 of 80); nginx resent
the GETs, and every request the stopped pod refused; kill -9 lost the same. With a preStop
sleep (10s scaled to 2s), 0; so did an app that drains on SIGTERM instead.
See [docs/evidence.md](../evidence.md#prestop-missing-a-pod-deleted-under-load-nginx-learns-of-the-removal-300ms-later).
` + k8sClientsDoc + k8sDrainSources,
	Run: runPrestopMissing,
}

func runPrestopMissing(p *Pass) {
	cloud := cloudBalanced(p.Model)
	for _, w := range servedK8sFact.Of(p) {
		sev, lb := Info, ""
		if d, ok := cloud[w]; ok {
			sev, lb = Warning, fmt.Sprintf(" %s takes 10s or more to deregister it, and fails every request it sends meanwhile.", upperFirst(d))
		}
		// Behind an HTTP proxy the refused requests are its 502s; reached only through the
		// Service, the clients' new connections are refused (k8sClientsDoc).
		senders, fate := "kube-proxy and the load balancer keep sending it requests", "those get 502"
		if lb == "" {
			senders = "kube-proxy and the proxy in front keep sending it requests"
		}
		if !p.proxied(w) {
			senders, fate = "kube-proxy keeps sending it new connections", "those are refused (a proxy in front answers 502)"
			if lb != "" {
				senders = "kube-proxy and the load balancer keep sending it new connections"
			}
		}
		for _, c := range p.serving(w) {
			if c.PreStopStopsApp.IsValid() {
				reportStopFirstHook(p, w, c, sev, senders, fate, lb)
				continue
			}
			if c.PreStopPos.IsValid() || !c.PreStopDelay.Known() || c.PreStopDelay.Value != 0 {
				continue
			}
			if lb == "" && drainsItself(c) {
				continue // it keeps serving longer than kube-proxy takes to drop it
			}
			if caddyShutdownDelayed(p.Model, w, c) {
				continue // Caddy's shutdown_delay keeps it accepting after SIGTERM
			}
			fields := k8s.Patch{}.Set("lifecycle", k8s.Patch{}.Set("preStop", k8s.Patch{}.Set("sleep", k8s.Patch{}.Set("seconds", int(preStopSleep/time.Second)))))
			var extra []k8s.KV
			advice := fmt.Sprintf("Add a preStop sleep of %s so the pod keeps serving until it is out of rotation.", parsers.Seconds(preStopSleep))
			desc := "sleep 10s before SIGTERM (sleep action: Kubernetes 1.30+; else exec [\"sleep\", \"10\"])"
			ups := podLocalUpstreams(p.Model, w, c)
			if g, raise := graceFor(w, c, preStopSleep); raise {
				extra = append(extra, k8s.KV{K: "terminationGracePeriodSeconds", V: int(g / time.Second)})
				// The sleep counts against the grace period: added alone it would be cut
				// short and leave the app the kubelet's 2s extension to drain.
				now := fmt.Sprintf("terminationGracePeriodSeconds (Kubernetes default %d)", int(w.TerminationGrace.Value/time.Second))
				if w.TerminationGrace.Explicit() {
					now = describeAt(w.TerminationGrace, p.ownLine(c.Pos))
				}
				advice = fmt.Sprintf("Add a preStop sleep of %s and raise %s to %d: the sleep counts against the grace period, so the pod keeps serving until it is out of rotation and the app still has time to drain after it.",
					parsers.Seconds(preStopSleep), now, int(g/time.Second))
				desc += fmt.Sprintf(", and raise terminationGracePeriodSeconds to %d", int(g/time.Second))
			}
			patch := k8s.ContainerPatch(w, c, fields, extra...)
			if len(ups) > 0 {
				// The proxy's upstream in the pod gets its stop signal at the same moment:
				// sleeping the proxy alone keeps it accepting requests it then cannot pass
				// on. Both containers get the sleep, in one patch of the pod spec.
				cts := []k8s.Patch{append(k8s.Patch{}.Set("name", c.Name), fields...)}
				var names []string
				for _, u := range ups {
					cts = append(cts, append(k8s.Patch{}.Set("name", u.c.Name), fields...))
					names = append(names, fmt.Sprintf("container %s (%s forwards to it at %s)", u.c.Name, product(u.h), u.addr))
				}
				patch = k8s.PodSpecPatch(w, append(append(k8s.Patch{}, extra...), k8s.KV{K: "containers", V: cts}))
				advice += fmt.Sprintf(" Give the same sleep to %s: it gets its stop signal at the same moment and has no preStop hook either, so without one %s keeps accepting requests it can no longer pass on, and those get 502.",
					strings.Join(names, " and "), product(ups[0].h))
				desc += ", in " + c.Name + " and the containers it forwards to in the pod"
			}
			p.Report(Finding{
				Pos:      c.Pos,
				Severity: sev,
				Message: fmt.Sprintf("%s has no preStop hook: when a pod is deleted, Kubernetes removes its endpoint and sends SIGTERM at the same time, so %s for a few seconds after it stopped accepting them, and %s.%s %s",
					containerName(w, c), senders, fate, lb, advice),
				Fix: beforeAPI(w, k8sFix(desc, patch), "the preStop sleep action needs Kubernetes 1.30"),
			})
		}
	}
}

// beforeAPI keeps fix as a snippet when w is written in an apiVersion Kubernetes removed
// in 1.16 (extensions/v1beta1, apps/v1beta1, apps/v1beta2: sock-shop's complete-demo.yaml):
// no cluster serves both that object and the newer field the fix adds (needs), so the
// written file would be refused wherever it is applied.
func beforeAPI(w *parsers.Workload, fix *Fix, needs string) *Fix {
	switch w.APIVersion {
	case "extensions/v1beta1", "apps/v1beta1", "apps/v1beta2":
		return fix.guess(fmt.Sprintf("%s is apiVersion %s, which Kubernetes removed in 1.16, and %s: move it to apps/v1 first", workloadName(w), w.APIVersion, needs))
	}
	return fix
}

// reportStopFirstHook reports container c, whose preStop hook stops the app before any
// sleep (nginx -s quit, kill -TERM 1 of gunicorn): the app stops accepting at once, so the
// endpoint removal races the refused connections as with no hook. The snippet sleeps
// first and keeps the user's command after it.
func reportStopFirstHook(p *Pass, w *parsers.Workload, c *parsers.Container, sev Severity, senders, fate, lb string) {
	own := p.ownLine(c.PreStopStopsApp)
	hook := shellJoin(c.PreStopCommand)
	script := "sleep " + strconv.Itoa(int(preStopSleep/time.Second)) + " && "
	if len(c.PreStopCommand) >= 3 && isShellName(c.PreStopCommand[0]) && c.PreStopCommand[1] == "-c" {
		script += strings.Join(c.PreStopCommand[2:], " ")
	} else {
		script += shellJoin(c.PreStopCommand)
	}
	command := fmt.Sprintf("[\"/bin/sh\", \"-c\", %s]", k8s.Quote(script))
	fields := k8s.Patch{}.Set("lifecycle", k8s.Patch{}.Set("preStop", k8s.Patch{}.Set("exec", k8s.Patch{}.Set("command", command))))
	var extra []k8s.KV
	advice := fmt.Sprintf("Sleep %s before the signal (%s) so the pod keeps serving until it is out of rotation.", parsers.Seconds(preStopSleep), script)
	desc := fmt.Sprintf("sleep %s before stopping %s (needs a shell in the image)", parsers.Seconds(preStopSleep), c.PreStopStops)
	if g, raise := graceFor(w, c, preStopSleep); raise {
		extra = append(extra, k8s.KV{K: "terminationGracePeriodSeconds", V: int(g / time.Second)})
		now := fmt.Sprintf("terminationGracePeriodSeconds (Kubernetes default %d)", int(w.TerminationGrace.Value/time.Second))
		if w.TerminationGrace.Explicit() {
			now = describeAt(w.TerminationGrace, own)
		}
		advice = fmt.Sprintf("Sleep %s before the signal (%s) and raise %s to %d: the sleep counts against the grace period, so the pod keeps serving until it is out of rotation and %s still has time to drain after it.",
			parsers.Seconds(preStopSleep), script, now, int(g/time.Second), c.PreStopStops)
		desc += fmt.Sprintf(", and raise terminationGracePeriodSeconds to %d", int(g/time.Second))
	}
	p.Report(Finding{
		Pos:      c.PreStopStopsApp,
		Severity: sev,
		Message: fmt.Sprintf("%s has a preStop hook, %s, that %s the moment it runs, while Kubernetes removes the pod's endpoint at the same time, so %s for a few seconds after it stopped accepting them, and %s.%s %s",
			containerName(w, c), hook, stopsWhat(c.PreStopStops), senders, fate, lb, advice),
		Fix: k8sSnippetFix(desc, k8s.ContainerPatch(w, c, fields, extra...)),
	})
}

// stopsWhat says what a preStop hook that stops the app first does to it: nginx and
// Apache close their listeners; Caddy stops; a server sent a signal (kill -TERM 1)
// shuts down.
func stopsWhat(app string) string {
	switch app {
	case "nginx", "openresty", "Apache httpd":
		return "makes " + app + " close its listeners"
	case "Caddy":
		return "stops Caddy"
	}
	return "signals " + app + " to shut down"
}

// shellJoin writes words as a shell command line, single-quoting a word that holds
// anything but letters, digits and -_./=:.
func shellJoin(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		plain := w != ""
		for _, r := range w {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:", r)) {
				plain = false
				break
			}
		}
		if plain {
			out[i] = w
		} else {
			out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
		}
	}
	return strings.Join(out, " ")
}

func isShellName(p string) bool {
	switch path.Base(p) {
	case "sh", "bash", "ash", "dash", "zsh":
		return true
	}
	return false
}

// drainsItself reports whether container c runs a server known to keep serving for a
// few seconds after SIGTERM before it closes its listeners, longer than kube-proxy and an
// ingress controller take to drop the pod (a second or two), so a preStop sleep adds
// nothing behind them. A cloud load balancer takes 10s or more, so callers ask only
// without one.
//
// podinfo (stefanprodan/podinfo, pkg/signals/shutdown.go) marks itself unready and sleeps
// 3s "for Kubernetes readiness probe to remove this instance from the load balancer"
// before it shuts its servers down, unless its log level is debug (the --level flag or
// PODINFO_LEVEL; the default is info). A level no502 cannot read counts as waiting: the
// rule stays silent when it cannot tell.
func drainsItself(c *parsers.Container) bool {
	ref := strings.ToLower(c.Image)
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	if ref != "stefanprodan/podinfo" && !strings.HasSuffix(ref, "/stefanprodan/podinfo") {
		return false
	}
	words := append(append([]string{}, c.Command...), c.Args...)
	if len(c.Command) > 0 && path.Base(c.Command[0]) != "podinfo" {
		return false // another program of the image (podcli), or a shell wrapper
	}
	level, set := "", false
	if e, ok := c.EnvVar("PODINFO_LEVEL"); ok {
		if e.Unknown {
			return true
		}
		level, set = e.Value, true
	}
	for i, w := range words {
		// A flag wins over the environment (viper); the last one written wins.
		if v, ok := strings.CutPrefix(w, "--level="); ok {
			level, set = v, true
		} else if w == "--level" && i+1 < len(words) {
			level, set = words[i+1], true
		}
	}
	if strings.Contains(level, "$") {
		return true
	}
	return !set || level != "debug"
}

// appGrace is the app server's own graceful-shutdown timeout when known: its
// AppServer's, or the StopDrain of a server no AppServer describes (the ingress-nginx
// controller).
func appGrace(c *parsers.Container) (parsers.Duration, bool) {
	if c.App == nil || !c.App.GracefulTimeout.Known() {
		if c.App == nil && c.StopDrain.Known() {
			return c.StopDrain, true
		}
		return parsers.Duration{}, false
	}
	return c.App.GracefulTimeout, true
}

// appName names the server appGrace describes.
func appName(c *parsers.Container) string {
	if c.App == nil && c.StopDrain.Known() {
		return "the ingress-nginx controller"
	}
	return c.App.Name
}

// preStopIsStop reports whether c's preStop hook is its server's stop itself, whose
// length StopDrain bounds (ingress-nginx's /wait-shutdown), rather than a delay before it.
func preStopIsStop(c *parsers.Container) bool {
	return c.PreStopWaitShutdown && c.App == nil && c.StopDrain.Known()
}

// graceFor returns the grace period a pod needs when container c sleeps preStop first,
// and whether w's current one is too short for it: the sleep plus the app's drain, with
// room to spare, and never below the Kubernetes default.
func graceFor(w *parsers.Workload, c *parsers.Container, preStop time.Duration) (time.Duration, bool) {
	need := preStop
	if g, ok := appGrace(c); ok {
		need += g.Value
	}
	want := max(need+10*time.Second, 30*time.Second)
	return want, w.TerminationGrace.Known() && w.TerminationGrace.Value <= need
}

var gracePeriodTooShort = &Rule{
	ID:       "grace-period-too-short",
	Category: Drain,
	Severity: Error,
	Summary:  "terminationGracePeriodSeconds does not cover the preStop delay plus the app's graceful shutdown: SIGKILL mid-drain",
	Formats:  []string{parsers.FormatK8s},
	Doc: `# grace-period-too-short

terminationGracePeriodSeconds (default 30) is the whole time a pod gets to stop: it covers the
preStop hook **and** the app's shutdown after SIGTERM. When it is not longer than the preStop
delay, the kubelet sends SIGKILL right when the hook ends; when the app server's own graceful
timeout is known (gunicorn --graceful-timeout, Spring's shutdown phase, nginx
worker_shutdown_timeout, Caddy grace_period), a grace period shorter than preStop plus
that timeout sends SIGKILL while the app is still finishing requests. Either way in-flight
requests are cut off and the proxy returns 502. An explicit 0 kills the pod at once, and is
reported even when the preStop hook's length cannot be known (ingress-nginx's
/wait-shutdown): with 0 the hook does not run at all.

Only the containers requests go to count (those declaring a port a Service targets, an edge
proxy's node ports): the kubelet stops every container at once, each with the pod's grace
period, so a sidecar that no request reaches (a log shipper sleeping 45s in its preStop
hook to flush) being killed at the deadline cuts no request of the app beside it.

A grace period exactly equal to preStop plus the app's timeout is not reported: the app
stops waiting at that deadline itself, so the SIGKILL cuts nothing it would have served.
With Kubernetes' default 30s and gunicorn's default 30s that is the case without a preStop
hook, and any preStop delay (which prestop-missing asks for) makes the sum exceed 30s: the
prestop-missing fix raises the grace period too.

The ingress-nginx controller (a container running ` + "`/nginx-ingress-controller`" + `) is checked
the same way: on SIGTERM, from the kubelet or from its preStop hook ` + "`/wait-shutdown`" + ` (which
signals the controller and waits until nginx has exited: the controller's stop itself, not a
delay before it), it keeps serving for ` + "`--shutdown-grace-period`" + ` (default 0), then quits
nginx, which finishes the requests in flight for up to ` + "`worker-shutdown-timeout`" + ` (the key
of the ConfigMap its ` + "`--configmap`" + ` flag names; default 240s since release 0.27, not assumed
for an image tag that names no release). A grace period shorter than the two sends SIGKILL
while nginx still drains; with ` + "`/wait-shutdown`" + ` still running at the deadline the kubelet
sends SIGTERM and SIGKILL 2s later, so 2s more count. The chart's 300s covers the default.

**Fix:** raise terminationGracePeriodSeconds above preStop + graceful timeout (no502 suggests
10s of margin and at least 30s).

An ingress controller that is the cluster's edge (a DaemonSet or Deployment binding port 80
or 443 of its node: hostPort, or hostNetwork: true; no Service in front) is checked too: the
SIGKILL cuts its in-flight requests the same way, and the load balancer in front of the nodes
returns 502 for them. (prestop-missing does not report it: with no Service there is no
endpoint removal for a preStop sleep to wait out.) A controller that binds those ports and
has a Service too (kind's ingress-nginx: hostPort and a NodePort Service) is told the same:
no proxy stands in front of it to answer 502, its clients' connections are reset.
` + k8sClientsDoc + k8sDrainSources,
	Run: runGracePeriodTooShort,
}

func runGracePeriodTooShort(p *Pass) {
	// An edge proxy on the nodes' ports drops its in-flight requests the same way.
	edge := edgeK8sFact.Of(p)
	for _, w := range append(slices.Clip(servedK8sFact.Of(p)), edge...) {
		cut := "the proxy returns 502 for them"
		if !p.proxied(w) {
			// Reached only through its Service: nothing in front answers with a status.
			cut = "the clients' connections are reset (a proxy in front answers 502)"
		}
		if slices.Contains(edge, w) || len(edgeContainers(w)) > 0 {
			// An ingress controller on the nodes' ports 80/443 is the proxy itself, even
			// with a Service beside it (kind's ingress-nginx: hostPort and NodePort).
			cut = "the load balancer in front of the nodes returns 502 for them (clients reaching " + edgeNodePorts(w) + " directly see the connection reset)"
		}
		g := w.TerminationGrace
		if !g.Known() {
			continue
		}
		// The serving container that needs the longest stop decides. The kubelet stops
		// every container of the pod at once, each with the pod's grace period, so a
		// sidecar no request goes to (a log shipper sleeping 45s to flush) being killed
		// later cuts no request of the app beside it.
		drains := p.serving(w)
		for _, c := range edgeContainers(w) {
			if !slices.Contains(drains, c) {
				drains = append(drains, c)
			}
		}
		var worst *parsers.Container
		var need time.Duration
		for _, c := range drains {
			d := time.Duration(0)
			if c.PreStopDelay.Known() {
				d = c.PreStopDelay.Value
			} else if c.PreStopPos.IsValid() && !preStopIsStop(c) {
				continue // a hook of unknown length: cannot tell
			}
			if ag, ok := appGrace(c); ok {
				d += ag.Value
			}
			if worst == nil || d > need {
				worst, need = c, d
			}
		}
		zero := g.Explicit() && g.Value == 0
		if zero && worst != nil && preStopIsStop(worst) {
			worst = nil // /wait-shutdown does not run at all: said as for any hook
		}
		if worst == nil {
			// Every preStop hook is of unknown length (ingress-nginx's /wait-shutdown):
			// nothing to compare, except an explicit 0, which kills the pod without
			// running them at all.
			if zero {
				reportGraceZero(p, w, cut)
			}
			continue
		}
		// The app's own graceful timeout is a deadline it enforces itself: a grace period
		// equal to preStop + that timeout kills nothing the app would still have served.
		// Without a known app timeout, the app needs some time after the preStop hook, so
		// a grace period equal to the preStop delay already cuts the drain.
		_, hasApp := appGrace(worst)
		pre := time.Duration(0)
		if worst.PreStopDelay.Known() {
			pre = worst.PreStopDelay.Value
		}
		short := (hasApp && g.Value < need) || (pre > 0 && g.Value <= pre) || (!hasApp && need > 0 && g.Value <= need)
		if preStopIsStop(worst) {
			// /wait-shutdown still running at the deadline: the kubelet stops waiting for
			// it and sends SIGTERM, then SIGKILL 2s later (kuberuntime killContainer,
			// minimumGracePeriodInSeconds), so nginx has the grace period plus 2s.
			short = g.Value+2*time.Second < need
		}
		if !zero && !short {
			continue
		}
		want, _ := graceFor(w, worst, worst.PreStopDelay.Value)
		pos := g.Pos
		var related []Related
		if !g.Explicit() {
			pos = worst.PreStopPos
			if !pos.IsValid() {
				pos = w.Pos
			}
		}
		own := p.ownLine(pos)
		parts := fmt.Sprintf("the preStop delay %s of container %s", parsers.Seconds(worst.PreStopDelay.Value), worst.Name)
		if worst.PreStopDelay.Explicit() {
			parts = withPos(parts, worst.PreStopDelay.Pos, own)
		}
		if ag, ok := appGrace(worst); ok {
			parts += fmt.Sprintf(" plus %s graceful timeout %s = %s", appName(worst), describeAt(inHost(p.Model, ag), own), parsers.Seconds(need))
		}
		waitShutdown := preStopIsStop(worst)
		if waitShutdown || worst.App == nil && worst.StopDrain.Known() {
			// The controller's stop: its preStop hook /wait-shutdown (or the kubelet's
			// SIGTERM) starts it at once, and nginx drains for up to
			// worker-shutdown-timeout.
			how := "the kubelet's SIGTERM"
			if waitShutdown {
				how = "its preStop hook /wait-shutdown"
			}
			parts = fmt.Sprintf("the time the ingress-nginx controller in container %s may take to stop once %s signals it, while nginx finishes the requests in flight: up to %s", worst.Name, how, describeAt(inHost(p.Model, worst.StopDrain), own))
			if strings.Contains(worst.StopDrain.Text+worst.StopDrain.Default, " plus ") {
				parts += " = " + parsers.Seconds(need)
			}
		}
		if worst.PreStopDelay.Explicit() {
			related = append(related, Related{Pos: worst.PreStopDelay.Pos, Message: "preStop delay " + parsers.Seconds(worst.PreStopDelay.Value)})
		}
		var msg string
		if need == 0 {
			msg = fmt.Sprintf("%s of %s kills its pods at once: the kubelet sends SIGKILL without letting the app finish in-flight requests, and %s. Give the pod time to drain, e.g. terminationGracePeriodSeconds: %d.",
				describeAt(g, own), workloadName(w), cut, int(want/time.Second))
		} else {
			cmp := "is not longer than"
			if hasApp && g.Value < need {
				cmp = "is shorter than"
			}
			// The kubelet gives the container what is left of the grace period after its
			// preStop hook, and at least 2s (kuberuntime killContainer,
			// minimumGracePeriodInSeconds): the extension happens only when the hook
			// leaves less than that.
			kill := "the kubelet sends SIGKILL"
			if pre > g.Value-2*time.Second || waitShutdown {
				// A hook still running at the deadline gets the one-off extension too.
				kill += " (after a one-off 2s extension)"
			}
			msg = fmt.Sprintf("%s of %s %s %s: %s before the app has drained, so in-flight requests are cut off and %s. Raise terminationGracePeriodSeconds above %s, e.g. %d.",
				describeAt(g, own), workloadName(w), cmp, parts, kill, strings.TrimSuffix(cut, " for them"), parsers.Seconds(need), int(want/time.Second))
		}
		var edits []parsers.Edit
		if g.Explicit() {
			edits = k8s.ReplaceScalar(g.Pos, fmt.Sprint(int(want/time.Second)))
		}
		p.Report(Finding{
			Pos:     pos,
			Message: msg,
			Related: related,
			Fix:     k8sFix("give the pod time to drain", k8s.PodSpecPatch(w, k8s.Patch{}.Set("terminationGracePeriodSeconds", int(want/time.Second))), edits...),
		})
	}
}

// reportGraceZero reports an explicit terminationGracePeriodSeconds: 0 on a workload whose
// preStop hooks are of unknown length: the kubelet kills the containers at once, so the
// hook (a drain such as ingress-nginx's /wait-shutdown) never gets to run.
func reportGraceZero(p *Pass, w *parsers.Workload, cut string) {
	g := w.TerminationGrace
	var related []Related
	hook := ""
	for _, c := range w.Containers {
		if c.PreStopPos.IsValid() {
			related = append(related, Related{Pos: c.PreStopPos, Message: "the preStop hook of container " + c.Name})
			if hook == "" {
				hook = " (container " + c.Name + ")"
			}
		}
	}
	want := 30
	p.Report(Finding{
		Pos: g.Pos,
		Message: fmt.Sprintf("%s of %s kills its pods at once: the kubelet sends SIGKILL without running the preStop hook%s or letting the app finish in-flight requests, and %s. Give the pod time to drain, e.g. terminationGracePeriodSeconds: %d (more if the hook waits longer).",
			g.Describe(), workloadName(w), hook, cut, want),
		Related: related,
		Fix:     k8sFix("give the pod time to drain", k8s.PodSpecPatch(w, k8s.Patch{}.Set("terminationGracePeriodSeconds", want)), k8s.ReplaceScalar(g.Pos, fmt.Sprint(want))...),
	})
}

// balancerName names a cloud load balancer hop as people do: "ALB", "NLB" (an NLB of the
// AWS Load Balancer Controller is an alb-ingress hop that passes TCP through), "classic ELB".
func balancerName(h *parsers.Hop) string {
	switch {
	case h.Kind == parsers.HopNLB || h.Passthrough:
		return "NLB"
	case h.Kind == parsers.HopCLB:
		return "classic ELB"
	}
	return "ALB"
}

// cloudBalanced returns the workloads a cloud load balancer sends traffic to, each with a
// description of that balancer: a Service of type LoadBalancer, a hop of the AWS Load
// Balancer Controller (ALB or NLB), a target group bound to one of its Services.
func cloudBalanced(m *parsers.Model) map[*parsers.Workload]string {
	out := map[*parsers.Workload]string{}
	for _, h := range m.Hops {
		switch h.Kind {
		case parsers.HopALB, parsers.HopNLB, parsers.HopCLB, parsers.HopALBIngress:
		default:
			continue
		}
		for _, r := range h.Routes {
			if r.Backend == nil {
				continue
			}
			if r.Backend.TargetType != "ip" {
				// Instance targets (the controller's default, Terraform's, a classic ELB's):
				// the load balancer sends to the nodes, kube-proxy to the pods; a pod
				// leaving deregisters nothing, and kube-proxy drops it in a second or two.
				// Not known (no annotation, a variable): said as for instance targets.
				continue
			}
			for _, w := range r.Backend.Workloads {
				if _, ok := out[w]; !ok {
					out[w] = "the " + balancerName(h) + " in front"
				}
			}
		}
	}
	for _, be := range m.Backends {
		// A target group bound to a Service (TargetGroupBinding) registers the pods only
		// with ip targets; with instance targets it registers the nodes, as above.
		if be.Kind == parsers.BackendTargetGroup && be.TargetType == "ip" {
			for _, w := range be.Workloads {
				if _, ok := out[w]; !ok {
					out[w] = "target group " + be.Name
				}
			}
		}
	}
	for _, s := range m.Services {
		// With the default externalTrafficPolicy (Cluster) the load balancer sends to every
		// node and kube-proxy to the pods: a pod leaving is dropped in a second or two, as
		// behind a ClusterIP Service (and as behind an ALB with instance targets). With
		// Local it sends a node's share to that node's pods until the node fails its
		// health check.
		if s.Type != "LoadBalancer" || !strings.EqualFold(s.ExternalTrafficPolicy, "Local") {
			continue
		}
		for _, w := range s.Workloads {
			if _, ok := out[w]; !ok {
				out[w] = "the load balancer of Service " + s.Name + " (type LoadBalancer, externalTrafficPolicy: Local)"
			}
		}
	}
	return out
}

// localUpstream is a container of a proxy's own pod that the proxy forwards to over the
// loopback address: the upstream of route addresses 127.0.0.1:9000 whose port the
// container declares.
type localUpstream struct {
	c    *parsers.Container
	h    *parsers.Hop
	addr string
}

// podLocalUpstreams returns the other containers of w that the proxy hops running in w
// (an nginx or Caddy config the pod mounts) forward to at a loopback address whose port
// the container declares (php-fpm beside nginx: fastcgi_pass 127.0.0.1:9000 and a php
// container with containerPort 9000), and that have no preStop hook of their own. A pod's
// containers share its network namespace, so the loopback address is theirs; and each
// gets its stop signal when the pod is deleted, whatever the proxy's hook does.
func podLocalUpstreams(m *parsers.Model, w *parsers.Workload, proxy *parsers.Container) []localUpstream {
	if len(w.Containers) < 2 {
		return nil
	}
	var out []localUpstream
	seen := map[*parsers.Container]bool{}
	for _, h := range m.Hops {
		if h.Workload != w {
			continue
		}
		for _, r := range h.Routes {
			for _, be := range []*parsers.Backend{r.Backend, r.PassBackend} {
				if be == nil {
					continue
				}
				for _, t := range be.Targets {
					port, err := strconv.Atoi(t.Port)
					if !t.Local || t.Unix || err != nil {
						continue
					}
					for _, oc := range w.Containers {
						if oc == proxy || seen[oc] || oc.PreStopPos.IsValid() || !oc.PreStopDelay.Known() || oc.PreStopDelay.Value != 0 {
							continue
						}
						for _, cp := range oc.Ports {
							if cp.Port == port && (cp.Protocol == "" || strings.EqualFold(cp.Protocol, "TCP")) {
								seen[oc] = true
								out = append(out, localUpstream{c: oc, h: h, addr: t.Address})
								break
							}
						}
					}
				}
			}
		}
	}
	return out
}
