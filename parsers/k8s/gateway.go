package k8s

import (
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// gatewayHop models a Gateway API HTTPRoute: one route per path match, with the rule's
// timeouts. backendRequest (one try at the backend) is what the upstream must beat; when
// only request is set it bounds the backend too. Absent timeouts are implementation-
// specific (gateway-api httproute_types.go), so they stay unknown.
func (b *builder) gatewayHop(o *object) *parsers.Hop {
	s := o.src
	h := &parsers.Hop{Kind: parsers.HopGateway, Format: parsers.FormatK8s, Name: o.namespace + "/" + o.name, Pos: o.pos, Block: o.block}
	for _, rule := range items(val(o.node, "spec", "rules")) {
		var rt parsers.Duration
		var total *parsers.Duration // timeouts.request, when backendRequest is rt
		for _, key := range []string{"backendRequest", "request"} {
			k, v := get(val(rule, "timeouts"), key)
			if v == nil || isNull(v) {
				continue
			}
			d, err := time.ParseDuration(v.Value)
			t := parsers.Set(d, s.pos(v), s.text(k, v))
			t.Unknown = err != nil || d < 0
			if rt.Explicit() || rt.Unknown {
				total = &t
				break
			}
			rt = t
		}
		var be *parsers.Backend
		if refs := items(val(rule, "backendRefs")); len(refs) > 0 {
			ref := refs[0]
			if kind := str(ref, "kind"); kind == "" || kind == "Service" {
				ns := str(ref, "namespace")
				if ns == "" {
					ns = o.namespace
				}
				name, port := str(ref, "name"), str(ref, "port")
				be = &parsers.Backend{Kind: "k8s-service", Name: ns + "/" + name + ":" + port, Pos: s.pos(ref)}
				if svc := b.services[ns+"/"+name]; svc != nil && len(refs) == 1 && servesPort(svc, port) {
					be.Service, be.Workloads = svc, svc.Workloads
					if r, ok := parsers.ReachServicePort(svc, port); ok {
						be.Reaches = []parsers.Reach{r}
					}
				}
				b.m.Backends = append(b.m.Backends, be)
			}
		}
		matches := items(val(rule, "matches"))
		if len(matches) == 0 {
			h.Routes = append(h.Routes, &parsers.Route{Hop: h, Path: "/", PathKind: parsers.PathPrefix, Pos: s.pos(rule), Block: o.block, ReadTimeout: rt, RequestTimeout: total, Backend: be})
			continue
		}
		for _, m := range matches {
			path, kind := "/", parsers.PathPrefix
			if p := val(m, "path"); p != nil {
				if v := str(p, "value"); v != "" {
					path = v
				}
				switch str(p, "type") {
				case "Exact":
					kind = parsers.PathExact
				case "RegularExpression":
					kind = parsers.PathRegex
				}
			}
			h.Routes = append(h.Routes, &parsers.Route{Hop: h, Path: path, PathKind: kind, Pos: s.pos(m), Block: o.block, ReadTimeout: rt, RequestTimeout: total, Backend: be})
		}
	}
	return h
}

// targetGroupName returns the name in a target group ARN
// (arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID), or "".
func targetGroupName(arn string) string {
	_, res, ok := strings.Cut(arn, ":targetgroup/")
	if !ok || !strings.HasPrefix(arn, "arn:") {
		return ""
	}
	name, _, ok := strings.Cut(res, "/")
	if !ok {
		return ""
	}
	return name
}

// targetGroupBinding models an AWS TargetGroupBinding: a target group outside the
// cluster (Terraform, CloudFormation) fed with the pods of a Service.
func (b *builder) targetGroupBinding(o *object) {
	spec := val(o.node, "spec")
	name := str(spec, "serviceRef", "name")
	be := &parsers.Backend{Kind: parsers.BackendTargetGroup, Name: o.namespace + "/" + o.name, Pos: o.pos, Block: o.block}
	if arn := str(spec, "targetGroupARN"); arn != "" {
		be.Name, be.CloudName = arn, targetGroupName(arn)
	}
	// instance or ip; not written, the controller takes the target group's own type.
	be.TargetType = strings.ToLower(strings.TrimSpace(str(spec, "targetType")))
	if svc := b.services[o.namespace+"/"+name]; svc != nil {
		be.Service, be.Workloads = svc, svc.Workloads
		if r, ok := parsers.ReachServicePort(svc, str(spec, "serviceRef", "port")); ok {
			be.Reaches = []parsers.Reach{r}
		}
		for _, w := range svc.Workloads {
			w.Served = true
		}
	}
	b.m.Backends = append(b.m.Backends, be)
}
