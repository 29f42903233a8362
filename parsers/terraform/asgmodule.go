package terraform

import (
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/no502/no502/parsers"
)

// isASGModule recognises the terraform-aws-modules/autoscaling module from the registry
// or its GitHub source (its own autoscaling group, not a submodule).
func isASGModule(source string) bool {
	s := strings.TrimPrefix(source, "git::")
	s = strings.SplitN(s, "?", 2)[0]
	for _, scheme := range []string{"https://", "http://", "ssh://", "git@"} {
		s = strings.TrimPrefix(s, scheme)
	}
	s = strings.TrimPrefix(s, "registry.terraform.io/")
	s = strings.TrimSuffix(strings.ReplaceAll(s, "github.com:", "github.com/"), ".git")
	return s == "terraform-aws-modules/autoscaling/aws" || strings.HasSuffix(s, "github.com/terraform-aws-modules/terraform-aws-autoscaling")
}

// asgModule reads a call of the terraform-aws-modules/autoscaling module as the
// autoscaling group it creates (module.NAME): its inputs are the resource's arguments
// (min_size, max_size, desired_capacity and health_check_type pass through unchanged,
// null by default, so AWS's defaults apply as for aws_autoscaling_group), and it attaches
// the load balancers named by target_group_arns and load_balancers (v4 to v7), by
// traffic_source_identifier (v7) and by traffic_source_attachments (v8 on; type elbv2
// unless written). What scales the group: a non-empty scaling_policies or schedules
// input (the module creates an aws_autoscaling_policy or aws_autoscaling_schedule), or
// ignore_desired_capacity_changes = true (the module's second group ignores changes to
// desired_capacity: something outside Terraform owns the count). create = false (v5
// on) or create_asg = false (before) creates nothing.
func (b *builder) asgModule(c *call) {
	if !isASGModule(c.source) || !c.node.exists() {
		return
	}
	n := c.node
	for _, flag := range []string{"create", "create_asg"} {
		if v := n.boolSetting(flag, true, "module default"); v.Known() && !v.Value {
			return
		}
	}
	addr := "module." + c.name
	w := &parsers.Workload{Kind: parsers.AutoScalingGroup, Format: parsers.FormatTerraform, Name: addr, Pos: n.pos, Block: n.rng}
	w.MinReplicas = n.intSetting("min_size", 0, "")
	w.MaxReplicas = n.intSetting("max_size", 0, "")
	w.Replicas = n.intSetting("desired_capacity", 0, "")
	w.HealthCheckType = n.strSetting("health_check_type", "EC2", "AWS default health_check_type EC2")
	w.Scaler = asgModuleScaler(n)
	b.addWorkload(addr, w)

	refs := b.moduleTargetGroupRefs(exprOf(n.attr("target_group_arns")))
	refs = append(refs, b.mod.refs(exprOf(n.attr("load_balancers")))...)
	if a := n.attr("traffic_source_identifier"); a != nil && b.elbTrafficSource(n, "traffic_source_type") {
		refs = append(refs, b.mod.refs(a.Expr)...)
	}
	if list := n.objectAttr("traffic_source_attachments"); list != nil {
		for _, it := range list.items {
			if it.node == nil || !b.elbTrafficSource(it.node, "traffic_source_type") {
				continue
			}
			refs = append(refs, b.mod.refs(exprOf(it.node.attr("traffic_source_identifier")))...)
		}
	}
	for _, ref := range refs {
		if be := b.backends[ref]; be != nil {
			b.link(be, w)
			// An autoscaling group registers its instances on the target group's port.
			b.register(be, parsers.Setting[int]{}, addr, "")
		}
	}
}

// elbTrafficSource reports whether the traffic source type attribute of n names a load
// balancer the model holds: elbv2 (a target group, the module's default) or elb.
func (b *builder) elbTrafficSource(n *node, attr string) bool {
	t := n.strSetting(attr, "elbv2", "module default traffic source type elbv2")
	return t.Known() && (t.Value == "elbv2" || t.Value == "elb")
}

