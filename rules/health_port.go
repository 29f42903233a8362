package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/terraform"
)

var healthCheckWrongPort = &Rule{
	ID:       "health-check-wrong-port",
	Category: Health,
	Severity: Warning,
	Summary:  "A load balancer's health check probes a port its requests do not go to",
	Formats:  []string{"terraform"},
	Doc: `# health-check-wrong-port

A load balancer sends requests to one port of each target and health-checks another: a
target group with ` + "`health_check { port = 8081 }`" + ` while its targets take requests on 443, or a
classic ELB whose ` + "`health_check { target = \"TCP:443\" }`" + ` while its listeners forward to
instance ports 8443 and 8000. The check then proves that something answers on the
checked port, not that the server taking the requests does: when that server crashes,
hangs or loses its certificate while the checked port still answers, the target stays
healthy, keeps its share of requests, and those get 502 (504 when the server hangs; over
a TCP or TLS listener, their connections are refused or hang).

The same happens when one health check stands for several backend ports: a classic ELB
has one ` + "`health_check`" + ` for all its listeners, so with listeners to instance ports 80 and 8443 and
` + "`target = \"HTTP:80/health\"`" + `, the server on 8443 is never checked.

Where requests go is read from the config: a classic ELB listener's ` + "`instance_port`" + `; the port
an ` + "`aws_lb_target_group_attachment`" + ` or an ECS service (` + "`load_balancer { container_port }`" + `, or
the terraform-aws-modules/ecs service's ` + "`load_balancer`" + ` input)
registers targets on (for ` + "`ip`" + ` targets; an ECS service's ` + "`instance`" + ` targets in bridge network mode
are registered on the container's static ` + "`hostPort`" + `, in host mode on ` + "`container_port`" + `); the
target group's own ` + "`port`" + ` for targets registered without one (an autoscaling group's
instances, or instance targets registered out of sight).

Not reported:

- ` + "`port = \"traffic-port\"`" + ` (the default): each target is checked on the port its requests go to.
- A health port the target's container also declares (an ECS container's ` + "`portMappings`" + `, its
  ` + "`hostPort`" + ` in bridge mode): a dedicated health port served by the same task, on purpose.
- ECS tasks in bridge mode with a dynamic host port (` + "`hostPort`" + ` 0 or not written): Docker
  picks each task's port, so where the requests go is not known here.
- An ECS service whose container definitions cannot be read, and ip targets registered
  outside the run (an ECS service or a Kubernetes controller elsewhere): their traffic port
  is their own and not known here.
- An edge proxy's own health endpoint, answered by the process that serves the traffic:
  kube-proxy's on 10256 (under ` + "`externalTrafficPolicy: Cluster`" + ` any node forwards a NodePort's
  traffic to a ready pod, so the node's proxy is what has to be up); on a target group
  whose name says which proxy it serves, ingress-nginx's ` + "`/healthz`" + ` (on 10254 or the
  NodePort exposing it), Traefik's ` + "`/ping`" + `, Envoy's admin ` + "`/ready`" + `.
- UDP target groups, whose health check has to use another protocol.
- A target group a Kubernetes TargetGroupBinding fills: the controller registers the
  Service's node or pod port, not the one Terraform shows.
- TCP or TLS traffic checked over HTTP on a port that takes no traffic (Patroni's
  ` + "`/primary`" + ` on 8008 for PostgreSQL on 5432, a message broker's management API): an
  application-level check the traffic port cannot answer, on purpose.

## Fix

For a target group, ` + "`port = \"traffic-port\"`" + ` (or remove ` + "`port`" + `): each target is then checked where
its requests go, whatever port it was registered on. For a classic ELB with one backend
port, point ` + "`target`" + ` at it (` + "`\"HTTP:8443/health\"`" + `). A classic ELB with several backend ports
cannot check them all: give the check an endpoint that fails when any of the servers is
down, or move the listeners to an ALB or NLB with a target group per port.

With a TCP check the fix is written by ` + "`--fix`" + `: a port that refuses connections fails the
requests anyway. With an HTTP or HTTPS check it is written only with ` + "`--unsafe-fixes`" + `: the
health path must answer 200 on the traffic port too, or every target fails its check. When
the check's protocol is not the one the traffic port speaks (an HTTP check of an HTTPS port)
the fix is a snippet.

## Sources

- ECS registers a bridge-mode task "as an instance ID and port combination" on the host
  port mapped to the container: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/nlb.html,
  https://docs.aws.amazon.com/AmazonECS/latest/developerguide/networking-networkmode-bridge.html
- Target group HealthCheckPort: "the default is traffic-port, which is the port on which
  each target receives traffic from the load balancer":
  https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html;
  Terraform's health_check.port: https://github.com/hashicorp/terraform-provider-aws/blob/00c7d114c4d2f5dd9710f7560d2caaa7c742c5c2/website/docs/r/lb_target_group.html.markdown
- A target registered with its own port gets traffic there instead of the target group's
  port: https://docs.aws.amazon.com/cli/latest/reference/elbv2/register-targets.html
- Classic ELB: one health check Target per load balancer ("TCP:5000",
  "HTTP:80/weather/us/wa/seattle"): https://docs.aws.amazon.com/elasticloadbalancing/2012-06-01/APIReference/API_HealthCheck.html
- ingress-nginx serves /healthz on port 10254 (--healthz-port): https://kubernetes.github.io/ingress-nginx/user-guide/cli-arguments/
`,
	Run: runHealthCheckWrongPort,
}

