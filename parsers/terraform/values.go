package terraform

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/no502/no502/parsers"
)

// origin is where an evaluated value came from besides the attribute itself: the
// variable defaults, tfvars lines and locals it read.
type origin struct {
	via   []parsers.Pos
	notes []string
	vars  []string // the variables read, once each
}

func (o *origin) add(pos parsers.Pos, note string) {
	for _, p := range o.via {
		if p == pos {
			return
		}
	}
	o.via = append(o.via, pos)
	o.notes = append(o.notes, note)
}

// originOf lists the variables and locals expr reads, with their values, for
// "var.lb_idle_timeout = 300 from its default, variables.tf:4".
func (mod *module) originOf(expr hcl.Expression, o *origin, depth int) {
	if depth > 20 {
		return
	}
	for _, t := range expr.Variables() {
		if len(t) < 2 {
			continue
		}
		a, ok := t[1].(hcl.TraverseAttr)
		if !ok {
			continue
		}
		switch t.RootName() {
		case "var":
			v := mod.vars[a.Name]
			if v == nil {
				continue
			}
			if !slices.Contains(o.vars, a.Name) {
				o.vars = append(o.vars, a.Name)
			}
			if !v.src.IsValid() {
				continue
			}
			o.add(v.src, fmt.Sprintf("var.%s = %s from %s, %s", a.Name, showValue(v.val), v.from, v.src.Short()))
		case "local":
			l := mod.locals[a.Name]
			if l == nil {
				continue
			}
			p := rangePos(l.file.Path, l.attr.Range)
			o.add(p, fmt.Sprintf("local.%s = %s, %s", a.Name, showValue(l.val), p.Short()))
			mod.originOf(l.attr.Expr, o, depth+1)
		}
	}
}

// showValue prints a known primitive as Terraform would write it; anything else as "…".
func showValue(v cty.Value) string {
	if !v.IsWhollyKnown() || v.IsNull() {
		return "(unknown)"
	}
	switch v.Type() {
	case cty.Number:
		return v.AsBigFloat().Text('f', -1)
	case cty.String:
		return fmt.Sprintf("%q", v.AsString())
	case cty.Bool:
		if v.True() {
			return "true"
		}
		return "false"
	}
	return "…"
}

// eval evaluates the attribute name of n: its value (unknown when it cannot be known),
// the attribute, and a template Setting carrying Pos, Text, Via and ViaNote.
func (n *node) eval(name string) (cty.Value, *hcl.Attribute, parsers.Setting[struct{}]) {
	a := n.attr(name)
	if a == nil {
		return cty.NilVal, nil, parsers.Setting[struct{}]{}
	}
	return n.evalAttr(a)
}

func (n *node) evalAttr(a *hcl.Attribute) (cty.Value, *hcl.Attribute, parsers.Setting[struct{}]) {
	v := n.mod.valueWith(a.Expr, n.bind)
	sep := " = "
	if n.json {
		sep = ": "
	}
	file := n.file
	if f := n.attrFiles[a.Name]; f != nil {
		file = f
	}
	s := parsers.Setting[struct{}]{Pos: rangePos(file.Path, a.Range), Text: attrText(file.Src, a.NameRange) + sep + attrText(file.Src, a.Expr.Range())}
	var o origin
	n.mod.originOf(a.Expr, &o, 0)
	if len(o.via) > 0 {
		s.Origin = &parsers.Origin{Via: o.via, Note: strings.Join(o.notes, "; "), PerCall: n.mod.perCall, Vars: o.vars}
	}
	if !v.IsWhollyKnown() || v.IsNull() || n.ignores(a.Name) {
		s.Unknown = true
	}
	return v, a, s
}

func retype[T any](s parsers.Setting[struct{}], v T) parsers.Setting[T] {
	return parsers.Setting[T]{Value: v, Pos: s.Pos, Text: s.Text, Unknown: s.Unknown, Origin: s.Origin}
}

// intVal converts a known value to an int (numbers, or strings holding one).
func intVal(v cty.Value) (int, bool) {
	if !v.IsWhollyKnown() || v.IsNull() {
		return 0, false
	}
	c, err := convert.Convert(v, cty.Number)
	if err != nil || c.IsNull() {
		return 0, false
	}
	f := c.AsBigFloat()
	if !f.IsInt() {
		return 0, false
	}
	i, acc := f.Int64()
	if acc != big.Exact || i > 1<<31 || i < -(1<<31) {
		return 0, false
	}
	return int(i), true
}

