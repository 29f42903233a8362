package terraform

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/no502/no502/parsers"
)

// isALBModule recognises the terraform-aws-modules/alb module, the most used way to
// declare an ALB, from the registry or its GitHub source.
func isALBModule(source string) bool {
	s := strings.TrimPrefix(source, "registry.terraform.io/")
	s = strings.SplitN(s, "?", 2)[0]
	return s == "terraform-aws-modules/alb/aws" ||
		strings.HasSuffix(s, "github.com/terraform-aws-modules/terraform-aws-alb") ||
		strings.HasSuffix(s, "github.com/terraform-aws-modules/terraform-aws-alb.git")
}

// albModule maps the module's inputs to the model: idle_timeout to the hop,
// target_groups (a map since v9, a list before) to backends with their
// deregistration_delay and health_check, listeners (v9 listeners map, v8
// http_tcp_listeners/https_listeners) to routes.
func (b *builder) albModule(c *call) {
	n := c.node
	for _, flag := range []string{"create", "create_lb"} {
		if v := n.boolSetting(flag, true, "module default"); v.Known() && !v.Value {
			return
		}
	}
	addr := "module." + c.name
	typ := n.strSetting("load_balancer_type", "application", "module default load_balancer_type application")
	h := &parsers.Hop{Format: parsers.FormatTerraform, Name: addr, Pos: n.pos, Block: n.rng}
	switch {
	case !typ.Known():
		h.Kind = parsers.HopALB
		h.ClientIdleTimeout = parsers.Duration{Pos: typ.Pos, Text: typ.Text, Unknown: true}
	case typ.Value == "application":
		h.Kind = parsers.HopALB
		h.ClientIdleTimeout = n.secondsSetting("idle_timeout", 60*time.Second, idleDefault)
	case typ.Value == "network":
		h.Kind = parsers.HopNLB
	default:
		return
	}
	b.addHop(addr, h)

	// Target groups, keyed as references name them: target_groups["key"] (v9 map) or
	// target_groups[0] (v8 list, referenced as target_group_arns[0]).
	if tgs := n.mapEntries("target_groups"); tgs != nil {
		for _, it := range tgs.items {
			if it.node == nil {
				continue
			}
			it.node.alias("backend_protocol", "protocol")
			name := fmt.Sprintf("%s.target_groups[%s]", addr, it.key)
			be := &parsers.Backend{Kind: parsers.BackendTargetGroup, Name: name, Pos: it.pos, Block: it.node.rng}
			if tgName := it.node.strSetting("name", "", ""); tgName.Known() {
				be.CloudName = tgName.Value
			}
			be.DeregistrationDelay = it.node.secondsSetting("deregistration_delay", 300*time.Second, "AWS/Terraform default deregistration_delay 300s")
			be.ConnectionTermination = it.node.boolSetting("connection_termination", false, "")
			targetGroupKind(be, it.node)
			if it.node.attr("health_check") == nil || it.node.child("health_check") != nil {
				be.Health = targetGroupHealth(it.node, it.node.child("health_check"))
			}
			// v8 calls the port backend_port; v9 defaults it to the module's
			// default_port, which is not read: an entry without one has no known port.
			it.node.alias("backend_port", "port")
			b.noteTargetGroup(be, it.node, "port")
			b.addBackend(name, be)
		}
	}
	tgKey := func(obj *node, keyAttr string, quoted bool) *parsers.Backend {
		v, a, _ := obj.eval(keyAttr)
		if a == nil {
			return nil
		}
		if quoted {
			if s, ok := strVal(v); ok {
				return b.backends[fmt.Sprintf("%s.target_groups[%q]", addr, s)]
			}
			return nil
		}
		if i, ok := intVal(v); ok {
			return b.backends[fmt.Sprintf("%s.target_groups[%d]", addr, i)]
		}
		return nil
	}
	route := func(owner *node, path string, kind parsers.PathKind, be *parsers.Backend) {
		if be == nil {
			return
		}
		// No Block: the route's read timeout is the load balancer's idle_timeout, so a
		// fix edits the hop, and a finding about it points at that attribute.
		rt := &parsers.Route{Hop: h, Path: path, PathKind: kind, Pos: owner.pos, Backend: be}
		if h.Kind == parsers.HopALB {
			rt.ReadTimeout = h.ClientIdleTimeout
		}
		h.Routes = append(h.Routes, rt)
	}
	// forwards lists the target groups an action object (or listener) forwards to.
	forwards := func(act *node) []*parsers.Backend {
		var out []*parsers.Backend
		if t := act.strSetting("type", "", ""); !t.Known() || t.Value == "forward" {
			out = append(out, tgKey(act, "target_group_key", true))
		}
		if fw := act.child("forward"); fw != nil {
			out = append(out, tgKey(fw, "target_group_key", true))
		}
		if wf := act.child("weighted_forward"); wf != nil {
			if list := wf.objectAttr("target_groups"); list != nil {
				for _, it := range list.items {
					if it.node != nil {
						out = append(out, tgKey(it.node, "target_group_key", true))
					}
				}
			}
		}
		return out
	}

	// v9: listeners = { key = { forward = {...}, rules = { key = { actions, conditions } } } }
	if ls := n.objectAttr("listeners"); ls != nil {
		for _, l := range ls.items {
			if l.node == nil {
				continue
			}
			for _, be := range forwards(l.node) {
				route(l.node, "/", "prefix", be)
			}
			rules := l.node.objectAttr("rules")
			if rules == nil {
				continue
			}
			for _, r := range rules.items {
				if r.node == nil {
					continue
				}
				paths := modulePaths(r.node.objectAttr("conditions"), "path_pattern")
				if acts := r.node.objectAttr("actions"); acts != nil {
					for _, a := range acts.items {
						if a.node == nil {
							continue
						}
						for _, be := range forwards(a.node) {
							for _, p := range paths {
								route(r.node, p[0], parsers.PathKind(p[1]), be)
							}
						}
					}
				}
			}
		}
	}
	// v8: http_tcp_listeners / https_listeners = [{ target_group_index = 0 }]
	for _, attr := range []string{"http_tcp_listeners", "https_listeners"} {
		if ls := n.objectAttr(attr); ls != nil {
			for _, l := range ls.items {
				if l.node == nil {
					continue
				}
				if t := l.node.strSetting("action_type", "forward", "module default"); t.Known() && t.Value != "forward" {
					continue
				}
				route(l.node, "/", "prefix", tgKey(l.node, "target_group_index", false))
			}
		}
	}
	// v8: http_tcp_listener_rules / https_listener_rules = [{ actions = [{ type = "forward",
	// target_group_index = 1 }], conditions = [{ path_patterns = ["/api/*"] }] }]
	for _, attr := range []string{"http_tcp_listener_rules", "https_listener_rules"} {
		rs := n.objectAttr(attr)
		if rs == nil {
			continue
		}
		for _, r := range rs.items {
			if r.node == nil {
				continue
			}
			paths := v8Paths(r.node.objectAttr("conditions"))
			acts := r.node.objectAttr("actions")
			if acts == nil {
				continue
			}
			for _, a := range acts.items {
				if a.node == nil {
					continue
				}
				if t := a.node.strSetting("type", "forward", "module default"); !t.Known() || t.Value != "forward" {
					continue
				}
				be := tgKey(a.node, "target_group_index", false)
				for _, p := range paths {
					route(r.node, p[0], parsers.PathKind(p[1]), be)
				}
			}
		}
	}
}