// Well-known health ports of Kubernetes nodes: the ingress-nginx controller answers
// /healthz on 10254, kube-proxy on 10256.
const (
	ingressNginxHealthPort = 10254
	kubeProxyHealthPort    = 10256
)

func runHealthCheckWrongPort(p *Pass) {
	for _, be := range tfBackends(p.Model) {
		hc := be.Health
		if hc == nil || !hc.Port.Known() || hc.Enabled.Known() && !hc.Enabled.Value || linkedOutsideTerraform(be) {
			continue
		}
		port, err := strconv.Atoi(strings.TrimSpace(hc.Port.Value))
		if err != nil {
			continue // "traffic-port", or not a number
		}
		if proxyOwnHealth(be, port) {
			continue
		}
		unchecked, checked := uncheckedPorts(be, port, strings.ToUpper(hc.Protocol.Value))
		if len(unchecked) == 0 {
			continue
		}
		p.Report(wrongPortFinding(p, be, port, unchecked, checked))
	}
}

// linkedOutsideTerraform reports whether something outside the Terraform files registers
// the backend's targets (a TargetGroupBinding's Service): their port is not the one
// Terraform shows.
func linkedOutsideTerraform(be *parsers.Backend) bool {
	if be.Service != nil {
		return true
	}
	for _, w := range be.Workloads {
		if w.Format != parsers.FormatTerraform {
			return true
		}
	}
	return false
}

// proxyOwnHealth reports whether a health check asks an edge proxy's own health endpoint
// on a port of its own, by design: the proxy answers it in the process that serves the
// traffic. kube-proxy's /healthz on 10256 on any group (under externalTrafficPolicy
// Cluster a node forwards NodePort traffic to any ready pod, so the node's proxy is what
// must be up); on a group whose name says which proxy it serves, ingress-nginx's /healthz
// (on 10254 or the NodePort exposing it), Traefik's /ping, Envoy's admin /ready.
func proxyOwnHealth(be *parsers.Backend, port int) bool {
	if port == kubeProxyHealthPort {
		return true
	}
	hc := be.Health
	path := ""
	if hc.Path.Known() {
		path = hc.Path.Value
	}
	name := strings.ToLower(be.Name + " " + be.CloudName)
	switch {
	case strings.Contains(name, "nginx") || strings.Contains(name, "ingress"):
		return port == ingressNginxHealthPort || path == "/healthz"
	case strings.Contains(name, "traefik"):
		return path == "/ping"
	case strings.Contains(name, "envoy"):
		return path == "/ready"
	}
	return false
}

// uncheckedPorts returns the traffic ports (one per port number, first seen) that a
// health check on port, speaking proto, never tries; checked says whether some traffic
// goes to the checked port. It leaves out what it cannot judge: unknown ports; UDP
// (checked over another protocol by design); ECS tasks whose containers cannot be read
// or declare the health port themselves; and, when the health port takes no traffic,
// TCP or TLS traffic checked over HTTP: that asks an application-level question the
// traffic port cannot answer (Patroni's /primary on 8008 for PostgreSQL on 5432, a
// broker's management API), on purpose, and proves more than a TCP check of the traffic
// port would.
func uncheckedPorts(be *parsers.Backend, port int, proto string) (unchecked []parsers.TrafficPort, checked bool) {
	for _, tp := range be.TrafficPorts {
		checked = checked || tp.Port.Known() && tp.Port.Value == port
	}
	seen := map[int]bool{}
	for _, tp := range be.TrafficPorts {
		switch {
		case !tp.Port.Known() || tp.Port.Value <= 0 || tp.Port.Value == port || seen[tp.Port.Value]:
		case tp.Protocol == "UDP" || tp.Protocol == "GENEVE":
		case !checked && isHTTP(proto) && !isHTTP(tp.Protocol):
		case tp.Workload != "" && !taskOmitsPort(be, tp.Workload, port):
		default:
			seen[tp.Port.Value] = true
			unchecked = append(unchecked, tp)
		}
	}
	return unchecked, checked
}

