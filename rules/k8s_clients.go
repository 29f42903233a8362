package rules

import "github.com/no502/no502/parsers"

// What the clients of a Kubernetes workload see when its requests fail. 502, 503 and 504
// are answers of an HTTP proxy: an Ingress controller, an nginx or Caddy hop, an ALB
// (proxiedWorkloads). A workload reached only through its Services (a ClusterIP, a
// NodePort, a LoadBalancer Service whose cloud load balancer passes TCP through) has
// nothing in front that speaks HTTP: kube-proxy rejects a connection to a Service with no
// ready endpoint (in iptables mode a REJECT rule "has no endpoints"), a pod whose
// app does not listen refuses it, a pod killed mid-request resets it, and a pod that hangs
// leaves the request waiting until the client gives up. A proxy may still stand in front
// in files no502 did not read, so that wording names both.

// proxiedK8sFact: the workloads an HTTP proxy of the run forwards requests to
// (proxiedWorkloads).
var proxiedK8sFact = &Fact[map[*parsers.Workload]bool]{
	Name:    "Kubernetes workloads an HTTP proxy forwards to",
	Compute: func(p *Pass) map[*parsers.Workload]bool { return proxiedWorkloads(p.Model) },
}

// proxied reports whether an HTTP proxy of the run forwards requests to w.
func (p *Pass) proxied(w *parsers.Workload) bool { return proxiedK8sFact.Of(p)[w] }

// noEndpointClients says what requests get while w's Services have no ready endpoint:
// "requests get 502/503" behind a proxy, refused connections to svc ("the Service",
// "Service web") without one.
func (p *Pass) noEndpointClients(w *parsers.Workload, svc string) string {
	if p.proxied(w) {
		return "requests get 502/503"
	}
	return "connections to " + svc + " are refused (a proxy in front answers 502/503)"
}

// stuckPodClients says what requests sent to a pod that cannot answer (down or hung) get.
func (p *Pass) stuckPodClients(w *parsers.Workload) string {
	if p.proxied(w) {
		return "requests sent to it get 502/504"
	}
	return "requests sent to it are refused or hang until the client gives up (a proxy in front answers 502/504)"
}

// refusedClients and hungClients are the short forms readiness-probe-missing puts in
// parentheses: a pod taken for ready before its app listens, and one that hangs.
func (p *Pass) refusedClients(w *parsers.Workload) string {
	if p.proxied(w) {
		return "502"
	}
	return "connection refused; 502 from a proxy in front"
}

func (p *Pass) hungClients(w *parsers.Workload) string {
	if p.proxied(w) {
		return "504"
	}
	return "the request waits until the client gives up; 504 from a proxy in front"
}

// k8sClientsDoc is the rule pages' note on the same.
const k8sClientsDoc = `
Status codes come from an HTTP proxy: an Ingress, an nginx or Caddy in front, an ALB. A
workload reached only through its Service (ClusterIP, NodePort, a LoadBalancer Service
whose cloud load balancer passes TCP through) has none in the linted files: its clients'
connections are refused (kube-proxy rejects connections to a Service with no ready
endpoint, a pod whose app does not listen refuses them), reset, or left waiting, and the
message says so, with the status a proxy in front would answer.
`
