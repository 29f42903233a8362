package k8s

import (
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// attr finds key=value in an AWS attribute list ("idle_timeout.timeout_seconds=120,
// routing.http2.enabled=false").
func attr(list, key string) (string, bool) {
	for _, kv := range strings.Split(list, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v), true
		}
	}
	return "", false
}

// attrSeconds reads a seconds attribute from an annotation, or the default.
func attrSeconds(a annotation, ok bool, key string, def time.Duration, defText string) parsers.Duration {
	if ok {
		if v, found := attr(a.value, key); found {
			n, err := strconv.Atoi(v)
			d := parsers.Set(time.Duration(n)*time.Second, a.pos, a.text)
			d.Unknown = err != nil || n < 0
			return d
		}
	}
	return parsers.Def(def, defText)
}

// albAnnotation finds an AWS Load Balancer Controller annotation: on the Service first
// (the controller lets Service annotations override the Ingress's for target-group
// settings), then on the Ingress, then on another Ingress of the same IngressGroup.
func (b *builder) albAnnotation(ing, svc *object, key string) (annotation, bool) {
	if svc != nil {
		if a, ok := svc.annotations[albPrefix+key]; ok {
			return a, true
		}
	}
	if a, ok := ing.annotations[albPrefix+key]; ok {
		return a, true
	}
	if g := ing.annotations[albPrefix+"group.name"].value; g != "" && key == "load-balancer-attributes" {
		if a, ok := b.albGroupAttrs[g]; ok {
			return a, true
		}
	}
	return annotation{}, false
}

// albHop models an Ingress served by the AWS Load Balancer Controller: an ALB whose idle
// timeout bounds every route (LBC-ING; AWS-ALBATTR).
func (b *builder) albHop(o *object) *parsers.Hop {
	a, ok := b.albAnnotation(o, nil, "load-balancer-attributes")
	idle := attrSeconds(a, ok, "idle_timeout.timeout_seconds", 60*time.Second, "AWS default ALB idle timeout 60s")
	h := &parsers.Hop{
		Kind: parsers.HopALBIngress, Format: parsers.FormatK8s,
		Name: o.namespace + "/" + o.name, Pos: o.pos, Block: o.block,
		ClientIdleTimeout: idle,
	}
	for _, ip := range o.paths {
		r := &parsers.Route{Hop: h, Path: ip.path, PathKind: ip.pathKind, Host: ip.host, Pos: ip.pos, Block: o.block, ReadTimeout: idle}
		be := b.serviceBackend(o, ip)
		var svcObj *object
		if be.Service != nil {
			svcObj = b.serviceObjs[be.Service]
		}
		be.KeepAliveIdle = idle
		tga, tgok := b.albAnnotation(o, svcObj, "target-group-attributes")
		be.DeregistrationDelay = attrSeconds(tga, tgok, "deregistration_delay.timeout_seconds", 300*time.Second, "AWS default deregistration delay 300s")
		be.Health = b.albHealth(o, svcObj)
		// instance (the controller's default, which its --default-target-type flag can
		// change) or ip: whether a pod leaving deregisters a target. Empty when not
		// written: not known.
		if tt, ok := b.albAnnotation(o, svcObj, "target-type"); ok {
			be.TargetType = strings.ToLower(strings.TrimSpace(tt.value))
		}
		r.Backend = be
		h.Routes = append(h.Routes, r)
	}
	return h
}

// albHealth reads the Ingress health-check annotations with the controller's own
// defaults, which differ from the AWS API's (LBC-ING:51-56).
func (b *builder) albHealth(ing, svc *object) *parsers.HealthCheck {
	get := func(key string) (annotation, bool) { return b.albAnnotation(ing, svc, key) }
	hc := &parsers.HealthCheck{Pos: ing.pos, Enabled: parsers.Def(true, "AWS Load Balancer Controller: target groups are always health checked")}
	hc.Protocol = annString(get, "healthcheck-protocol", "HTTP", "AWS Load Balancer Controller default healthcheck-protocol HTTP")
	hc.Path = annString(get, "healthcheck-path", "/", "AWS Load Balancer Controller default healthcheck-path /")
	hc.Port = annString(get, "healthcheck-port", "traffic-port", "AWS Load Balancer Controller default healthcheck-port traffic-port")
	hc.Matcher = annString(get, "success-codes", "200", "AWS Load Balancer Controller default success-codes 200")
	hc.Interval = annSeconds(get, "healthcheck-interval-seconds", 15, "AWS Load Balancer Controller default healthcheck-interval-seconds 15")
	hc.Timeout = annSeconds(get, "healthcheck-timeout-seconds", 5, "AWS Load Balancer Controller default healthcheck-timeout-seconds 5")
	hc.HealthyThreshold = annInt(get, "healthy-threshold-count", 2, "AWS Load Balancer Controller default healthy-threshold-count 2")
	hc.UnhealthyThreshold = annInt(get, "unhealthy-threshold-count", 2, "AWS Load Balancer Controller default unhealthy-threshold-count 2")
	return hc
}

