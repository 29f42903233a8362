// Package k8s generates a Kubernetes Deployment, Service and PodDisruptionBudget that
// no502 itself lints clean: two replicas that roll one at a time, a preStop delay that
// lets endpoints drop the pod before it stops, a grace period that covers the delay plus
// the handler budget, a readiness probe separate from the liveness probe, and an app
// server whose keep-alive outlives the proxy's idle connections.
//
// The objects are plain structs with the API's field names, marshalled with
// sigs.k8s.io/yaml (JSON field names, keys in alphabetical order, as kubectl prints
// them); tests decode the output strictly into the k8s.io/api types.
package k8s

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/no502/no502/internal/urlpath"
)

// WorkloadOptions describe the workload to generate.
type WorkloadOptions struct {
	Name      string
	Namespace string // "" leaves it to kubectl -n
	Image     string
	Port      int
	// HealthPath is the app's readiness endpoint: it must fail while the app cannot
	// serve (and during shutdown).
	HealthPath string
	// HandlerTimeout is how long the slowest request may take (0: 30s is assumed).
	HandlerTimeout time.Duration
	// App is the app server (gunicorn, uvicorn, node, or "" for none known); AppModule
	// the WSGI/ASGI application gunicorn and uvicorn load (e.g. main:app).
	App       string
	AppModule string
	Replicas  int
	// ProxyIdle is how long the proxy or load balancer in front keeps idle connections to
	// the pods (default 60s: ALB idle_timeout, nginx and ingress-nginx upstream pools).
	ProxyIdle time.Duration
	// PreStop is how long a terminating pod keeps serving while endpoints drop it (10s).
	PreStop time.Duration
	// PreStopExec writes the preStop delay as `exec: sleep` (any Kubernetes version, needs a
	// sleep binary in the image) instead of the `sleep` action (Kubernetes 1.30+).
	PreStopExec bool
}

// Workload is the generated text and what the generator decided.
type Workload struct {
	Text  string
	Notes []string
}

// Defaults, each explained where it is used.
const (
	defaultBudget    = 30 * time.Second
	defaultProxyIdle = 60 * time.Second
	defaultPreStop   = 10 * time.Second
	graceMargin      = 5 * time.Second
)

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// serviceName is a DNS-1035 label, what the API server takes as a Service name
// (Kubernetes ValidateServiceName = NameIsDNS1035Label): unlike a Deployment's, it must
// start with a letter.
var serviceName = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)

