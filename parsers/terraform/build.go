package terraform

import (
	"fmt"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// builder turns a module's resources into hops, routes, backends and workloads, keyed by
// resource address so references can link them.
type builder struct {
	mod       *module
	hops      map[string]*parsers.Hop
	backends  map[string]*parsers.Backend
	listeners map[string]*parsers.Hop // listener address → its load balancer
	workloads map[string]*parsers.Workload
	tgPorts   map[*parsers.Backend]*tgPorts
	asgNames  map[string][]*parsers.Workload // an autoscaling group's name attribute → the groups
}

// buildStart builds what other blocks point at: load balancers and target groups (the
// module's own and its terraform-aws-modules/alb calls'). A module with local module
// calls is built in two steps around them (Parse): its calls may be passed these target
// groups (evalCall), and its own services, listeners and groups may read the calls'
// outputs (module.lb.tg_arn), known only once the calls are built.
func (mod *module) buildStart() {
	b := &builder{
		mod:       mod,
		hops:      map[string]*parsers.Hop{},
		backends:  map[string]*parsers.Backend{},
		listeners: map[string]*parsers.Hop{},
		workloads: map[string]*parsers.Workload{},
		tgPorts:   map[*parsers.Backend]*tgPorts{},
		asgNames:  map[string][]*parsers.Workload{},
	}
	mod.built, mod.builtWorkloads = b.backends, b.workloads
	// Target groups a caller passed in from another local module call's output
	// (module.alb.tg_arn): reached as var.NAME#i (refs), linked like this module's own.
	for name, v := range mod.vars {
		for i, be := range v.backends {
			b.backends[varBackendKey(name, i)] = be
		}
	}
	// Order matters only for references: load balancers and target groups first, then
	// what points at them.
	b.each(func(r *resource) {
		switch r.typ {
		case "aws_lb", "aws_alb":
			b.loadBalancer(r)
		case "aws_elb":
			b.classic(r)
		case "aws_lb_target_group", "aws_alb_target_group":
			b.targetGroup(r)
		}
	})
	for _, c := range mod.calls {
		if isALBModule(c.source) {
			b.albModule(c)
		}
	}
	mod.building = b
}

// buildFinish builds the rest once the module's local calls are built: what points at
// the target groups, then each target group's traffic ports and keep-alive.
func (mod *module) buildFinish() {
	b := mod.building
	if b == nil {
		return
	}
	mod.building = nil
	// Target groups the local calls' outputs name, reached as module.NAME.OUTPUT#i (refs).
	for call, outs := range mod.childOutputs {
		for out, bes := range outs {
			for i, be := range bes {
				b.backends[childOutputKey(call, out, i)] = be
			}
		}
	}
	for call, outs := range mod.childWorkloads {
		for out, ws := range outs {
			for i, w := range ws {
				b.workloads[childWorkloadKey(call, out, i)] = w
			}
		}
	}
	b.each(func(r *resource) {
		if r.typ == "aws_lb_listener" || r.typ == "aws_alb_listener" {
			b.listener(r)
		}
	})
	b.each(func(r *resource) {
		switch r.typ {
		case "aws_lb_listener_rule", "aws_alb_listener_rule":
			b.listenerRule(r)
		case "aws_lb_target_group_attachment", "aws_alb_target_group_attachment":
			b.attachment(r)
		case "aws_ecs_service":
			b.ecsService(r)
		case "aws_autoscaling_group":
			b.asg(r)
		}
	})
	// After the target groups: module services link to them like aws_ecs_service.
	for _, c := range mod.calls {
		b.ecsModule(c)
		b.asgModule(c)
	}
	b.each(func(r *resource) {
		switch r.typ {
		case "aws_autoscaling_attachment":
			b.asgAttachment(r)
		case "aws_autoscaling_traffic_source_attachment":
			b.asgTrafficSourceAttachment(r)
		case "aws_appautoscaling_target":
			b.appAutoscaling(r)
		case "aws_autoscaling_policy", "aws_autoscaling_schedule":
			b.asgScaler(r, r.node, "autoscaling_group_name")
		case "aws_ecs_capacity_provider":
			for _, p := range r.node.blocks["auto_scaling_group_provider"] {
				b.asgScaler(r, p, "auto_scaling_group_arn")
			}
		case "cloudflare_record", "cloudflare_dns_record":
			b.cloudflare(r)
		case "aws_cloudfront_distribution":
			b.cloudfront(r)
		}
	})
	b.trafficPorts()
	b.keepAlive()
}

// each calls f for every resource that may exist (count/for_each not known to be empty).
func (b *builder) each(f func(*resource)) {
	for _, r := range b.mod.resources {
		if r.node.exists() {
			f(r)
		}
	}
}

func (b *builder) addHop(addr string, h *parsers.Hop) {
	if _, dup := b.hops[addr]; dup {
		return
	}
	b.hops[addr] = h
	b.mod.m.Hops = append(b.mod.m.Hops, h)
}

func (b *builder) addBackend(addr string, be *parsers.Backend) {
	if _, dup := b.backends[addr]; dup {
		return
	}
	b.backends[addr] = be
	b.mod.m.Backends = append(b.mod.m.Backends, be)
}

func (b *builder) addWorkload(addr string, w *parsers.Workload) {
	if _, dup := b.workloads[addr]; dup {
		return
	}
	b.workloads[addr] = w
	b.mod.m.Workloads = append(b.mod.m.Workloads, w)
}

const idleDefault = "AWS/Terraform default idle_timeout 60s"

func (b *builder) loadBalancer(r *resource) {
	n := r.node
	typ := n.strSetting("load_balancer_type", "application", "Terraform default load_balancer_type application")
	h := &parsers.Hop{Format: parsers.FormatTerraform, Name: r.addr, Pos: n.pos, Block: n.rng}
	switch {
	case !typ.Known():
		// Unknown type: an ALB is the common case, but its idle timeout must not be
		// assumed for what may be an NLB.
		h.Kind = parsers.HopALB
		h.ClientIdleTimeout = parsers.Duration{Pos: typ.Pos, Text: typ.Text, Unknown: true}
	case typ.Value == "application":
		h.Kind = parsers.HopALB
		h.ClientIdleTimeout = n.secondsSetting("idle_timeout", 60*time.Second, idleDefault)
	case typ.Value == "network":
		h.Kind = parsers.HopNLB
	default:
		return // gateway load balancers do not carry HTTP
	}
	b.addHop(r.addr, h)
}

// classic maps aws_elb: a hop with one route "/" and its own backend.
func (b *builder) classic(r *resource) {
	n := r.node
	h := &parsers.Hop{Kind: parsers.HopCLB, Format: parsers.FormatTerraform, Name: r.addr, Pos: n.pos, Block: n.rng}
	h.ClientIdleTimeout = n.secondsSetting("idle_timeout", 60*time.Second, idleDefault)
	b.addHop(r.addr, h)
	be := &parsers.Backend{Kind: parsers.BackendCLB, Name: r.addr, Pos: n.pos, Block: n.rng}
	draining := n.boolSetting("connection_draining", false, "Terraform default connection_draining false")
	switch {
	case !draining.Known():
		be.DeregistrationDelay = parsers.Duration{Pos: draining.Pos, Text: draining.Text, Unknown: true}
	case !draining.Value:
		be.DeregistrationDelay = parsers.Duration{Value: 0, Pos: draining.Pos, Text: draining.Text, Default: draining.Default, Origin: draining.Origin}
	default:
		be.DeregistrationDelay = n.secondsSetting("connection_draining_timeout", 300*time.Second, "Terraform default connection_draining_timeout 300s")
	}
	if hc := n.child("health_check"); hc != nil && !n.hasDynamic("health_check") {
		be.Health = classicHealth(hc)
	}
	be.TrafficPorts = classicPorts(n)
	b.addBackend(r.addr, be)
	route := &parsers.Route{Hop: h, Path: "/", PathKind: parsers.PathPrefix, Pos: n.pos, Block: n.rng, ReadTimeout: h.ClientIdleTimeout, Backend: be}
	h.Routes = append(h.Routes, route)
}

// classicHealth reads an aws_elb health_check block (all of its fields are required).
func classicHealth(n *node) *parsers.HealthCheck {
	hc := &parsers.HealthCheck{Pos: n.pos, Block: n.rng, Enabled: parsers.Def(true, "aws_elb health_check is always on")}
	hc.Interval = n.secondsSetting("interval", 0, "")
	hc.Timeout = n.secondsSetting("timeout", 0, "")
	hc.HealthyThreshold = n.intSetting("healthy_threshold", 0, "")
	hc.UnhealthyThreshold = n.intSetting("unhealthy_threshold", 0, "")
	target := n.strSetting("target", "", "")
	if target.Known() {
		// "HTTP:8000/health" or "TCP:80".
		proto, rest, _ := strings.Cut(target.Value, ":")
		port, path, _ := strings.Cut(rest, "/")
		hc.Protocol = parsers.Setting[string]{Value: strings.ToUpper(proto), Pos: target.Pos, Text: target.Text}
		hc.Port = parsers.Setting[string]{Value: port, Pos: target.Pos, Text: target.Text}
		if strings.HasPrefix(strings.ToUpper(proto), "HTTP") {
			hc.Path = parsers.Setting[string]{Value: "/" + path, Pos: target.Pos, Text: target.Text}
		}
	}
	return hc
}

func (b *builder) targetGroup(r *resource) {
	n := r.node
	be := &parsers.Backend{Kind: parsers.BackendTargetGroup, Name: r.addr, Pos: n.pos, Block: n.rng}
	if name := n.strSetting("name", "", ""); name.Known() {
		be.CloudName = name.Value
	}
	be.DeregistrationDelay = n.secondsSetting("deregistration_delay", 300*time.Second, "AWS/Terraform default deregistration_delay 300s")
	be.ConnectionTermination = n.boolSetting("connection_termination", false, "")
	targetGroupKind(be, n)
	switch hc := n.dynamicOne("health_check"); {
	case !n.hasDynamic("health_check"):
		be.Health = targetGroupHealth(n, n.child("health_check"))
	case hc != nil && n.child("health_check") == nil:
		// A dynamic block that generates one block that does not vary: its content
		// is the health check, and its settings are fixed where they are written.
		be.Health = targetGroupHealth(n, hc)
	}
	b.noteTargetGroup(be, n, "port")
	b.addBackend(r.addr, be)
}

// targetGroupKind sets what a target group's load balancer speaks to its targets, and
// their type, when the config says.
func targetGroupKind(be *parsers.Backend, n *node) {
	if proto := n.strSetting("protocol", "", ""); proto.Known() {
		be.Protocol = strings.ToUpper(proto.Value)
	}
	if tt := n.strSetting("target_type", "instance", "Terraform default target_type instance"); tt.Known() {
		be.TargetType = strings.ToLower(tt.Value)
	}
}

// targetGroupHealth reads health_check with Terraform's defaults (thresholds 3/3, which
// the provider sends explicitly) and the AWS API's where Terraform has none (timeout,
// matcher). tg is the target group; hcNode may be nil (no block: all defaults).
func targetGroupHealth(tg, hcNode *node) *parsers.HealthCheck {
	tgProto := strings.ToUpper(tg.strSetting("protocol", "", "").Value)
	targetType := tg.strSetting("target_type", "instance", "Terraform default target_type instance")
	version := strings.ToUpper(tg.strSetting("protocol_version", "HTTP1", "AWS default protocol_version HTTP1").Value)
	hc := &parsers.HealthCheck{Pos: tg.pos}
	if hcNode != nil {
		hc.Pos, hc.Block = hcNode.pos, hcNode.rng
	}
	lambda := targetType.Known() && targetType.Value == "lambda"
	if lambda {
		hc.Enabled = hcNode.boolSetting("enabled", false, "AWS default: health checks off for lambda targets")
	} else {
		hc.Enabled = hcNode.boolSetting("enabled", true, "Terraform default health_check.enabled true")
	}
	hc.Protocol = hcNode.strSetting("protocol", "HTTP", "Terraform default health_check.protocol HTTP")
	hcProto := strings.ToUpper(hc.Protocol.Value)
	httpCheck := hc.Protocol.Known() && (hcProto == "HTTP" || hcProto == "HTTPS")
	if httpCheck {
		hc.Path = hcNode.strSetting("path", "/", "AWS default health check path /")
	} else {
		hc.Path = hcNode.strSetting("path", "", "")
	}
	hc.Port = hcNode.strSetting("port", "traffic-port", "Terraform default health_check.port traffic-port")
	hc.Interval = hcNode.secondsSetting("interval", 30*time.Second, "Terraform default health_check.interval 30s")
	switch {
	case lambda:
		hc.Timeout = hcNode.secondsSetting("timeout", 30*time.Second, "AWS default health check timeout 30s for lambda targets")
	case hc.Protocol.Known() && hcProto == "HTTP":
		hc.Timeout = hcNode.secondsSetting("timeout", 6*time.Second, "AWS default health check timeout 6s for HTTP")
	case hc.Protocol.Known():
		hc.Timeout = hcNode.secondsSetting("timeout", 10*time.Second, "AWS default health check timeout 10s for "+hcProto)
	default:
		hc.Timeout = hcNode.secondsSetting("timeout", 0, "")
	}
	hc.HealthyThreshold = hcNode.intSetting("healthy_threshold", 3, "Terraform default health_check.healthy_threshold 3")
	hc.UnhealthyThreshold = hcNode.intSetting("unhealthy_threshold", 3, "Terraform default health_check.unhealthy_threshold 3")
	switch {
	case !httpCheck:
		hc.Matcher = hcNode.strSetting("matcher", "", "")
	case version == "GRPC":
		hc.Matcher = hcNode.strSetting("matcher", "12", "AWS default gRPC matcher 12")
	case tgProto == "TCP" || tgProto == "TLS" || tgProto == "UDP" || tgProto == "TCP_UDP":
		hc.Matcher = hcNode.strSetting("matcher", "200-399", "AWS default NLB HTTP health check matcher 200-399")
	default:
		hc.Matcher = hcNode.strSetting("matcher", "200", "AWS default matcher 200")
	}
	return hc
}

func (b *builder) listener(r *resource) {
	n := r.node
	var hop *parsers.Hop
	for _, ref := range b.mod.refs(exprOf(n.attr("load_balancer_arn"))) {
		if h := b.hops[ref]; h != nil {
			hop = h
			break
		}
	}
	if hop == nil {
		return
	}
	b.listeners[r.addr] = hop
	for _, act := range n.blocks["default_action"] {
		b.routesFromAction(hop, act, "/", "prefix", "", n)
	}
}

func (b *builder) listenerRule(r *resource) {
	n := r.node
	var hop *parsers.Hop
	for _, ref := range b.mod.refs(exprOf(n.attr("listener_arn"))) {
		if h := b.listeners[ref]; h != nil {
			hop = h
			break
		}
	}
	if hop == nil {
		return
	}
	type pk struct {
		path string
		kind parsers.PathKind
	}
	var paths []pk
	for _, c := range n.blocks["condition"] {
		var vals []string
		var ok, found bool
		if pp := c.child("path_pattern"); pp != nil {
			vals, _, ok = pp.strList("values")
			found = true
		} else if field := c.strSetting("field", "", ""); field.Known() && field.Value == "path-pattern" {
			vals, _, ok = c.strList("values")
			found = true
		}
		if !found {
			continue
		}
		if !ok || len(vals) == 0 {
			// Which paths this rule serves cannot be known.
			paths = append(paths, pk{"", "regex"})
			continue
		}
		for _, v := range vals {
			p, k := routePath(v)
			paths = append(paths, pk{p, k})
		}
	}
	if len(paths) == 0 {
		paths = []pk{{"/", "prefix"}}
	}
	// The Host a rule's requests carry, when its host_header condition names one
	// (Route.Host; the ALB passes it on to the target).
	host, hosts := "", 0
	for _, c := range n.blocks["condition"] {
		var vals []string
		ok := false
		if hh := c.child("host_header"); hh != nil {
			vals, _, ok = hh.strList("values")
		} else if field := c.strSetting("field", "", ""); field.Known() && field.Value == "host-header" {
			vals, _, ok = c.strList("values")
		} else {
			continue
		}
		hosts++
		if ok && len(vals) == 1 {
			host = vals[0]
		} else {
			host = ""
		}
	}
	if hosts != 1 {
		host = ""
	}
	for _, act := range n.blocks["action"] {
		for _, p := range paths {
			b.routesFromAction(hop, act, p.path, p.kind, host, n)
		}
	}
}

// routesFromAction adds a route per target group an action forwards to, or a route that
// answers itself for a fixed-response action.
func (b *builder) routesFromAction(hop *parsers.Hop, act *node, path string, kind parsers.PathKind, host string, owner *node) {
	newRoute := func() *parsers.Route {
		// No Block: the route's read timeout is the load balancer's idle_timeout, so a
		// fix edits the hop, and a finding about it points at that attribute.
		rt := &parsers.Route{Hop: hop, Path: path, PathKind: kind, Host: host, Pos: owner.pos}
		if hop.Kind == parsers.HopALB || hop.Kind == parsers.HopCLB {
			// An ALB cuts a request when no byte flows for idle_timeout.
			rt.ReadTimeout = hop.ClientIdleTimeout
		}
		hop.Routes = append(hop.Routes, rt)
		return rt
	}
	typ := act.strSetting("type", "", "")
	if typ.Known() && typ.Value == "fixed-response" {
		fr := act.child("fixed_response")
		if fr == nil {
			return
		}
		code := fr.strSetting("status_code", "", "")
		rt := newRoute()
		rt.Respond = &parsers.Respond{Pos: fr.pos, Text: code.Text}
		if i, err := strconv.Atoi(code.Value); err == nil && code.Known() {
			rt.Respond.Status = parsers.Setting[int]{Value: i, Pos: code.Pos, Text: code.Text}
		} else {
			rt.Respond.Status = parsers.Setting[int]{Pos: code.Pos, Text: code.Text, Unknown: true}
		}
		return
	}
	if typ.Known() && typ.Value == "redirect" {
		// The load balancer answers the request itself (301/302), as for a fixed
		// response: the path is the rule's, and a budget for it is not the app's behind
		// a catch-all forward rule.
		rd := act.child("redirect")
		if rd == nil {
			return
		}
		code := rd.strSetting("status_code", "", "")
		rt := newRoute()
		rt.Respond = &parsers.Respond{Pos: rd.pos, Text: "redirect " + code.Text}
		if i, err := strconv.Atoi(strings.TrimPrefix(code.Value, "HTTP_")); err == nil && code.Known() {
			rt.Respond.Status = parsers.Setting[int]{Value: i, Pos: code.Pos, Text: code.Text}
		} else {
			rt.Respond.Status = parsers.Setting[int]{Pos: code.Pos, Text: code.Text, Unknown: true}
		}
		return
	}
	if typ.Known() && typ.Value != "forward" {
		return // authenticate-*: no backend of its own (a forward action follows it)
	}
	var refs []string
	refs = append(refs, b.mod.refs(exprOf(act.attr("target_group_arn")))...)
	if fw := act.child("forward"); fw != nil {
		for _, tg := range fw.blocks["target_group"] {
			refs = append(refs, b.mod.refs(exprOf(tg.attr("arn")))...)
		}
	}
	seen := map[*parsers.Backend]bool{}
	for _, ref := range refs {
		be := b.backends[ref]
		if be == nil || seen[be] {
			continue
		}
		seen[be] = true
		newRoute().Backend = be
	}
}

func (b *builder) attachment(r *resource) {
	n := r.node
	var be *parsers.Backend
	for _, ref := range b.mod.refs(exprOf(n.attr("target_group_arn"))) {
		if b.mod.shadowedIn(ref, n.pos.File) {
			return // the attachment's own file defines the target group again
		}
		if x := b.backends[ref]; x != nil {
			be = x
			break
		}
	}
	if be == nil {
		return
	}
	id := n.strSetting("target_id", "", "")
	port := n.intSetting("port", 0, "")
	t := &parsers.Target{Pos: n.pos}
	if id.Known() {
		t.Host = id.Value
		t.IP = net.ParseIP(id.Value) != nil
		t.Local = t.IP && net.ParseIP(id.Value).IsLoopback()
	} else {
		t.Host = strings.TrimSpace(strings.TrimPrefix(id.Text, "target_id"))
		t.Host = strings.TrimSpace(strings.TrimPrefix(t.Host, "="))
	}
	t.Address = t.Host
	if port.Known() {
		t.Port = strconv.Itoa(port.Value)
		t.Address = net.JoinHostPort(t.Host, t.Port)
	}
	be.Targets = append(be.Targets, t)
	b.register(be, port, r.addr, "")
}

func (b *builder) link(be *parsers.Backend, w *parsers.Workload) {
	for _, x := range be.Workloads {
		if x == w {
			return
		}
	}
	be.Workloads = append(be.Workloads, w)
	w.Served = true
}

func (b *builder) ecsService(r *resource) {
	n := r.node
	w := &parsers.Workload{Kind: parsers.ECSService, Format: parsers.FormatTerraform, Name: r.addr, Pos: n.pos, Block: n.rng}
	sched := n.strSetting("scheduling_strategy", "REPLICA", "Terraform default scheduling_strategy REPLICA")
	w.Scheduling = sched
	if sched.Known() && sched.Value == "REPLICA" {
		w.Replicas = n.intSetting("desired_count", 0, "Terraform default desired_count 0")
		// lifecycle { ignore_changes = all }: desired_count is only the count the
		// service was created with, and what sets it later (Application Auto Scaling,
		// a deploy pipeline, here or in another stack) is not Terraform. The other
		// attributes are read as written: making every one unknown would unlink the
		// service too (ignoreChanges).
		if ignoresAll(n) {
			w.Replicas.Unknown = true
		}
	}
	w.MinHealthyPercent = n.intSetting("deployment_minimum_healthy_percent", 100, "ECS default deployment_minimum_healthy_percent 100")
	w.MaxPercent = n.intSetting("deployment_maximum_percent", 200, "ECS default deployment_maximum_percent 200")
	// Strategy holds the deployment controller: only "ECS" (rolling update) reads the
	// percentages above.
	if n.hasDynamic("deployment_controller") {
		w.Strategy = parsers.Setting[string]{Unknown: true}
	} else if dc := n.child("deployment_controller"); dc != nil {
		w.Strategy = dc.strSetting("type", "ECS", "ECS default deployment controller ECS (rolling update)")
	} else {
		w.Strategy = parsers.Def("ECS", "ECS default deployment controller ECS (rolling update)")
	}
	if n.hasDynamic("deployment_configuration") {
		w.Strategy = ecsDeployStrategy(w.Strategy, parsers.Setting[string]{Unknown: true})
	} else if dc := n.child("deployment_configuration"); dc != nil {
		w.Strategy = ecsDeployStrategy(w.Strategy, dc.strSetting("strategy", "ROLLING", "ECS default deployment strategy ROLLING"))
	}
	switch cb := n.child("deployment_circuit_breaker"); {
	case n.hasDynamic("deployment_circuit_breaker"):
		w.CircuitBreaker = parsers.Setting[bool]{Unknown: true}
		w.Rollback = parsers.Setting[bool]{Unknown: true}
	case cb != nil:
		w.CircuitBreaker = cb.boolSetting("enable", false, "")
		w.Rollback = cb.boolSetting("rollback", false, "")
	default:
		w.CircuitBreaker = parsers.Def(false, "ECS default: no deployment circuit breaker")
		w.Rollback = parsers.Def(false, "ECS default: no deployment circuit breaker")
	}
	// The containers the load balancer sends to (load_balancer.container_name), or all of
	// the task's when no name is known: their app servers meet the load balancer's
	// keep-alive and timeouts like a pod's containers.
	// A dynamic load_balancer block that generates one block (for_each = var.tg != "" ?
	// [1] : [] with a target group passed in) is that block.
	lbs := n.blocks["load_balancer"]
	lbOne := n.dynamicOne("load_balancer")
	if lbOne != nil {
		lbs = append(lbs[:len(lbs):len(lbs)], lbOne)
	}
	serving := map[string]bool{}
	for _, lb := range lbs {
		if v, _, s := lb.eval("container_name"); !s.Unknown && v.Type() == cty.String {
			serving[v.AsString()] = true
		}
	}
	for _, c := range b.taskContainers(n) {
		if len(serving) == 0 || serving[c.Name] {
			w.Containers = append(w.Containers, c)
		}
	}
	w.TerminationGrace = b.stopTimeout(n)
	if lt := n.strSetting("launch_type", "", ""); lt.Explicit() {
		w.LaunchType = lt
	}
	if n.hasDynamic("capacity_provider_strategy") {
		w.Spot = parsers.Setting[bool]{Unknown: true}
	} else {
		w.Spot = spotStrategy(n.blocks["capacity_provider_strategy"])
	}
	w.Discovery = ecsDiscovery(n)
	b.addWorkload(r.addr, w)
	var mode parsers.Setting[string]
	if def := b.taskDefinition(n); def != nil {
		mode = def.node.strSetting("network_mode", "", "")
		w.HostPort = taskHostPort(def.node, w.Containers, mode)
	}
	pairs := b.blueGreenPairs(r, w)
	for _, lb := range lbs {
		refs := b.mod.refs(exprOf(lb.attr("target_group_arn")))
		refs = append(refs, b.mod.refs(exprOf(lb.attr("elb_name")))...)
		var linked []*parsers.Backend
		for _, ref := range refs {
			if be := b.backends[ref]; be != nil {
				linked = append(linked, be)
				b.link(be, w)
				b.register(be, b.ecsTargetPort(be, lb, w, mode), r.addr, r.addr)
				reachContainer(be, lb.strSetting("container_name", "", ""))
			}
		}
		// The other target group of a blue/green pair gets the same tasks on the same
		// container and port: the next deployment starts them there.
		if len(linked) != 1 {
			continue
		}
		for _, alt := range b.alternates(lb, linked[0], w, pairs) {
			b.link(alt, w)
			b.register(alt, b.ecsTargetPort(alt, lb, w, mode), r.addr, r.addr)
			reachContainer(alt, lb.strSetting("container_name", "", ""))
			swap(linked[0], alt)
		}
	}
	if n.hasDynamic("load_balancer") && lbOne == nil {
		// Attached to something we cannot see: served, but to what is unknown.
		w.Served = true
	}
}

// alternates lists the target groups a blue/green deployment moves the tasks that load
// balancer block lb registers in primary to (Backend.Swaps):
//   - ECS's own blue/green (deployment_configuration strategy BLUE_GREEN, LINEAR or
//     CANARY): the block's advanced_configuration.alternate_target_group_arn, which ECS
//     registers the new revision's tasks in before it moves the production listener rule;
//   - a CodeDeploy controller (deployment_controller CODE_DEPLOY): the other target
//     groups of the pair (blueGreenPairs) that holds primary.
//
// Each must name one target group of the model for certain; anything less links
// nothing (silence, as before).
func (b *builder) alternates(lb *node, primary *parsers.Backend, w *parsers.Workload, pairs [][]*parsers.Backend) []*parsers.Backend {
	var out []*parsers.Backend
	add := func(be *parsers.Backend) {
		if be != nil && be != primary && !slices.Contains(out, be) {
			out = append(out, be)
		}
	}
	if st := w.Strategy; st.Known() && (st.Value == "BLUE_GREEN" || st.Value == "LINEAR" || st.Value == "CANARY") {
		if ac := lb.child("advanced_configuration"); ac != nil && len(lb.blocks["advanced_configuration"]) == 1 && !lb.hasDynamic("advanced_configuration") {
			if be := b.oneBackend(ac.attr("alternate_target_group_arn")); be != nil {
				add(be)
			}
		}
	}
	for _, pair := range pairs {
		if slices.Contains(pair, primary) {
			for _, be := range pair {
				add(be)
			}
		}
	}
	return out
}

// oneBackend is the one target group of the model attribute a refers to, or nil when it
// refers to none or to several (a conditional between two).
func (b *builder) oneBackend(a *hcl.Attribute) *parsers.Backend {
	var found *parsers.Backend
	for _, ref := range b.mod.refs(exprOf(a)) {
		be := b.backends[ref]
		if be == nil {
			continue
		}
		if found != nil && found != be {
			return nil
		}
		found = be
	}
	return found
}

// blueGreenPairs reads the CodeDeploy deployment groups that deploy service r (an
// aws_ecs_service whose deployment_controller is CODE_DEPLOY): each group's
// target_group_pair_info names the two target groups CodeDeploy moves the service's
// tasks between, one deployment after the other. A group is read only when it certainly
// exists once (no for_each; count, if written, known to be 1), its ecs_service names
// this service (a reference to it, or a known name equal to the service's known name),
// and every target group of the pair is one target group of the model (a reference, or a
// known name that exactly one of them has).
func (b *builder) blueGreenPairs(r *resource, w *parsers.Workload) [][]*parsers.Backend {
	if st := w.Strategy; !st.Known() || st.Value != "CODE_DEPLOY" {
		return nil
	}
	var pairs [][]*parsers.Backend
	for _, dg := range b.mod.resources {
		if dg.typ != "aws_codedeploy_deployment_group" || !onlyOnce(dg.node) {
			continue
		}
		n := dg.node
		if len(n.blocks["ecs_service"]) != 1 || n.hasDynamic("ecs_service") || len(n.blocks["load_balancer_info"]) != 1 || n.hasDynamic("load_balancer_info") {
			continue
		}
		if !b.namesService(n.child("ecs_service").attr("service_name"), r) {
			continue
		}
		lbi := n.child("load_balancer_info")
		if len(lbi.blocks["target_group_pair_info"]) != 1 || lbi.hasDynamic("target_group_pair_info") {
			continue
		}
		tp := lbi.child("target_group_pair_info")
		tgs := tp.blocks["target_group"]
		if len(tgs) != 2 || tp.hasDynamic("target_group") {
			continue // CodeDeploy takes exactly two
		}
		var pair []*parsers.Backend
		for _, tg := range tgs {
			if be := b.backendNamed(tg.attr("name")); be != nil && !slices.Contains(pair, be) {
				pair = append(pair, be)
			}
		}
		if len(pair) == 2 {
			pairs = append(pairs, pair)
		}
	}
	return pairs
}

// onlyOnce reports whether resource node n certainly exists exactly once: no for_each,
// and a count, if written, known to be 1.
func onlyOnce(n *node) bool {
	if n.attr("for_each") != nil {
		return false
	}
	if n.attr("count") == nil {
		return true
	}
	v, _, _ := n.eval("count")
	i, ok := intVal(v)
	return ok && i == 1
}

// namesService reports whether a (a deployment group's service_name) names service r:
// a reference to r alone, or a known string equal to r's known name.
func (b *builder) namesService(a *hcl.Attribute, r *resource) bool {
	if a == nil {
		return false
	}
	refs := b.mod.refs(a.Expr)
	if len(refs) > 0 {
		return len(refs) == 1 && refs[0] == r.addr
	}
	got := b.mod.value(a.Expr)
	want, _, s := r.node.eval("name")
	return !s.Unknown && got.IsWhollyKnown() && !got.IsNull() && got.Type() == cty.String &&
		want.IsWhollyKnown() && !want.IsNull() && want.Type() == cty.String && got.AsString() == want.AsString()
}

// backendNamed is the target group of the model a deployment group's target_group name
// names: a reference to one target group (aws_lb_target_group.green.name), or a known
// name that exactly one target group of the model has. nil otherwise.
func (b *builder) backendNamed(a *hcl.Attribute) *parsers.Backend {
	if a == nil {
		return nil
	}
	if refs := b.mod.refs(a.Expr); len(refs) > 0 {
		if len(refs) != 1 {
			return nil
		}
		return b.backends[refs[0]]
	}
	v := b.mod.value(a.Expr)
	if !v.IsWhollyKnown() || v.IsNull() || v.Type() != cty.String || v.AsString() == "" {
		return nil
	}
	var found *parsers.Backend
	for _, be := range b.backends {
		if be.Kind != parsers.BackendTargetGroup || be.CloudName != v.AsString() {
			continue
		}
		if found != nil && found != be {
			return nil
		}
		found = be
	}
	return found
}

// swap records that a blue/green deployment moves traffic between target groups a and
// c (Backend.Swaps).
func swap(a, c *parsers.Backend) {
	if !slices.Contains(a.Swaps, c) {
		a.Swaps = append(a.Swaps, c)
	}
	if !slices.Contains(c.Swaps, a) {
		c.Swaps = append(c.Swaps, a)
	}
}

// ecsDiscovery reads how an aws_ecs_service is found besides its load balancers
// (Workload.Discovery): service_registries registers its tasks in Cloud Map, a service
// block of an enabled service_connect_configuration makes them a Service Connect
// endpoint (without one the service is only a client).
func ecsDiscovery(n *node) parsers.Setting[string] {
	if n.hasDynamic("service_registries") || n.hasDynamic("service_connect_configuration") {
		return parsers.Setting[string]{Unknown: true}
	}
	var ways []string
	if len(n.blocks["service_registries"]) > 0 {
		ways = append(ways, "Cloud Map")
	}
	for _, sc := range n.blocks["service_connect_configuration"] {
		switch en := sc.boolSetting("enabled", false, ""); {
		case en.Unknown || sc.hasDynamic("service"):
			return parsers.Setting[string]{Unknown: true}
		case en.Value && len(sc.blocks["service"]) > 0:
			ways = append(ways, "Service Connect")
		}
	}
	return parsers.Setting[string]{Value: strings.Join(ways, " and ")}
}

// reachContainer records that a target group's traffic enters its ECS tasks at the
// container a load_balancer block names (a task's other containers, another target
// group's, answer none of it). An unknown name narrows nothing (an empty Reach).
func reachContainer(be *parsers.Backend, name parsers.Setting[string]) {
	if !name.Known() || name.Value == "" {
		be.Reaches = append(be.Reaches, parsers.Reach{}) // any container
		return
	}
	r := parsers.Reach{Container: name.Value}
	if !slices.Contains(be.Reaches, r) {
		be.Reaches = append(be.Reaches, r)
	}
}

// ecsDeployStrategy combines the deployment controller with the ECS controller's own
// deployment strategy (deployment_configuration.strategy: ROLLING, BLUE_GREEN, LINEAR,
// CANARY): only a rolling update stays "ECS", the controller whose deploys
// deployment_minimum_healthy_percent paces. With BLUE_GREEN, LINEAR or CANARY, ECS starts
// the whole new revision beside the old one and shifts traffic to it, so the strategy is
// what the workload gets; an unknown strategy is unknown.
func ecsDeployStrategy(controller, strategy parsers.Setting[string]) parsers.Setting[string] {
	if !controller.Known() || controller.Value != "ECS" {
		return controller
	}
	switch {
	case strategy.Unknown:
		return strategy
	case !strategy.Known() || strategy.Value == "ROLLING":
		return controller
	}
	return strategy
}

func (b *builder) asg(r *resource) {
	n := r.node
	w := &parsers.Workload{Kind: parsers.AutoScalingGroup, Format: parsers.FormatTerraform, Name: r.addr, Pos: n.pos, Block: n.rng}
	w.MinReplicas = n.intSetting("min_size", 0, "")
	w.MaxReplicas = n.intSetting("max_size", 0, "")
	w.Replicas = n.intSetting("desired_capacity", 0, "")
	w.HealthCheckType = n.strSetting("health_check_type", "EC2", "AWS default health_check_type EC2")
	w.Scaler = asgOwnScaler(n)
	if name := n.strSetting("name", "", ""); name.Known() && name.Value != "" {
		b.asgNames[name.Value] = append(b.asgNames[name.Value], w)
	}
	b.addWorkload(r.addr, w)
	refs := b.moduleTargetGroupRefs(exprOf(n.attr("target_group_arns")))
	refs = append(refs, b.mod.refs(exprOf(n.attr("load_balancers")))...)
	refs = append(refs, b.trafficSourceRefs(n)...)
	for _, ref := range refs {
		if be := b.backends[ref]; be != nil {
			b.link(be, w)
			// An autoscaling group registers its instances on the target group's port.
			b.register(be, parsers.Setting[int]{}, r.addr, "")
		}
	}
}

// clusterAutoscalerTag is the tag key prefix the Kubernetes cluster autoscaler finds its
// node groups by ("k8s.io/cluster-autoscaler/enabled", ".../<cluster name>").
const clusterAutoscalerTag = "k8s.io/cluster-autoscaler/"

// asgOwnScaler reads what the group's own block says about who sets desired_capacity: a
// cluster autoscaler tag, or lifecycle ignore_changes naming desired_capacity (or all).
// A tag block made by a dynamic block, or a tag key that cannot be evaluated, may be
// the autoscaler's: unknown.
func asgOwnScaler(n *node) parsers.Setting[string] {
	for _, t := range n.blocks["tag"] {
		key := t.strSetting("key", "", "")
		switch {
		case key.Unknown:
			return parsers.Setting[string]{Pos: key.Pos, Unknown: true}
		case strings.HasPrefix(key.Value, clusterAutoscalerTag):
			return parsers.Setting[string]{Value: "the Kubernetes cluster autoscaler", Text: "tag " + key.Value, Pos: key.Pos}
		}
	}
	if n.hasDynamic("tag") {
		return parsers.Setting[string]{Pos: n.pos, Unknown: true}
	}
	if n.syntaxed == nil {
		return parsers.Setting[string]{}
	}
	for _, blk := range n.syntaxed.Blocks {
		if blk.Type != "lifecycle" {
			continue
		}
		a := blk.Body.Attributes["ignore_changes"]
		if a == nil {
			continue
		}
		pos := rangePos(n.file.Path, a.SrcRange)
		for _, tr := range a.Expr.Variables() {
			if name := tr.RootName(); name == "desired_capacity" || name == "all" {
				return parsers.Setting[string]{Value: "something outside Terraform", Text: "lifecycle ignore_changes = [" + name + "]", Pos: pos}
			}
		}
		// ignore_changes = all is a keyword, not a traversal.
		if kw := hcl.ExprAsKeyword(a.Expr); kw == "all" {
			return parsers.Setting[string]{Value: "something outside Terraform", Text: "lifecycle ignore_changes = all", Pos: pos}
		}
	}
	return parsers.Setting[string]{}
}

// asgScaler marks the autoscaling groups attribute attr of n names (a reference, or the
// group's name as a string) as scaled by resource r: a scaling policy or schedule, or an
// ECS capacity provider with managed scaling.
func (b *builder) asgScaler(r *resource, n *node, attr string) {
	var ws []*parsers.Workload
	for _, ref := range b.mod.refs(exprOf(n.attr(attr))) {
		if w := b.workloads[ref]; w != nil && w.Kind == parsers.AutoScalingGroup {
			ws = append(ws, w)
		}
	}
	if len(ws) == 0 {
		if name := n.strSetting(attr, "", ""); name.Known() && name.Value != "" {
			ws = b.asgNames[name.Value]
		}
	}
	for _, w := range ws {
		if !w.Scaler.Known() || w.Scaler.Value == "" {
			w.Scaler = parsers.Setting[string]{Value: r.addr, Pos: r.node.pos}
		}
	}
}

// trafficSourceRefs returns what the traffic_source blocks of n refer to: a target group
// (type elbv2) or a classic ELB (type elb). A VPC Lattice source is not a load balancer
// the model holds.
func (b *builder) trafficSourceRefs(n *node) []string {
	var refs []string
	for _, ts := range n.blocks["traffic_source"] {
		if t := ts.strSetting("type", "", ""); !t.Known() || (t.Value != "elbv2" && t.Value != "elb") {
			continue
		}
		refs = append(refs, b.mod.refs(exprOf(ts.attr("identifier")))...)
	}
	return refs
}

// asgTrafficSourceAttachment links an autoscaling group to the load balancer an
// aws_autoscaling_traffic_source_attachment attaches to it.
func (b *builder) asgTrafficSourceAttachment(r *resource) {
	n := r.node
	for _, ref := range b.mod.refs(exprOf(n.attr("autoscaling_group_name"))) {
		w := b.workloads[ref]
		if w == nil || w.Kind != parsers.AutoScalingGroup {
			continue
		}
		for _, tref := range b.trafficSourceRefs(n) {
			if be := b.backends[tref]; be != nil {
				b.link(be, w)
				b.register(be, parsers.Setting[int]{}, w.Name, "")
			}
		}
	}
}

func (b *builder) asgAttachment(r *resource) {
	n := r.node
	var ws []*parsers.Workload
	for _, ref := range b.mod.refs(exprOf(n.attr("autoscaling_group_name"))) {
		if w := b.workloads[ref]; w != nil && w.Kind == parsers.AutoScalingGroup {
			ws = append(ws, w)
		}
	}
	for _, name := range []string{"lb_target_group_arn", "alb_target_group_arn", "elb"} {
		for _, ref := range b.mod.refs(exprOf(n.attr(name))) {
			if be := b.backends[ref]; be != nil {
				for _, w := range ws {
					b.link(be, w)
					b.register(be, parsers.Setting[int]{}, w.Name, "")
				}
			}
		}
	}
}

// appAutoscaling reads an Application Auto Scaling target for an ECS service: its
// min_capacity is the floor the service never scales below.
func (b *builder) appAutoscaling(r *resource) {
	n := r.node
	for _, ref := range b.mod.refs(exprOf(n.attr("resource_id"))) {
		w := b.workloads[ref]
		if w == nil || w.Kind != parsers.ECSService {
			continue
		}
		w.MinReplicas = n.intSetting("min_capacity", 0, "")
		w.MaxReplicas = n.intSetting("max_capacity", 0, "")
		return
	}
}

// cloudflare marks the load balancer a proxied DNS record points at: Cloudflare's proxy
// sits in front of it, with its own read timeout.
func (b *builder) cloudflare(r *resource) {
	n := r.node
	proxied := n.boolSetting("proxied", false, "")
	if !proxied.Explicit() || !proxied.Value {
		return
	}
	var refs []string
	refs = append(refs, b.mod.refs(exprOf(n.attr("value")))...)
	refs = append(refs, b.mod.refs(exprOf(n.attr("content")))...)
	for _, ref := range refs {
		if h := b.hops[ref]; h != nil && !h.Edge.Known() {
			h.Edge = parsers.Setting[string]{Value: "cloudflare", Pos: proxied.Pos, Text: proxied.Text}
		}
	}
}

// cloudfront reads a CloudFront distribution whose default cache behavior sends requests
// to an ALB of this module (the origin's domain_name is its dns_name): the ALB gets a
// CDNOrigin with the origin's read timeout. Nothing is read when the distribution is
// disabled, when which origin the default behavior uses cannot be known (an unknown
// target_origin_id, an origin group, an origin written by a dynamic block) or when cache
// behaviors come from dynamic blocks. An ordered behavior sending other paths elsewhere
// is kept as its pattern, so that the paths it takes are not judged.
func (b *builder) cloudfront(r *resource) {
	n := r.node
	if on := n.boolSetting("enabled", true, ""); on.Known() && !on.Value && on.Explicit() {
		return
	}
	if n.hasDynamic("default_cache_behavior") || n.hasDynamic("ordered_cache_behavior") || n.hasDynamic("origin") {
		return
	}
	def := n.child("default_cache_behavior")
	if def == nil {
		return
	}
	target := def.strSetting("target_origin_id", "", "")
	if !target.Known() {
		return
	}
	var elsewhere []string
	for _, ob := range n.blocks["ordered_cache_behavior"] {
		to := ob.strSetting("target_origin_id", "", "")
		if to.Known() && to.Value == target.Value {
			continue
		}
		pat := ob.strSetting("path_pattern", "", "")
		if !to.Known() || !pat.Known() {
			elsewhere = append(elsewhere, "*")
			continue
		}
		elsewhere = append(elsewhere, pat.Value)
	}
	for _, o := range n.blocks["origin"] {
		id := o.strSetting("origin_id", "", "")
		if !id.Known() {
			return // it may be the default behavior's origin: which one is, is not known
		}
		if id.Value != target.Value {
			continue
		}
		var hop *parsers.Hop
		for _, ref := range b.mod.refs(exprOf(o.attr("domain_name"))) {
			if h := b.hops[ref]; h != nil {
				hop = h
				break
			}
		}
		if hop == nil || hop.Kind != parsers.HopALB {
			return
		}
		cdn := parsers.CDNOrigin{Name: fmt.Sprintf("%s origin %q", r.addr, id.Value), Pos: o.pos, Elsewhere: elsewhere}
		coc := o.child("custom_origin_config")
		if coc == nil || o.hasDynamic("custom_origin_config") {
			return // an ALB origin needs one: a config without it is not read
		}
		cdn.Pos = coc.pos
		cdn.ReadTimeout = coc.secondsSetting("origin_read_timeout", 30*time.Second, "CloudFront default origin_read_timeout 30s")
		hop.CDNs = append(hop.CDNs, cdn)
		return
	}
}

// keepAlive: an ALB closes idle connections to its targets after idle_timeout too, so a
// target group served by exactly one load balancer inherits its idle timeout as the
// backend keep-alive.
func (b *builder) keepAlive() {
	owners := map[*parsers.Backend]map[*parsers.Hop]bool{}
	for _, h := range b.hops {
		for _, rt := range h.Routes {
			if rt.Backend == nil {
				continue
			}
			if owners[rt.Backend] == nil {
				owners[rt.Backend] = map[*parsers.Hop]bool{}
			}
			owners[rt.Backend][h] = true
		}
	}
	// A blue/green pair's listeners forward to either target group of the pair, one
	// deployment after the other: each has the load balancers of both.
	swapped := map[*parsers.Backend]map[*parsers.Hop]bool{}
	for be, hs := range owners {
		for _, other := range append([]*parsers.Backend{be}, be.Swaps...) {
			if swapped[other] == nil {
				swapped[other] = map[*parsers.Hop]bool{}
			}
			for h := range hs {
				swapped[other][h] = true
			}
		}
	}
	for be, hs := range swapped {
		if len(hs) != 1 || be.KeepAliveIdle.Known() {
			continue
		}
		for h := range hs {
			if h.Kind == parsers.HopALB || h.Kind == parsers.HopCLB {
				be.KeepAliveIdle = h.ClientIdleTimeout
			}
		}
	}
}

// spotStrategy reads capacity provider strategy entries: true at the first FARGATE_SPOT
// entry that gets tasks (a weight or base above 0; both default to 0), unknown when an
// entry's provider or numbers cannot be known, else not set.
func spotStrategy(entries []*node) parsers.Setting[bool] {
	var out parsers.Setting[bool]
	for _, e := range entries {
		if e == nil {
			continue
		}
		cp := e.strSetting("capacity_provider", "", "")
		if !cp.Known() {
			out = parsers.Setting[bool]{Pos: cp.Pos, Text: cp.Text, Unknown: true}
			continue
		}
		if cp.Value != "FARGATE_SPOT" {
			continue
		}
		weight := e.intSetting("weight", 0, "ECS default weight 0")
		base := e.intSetting("base", 0, "ECS default base 0")
		if !weight.Known() || !base.Known() {
			out = parsers.Setting[bool]{Pos: cp.Pos, Text: cp.Text, Unknown: true}
			continue
		}
		if weight.Value > 0 || base.Value > 0 {
			return parsers.Set(true, cp.Pos, cp.Text)
		}
	}
	return out
}