// nlbHop models a Service of type LoadBalancer provisioned as an NLB by the AWS Load
// Balancer Controller. An NLB is layer 4: it has an idle timeout but no read timeout, so
// its routes carry none (rules stay silent on them).
func (b *builder) nlbHop(o *object, svc *parsers.Service) *parsers.Hop {
	const pfx = "service.beta.kubernetes.io/aws-load-balancer-"
	get := func(key string) (annotation, bool) {
		a, ok := o.annotations[pfx+key]
		return a, ok
	}
	h := &parsers.Hop{
		Kind: parsers.HopALBIngress, Format: parsers.FormatK8s, Passthrough: true,
		Name: o.namespace + "/" + o.name, Pos: o.pos, Block: o.block,
		ClientIdleTimeout: parsers.Def(350*time.Second, "AWS default NLB TCP idle timeout 350s"),
	}
	for _, p := range svc.Ports {
		if a, ok := get("listener-attributes.TCP-" + strconv.Itoa(p.Port)); ok {
			h.ClientIdleTimeout = attrSeconds(a, true, "tcp.idle_timeout.seconds", 350*time.Second, "AWS default NLB TCP idle timeout 350s")
			break
		}
	}
	be := &parsers.Backend{Kind: "k8s-service", Name: o.namespace + "/" + o.name, Pos: o.pos, Service: svc, Workloads: svc.Workloads}
	if tt, ok := get("nlb-target-type"); ok {
		be.TargetType = strings.ToLower(strings.TrimSpace(tt.value))
	}
	tga, ok := get("target-group-attributes")
	be.DeregistrationDelay = attrSeconds(tga, ok, "deregistration_delay.timeout_seconds", 300*time.Second, "AWS default deregistration delay 300s")
	hc := &parsers.HealthCheck{Pos: o.pos, Enabled: parsers.Def(true, "AWS Load Balancer Controller: target groups are always health checked")}
	hc.Protocol = annString(get, "healthcheck-protocol", "TCP", "AWS Load Balancer Controller default (Service) healthcheck-protocol TCP")
	hc.Path = annString(get, "healthcheck-path", "/", "AWS Load Balancer Controller default (Service) healthcheck-path /")
	hc.Port = annString(get, "healthcheck-port", "traffic-port", "AWS Load Balancer Controller default (Service) healthcheck-port traffic-port")
	hc.Matcher = annString(get, "healthcheck-success-codes", "200-399", "AWS Load Balancer Controller default (Service) healthcheck-success-codes 200-399")
	hc.Interval = annSeconds(get, "healthcheck-interval", 10, "AWS Load Balancer Controller default (Service) healthcheck-interval 10")
	hc.Timeout = annSeconds(get, "healthcheck-timeout", 10, "AWS Load Balancer Controller default (Service) healthcheck-timeout 10")
	hc.HealthyThreshold = annInt(get, "healthcheck-healthy-threshold", 3, "AWS Load Balancer Controller default (Service) healthcheck-healthy-threshold 3")
	hc.UnhealthyThreshold = annInt(get, "healthcheck-unhealthy-threshold", 3, "AWS Load Balancer Controller default (Service) healthcheck-unhealthy-threshold 3")
	be.Health = hc
	b.m.Backends = append(b.m.Backends, be)
	h.Routes = append(h.Routes, &parsers.Route{Hop: h, Path: "/", PathKind: parsers.PathPrefix, Pos: o.pos, Block: o.block, Backend: be})
	return h
}

// isNLB reports whether a LoadBalancer Service is provisioned by the AWS Load Balancer
// Controller as an NLB.
func isNLB(o *object, svc *parsers.Service) bool {
	if svc.Type != "LoadBalancer" {
		return false
	}
	if str(o.node, "spec", "loadBalancerClass") == "service.k8s.aws/nlb" {
		return true
	}
	switch o.annotations["service.beta.kubernetes.io/aws-load-balancer-type"].value {
	case "external", "nlb", "nlb-ip":
		return true
	}
	_, ok := o.annotations["service.beta.kubernetes.io/aws-load-balancer-nlb-target-type"]
	return ok
}

type annGetter func(key string) (annotation, bool)

func annString(get annGetter, key, def, defText string) parsers.Setting[string] {
	if a, ok := get(key); ok {
		return parsers.Set(a.value, a.pos, a.text)
	}
	return parsers.Def(def, defText)
}

func annInt(get annGetter, key string, def int, defText string) parsers.Setting[int] {
	if a, ok := get(key); ok {
		n, err := strconv.Atoi(strings.TrimSpace(a.value))
		s := parsers.Set(n, a.pos, a.text)
		s.Unknown = err != nil
		return s
	}
	return parsers.Def(def, defText)
}

func annSeconds(get annGetter, key string, def int, defText string) parsers.Duration {
	if a, ok := get(key); ok {
		return seconds(a)
	}
	return parsers.Def(time.Duration(def)*time.Second, defText)
}
