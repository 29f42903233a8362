package terraform

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// refs lists the resources (and module outputs) expr refers to, by address:
// "aws_lb_target_group.app" for aws_lb_target_group.app.arn, and
// `module.alb.target_groups["api"]` / "module.alb" for outputs of a module call.
// References through locals are followed, so `local.tg_arn` reaches the resource the
// local names. These references are the links of the model: they never need a value.
func (mod *module) refs(expr hcl.Expression) []string {
	if expr == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	mod.collectRefs(expr, seen, &out, 0)
	return out
}

func (mod *module) collectRefs(expr hcl.Expression, seen map[string]bool, out *[]string, depth int) {
	if depth > 20 {
		return
	}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			*out = append(*out, s)
		}
	}
	// element(module.alb.target_group_arns, 0): the v8 terraform-aws-modules/alb output
	// indexed with a function, as callers of that era (ecs-blueprints) write it; the same
	// target group as target_group_arns[0].
	if call, ok := expr.(*hclsyntax.FunctionCallExpr); ok && call.Name == "element" && len(call.Args) == 2 {
		if tr, ok := call.Args[0].(*hclsyntax.ScopeTraversalExpr); ok && len(tr.Traversal) == 3 && tr.Traversal.RootName() == "module" {
			name, ok1 := tr.Traversal[1].(hcl.TraverseAttr)
			output, ok2 := tr.Traversal[2].(hcl.TraverseAttr)
			idx, known := intVal(mod.value(call.Args[1]))
			if ok1 && ok2 && output.Name == "target_group_arns" && known && idx >= 0 && len(mod.childOutputs[name.Name][output.Name]) == 0 {
				add(fmt.Sprintf("module.%s.target_groups[%d]", name.Name, idx))
				return
			}
		}
	}
	var picks map[hcl.Range]string
	for _, t := range expr.Variables() {
		if len(t) < 2 {
			continue
		}
		a, ok := t[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		root := t.RootName()
		switch {
		case root == "var":
			if v := mod.vars[a.Name]; v != nil {
				for i := range v.backends {
					add(varBackendKey(a.Name, i))
				}
			}
		case root == "local":
			if l := mod.locals[a.Name]; l != nil && !seen["local."+a.Name] {
				seen["local."+a.Name] = true
				mod.collectRefs(l.attr.Expr, seen, out, depth+1)
			}
		case root == "module":
			base := "module." + a.Name
			if len(t) >= 3 {
				// An output of a local call, once built (buildFinish): module.lb.tg_arn.
				if o, ok := t[2].(hcl.TraverseAttr); ok {
					if len(mod.childOutputs[a.Name][o.Name]) > 0 && picks == nil {
						picks = mod.outputPicks(expr)
					}
					for _, i := range mod.picked(a.Name, o.Name, picks[t.SourceRange()]) {
						add(childOutputKey(a.Name, o.Name, i))
					}
					for i := range mod.childWorkloads[a.Name][o.Name] {
						add(childWorkloadKey(a.Name, o.Name, i))
					}
				}
			}
			if len(t) >= 4 {
				out2, _ := t[2].(hcl.TraverseAttr)
				idx, isIdx := t[3].(hcl.TraverseIndex)
				switch {
				case !isIdx || !idx.Key.IsKnown() || idx.Key.IsNull():
				case out2.Name == "target_groups" && idx.Key.Type() == cty.String:
					// v9 of terraform-aws-modules/alb: target_groups["key"].arn
					add(fmt.Sprintf("%s.target_groups[%q]", base, idx.Key.AsString()))
					continue
				case out2.Name == "target_group_arns" && idx.Key.Type() == cty.Number:
					// v8: target_group_arns[0]
					add(fmt.Sprintf("%s.target_groups[%s]", base, idx.Key.AsBigFloat().Text('f', -1)))
					continue
				}
			}
			add(base)
		case resourceSchemas[root] != nil:
			add(root + "." + a.Name)
		}
	}
}

func exprOf(a *hcl.Attribute) hcl.Expression {
	if a == nil {
		return nil
	}
	return a.Expr
}

// varBackendKey names the i-th target group or load balancer variable name carries from
// another local module call's output (module.outputBackends), as refs returns it.
func varBackendKey(name string, i int) string {
	return fmt.Sprintf("var.%s#%d", name, i)
}

// childOutputKey names the i-th target group or load balancer output out of the local
// module call named call names (module.exportOutputs), as refs returns it.
func childOutputKey(call, out string, i int) string {
	return fmt.Sprintf("module.%s.%s#%d", call, out, i)
}

// childWorkloadKey names the i-th service or group output out of the local module call
// named call names (module.exportOutputs), as refs returns it.
func childWorkloadKey(call, out string, i int) string {
	return fmt.Sprintf("module.%s.%s@%d", call, out, i)
}