// taskOmitsPort reports whether the ECS service named workload is known not to serve the
// health port itself: its serving containers are read and none declares port. A task
// whose containers cannot be read may declare it.
func taskOmitsPort(be *parsers.Backend, workload string, port int) bool {
	for _, w := range be.Workloads {
		if w.Name != workload {
			continue
		}
		if len(w.Containers) == 0 {
			return false
		}
		for _, c := range w.Containers {
			if c.PortsUnknown {
				return false // a mapping not read may declare it
			}
			for _, cp := range c.Ports {
				// In bridge mode the check reaches the host port mapped to a container.
				if cp.Port == port || cp.HostPort == port {
					return false
				}
			}
		}
		return true
	}
	return false
}

// describeTraffic says where requests go in a message about a finding on line own.
// port is the health check's.
func describeTraffic(be *parsers.Backend, tp parsers.TrafficPort, port int, own string) string {
	switch {
	case be.Kind == parsers.BackendCLB:
		return tp.From + " sends traffic to " + tfDescribe("instance_port", tp.Port, own)
	case tp.From == "":
		return "its targets take traffic on " + tfDescribe("port", tp.Port, own)
	case tp.Workload != "":
		return tp.From + " registers its tasks on " + tfDescribe("container_port", tp.Port, own) + ", and no container it sends traffic to declares port " + strconv.Itoa(port)
	case tp.GroupPort:
		return tp.From + " registers targets on the target group's " + tfDescribe("port", tp.Port, own)
	}
	return tp.From + " registers targets on " + tfDescribe("port", tp.Port, own)
}

func wrongPortFinding(p *Pass, be *parsers.Backend, port int, unchecked []parsers.TrafficPort, checked bool) Finding {
	hc := be.Health
	own := p.ownLine(hc.Port.Pos)
	var where, nums []string
	for _, tp := range unchecked {
		where = append(where, describeTraffic(be, tp, port, own))
		nums = append(nums, strconv.Itoa(tp.Port.Value))
	}
	targets, target := "targets", "a target"
	if be.Kind == parsers.BackendCLB {
		targets, target = "instances", "an instance"
	}
	// An HTTP load balancer answers itself: 502 for a server that refuses or resets the
	// connection, 504 for one that hangs past the idle timeout (never 503 here: that is
	// for a target group with no registered target, and this one stays healthy). A TCP or
	// TLS one passes the failed connection on, and only a proxy in front of it answers.
	harm := "the requests sent there fail with 502 (504 when it hangs)"
	if !slices.ContainsFunc(unchecked, func(tp parsers.TrafficPort) bool { return isHTTP(tp.Protocol) }) {
		harm = "the connections sent there are refused or hang (a proxy in front answers 502/504)"
	}
	// With ports the run cannot see, the checked port may take traffic too: say only
	// what is sure, that the ports listed are never checked.
	unknown := slices.ContainsFunc(be.TrafficPorts, func(tp parsers.TrafficPort) bool { return !tp.Port.Known() })
	var msg string
	if checked || unknown {
		msg = fmt.Sprintf("%s checks its %s only on port %d, set by %s, but %s as well, and no health check tries it: %s whose server on %s is down or hung stays healthy, and %s.",
			be.Name, targets, port, tfDescribe("port", hc.Port, own), strings.Join(where, " and "), target, strings.Join(nums, " or "), harm)
	} else {
		msg = fmt.Sprintf("%s checks its %s on port %d, set by %s, but %s: the check proves that something answers on %d, not that the server taking the traffic does, so %s whose server on %s is down or hung stays healthy, and %s.",
			be.Name, targets, port, tfDescribe("port", hc.Port, own), strings.Join(where, " and "), port, target, strings.Join(nums, " or "), harm)
	}
	var fix *Fix
	switch {
	case be.Kind != parsers.BackendCLB:
		// At the use site: a variable behind port may be a number, which "traffic-port"
		// is not.
		// In a module evaluated per call, the line is shared by every call, and the
		// port it reads is this call's: a snippet (tfSetting's Shared).
		perCall := hc.Port.Origin != nil && hc.Port.Origin.PerCall
		fix = p.tfFix(`set port = "traffic-port"`, terraform.Set{At: hc.Port.Pos, Name: "port", Value: `"traffic-port"`, Shared: perCall})
		fix = portFixSafety(fix, hc.Protocol, unchecked)
		msg += ` Set port = "traffic-port" (the default) so each target is checked on the port its requests go to.`
	case checked || len(unchecked) > 1 || unknown:
		fix = &Fix{Description: "a target group per instance port", Snippet: classicSplitSnippet(be)}
		msg += " A classic ELB has one health check for all its listeners: check an endpoint that fails when any of these servers is down, or move the listeners to an ALB or NLB with a target group per port, each checked on its traffic port."
	default:
		fix = classicPortFix(p, be, unchecked[0])
		msg += " Point target at port " + nums[0] + "."
	}
	var rel []Related
	for _, tp := range unchecked {
		if tp.Port.Explicit() {
			rel = append(rel, Related{Pos: tp.Port.Pos, Message: "traffic to port " + strconv.Itoa(tp.Port.Value) + ", never health-checked: " + tp.Port.Text})
		}
	}
	return Finding{Pos: hc.Port.Pos, Message: msg, Related: rel, Fix: fix}
}