// v8Paths reads the v8 module's conditions = [{ path_patterns = [...] }] into (path,
// kind) pairs; a rule without a path condition serves every path (as modulePaths
// reads the v9 form).
func v8Paths(conds *objList) [][2]string {
	var out [][2]string
	if conds == nil {
		return [][2]string{{"/", "prefix"}}
	}
	for _, c := range conds.items {
		if c.node == nil {
			continue
		}
		vals, a, ok := c.node.strList("path_patterns")
		if a == nil {
			continue
		}
		if !ok || len(vals) == 0 {
			out = append(out, [2]string{"", "regex"})
			continue
		}
		for _, v := range vals {
			p, k := routePath(v)
			out = append(out, [2]string{p, string(k)})
		}
	}
	if len(out) == 0 {
		out = [][2]string{{"/", "prefix"}}
	}
	return out
}

// modulePaths reads conditions = [{ path_pattern = { values = [...] } }] into (path,
// kind) pairs; no path condition means every path.
func modulePaths(conds *objList, key string) [][2]string {
	var out [][2]string
	if conds != nil {
		for _, c := range conds.items {
			if c.node == nil {
				continue
			}
			pp := c.node.child(key)
			if pp == nil {
				continue
			}
			vals, _, ok := pp.strList("values")
			if !ok || len(vals) == 0 {
				out = append(out, [2]string{"", "regex"})
				continue
			}
			for _, v := range vals {
				p, k := routePath(v)
				out = append(out, [2]string{p, string(k)})
			}
		}
	}
	if len(out) == 0 {
		out = [][2]string{{"/", "prefix"}}
	}
	return out
}