// moduleTargetGroupRefs is what a list of target groups refers to, as refs returns it,
// and for module.NAME.target_group_arns written whole (the terraform-aws-modules/alb
// output of v8 and before, a list of every target group of the call) each target group
// of that call.
func (b *builder) moduleTargetGroupRefs(expr hcl.Expression) []string {
	if expr == nil {
		return nil
	}
	refs := b.mod.refs(expr)
	for _, t := range expr.Variables() {
		if t.RootName() != "module" || len(t) != 3 {
			continue
		}
		call, ok1 := t[1].(hcl.TraverseAttr)
		out, ok2 := t[2].(hcl.TraverseAttr)
		if !ok1 || !ok2 || out.Name != "target_group_arns" {
			continue
		}
		prefix := "module." + call.Name + ".target_groups["
		var keys []string
		for k := range b.backends {
			if strings.HasPrefix(k, prefix) {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		refs = append(refs, keys...)
	}
	return refs
}

// asgModuleScaler says who sets the module's desired capacity: the module itself
// (scaling_policies, schedules), something outside Terraform
// (ignore_desired_capacity_changes), the Kubernetes cluster autoscaler (a tag key), or
// nothing the call says. An input the run cannot read may be any of them: unknown.
func asgModuleScaler(n *node) parsers.Setting[string] {
	if v := n.boolSetting("ignore_desired_capacity_changes", false, "module default"); v.Unknown {
		return parsers.Setting[string]{Pos: v.Pos, Unknown: true}
	} else if v.Explicit() && v.Value {
		return parsers.Setting[string]{Value: "something outside Terraform", Text: v.Text, Pos: v.Pos}
	}
	for _, in := range [][2]string{{"scaling_policies", "create_scaling_policy"}, {"schedules", "create_schedule"}} {
		a := n.attr(in[0])
		if a == nil {
			continue
		}
		if on := n.boolSetting(in[1], true, "module default"); on.Known() && !on.Value {
			continue
		}
		v, _, s := n.evalAttr(a)
		switch {
		case !v.IsWhollyKnown():
			return parsers.Setting[string]{Pos: s.Pos, Unknown: true}
		case v.IsNull() || !v.CanIterateElements() || v.LengthInt() == 0:
			continue
		}
		return parsers.Setting[string]{Value: "the " + in[0] + " of this module call", Text: s.Text, Pos: s.Pos}
	}
	for _, name := range []string{"tags", "autoscaling_group_tags"} {
		a := n.attr(name)
		if a == nil {
			continue
		}
		v, _, s := n.evalAttr(a)
		if !v.IsWhollyKnown() {
			return parsers.Setting[string]{Pos: s.Pos, Unknown: true}
		}
		for _, key := range tagKeys(v) {
			if strings.HasPrefix(key, clusterAutoscalerTag) {
				return parsers.Setting[string]{Value: "the Kubernetes cluster autoscaler", Text: "tag " + key, Pos: s.Pos}
			}
		}
	}
	return parsers.Setting[string]{}
}

// tagKeys lists the tag keys of a module's tags input: a map (v5 on), or a list of
// { key, value, propagate_at_launch } objects (v4 and before).
func tagKeys(v cty.Value) []string {
	if v.IsNull() || !v.CanIterateElements() {
		return nil
	}
	var keys []string
	for it := v.ElementIterator(); it.Next(); {
		k, el := it.Element()
		if v.Type().IsMapType() || v.Type().IsObjectType() {
			if s, ok := strVal(k); ok {
				keys = append(keys, s)
			}
			continue
		}
		if el.IsKnown() && !el.IsNull() && el.Type().IsObjectType() && el.Type().HasAttribute("key") {
			if s, ok := strVal(el.GetAttr("key")); ok {
				keys = append(keys, s)
			}
		}
	}
	return keys
}