// GenerateWorkload builds the three objects for o.
func GenerateWorkload(o WorkloadOptions) (*Workload, error) {
	if !serviceName.MatchString(o.Name) {
		return nil, fmt.Errorf("--name must be a DNS label starting with a letter (lower-case letters, digits and -; it also names the Service), got %q", o.Name)
	}
	if o.Namespace != "" && !dnsLabel.MatchString(o.Namespace) {
		return nil, fmt.Errorf("--namespace must be a DNS label, got %q", o.Namespace)
	}
	if o.Image == "" || strings.ContainsAny(o.Image, " \t\n") {
		return nil, fmt.Errorf("--image must name one container image, got %q", o.Image)
	}
	if o.Port < 1 || o.Port > 65535 {
		return nil, fmt.Errorf("--port must be between 1 and 65535, got %d", o.Port)
	}
	if o.HealthPath == "" {
		return nil, fmt.Errorf("--health-path is needed: the readiness probe must ask the app, e.g. /ready")
	}
	if err := urlpath.RequestPath("--health-path", o.HealthPath); err != nil {
		return nil, err
	}
	for flag, d := range map[string]time.Duration{"--handler-timeout": o.HandlerTimeout, "--proxy-idle": o.ProxyIdle, "--prestop": o.PreStop} {
		if d < 0 {
			return nil, fmt.Errorf("%s must not be negative, got %s", flag, d)
		}
	}
	if o.Replicas == 0 {
		o.Replicas = 2
	}
	if o.Replicas < 2 {
		return nil, fmt.Errorf("--replicas must be at least 2: with one, every rollout, node drain and crash is an outage")
	}
	out := &Workload{}
	budget := o.HandlerTimeout
	if budget <= 0 {
		budget = defaultBudget
		out.Notes = append(out.Notes, "no --handler-timeout: the grace period assumes requests finish within 30s")
	}
	if o.ProxyIdle <= 0 {
		o.ProxyIdle = defaultProxyIdle
	}
	if o.PreStop <= 0 {
		o.PreStop = defaultPreStop
	}
	// The app's keep-alive outlives the proxy's idle connections by 5s, so the proxy
	// always closes an idle connection first (keepalive-race).
	keepAlive := o.ProxyIdle + 5*time.Second
	// SIGTERM arrives after the preStop delay; the app then finishes requests in flight
	// for up to the budget. The kubelet's SIGKILL must come later still.
	grace := o.PreStop + budget + graceMargin

	c := container{
		Name:  o.Name,
		Image: o.Image,
		Ports: []containerPort{{Name: "http", ContainerPort: o.Port}},
		ReadinessProbe: &probe{
			HTTPGet:       &httpGet{Path: o.HealthPath, Port: "http"},
			PeriodSeconds: 5, FailureThreshold: 2, TimeoutSeconds: 2,
		},
		// Liveness asks only whether the process answers at all: a dependency outage
		// must take the pod out of rotation (readiness), not restart it.
		LivenessProbe: &probe{
			TCPSocket:     &tcpSocket{Port: "http"},
			PeriodSeconds: 10, FailureThreshold: 3, TimeoutSeconds: 2,
		},
		Lifecycle: &lifecycle{PreStop: preStop(o.PreStop, o.PreStopExec)},
	}
	secs := func(d time.Duration) string { return strconv.Itoa(int((d + time.Second - 1) / time.Second)) }
	switch o.App {
	case "gunicorn", "uvicorn":
		if o.AppModule == "" {
			return nil, fmt.Errorf("--app %s needs --app-module, the application to load (e.g. main:app)", o.App)
		}
		// A blank would split the module into two arguments of the command line.
		if strings.ContainsAny(o.AppModule, " \t\n") {
			return nil, fmt.Errorf("--app-module %q: one module:app name without blanks, e.g. main:app", o.AppModule)
		}
		bind := "0.0.0.0:" + strconv.Itoa(o.Port)
		if o.App == "gunicorn" {
			// gthread: the sync worker holds one request per process and cannot keep
			// connections alive. --timeout is gthread's heartbeat, which its main loop
			// keeps sending while a request runs: it restarts a hung worker process, not
			// a slow request (gunicorn 20.1 on loopback, gthread --timeout 3: an 8s
			// request answered 200), so it is no budget and sits above the real one.
			c.Command = []string{"gunicorn", "--bind", bind, "--worker-class", "gthread",
				"--keep-alive", secs(keepAlive), "--timeout", secs(budget + graceMargin),
				"--graceful-timeout", secs(budget), o.AppModule}
		} else {
			// No --timeout-graceful-shutdown: uvicorn added it in 0.22.0 (2023), and an
			// older one exits at once ("No such option": Debian 12's 0.17.6), so the pod
			// never starts. Without it uvicorn waits on SIGTERM for every request in
			// flight, and the grace period below (preStop + budget + margin) bounds that.
			c.Command = []string{"uvicorn", o.AppModule, "--host", "0.0.0.0", "--port", strconv.Itoa(o.Port),
				"--timeout-keep-alive", secs(keepAlive)}
			out.Notes = append(out.Notes, fmt.Sprintf("uvicorn waits for the requests in flight on SIGTERM until terminationGracePeriodSeconds ends; with uvicorn 0.22 or later, --timeout-graceful-shutdown %s bounds it to the budget (older versions refuse the flag and exit)", secs(budget)))
		}
	case "node":
		out.Notes = append(out.Notes, fmt.Sprintf("Node's keep-alive is set in code: server.keepAliveTimeout = %d and server.headersTimeout = %d (above the proxy's %s idle)",
			keepAlive.Milliseconds(), (keepAlive+time.Second).Milliseconds(), secs(o.ProxyIdle)+"s"))
	case "":
		out.Notes = append(out.Notes, fmt.Sprintf("no --app: keep the app server's idle keep-alive above %ss (the proxy's idle timeout) and let it finish requests for %ss after SIGTERM", secs(o.ProxyIdle), secs(budget)))
	default:
		return nil, fmt.Errorf("--app must be gunicorn, uvicorn or node, got %q", o.App)
	}

	labels := map[string]string{"app.kubernetes.io/name": o.Name}
	meta := objectMeta{Name: o.Name, Namespace: o.Namespace, Labels: labels}
	graceSeconds, _ := strconv.Atoi(secs(grace))
	deploy := object{APIVersion: "apps/v1", Kind: "Deployment", Metadata: meta, Spec: deploymentSpec{
		Replicas: o.Replicas,
		Selector: selector{MatchLabels: labels},
		// One new pod ready before an old one stops: never fewer than Replicas serving.
		Strategy: strategy{Type: "RollingUpdate", RollingUpdate: &rollingUpdate{MaxUnavailable: 0, MaxSurge: 1}},
		Template: podTemplate{
			Metadata: objectMeta{Labels: labels},
			Spec: podSpec{
				TerminationGracePeriodSeconds: graceSeconds,
				Containers:                    []container{c},
			},
		},
	}}
	service := object{APIVersion: "v1", Kind: "Service", Metadata: meta, Spec: serviceSpec{
		Selector: labels,
		Ports:    []servicePort{{Name: "http", Port: o.Port, TargetPort: "http"}},
	}}
	pdb := object{APIVersion: "policy/v1", Kind: "PodDisruptionBudget", Metadata: meta, Spec: pdbSpec{
		MaxUnavailable: 1,
		Selector:       selector{MatchLabels: labels},
		// A crashlooping pod must not block every node drain once the budget is spent.
		UnhealthyPodEvictionPolicy: "AlwaysAllow",
	}}

	var b strings.Builder
	fmt.Fprintf(&b, "# Generated by no502 generate k8s-workload: %s (%s), %d replicas, port %d.\n", o.Name, o.Image, o.Replicas, o.Port)
	fmt.Fprintf(&b, "# preStop %ss + handler budget %ss + %ss margin = terminationGracePeriodSeconds %d.\n", secs(o.PreStop), secs(budget), secs(graceMargin), graceSeconds)
	for i, obj := range []object{deploy, service, pdb} {
		y, err := yaml.Marshal(obj)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.Write(y)
	}
	out.Text = b.String()
	return out, nil
}