func strVal(v cty.Value) (string, bool) {
	if !v.IsWhollyKnown() || v.IsNull() {
		return "", false
	}
	c, err := convert.Convert(v, cty.String)
	if err != nil || c.IsNull() {
		return "", false
	}
	return c.AsString(), true
}

func boolVal(v cty.Value) (bool, bool) {
	if !v.IsWhollyKnown() || v.IsNull() {
		return false, false
	}
	c, err := convert.Convert(v, cty.Bool)
	if err != nil || c.IsNull() {
		return false, false
	}
	return c.True(), true
}

// intSetting reads an integer attribute; def (when defNote is set) applies when the
// attribute is absent or null (null means "use the default" in Terraform).
func (n *node) intSetting(name string, def int, defNote string) parsers.Setting[int] {
	v, a, s := n.eval(name)
	if a == nil || (v.IsKnown() && v.IsNull()) {
		if defNote == "" {
			return parsers.Setting[int]{}
		}
		if n.ignores(name) {
			return parsers.Setting[int]{Unknown: true} // the default only at creation
		}
		return parsers.Def(def, defNote)
	}
	i, ok := intVal(v)
	if !ok {
		s.Unknown = true
	}
	return retype(s, i)
}

// secondsSetting reads a number of seconds as a Duration.
func (n *node) secondsSetting(name string, def time.Duration, defNote string) parsers.Duration {
	i := n.intSetting(name, int(def/time.Second), defNote)
	return parsers.Duration{Value: time.Duration(i.Value) * time.Second, Pos: i.Pos, Text: i.Text, Default: i.Default, Unknown: i.Unknown, Origin: i.Origin}
}

func (n *node) strSetting(name string, def string, defNote string) parsers.Setting[string] {
	v, a, s := n.eval(name)
	if a == nil || (v.IsKnown() && v.IsNull()) {
		if defNote == "" {
			return parsers.Setting[string]{}
		}
		if n.ignores(name) {
			return parsers.Setting[string]{Unknown: true} // the default only at creation
		}
		return parsers.Def(def, defNote)
	}
	str, ok := strVal(v)
	if !ok {
		s.Unknown = true
	}
	return retype(s, str)
}

func (n *node) boolSetting(name string, def bool, defNote string) parsers.Setting[bool] {
	v, a, s := n.eval(name)
	if a == nil || (v.IsKnown() && v.IsNull()) {
		if defNote == "" {
			return parsers.Setting[bool]{}
		}
		if n.ignores(name) {
			return parsers.Setting[bool]{Unknown: true} // the default only at creation
		}
		return parsers.Def(def, defNote)
	}
	b, ok := boolVal(v)
	if !ok {
		s.Unknown = true
	}
	return retype(s, b)
}

// strList evaluates a list of strings; ok is false when any element is unknown.
func (n *node) strList(name string) ([]string, *hcl.Attribute, bool) {
	v, a, _ := n.eval(name)
	if a == nil {
		return nil, nil, true
	}
	if !v.IsWhollyKnown() || v.IsNull() || !(v.Type().IsListType() || v.Type().IsTupleType() || v.Type().IsSetType()) {
		if s, ok := strVal(v); ok {
			return []string{s}, a, true
		}
		return nil, a, false
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		s, ok := strVal(e)
		if !ok {
			return nil, a, false
		}
		out = append(out, s)
	}
	return out, a, true
}

// exists reports whether a resource block with count/for_each may create anything:
// false only when count is known to be 0 or for_each known to be empty.
func (n *node) exists() bool {
	if v, a, _ := n.eval("count"); a != nil {
		if i, ok := intVal(v); ok && i <= 0 {
			return false
		}
	}
	if v, a, _ := n.eval("for_each"); a != nil && v.IsWhollyKnown() && !v.IsNull() {
		if t := v.Type(); t.IsMapType() || t.IsObjectType() || t.IsSetType() || t.IsListType() || t.IsTupleType() {
			if v.LengthInt() == 0 {
				return false
			}
		}
	}
	return true
}
