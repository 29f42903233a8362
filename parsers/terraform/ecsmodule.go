package terraform

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/appserver"
)

// ecsModuleDefault prefixes the defaults of the terraform-aws-modules/ecs service module
// (modules/service/variables.tf and modules/container-definition, v5 and v6), which
// differ from aws_ecs_service's: desired_count 1 (not 0), autoscaling on with a floor of
// 1 task, minimum healthy 66% (not 100), stopTimeout 120s (not 30s), launch type FARGATE.
const ecsModuleDefault = "terraform-aws-modules/ecs default"

// ecsModuleKind recognises the terraform-aws-modules/ecs module from the registry or its
// GitHub source: "service" for its modules/service submodule, "root" for the module
// itself (whose services map holds service definitions), "" for anything else.
func ecsModuleKind(source string) string {
	s := strings.TrimPrefix(source, "git::")
	s = strings.SplitN(s, "?", 2)[0]
	for _, scheme := range []string{"https://", "http://", "ssh://", "git@"} {
		s = strings.TrimPrefix(s, scheme)
	}
	s = strings.TrimPrefix(s, "registry.terraform.io/")
	base, sub, _ := strings.Cut(s, "//")
	base = strings.TrimSuffix(strings.ReplaceAll(base, "github.com:", "github.com/"), ".git")
	if base != "terraform-aws-modules/ecs/aws" && !strings.HasSuffix(base, "github.com/terraform-aws-modules/terraform-aws-ecs") {
		return ""
	}
	switch strings.Trim(sub, "/") {
	case "":
		return "root"
	case "modules/service":
		return "service"
	}
	return ""
}

// ecsModule maps a call of the terraform-aws-modules/ecs module: the service submodule
// is one ECS service; the root module holds one per entry of its services map.
func (b *builder) ecsModule(c *call) {
	addr := "module." + c.name
	switch ecsModuleKind(c.source) {
	case "service":
		b.ecsModuleService(addr, c.node)
	case "root":
		if v := c.node.boolSetting("create", true, "module default"); v.Known() && !v.Value {
			return
		}
		svcs := c.node.objectAttr("services")
		if svcs == nil {
			return
		}
		for _, it := range svcs.items {
			if it.node != nil {
				b.ecsModuleService(fmt.Sprintf("%s.services[%s]", addr, it.key), it.node)
			}
		}
	}
}

