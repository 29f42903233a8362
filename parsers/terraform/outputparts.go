package terraform

import (
	"fmt"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/no502/no502/parsers"
)

// A local module's output often lists several target groups (value =
// [aws_lb_target_group.api.arn, aws_lb_target_group.web.arn]) and its caller picks one
// (module.alb.target_group_arns[0], element(module.alb.tg_arns, 1),
// module.alb.tg_arns["api"]). The output's target groups are recorded element by
// element where its value is written as a list or object constructor (outputParts), and
// a reference that picks an element links that element's target groups only. A pick
// that cannot be resolved (an index from a variable with no value, a key the
// constructor does not have, an output built some other way) links the output's target
// group only when it has exactly one: before, every target group of the output was
// linked to the service, which then read as "behind aws_lb_target_group.api,
// aws_lb_target_group.web" when only the first one was its.

// outputParts maps each element of an output written as a list or object constructor
// to the indices, in the output's list of target groups (exportOutputs), of those it
// names: "[0]" for the first element of a list, `["api"]` for key api of an object.
// nil when the output is written otherwise, or a key is not known.
func (mod *module) outputParts(expr hcl.Expression, all []*parsers.Backend) map[string][]int {
	index := func(e hcl.Expression) []int {
		var out []int
		add := func(be *parsers.Backend) {
			for i, b := range all {
				if b == be {
					out = append(out, i)
				}
			}
		}
		for _, ref := range mod.refs(e) {
			if be := mod.built[ref]; be != nil {
				add(be)
			}
		}
		for _, be := range mod.outputBackends(e, 0) {
			add(be)
		}
		return out
	}
	switch e := expr.(type) {
	case *hclsyntax.TupleConsExpr:
		parts := map[string][]int{}
		for i, el := range e.Exprs {
			parts[indexSel(i)] = index(el)
		}
		return parts
	case *hclsyntax.ObjectConsExpr:
		parts := map[string][]int{}
		for _, it := range e.Items {
			key := ""
			if kw, ok := it.KeyExpr.(*hclsyntax.ObjectConsKeyExpr); ok && !kw.ForceNonLiteral {
				key = hcl.ExprAsKeyword(kw.Wrapped) // a bare word: the key itself
			}
			if key == "" {
				k := mod.value(it.KeyExpr)
				if !k.IsWhollyKnown() || k.IsNull() || k.Type() != cty.String {
					return nil
				}
				key = k.AsString()
			}
			parts[keySel(key)] = index(it.ValueExpr)
		}
		return parts
	}
	return nil
}

func indexSel(i int) string  { return "[" + strconv.Itoa(i) + "]" }
func keySel(k string) string { return fmt.Sprintf("[%q]", k) }

// stepSel is the selector of one step of a traversal: an index ([0], ["k"]) or an
// attribute (.k, which picks the key k); "?" for any other step or an unknown index.
func stepSel(step hcl.Traverser) string {
	switch s := step.(type) {
	case hcl.TraverseIndex:
		return selOf(s.Key)
	case hcl.TraverseAttr:
		return keySel(s.Name)
	}
	return "?"
}

// selOf is the selector of a known index or key value; "?" when it is not known.
func selOf(v cty.Value) string {
	if !v.IsWhollyKnown() || v.IsNull() {
		return "?"
	}
	switch v.Type() {
	case cty.String:
		return keySel(v.AsString())
	case cty.Number:
		if i, ok := intVal(v); ok {
			return indexSel(i)
		}
	}
	return "?"
}

// picked returns the indices, in childOutputs[call][out], of the target groups a
// reference that picks sel of that output links: every one with no pick (""), the
// element's when the output's parts say, the only one otherwise, else none.
func (mod *module) picked(call, out, sel string) []int {
	all := mod.childOutputs[call][out]
	idx := make([]int, len(all))
	for i := range idx {
		idx[i] = i
	}
	if sel == "" {
		return idx
	}
	if parts, ok := mod.childParts[call][out]; ok && parts != nil && sel != "?" {
		if p, ok := parts[sel]; ok {
			return p
		}
		return nil
	}
	if len(all) == 1 {
		return idx
	}
	return nil
}

// outputPicks finds, in expr, the references to an output of a local module call that
// pick an element of it, by the range of the traversal: module.alb.arns[0] and
// module.alb.arns.api in the traversal itself, module.alb.arns[local.i] (an index
// expression), element(module.alb.arns, 1) and lookup(module.alb.arns, "api").
func (mod *module) outputPicks(expr hcl.Expression) map[hcl.Range]string {
	out := map[hcl.Range]string{}
	se, ok := expr.(hclsyntax.Expression)
	if !ok {
		return out
	}
	isOutput := func(e hclsyntax.Expression) (*hclsyntax.ScopeTraversalExpr, bool) {
		tr, ok := e.(*hclsyntax.ScopeTraversalExpr)
		return tr, ok && len(tr.Traversal) == 3 && tr.Traversal.RootName() == "module"
	}
	_ = hclsyntax.VisitAll(se, func(n hclsyntax.Node) hcl.Diagnostics {
		switch e := n.(type) {
		case *hclsyntax.ScopeTraversalExpr:
			t := e.Traversal
			if len(t) >= 4 && t.RootName() == "module" {
				out[e.SrcRange] = stepSel(t[3])
			}
		case *hclsyntax.IndexExpr:
			if tr, ok := isOutput(e.Collection); ok {
				out[tr.SrcRange] = selOf(mod.value(e.Key))
			}
		case *hclsyntax.RelativeTraversalExpr:
			if tr, ok := isOutput(e.Source); ok && len(e.Traversal) > 0 {
				out[tr.SrcRange] = stepSel(e.Traversal[0])
			}
		case *hclsyntax.SplatExpr:
			if tr, ok := isOutput(e.Source); ok {
				out[tr.SrcRange] = "" // every element
			}
		case *hclsyntax.FunctionCallExpr:
			if len(e.Args) == 0 {
				return nil
			}
			if tr, ok := isOutput(e.Args[0]); ok {
				switch e.Name {
				case "element", "lookup":
					if len(e.Args) >= 2 {
						out[tr.SrcRange] = selOf(mod.value(e.Args[1]))
					}
				case "concat", "flatten", "values", "tolist", "toset", "compact", "distinct", "sort":
					// every element
				default:
					out[tr.SrcRange] = "?"
				}
			}
		}
		return nil
	})
	return out
}