// objList is a map or list written as an expression (a module input), walked in its
// syntax so that each entry keeps its position.
type objList struct {
	items []objItem
}

type objItem struct {
	key  string // `"name"` for a map key (quoted), "0" for a list index
	pos  parsers.Pos
	node *node // the entry as a node when it is an object constructor
}

// objectAttr walks attribute name as written: an object or tuple constructor, or a
// reference to a local or a variable default holding one. nil when it is anything else
// (a function call, a for expression, JSON syntax).
func (n *node) objectAttr(name string) *objList {
	a := n.attr(name)
	if a == nil {
		return nil
	}
	expr, file := n.mod.resolveSyntax(a.Expr, n.file, 0)
	if expr == nil {
		return nil
	}
	out := &objList{}
	switch e := expr.(type) {
	case *hclsyntax.ObjectConsExpr:
		for _, it := range e.Items {
			key, ok := n.mod.keyString(it.KeyExpr)
			if !ok {
				continue
			}
			r := hcl.RangeBetween(it.KeyExpr.Range(), it.ValueExpr.Range())
			out.items = append(out.items, objItem{key: fmt.Sprintf("%q", key), pos: rangePos(file.Path, r), node: n.mod.objNode(it.ValueExpr, file, r)})
		}
	case *hclsyntax.TupleConsExpr:
		for i, el := range e.Exprs {
			out.items = append(out.items, objItem{key: fmt.Sprint(i), pos: rangePos(file.Path, el.Range()), node: n.mod.objNode(el, file, el.Range())})
		}
	default:
		return nil
	}
	return out
}