func preStop(d time.Duration, exec bool) *handler {
	s := int((d + time.Second - 1) / time.Second)
	if exec {
		return &handler{Exec: &execAction{Command: []string{"sleep", strconv.Itoa(s)}}}
	}
	return &handler{Sleep: &sleepAction{Seconds: s}}
}

// The API objects, with only the fields the generator writes. JSON names are the API's.
type object struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   objectMeta `json:"metadata"`
	Spec       any        `json:"spec"`
}

type objectMeta struct {
	Name      string            `json:"name,omitempty"`
	Namespace string            `json:"namespace,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
}

type selector struct {
	MatchLabels map[string]string `json:"matchLabels"`
}

type deploymentSpec struct {
	Replicas int         `json:"replicas"`
	Selector selector    `json:"selector"`
	Strategy strategy    `json:"strategy"`
	Template podTemplate `json:"template"`
}

type strategy struct {
	Type          string         `json:"type"`
	RollingUpdate *rollingUpdate `json:"rollingUpdate,omitempty"`
}

type rollingUpdate struct {
	MaxUnavailable int `json:"maxUnavailable"`
	MaxSurge       int `json:"maxSurge"`
}

type podTemplate struct {
	Metadata objectMeta `json:"metadata"`
	Spec     podSpec    `json:"spec"`
}

type podSpec struct {
	TerminationGracePeriodSeconds int         `json:"terminationGracePeriodSeconds"`
	Containers                    []container `json:"containers"`
}

type container struct {
	Name           string          `json:"name"`
	Image          string          `json:"image"`
	Command        []string        `json:"command,omitempty"`
	Ports          []containerPort `json:"ports"`
	ReadinessProbe *probe          `json:"readinessProbe"`
	LivenessProbe  *probe          `json:"livenessProbe"`
	Lifecycle      *lifecycle      `json:"lifecycle"`
}

type containerPort struct {
	Name          string `json:"name"`
	ContainerPort int    `json:"containerPort"`
}

type probe struct {
	HTTPGet          *httpGet   `json:"httpGet,omitempty"`
	TCPSocket        *tcpSocket `json:"tcpSocket,omitempty"`
	PeriodSeconds    int        `json:"periodSeconds"`
	TimeoutSeconds   int        `json:"timeoutSeconds"`
	FailureThreshold int        `json:"failureThreshold"`
}

type httpGet struct {
	Path string `json:"path"`
	Port string `json:"port"`
}

type tcpSocket struct {
	Port string `json:"port"`
}

type lifecycle struct {
	PreStop *handler `json:"preStop"`
}

type handler struct {
	Exec  *execAction  `json:"exec,omitempty"`
	Sleep *sleepAction `json:"sleep,omitempty"`
}

type execAction struct {
	Command []string `json:"command"`
}

type sleepAction struct {
	Seconds int `json:"seconds"`
}

type serviceSpec struct {
	Selector map[string]string `json:"selector"`
	Ports    []servicePort     `json:"ports"`
}

type servicePort struct {
	Name       string `json:"name"`
	Port       int    `json:"port"`
	TargetPort string `json:"targetPort"`
}

type pdbSpec struct {
	MaxUnavailable             int      `json:"maxUnavailable"`
	Selector                   selector `json:"selector"`
	UnhealthyPodEvictionPolicy string   `json:"unhealthyPodEvictionPolicy"`
}