// ecsModuleService reads one service of the module (its call, or an entry of the root
// module's services map) as an ECS service workload, with the module's defaults.
func (b *builder) ecsModuleService(addr string, n *node) {
	for _, flag := range []string{"create", "create_service"} {
		if v := n.boolSetting(flag, true, "module default"); v.Known() && !v.Value {
			return
		}
	}
	w := &parsers.Workload{Kind: parsers.ECSService, Format: parsers.FormatTerraform, Name: addr, Pos: n.pos, Block: n.rng, ECSModule: true}
	sched := n.strSetting("scheduling_strategy", "REPLICA", ecsModuleDefault+" scheduling_strategy REPLICA")
	w.Scheduling = sched
	if sched.Known() && sched.Value == "REPLICA" {
		w.Replicas = n.intSetting("desired_count", 1, ecsModuleDefault+" desired_count 1")
		// The module always ignores changes to desired_count and, unless
		// enable_autoscaling = false, lets Application Auto Scaling own the count
		// between autoscaling_min_capacity and autoscaling_max_capacity.
		switch auto := n.boolSetting("enable_autoscaling", true, ecsModuleDefault+" enable_autoscaling true"); {
		case !auto.Known():
			w.MinReplicas = parsers.Setting[int]{Pos: auto.Pos, Text: auto.Text, Unknown: true}
		case auto.Value:
			w.MinReplicas = n.intSetting("autoscaling_min_capacity", 1, ecsModuleDefault+" autoscaling_min_capacity 1 (autoscaling is on by default)")
			w.MaxReplicas = n.intSetting("autoscaling_max_capacity", 10, ecsModuleDefault+" autoscaling_max_capacity 10")
		}
	}
	w.MinHealthyPercent = n.intSetting("deployment_minimum_healthy_percent", 66, ecsModuleDefault+" deployment_minimum_healthy_percent 66")
	w.MaxPercent = n.intSetting("deployment_maximum_percent", 200, ecsModuleDefault+" deployment_maximum_percent 200")
	switch dc, known := n.objectValue("deployment_controller"); {
	case !known:
		w.Strategy = parsers.Setting[string]{Unknown: true}
	case dc != nil:
		w.Strategy = dc.strSetting("type", "ECS", "ECS default deployment controller ECS (rolling update)")
	default:
		w.Strategy = parsers.Def("ECS", "ECS default deployment controller ECS (rolling update)")
	}
	switch dc, known := n.objectValue("deployment_configuration"); {
	case !known:
		w.Strategy = ecsDeployStrategy(w.Strategy, parsers.Setting[string]{Unknown: true})
	case dc != nil:
		w.Strategy = ecsDeployStrategy(w.Strategy, dc.strSetting("strategy", "ROLLING", "ECS default deployment strategy ROLLING"))
	}
	switch cb, known := n.objectValue("deployment_circuit_breaker"); {
	case !known:
		w.CircuitBreaker = parsers.Setting[bool]{Unknown: true}
		w.Rollback = parsers.Setting[bool]{Unknown: true}
	case cb != nil:
		w.CircuitBreaker = cb.boolSetting("enable", false, "")
		w.Rollback = cb.boolSetting("rollback", false, "")
	default:
		w.CircuitBreaker = parsers.Def(false, "ECS default: no deployment circuit breaker")
		w.Rollback = parsers.Def(false, "ECS default: no deployment circuit breaker")
	}
	w.LaunchType = n.strSetting("launch_type", "FARGATE", ecsModuleDefault+" launch_type FARGATE")
	w.Discovery = ecsModuleDiscovery(n)
	if a := n.attr("capacity_provider_strategy"); a != nil {
		if list := n.objectAttr("capacity_provider_strategy"); list != nil {
			var entries []*node
			for _, it := range list.items {
				entries = append(entries, it.node)
			}
			w.Spot = spotStrategy(entries)
		} else if v, _, _ := n.eval("capacity_provider_strategy"); !v.IsKnown() || !v.IsNull() {
			w.Spot = parsers.Setting[bool]{Pos: rangePos(n.file.Path, a.Range), Unknown: true}
		}
	}

	// load_balancer = { key = { target_group_arn, container_name, container_port } } (a
	// list of such objects in older versions). A value the run cannot walk (merge(),
	// a variable without a default) links nothing, as an unresolved target group of
	// aws_ecs_service does.
	lbs := n.objectAttr("load_balancer")
	serving := map[string]bool{}
	if lbs != nil {
		for _, it := range lbs.items {
			if it.node == nil {
				continue
			}
			if name := it.node.strSetting("container_name", "", ""); name.Known() {
				serving[name.Value] = true
			}
		}
	}
	containers, stop := b.moduleContainers(addr, n)
	for _, c := range containers {
		if len(serving) == 0 || serving[c.Name] {
			w.Containers = append(w.Containers, c)
		}
	}
	w.TerminationGrace = stop
	b.addWorkload(addr, w)
	mode := n.strSetting("network_mode", "awsvpc", ecsModuleDefault+" network_mode awsvpc")
	if lbs != nil {
		for _, it := range lbs.items {
			if it.node == nil {
				continue
			}
			refs := b.mod.refs(exprOf(it.node.attr("target_group_arn")))
			refs = append(refs, b.mod.refs(exprOf(it.node.attr("elb_name")))...)
			for _, ref := range refs {
				if be := b.backends[ref]; be != nil {
					b.link(be, w)
					// ECS registers the module's tasks as it does aws_ecs_service's.
					b.register(be, b.ecsTargetPort(be, it.node, w, mode), addr, addr)
					reachContainer(be, it.node.strSetting("container_name", "", ""))
				}
			}
		}
	}
}

