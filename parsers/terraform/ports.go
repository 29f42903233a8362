package terraform

import (
	"strconv"
	"strings"

	"github.com/no502/no502/parsers"
)

// tgPorts is what decides the ports a target group's requests go to: its own port
// (targets registered without one get it), its target type, and the registrations the
// run can see.
type tgPorts struct {
	port       parsers.Setting[int]
	protocol   string
	targetType parsers.Setting[string]
	regs       []parsers.TrafficPort
}

// noteTargetGroup records a target group's port, protocol and target type.
func (b *builder) noteTargetGroup(be *parsers.Backend, n *node, portAttr string) {
	b.tgPorts[be] = &tgPorts{
		port:       n.intSetting(portAttr, 0, ""),
		protocol:   strings.ToUpper(n.strSetting("protocol", "", "").Value),
		targetType: n.strSetting("target_type", "instance", "Terraform default target_type instance"),
	}
}

// register records targets registered with a target group on port (an attachment, an
// ECS service's container_port); a port not written means the target group's own.
func (b *builder) register(be *parsers.Backend, port parsers.Setting[int], from, workload string) {
	tg := b.tgPorts[be]
	if tg == nil {
		return
	}
	own := !port.Known() && !port.Unknown
	if own {
		port = tg.port
	}
	tg.regs = append(tg.regs, parsers.TrafficPort{Port: port, Protocol: tg.protocol, From: from, Workload: workload, GroupPort: own})
}

// trafficPorts sets each target group's TrafficPorts once every registration is read:
// the registrations' ports, or, with none in sight, the target group's own port for
// instance targets (an autoscaling group or a script registers instances on it). ip
// targets registered out of sight (an ECS service or a Kubernetes controller elsewhere)
// name their own port, so theirs is not known.
func (b *builder) trafficPorts() {
	for be, tg := range b.tgPorts {
		switch {
		case len(tg.regs) > 0:
			be.TrafficPorts = tg.regs
		case tg.targetType.Known() && tg.targetType.Value == "instance" && tg.port.Known():
			be.TrafficPorts = []parsers.TrafficPort{{Port: tg.port, Protocol: tg.protocol, GroupPort: true}}
		}
	}
}

// classicPorts reads an aws_elb's listeners: each sends requests to its instance_port.
// Listeners written as a dynamic block go to ports not known here.
func classicPorts(n *node) []parsers.TrafficPort {
	var out []parsers.TrafficPort
	if n.hasDynamic("listener") {
		out = append(out, parsers.TrafficPort{Port: parsers.Setting[int]{Unknown: true}, From: "dynamic listener"})
	}
	for _, l := range n.blocks["listener"] {
		port := l.intSetting("instance_port", 0, "")
		from := "listener"
		if lb := l.intSetting("lb_port", 0, ""); lb.Known() {
			from = "listener lb_port " + strconv.Itoa(lb.Value)
		}
		out = append(out, parsers.TrafficPort{Port: port, Protocol: strings.ToUpper(l.strSetting("instance_protocol", "", "").Value), From: from})
	}
	return out
}

// ecsTargetPort is the port ECS registers the tasks of service w on in target group be,
// for its load_balancer block lb (an aws_ecs_service block or an ecs module map entry),
// with the task's network mode. ip targets (awsvpc: each task has an address of its
// own) are registered on container_port. instance targets are the EC2 instance and the
// host port mapped to the container: in bridge network mode (the EC2 default) the
// portMapping's static hostPort, or a port Docker picks per task from the ephemeral range
// when hostPort is 0 or not written (unknown here); in host mode the container's port
// itself. ECS docs, "Use a Network Load Balancer" and "bridge network mode": the container
// "is registered ... as an instance ID and port combination", and with a static mapping of
// host port 80 to container port 3000 "you send traffic to port 80". A mapping or a target
// type the run cannot read gives an unknown port.
func (b *builder) ecsTargetPort(be *parsers.Backend, lb *node, w *parsers.Workload, networkMode parsers.Setting[string]) parsers.Setting[int] {
	port := lb.intSetting("container_port", 0, "")
	tg := b.tgPorts[be]
	if tg == nil || !port.Known() {
		return port
	}
	switch {
	case tg.targetType.Known() && tg.targetType.Value == "ip":
		return port
	case !tg.targetType.Known() || tg.targetType.Value != "instance":
		return parsers.Setting[int]{Pos: port.Pos, Unknown: true}
	}
	if networkMode.Known() && networkMode.Value == "host" {
		return port
	}
	name := lb.strSetting("container_name", "", "")
	for _, c := range w.Containers {
		if !name.Known() || c.Name != name.Value {
			continue
		}
		for _, cp := range c.Ports {
			if cp.Port == port.Value && cp.HostPort > 0 {
				return parsers.Set(cp.HostPort, cp.Pos, "hostPort "+strconv.Itoa(cp.HostPort)+" of container "+c.Name)
			}
		}
	}
	return parsers.Setting[int]{Pos: port.Pos, Unknown: true}
}