// mapEntries is objectAttr that also reads a map written as `merge(...)` of maps
// (target_groups = merge({ default = {...} }, { for k, v in local.services : ... })),
// as Terraform's merge does: a later argument's key replaces an earlier one's. The
// entries of an argument written as an object constructor (directly, or in a local or
// variable default) are read; an argument that is anything else is evaluated: its entries
// are not read (a for expression's entries share one constructor, per key), and the keys
// it holds replace those of the arguments before it. When its keys cannot be known, none
// of the entries before it is certain to survive: they are dropped. So every entry
// returned is the one Terraform uses under its key, read from where it is written, and an
// entry not read is simply absent (whatever names it links to nothing). nil when no entry
// is certain.
func (n *node) mapEntries(name string) *objList {
	a := n.attr(name)
	if a == nil {
		return nil
	}
	expr, exprFile := n.mod.resolveSyntax(a.Expr, n.file, 0)
	if fe, ok := expr.(*hclsyntax.ForExpr); ok {
		items, ok := n.mod.forEntries(fe, exprFile)
		if !ok || len(items) == 0 {
			return nil
		}
		return &objList{items: items}
	}
	call, ok := expr.(*hclsyntax.FunctionCallExpr)
	if !ok || call.Name != "merge" {
		out := n.objectAttr(name)
		if out != nil {
			// An entry written as merge() of objects (api = merge(local.base, {...})).
			if oc, ok := expr.(*hclsyntax.ObjectConsExpr); ok {
				_, file := n.mod.resolveSyntax(a.Expr, n.file, 0)
				for _, it := range oc.Items {
					key, ok := n.mod.keyString(it.KeyExpr)
					if !ok {
						continue
					}
					q := fmt.Sprintf("%q", key)
					for i := range out.items {
						if out.items[i].key == q && out.items[i].node == nil {
							r := hcl.RangeBetween(it.KeyExpr.Range(), it.ValueExpr.Range())
							out.items[i].node = n.mod.entryNode(it.ValueExpr, file, r)
						}
					}
				}
			}
		}
		return out
	}
	if call.ExpandFinal {
		return nil // merge(list...): which maps, and in what order, is a value
	}
	var items []objItem
	for _, arg := range call.Args {
		sub, file := n.mod.resolveSyntax(arg, n.file, 0)
		if oc, ok := sub.(*hclsyntax.ObjectConsExpr); ok {
			for _, it := range oc.Items {
				key, ok := n.mod.keyString(it.KeyExpr)
				if !ok {
					items = nil // an entry whose key is not known may replace any before it
					continue
				}
				q := fmt.Sprintf("%q", key)
				items = slices.DeleteFunc(items, func(o objItem) bool { return o.key == q })
				r := hcl.RangeBetween(it.KeyExpr.Range(), it.ValueExpr.Range())
				items = append(items, objItem{key: q, pos: rangePos(file.Path, r), node: n.mod.entryNode(it.ValueExpr, file, r)})
			}
			continue
		}
		if fe, ok := sub.(*hclsyntax.ForExpr); ok {
			if got, ok := n.mod.forEntries(fe, file); ok {
				for _, it := range got {
					items = slices.DeleteFunc(items, func(o objItem) bool { return o.key == it.key })
					items = append(items, it)
				}
				continue
			}
		}
		v := n.mod.value(arg)
		switch {
		case !v.IsKnown():
			items = nil
		case v.IsNull():
			// merge skips a null argument
		case v.Type().IsObjectType() || v.Type().IsMapType():
			for it := v.ElementIterator(); it.Next(); {
				k, _ := it.Element()
				q := fmt.Sprintf("%q", k.AsString())
				items = slices.DeleteFunc(items, func(o objItem) bool { return o.key == q })
			}
		default:
			items = nil
		}
	}
	if len(items) == 0 {
		return nil
	}
	return &objList{items: items}
}

// resolveSyntax follows `local.x` and `var.x` (to the expression its value came from) to
// the syntax that defines a value.
func (mod *module) resolveSyntax(expr hcl.Expression, file *parsers.File, depth int) (hclsyntax.Expression, *parsers.File) {
	if depth > 10 {
		return nil, nil
	}
	se, ok := expr.(*hclsyntax.ScopeTraversalExpr)
	if !ok {
		if s, ok := expr.(hclsyntax.Expression); ok {
			return s, file
		}
		return nil, nil
	}
	t := se.Traversal
	if len(t) != 2 {
		return nil, nil
	}
	a, ok := t[1].(hcl.TraverseAttr)
	if !ok {
		return nil, nil
	}
	switch t.RootName() {
	case "local":
		if l := mod.locals[a.Name]; l != nil {
			return mod.resolveSyntax(l.attr.Expr, l.file, depth+1)
		}
	case "var":
		if v := mod.vars[a.Name]; v != nil && v.expr != nil {
			if f := mod.m.File(v.src.File); f != nil {
				return mod.resolveSyntax(v.expr, f, depth+1)
			}
		}
	}
	return nil, nil
}