// classicSplitSnippet sketches a target group per instance port of a classic ELB, each
// checked on its traffic port.
func classicSplitSnippet(be *parsers.Backend) string {
	var b strings.Builder
	b.WriteString("# One health check cannot cover several instance ports: a target group per port\n# (behind an ALB or NLB) checks each where its requests go.\n")
	seen := map[int]bool{}
	for _, tp := range be.TrafficPorts {
		if !tp.Port.Known() || seen[tp.Port.Value] {
			continue
		}
		seen[tp.Port.Value] = true
		proto := map[string]string{"SSL": "TLS"}[tp.Protocol]
		if proto == "" {
			proto = tp.Protocol
		}
		fmt.Fprintf(&b, "resource \"aws_lb_target_group\" \"port_%d\" {\n  port     = %d\n  protocol = %q\n\n  health_check {\n    port = \"traffic-port\"\n  }\n}\n", tp.Port.Value, tp.Port.Value, proto)
	}
	return b.String()
}

// classicPortFix points a classic ELB's health check target at its one backend port.
func classicPortFix(p *Pass, be *parsers.Backend, tp parsers.TrafficPort) *Fix {
	hc := be.Health
	target := hc.Protocol.Value + ":" + strconv.Itoa(tp.Port.Value)
	if strings.HasPrefix(hc.Protocol.Value, "HTTP") {
		target += hc.Path.Value
	}
	fix := p.tfFix(fmt.Sprintf("set target = %q", target), tfSetting(p.Model, hc.Port, hc.Block, "target", strconv.Quote(target)))
	return portFixSafety(fix, hc.Protocol, []parsers.TrafficPort{tp})
}

// portFixSafety says how far a fix that moves the health check to the traffic port can
// be trusted: a TCP check only needs the port to accept connections, which the requests
// need too (safe); an HTTP(S) check needs the health path to answer there as well
// (unsafe); a check whose protocol the traffic port does not speak would fail (snippet).
func portFixSafety(fix *Fix, proto parsers.Setting[string], unchecked []parsers.TrafficPort) *Fix {
	hp := strings.ToUpper(proto.Value)
	if !proto.Known() {
		return fix.guess("the health check's protocol is not known")
	}
	if hp == "TCP" {
		return fix
	}
	for _, tp := range unchecked {
		if tp.Protocol != hp {
			return fix.guess(fmt.Sprintf("the check speaks %s and port %d takes %s: set the protocol too", hp, tp.Port.Value, orUnknown(tp.Protocol)))
		}
	}
	return fix.markUnsafe()
}

func isHTTP(proto string) bool { return proto == "HTTP" || proto == "HTTPS" }

func orUnknown(s string) string {
	if s == "" {
		return "an unknown protocol"
	}
	return s
}

func init() {
	Register(healthCheckWrongPort)
}