// moduleContainers reads the module's container_definitions map (container name →
// the container's inputs, snake_case in v5 and the API's camelCase in v6) into the
// model's containers, and the longest stopTimeout among them (the module's default is
// 120s). A map the run cannot walk gives no containers and a note.
func (b *builder) moduleContainers(addr string, n *node) ([]*parsers.Container, parsers.Duration) {
	stop := parsers.Def(120*time.Second, ecsModuleDefault+" stopTimeout 120s")
	a := n.attr("container_definitions")
	if a == nil {
		return nil, stop
	}
	defs := n.objectAttr("container_definitions")
	if defs == nil {
		b.mod.m.Diags = append(b.mod.m.Diags, parsers.Notef(rangePos(n.file.Path, a.Range),
			"container_definitions of %s are built from values this run cannot walk: its containers (app server, stopTimeout, health check) are not checked", addr))
		return nil, parsers.Duration{Unknown: true}
	}
	var out []*parsers.Container
	for _, it := range defs.items {
		cn := it.node
		if cn == nil {
			continue
		}
		for _, p := range [][2]string{{"entryPoint", "entrypoint"}, {"health_check", "healthCheck"}, {"stop_timeout", "stopTimeout"}, {"port_mappings", "portMappings"}} {
			cn.alias(p[0], p[1])
		}
		name, _ := strconv.Unquote(it.key)
		if v := cn.strSetting("name", "", ""); v.Known() {
			name = v.Value
		}
		c := &parsers.Container{Name: name, Pos: it.pos, Env: map[string]parsers.Setting[string]{}}
		if img := cn.strSetting("image", "", ""); img.Known() {
			c.Image = img.Value
		}
		entry, entryPos := cn.strListPos("entrypoint")
		cmd, cmdPos := cn.strListPos("command")
		if _, a, ok := cn.strList("command"); a != nil && !ok {
			// Written as something the run cannot read (a variable without a value): it
			// may hold any flag, so it is an open word as "${EXTRA}" in a command line is,
			// and the server's options after it are not guessed.
			cmd, cmdPos = []string{"${command}"}, []parsers.Pos{rangePos(cn.file.Path, a.Range)}
		}
		c.Command, c.Args = entry, cmd
		c.ArgPos = append(append([]parsers.Pos(nil), entryPos...), cmdPos...)
		moduleEnv(cn, c)
		containerEnvSources(cn, c, "environmentFiles", "environment_files")
		if ports := cn.objectAttr("portMappings"); ports != nil {
			for _, p := range ports.items {
				if p.node == nil {
					c.PortsUnknown = true
					continue
				}
				port := p.node.intSetting("containerPort", 0, "")
				proto := p.node.strSetting("protocol", "", "")
				host := p.node.intSetting("hostPort", 0, "")
				if !port.Known() || host.Unknown {
					// Read as unknown: rules that compare ports stay silent about it.
					c.PortsUnknown = true
					continue
				}
				c.Ports = append(c.Ports, parsers.ContainerPort{Port: port.Value, HostPort: host.Value, Protocol: strings.ToUpper(proto.Value), Pos: p.pos})
			}
		} else if cn.attr("portMappings") != nil {
			c.PortsUnknown = true
		}
		hc := cn.child("healthCheck")
		if hc == nil {
			hc = cn.child("health_check")
		}
		if hc != nil {
			if cmd, pos := hc.strListPos("command"); ecsHealthCommand(cmd) != nil {
				c.Liveness = &parsers.Probe{Pos: pos[len(pos)-1], Handler: "exec", Command: ecsHealthCommand(cmd)}
			}
		}
		st := cn.secondsSetting("stopTimeout", 120*time.Second, ecsModuleDefault+" stopTimeout 120s")
		c.StopTimeout = st
		switch {
		case len(out) == 0 || st.Unknown:
			stop = st
		case stop.Unknown:
		case st.Value > stop.Value || (st.Value == stop.Value && st.Explicit()):
			stop = st
		}
		c.App = appserver.Detect(c)
		out = append(out, c)
	}
	return out, stop
}