// objNode makes a node of an object constructor so module inputs read like blocks:
// each item is an attribute, each item holding an object is also a child "block".
func (mod *module) objNode(expr hclsyntax.Expression, file *parsers.File, owner hcl.Range) *node {
	oc, ok := expr.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return nil
	}
	n := &node{mod: mod, file: file, attrs: hcl.Attributes{}, blocks: map[string][]*node{}, dynamic: map[string]bool{}}
	n.pos = rangePos(file.Path, owner)
	r := oc.Range()
	n.rng = rangePos(file.Path, r)
	for _, it := range oc.Items {
		kv, diags := it.KeyExpr.Value(nil)
		if diags.HasErrors() || !kv.IsKnown() || kv.IsNull() || kv.Type() != cty.String {
			continue
		}
		name := kv.AsString()
		rng := hcl.RangeBetween(it.KeyExpr.Range(), it.ValueExpr.Range())
		n.attrs[name] = &hcl.Attribute{Name: name, Expr: it.ValueExpr, Range: rng, NameRange: it.KeyExpr.Range()}
		if sub, subFile := mod.resolveSyntax(it.ValueExpr, file, 0); sub != nil {
			if child := mod.objNode(sub, subFile, rng); child != nil {
				n.blocks[name] = append(n.blocks[name], child)
			}
		}
	}
	return n
}

// alias makes attribute from readable under name to when to is absent (the v8 module
// calls the target group protocol backend_protocol).
func (n *node) alias(from, to string) {
	if n.attrs[to] == nil && n.attrs[from] != nil {
		n.attrs[to] = n.attrs[from]
		if f := n.attrFiles[from]; f != nil {
			n.attrFiles[to] = f
		}
	}
}

// entryNode is objNode for an entry of a map input (target_groups) that may also be
// written as merge() of objects (mergeNode).
func (mod *module) entryNode(expr hclsyntax.Expression, file *parsers.File, owner hcl.Range) *node {
	if call, ok := expr.(*hclsyntax.FunctionCallExpr); ok && call.Name == "merge" {
		return mod.mergeNode(call, file, owner)
	}
	return mod.objNode(expr, file, owner)
}

// mergeNode reads an object written as merge() of objects (api = merge(local.base, {
// port = 8080 })) as Terraform's merge does: shallowly, an attribute of a later argument
// replacing the same attribute of an earlier one. Each attribute is read from where it is
// written. Only a merge whose result is certain is read: every argument is an object
// constructor, written in place or held by a local or a variable default, or the literal
// null (skipped), and the last one is written in place, so that what a fix adds to the
// entry goes into its own text, after everything it could replace. Anything else (a call,
// a for expression, a spread, a key that is not a known string) leaves the entry unread
// (nil). The constructors reached through a local or a variable are recorded as shared
// spans of their file (File.Shared): a fix inside one is a snippet, since whatever else
// reads that local would change with it.
func (mod *module) mergeNode(call *hclsyntax.FunctionCallExpr, file *parsers.File, owner hcl.Range) *node {
	if call.ExpandFinal || len(call.Args) == 0 {
		return nil
	}
	type part struct {
		node   *node
		file   *parsers.File
		shared bool
		oc     *hclsyntax.ObjectConsExpr
	}
	var parts []part
	for i, arg := range call.Args {
		if lit, ok := arg.(*hclsyntax.LiteralValueExpr); ok && lit.Val.IsNull() && i < len(call.Args)-1 {
			continue // merge skips a null argument
		}
		sub, subFile := mod.resolveSyntax(arg, file, 0)
		oc, ok := sub.(*hclsyntax.ObjectConsExpr)
		if !ok || subFile == nil {
			return nil
		}
		_, direct := arg.(*hclsyntax.ObjectConsExpr)
		if i == len(call.Args)-1 && !direct {
			return nil
		}
		for _, it := range oc.Items {
			kv, diags := it.KeyExpr.Value(nil)
			if diags.HasErrors() || !kv.IsKnown() || kv.IsNull() || kv.Type() != cty.String {
				return nil // a key that is not known may replace any attribute
			}
		}
		n := mod.objNode(oc, subFile, owner)
		if n == nil {
			return nil
		}
		parts = append(parts, part{node: n, file: subFile, shared: !direct, oc: oc})
	}
	last := parts[len(parts)-1].node
	n := &node{mod: mod, file: last.file, attrs: hcl.Attributes{}, blocks: map[string][]*node{}, dynamic: map[string]bool{}}
	n.pos = rangePos(file.Path, owner)
	n.rng = last.rng
	for _, pt := range parts {
		if pt.shared {
			span := rangePos(pt.file.Path, pt.oc.Range())
			if !slices.Contains(pt.file.Shared, span) {
				pt.file.Shared = append(pt.file.Shared, span)
			}
		}
		for name, a := range pt.node.attrs {
			n.attrs[name] = a
			n.blocks[name] = pt.node.blocks[name]
			if n.blocks[name] == nil {
				delete(n.blocks, name)
			}
			if pt.file != n.file {
				if n.attrFiles == nil {
					n.attrFiles = map[string]*parsers.File{}
				}
				n.attrFiles[name] = pt.file
			} else {
				delete(n.attrFiles, name)
			}
		}
	}
	return n
}

