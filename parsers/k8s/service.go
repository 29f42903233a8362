package k8s

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/no502/no502/parsers"
)

// readService reads a Service: its selector (a plain label map) and ports.
func readService(o *object) *parsers.Service {
	spec := val(o.node, "spec")
	svc := &parsers.Service{
		Name:      o.name,
		Namespace: o.namespace,
		Type:      str(spec, "type"),
		Pos:       o.pos,
		Block:     o.block,
	}
	if svc.Type == "" {
		svc.Type = "ClusterIP"
	}
	// clusterIP: None makes the Service headless: its name resolves to the pods' own
	// addresses (https://kubernetes.io/docs/concepts/services-networking/service/#headless-services).
	svc.Headless = str(spec, "clusterIP") == "None"
	svc.PublishNotReady = strings.EqualFold(str(spec, "publishNotReadyAddresses"), "true")
	svc.ExternalTrafficPolicy = str(spec, "externalTrafficPolicy")
	// An ExternalName Service is a DNS alias (a CNAME to externalName): Kubernetes ignores
	// its selector ("Ignored if type is ExternalName", ServiceSpec.selector) and gives it
	// no endpoints, so a selector left over from the ClusterIP Service it replaced selects
	// no pods, and what it forwards to is outside the cluster.
	if sel := strMap(val(spec, "selector")); len(sel) > 0 && svc.Type != "ExternalName" {
		svc.Selector = &parsers.Selector{MatchLabels: sel}
	}
	for _, p := range items(val(spec, "ports")) {
		n, _ := atoi(val(p, "port"))
		tp := str(p, "targetPort")
		if tp == "" && n > 0 {
			tp = strconv.Itoa(n) // Kubernetes defaults targetPort to port
		}
		proto := str(p, "protocol")
		if proto == "" {
			proto = "TCP"
		}
		svc.Ports = append(svc.Ports, parsers.ServicePort{Name: str(p, "name"), Port: n, TargetPort: tp, Protocol: proto, AppProtocol: str(p, "appProtocol"), Pos: o.src.pos(p)})
	}
	return svc
}

// readSelector reads a LabelSelector (matchLabels and matchExpressions).
func readSelector(n *yaml.Node) *parsers.Selector {
	if n == nil {
		return nil
	}
	sel := &parsers.Selector{MatchLabels: strMap(val(n, "matchLabels"))}
	for _, e := range items(val(n, "matchExpressions")) {
		sel.MatchExpressions = append(sel.MatchExpressions, parsers.SelectorRequirement{
			Key:      str(e, "key"),
			Operator: str(e, "operator"),
			Values:   strList(val(e, "values")),
		})
	}
	return sel
}