// objectValue returns attribute name as a node when it is written as an object (a
// module input such as deployment_controller = { type = "ECS" }); known is false when
// it is written but cannot be walked (a variable, a function call), and the node is nil
// when it is absent or null.
func (n *node) objectValue(name string) (*node, bool) {
	a := n.attr(name)
	if a == nil {
		return nil, true
	}
	if c := n.child(name); c != nil {
		return c, true
	}
	expr, file := n.mod.resolveSyntax(a.Expr, n.file, 0)
	if expr == nil {
		return nil, false
	}
	if lit, ok := expr.(*hclsyntax.LiteralValueExpr); ok && lit.Val.IsNull() {
		return nil, true
	}
	if c := n.mod.objNode(expr, file, a.Range); c != nil {
		return c, true
	}
	return nil, false
}

// strListPos evaluates a list of strings with the position of each element: the
// element as written when the list is a literal, else the attribute's. nil when the
// attribute is absent or any element is unknown.
func (n *node) strListPos(name string) ([]string, []parsers.Pos) {
	vals, a, ok := n.strList(name)
	if a == nil || !ok || len(vals) == 0 {
		return nil, nil
	}
	pos := make([]parsers.Pos, len(vals))
	at := rangePos(n.file.Path, a.Range)
	for i := range pos {
		pos[i] = at
	}
	if expr, file := n.mod.resolveSyntax(a.Expr, n.file, 0); expr != nil {
		if t, ok := expr.(*hclsyntax.TupleConsExpr); ok && len(t.Exprs) == len(vals) {
			for i, e := range t.Exprs {
				pos[i] = rangePos(file.Path, e.Range())
			}
		}
	}
	return vals, pos
}

// keyString evaluates an object key: a literal, or an expression of locals and
// variables such as (local.container_name).
func (mod *module) keyString(e hcl.Expression) (string, bool) {
	if kv, diags := e.Value(nil); !diags.HasErrors() {
		return strVal(kv)
	}
	return strVal(mod.value(e))
}

// moduleEnv reads a module container's environment ([{ name, value }]). A list of object
// constructors is walked in its syntax, each variable at its entry; anything else
// (concat(local.common, [...]), a for expression, a variable, an entry that is a
// reference) is evaluated, each variable at the attribute. What cannot be evaluated may
// set any variable (GUNICORN_CMD_ARGS, UVICORN_TIMEOUT_KEEP_ALIVE), so the container's
// environment is then unknown (EnvUnknownFrom): the app server's options are not guessed.
func moduleEnv(cn *node, c *parsers.Container) {
	a := cn.attr("environment")
	if a == nil {
		return
	}
	if env := cn.objectAttr("environment"); env != nil && !slices.ContainsFunc(env.items, func(e objItem) bool { return e.node == nil }) {
		for _, e := range env.items {
			k, v := e.node.strSetting("name", "", ""), e.node.strSetting("value", "", "")
			if !k.Known() {
				c.EnvUnknownFrom = e.pos
				continue
			}
			if v.Known() {
				c.Env[k.Value] = parsers.Set(v.Value, e.pos, k.Value+"="+v.Value)
			} else {
				c.Env[k.Value] = parsers.Setting[string]{Pos: e.pos, Text: k.Value + "=…", Unknown: true}
			}
		}
		return
	}
	val, _, s := cn.evalAttr(a)
	if !val.IsKnown() || val.IsNull() || !(val.Type().IsListType() || val.Type().IsTupleType() || val.Type().IsSetType()) {
		c.EnvUnknownFrom = s.Pos
		return
	}
	for it := val.ElementIterator(); it.Next(); {
		_, el := it.Element()
		if !el.IsKnown() || el.IsNull() || !(el.Type().IsObjectType() || el.Type().IsMapType()) {
			c.EnvUnknownFrom = s.Pos
			continue
		}
		field := func(name string) (string, bool) {
			if el.Type().IsObjectType() {
				if !el.Type().HasAttribute(name) {
					return "", false
				}
				return strVal(el.GetAttr(name))
			}
			if !el.HasIndex(cty.StringVal(name)).True() {
				return "", false
			}
			return strVal(el.Index(cty.StringVal(name)))
		}
		k, ok := field("name")
		if !ok {
			c.EnvUnknownFrom = s.Pos
			continue
		}
		if v, ok := field("value"); ok {
			c.Env[k] = parsers.Set(v, s.Pos, k+"="+v)
		} else {
			c.Env[k] = parsers.Setting[string]{Pos: s.Pos, Text: k + "=…", Unknown: true}
		}
	}
}