// forEntries reads the entries of a map written as a for expression (target_groups = {
// for name, svc in local.services : name => { port = svc.port, health_check = {...} } })
// when its result is certain: the collection is known (its elements and keys; the
// values inside an element may not be: { api = { path = var.p } } with var.p unset), every
// key is a known string and no two are equal, a condition (if) is known for every
// element, and the value is an object constructor. An attribute read from an unknown
// value is unknown (a rule says nothing of it), never absent: a nested object that is
// not a constructor (health_check = svc.hc) is not read as a block, so its defaults are
// never assumed (the caller skips it). Each entry is that constructor, its attributes evaluated with the
// element's key and value (node.bind). One constructor writes every entry, so its span
// is shared (File.Shared): a fix there is a snippet. ok is false when the result is not
// certain; the caller then reads none of it.
func (mod *module) forEntries(fe *hclsyntax.ForExpr, file *parsers.File) (items []objItem, ok bool) {
	if fe.KeyExpr == nil || fe.Group || file == nil {
		return nil, false
	}
	oc, isObj := fe.ValExpr.(*hclsyntax.ObjectConsExpr)
	if !isObj {
		return nil, false
	}
	coll := mod.value(fe.CollExpr)
	if !coll.IsKnown() || coll.IsNull() || !coll.CanIterateElements() {
		return nil, false
	}
	seen := map[string]bool{}
	for it := coll.ElementIterator(); it.Next(); {
		k, v := it.Element()
		bind := map[string]cty.Value{}
		if fe.KeyVar != "" {
			bind[fe.KeyVar] = k
		}
		bind[fe.ValVar] = v
		if fe.CondExpr != nil {
			c := mod.valueWith(fe.CondExpr, bind)
			if !c.IsWhollyKnown() || c.IsNull() || c.Type() != cty.Bool {
				return nil, false
			}
			if c.False() {
				continue
			}
		}
		key, known := strVal(mod.valueWith(fe.KeyExpr, bind))
		if !known || seen[key] {
			return nil, false // an unknown key may be any; a repeated one is an error
		}
		seen[key] = true
		r := oc.Range()
		node := mod.objNode(oc, file, r)
		if node == nil {
			return nil, false
		}
		bindAll(node, bind)
		shareOutside(node, file, oc.Range())
		items = append(items, objItem{key: fmt.Sprintf("%q", key), pos: rangePos(file.Path, r), node: node})
	}
	span := rangePos(file.Path, oc.Range())
	if len(items) > 0 && !slices.Contains(file.Shared, span) {
		file.Shared = append(file.Shared, span)
	}
	return items, true
}

// bindAll sets bind on n and the nodes nested in it.
func bindAll(n *node, bind map[string]cty.Value) {
	n.bind = bind
	for _, cs := range n.blocks {
		for _, c := range cs {
			bindAll(c, bind)
		}
	}
}

// shareOutside records as shared (File.Shared) the nested objects of n written outside
// r (health_check = local.hc in a for expression's constructor): every entry reads them.
func shareOutside(n *node, file *parsers.File, r hcl.Range) {
	for _, cs := range n.blocks {
		for _, c := range cs {
			if c.file != file || c.rng.Start() < r.Start.Byte || c.rng.End() > r.End.Byte {
				if !slices.Contains(c.file.Shared, c.rng) {
					c.file.Shared = append(c.file.Shared, c.rng)
				}
				continue
			}
			shareOutside(c, file, r)
		}
	}
}