// containerEnvSources reads the environment a container gets from sources no502 cannot
// read: secrets (Secrets Manager or SSM: each named variable is set, with a value no502
// cannot know; a list it cannot walk may set any) and the env files named by fileKeys (S3
// .env files: any variable; environment's own win, ECS).
func containerEnvSources(cn *node, c *parsers.Container, fileKeys ...string) {
	if sec := cn.objectAttr("secrets"); sec != nil {
		for _, e := range sec.items {
			k := parsers.Setting[string]{}
			if e.node != nil {
				k = e.node.strSetting("name", "", "")
			}
			if k.Known() {
				c.Env[k.Value] = parsers.Setting[string]{Pos: e.pos, Text: k.Value + " (secrets valueFrom)", Unknown: true}
			} else {
				c.EnvUnknownFrom = e.pos // a name no502 cannot read: any variable
			}
		}
	}
	if a := cn.attr("secrets"); a != nil && cn.objectAttr("secrets") == nil {
		c.EnvUnknownFrom = rangePos(cn.file.Path, a.Range) // concat(...), a variable: any name
	}
	for _, name := range fileKeys {
		if a := cn.attr(name); a != nil {
			c.EnvUnknownFrom = rangePos(cn.file.Path, a.Range)
		}
	}
}

// ecsModuleDiscovery is ecsDiscovery for a service of the terraform-aws-modules/ecs
// module: its service_registries input (null by default) and the service entries of its
// service_connect_configuration input. An input the run cannot walk is unknown.
func ecsModuleDiscovery(n *node) parsers.Setting[string] {
	var ways []string
	if a := n.attr("service_registries"); a != nil {
		v, _, _ := n.eval("service_registries")
		switch {
		case !v.IsWhollyKnown():
			return parsers.Setting[string]{Unknown: true}
		case !v.IsNull() && v.LengthInt() > 0:
			ways = append(ways, "Cloud Map")
		}
	}
	if a := n.attr("service_connect_configuration"); a != nil {
		v, _, _ := n.eval("service_connect_configuration")
		switch {
		case !v.IsWhollyKnown():
			return parsers.Setting[string]{Unknown: true}
		case v.IsNull() || !(v.Type().IsObjectType() || v.Type().IsMapType()):
		case serviceConnectServes(v):
			ways = append(ways, "Service Connect")
		}
	}
	return parsers.Setting[string]{Value: strings.Join(ways, " and ")}
}

// serviceConnectServes reports whether a known service_connect_configuration value
// enables Service Connect (enabled defaults to true in the module) with a service entry.
func serviceConnectServes(v cty.Value) bool {
	if v.Type().IsObjectType() && v.Type().HasAttribute("enabled") {
		if en := v.GetAttr("enabled"); en.Type() == cty.Bool && !en.IsNull() && en.False() {
			return false
		}
	}
	if !v.Type().IsObjectType() || !v.Type().HasAttribute("service") {
		return false
	}
	svc := v.GetAttr("service")
	return !svc.IsNull() && svc.CanIterateElements() && svc.LengthInt() > 0
}
