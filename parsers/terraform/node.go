package terraform

import (
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/no502/no502/parsers"
)

// schema names the attributes and nested blocks read from a block. Terraform's own
// schemas come from provider binaries we do not load; these explicit ones are what makes
// .tf.json nested blocks (health_check, load_balancer) read as blocks, not attributes.
type schema struct {
	attrs  []string
	blocks map[string]*schema
}

func (s *schema) hcl() *hcl.BodySchema {
	bs := &hcl.BodySchema{}
	if s == nil {
		return bs
	}
	for _, a := range s.attrs {
		bs.Attributes = append(bs.Attributes, hcl.AttributeSchema{Name: a})
	}
	types := make([]string, 0, len(s.blocks))
	for t := range s.blocks {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		bs.Blocks = append(bs.Blocks, hcl.BlockHeaderSchema{Type: t})
	}
	// A dynamic block generates nested blocks we cannot expand; knowing it is there
	// keeps rules from reading the defaults of a block that may well exist.
	bs.Blocks = append(bs.Blocks, hcl.BlockHeaderSchema{Type: "dynamic", LabelNames: []string{"name"}})
	return bs
}

// node is one block read through a schema, with its positions.
type node struct {
	mod     *module
	file    *parsers.File
	json    bool
	attrs   hcl.Attributes
	blocks  map[string][]*node
	dynamic map[string]bool
	// dynamicForEach holds each dynamic block's for_each by block type (nil when not
	// written), for hasDynamic to evaluate once the variables are known.
	dynamicForEach map[string][]hcl.Expression
	// dynamicOnce holds, for a block type written as exactly one dynamic block whose
	// content does not read the iterator, that content: the one block Terraform
	// generates, as written, when its for_each is one element (dynamicOne).
	dynamicOnce map[string]*node
	pos         parsers.Pos // the block header (DefRange)
	rng         parsers.Pos // the whole block, braces included (native syntax only)
	body        hcl.Body
	syntaxed    *hclsyntax.Body
	// ignored names the attributes and nested blocks of this block that the resource's
	// lifecycle.ignore_changes lists ("*": every one, in a nested block it lists): code
	// sets them when the resource is created, and the live value is managed elsewhere
	// (Application Auto Scaling's desired_count, a console change), so they read as
	// unknown. Terraform would not apply a fix there either.
	ignored map[string]bool
	// attrFiles names, for an attribute written in another file than the node (an entry
	// read from merge(local.base, {...}), whose local is in locals.tf), that file.
	attrFiles map[string]*parsers.File
	// bind holds the names a for expression sets for the element this node was built
	// for (an entry of target_groups = { for k, v in local.svcs : k => {...} }): its
	// attributes are evaluated with them.
	bind map[string]cty.Value
}

// override merges o, the same block in an override file, into n (applyOverride): each
// attribute of o replaces n's, read from o's file; each nested block type o writes
// (or generates with a dynamic block) replaces every block of that type in n; a
// lifecycle's ignore_changes replaces n's.
func (n *node) override(o *node) {
	if n == nil || o == nil {
		return
	}
	if n.attrs == nil {
		n.attrs = hcl.Attributes{}
	}
	for name, a := range o.attrs {
		n.attrs[name] = a
		if o.file != n.file {
			if n.attrFiles == nil {
				n.attrFiles = map[string]*parsers.File{}
			}
			n.attrFiles[name] = o.file
		} else {
			delete(n.attrFiles, name)
		}
	}
	types := map[string]bool{}
	for t := range o.blocks {
		types[t] = true
	}
	for t := range o.dynamic {
		types[t] = true
	}
	for t := range types {
		n.blocks[t] = o.blocks[t]
		delete(n.dynamic, t)
		delete(n.dynamicForEach, t)
		delete(n.dynamicOnce, t)
		if o.dynamic[t] {
			n.dynamic[t] = true
			if f, ok := o.dynamicForEach[t]; ok {
				if n.dynamicForEach == nil {
					n.dynamicForEach = map[string][]hcl.Expression{}
				}
				n.dynamicForEach[t] = f
			}
			if one, ok := o.dynamicOnce[t]; ok {
				if n.dynamicOnce == nil {
					n.dynamicOnce = map[string]*node{}
				}
				n.dynamicOnce[t] = one
			}
		}
	}
	if o.ignored != nil {
		n.ignored = o.ignored
	}
}

// ignores reports whether attribute or block name of n is in ignore_changes.
func (n *node) ignores(name string) bool {
	return n != nil && (n.ignored["*"] || n.ignored[name])
}

// ignoreChanges reads the names that the lifecycle block of resource body b lists in
// ignore_changes (native syntax; the first step of each traversal: health_check for
// health_check[0].matcher). ignore_changes = all is left alone: reading every attribute,
// the resource's name and port included, as unknown would also unlink it.
func ignoreChanges(b *hclsyntax.Body) map[string]bool {
	var out map[string]bool
	for _, lb := range b.Blocks {
		if lb.Type != "lifecycle" {
			continue
		}
		a := lb.Body.Attributes["ignore_changes"]
		if a == nil {
			continue
		}
		exprs, diags := hcl.ExprList(a.Expr)
		if diags.HasErrors() {
			continue
		}
		for _, e := range exprs {
			name := ""
			if t, d := hcl.RelTraversalForExpr(e); !d.HasErrors() && len(t) > 0 {
				if r, ok := t[0].(hcl.TraverseAttr); ok {
					name = r.Name
				}
			}
			if name == "" {
				// The quoted form of Terraform 0.11 ("desired_count"), still accepted.
				if v, d := e.Value(nil); !d.HasErrors() && v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
					name, _, _ = strings.Cut(v.AsString(), ".")
					name, _, _ = strings.Cut(name, "[")
				}
			}
			if name != "" {
				if out == nil {
					out = map[string]bool{}
				}
				out[name] = true
			}
		}
	}
	return out
}

// ignoresAll reports whether resource n's lifecycle block writes ignore_changes = all.
func ignoresAll(n *node) bool {
	if n == nil || n.syntaxed == nil {
		return false
	}
	for _, lb := range n.syntaxed.Blocks {
		if lb.Type != "lifecycle" {
			continue
		}
		a := lb.Body.Attributes["ignore_changes"]
		if a == nil {
			continue
		}
		if hcl.ExprAsKeyword(a.Expr) == "all" {
			return true
		}
	}
	return false
}

// open reads block b of file sf through schema s (nil reads every attribute, for module
// calls whose inputs are arbitrary).
func (mod *module) open(sf *srcFile, b *hcl.Block, s *schema) *node {
	n := &node{mod: mod, file: sf.f, json: sf.json, body: b.Body, blocks: map[string][]*node{}, dynamic: map[string]bool{}}
	n.pos = rangePos(sf.f.Path, b.DefRange)
	if sb, ok := b.Body.(*hclsyntax.Body); ok {
		n.syntaxed = sb
		if b.Type == "resource" {
			n.ignored = ignoreChanges(sb)
		}
		n.rng = rangePos(sf.f.Path, hcl.RangeBetween(b.DefRange, sb.SrcRange))
		n.pos.EndLine, n.pos.EndCol, n.pos.EndOffset = int32(sb.SrcRange.End.Line), int32(sb.SrcRange.End.Column), int32(sb.SrcRange.End.Byte)
	}
	if s == nil {
		if n.syntaxed != nil {
			n.attrs = hcl.Attributes{}
			for name, a := range n.syntaxed.Attributes {
				n.attrs[name] = a.AsHCLAttribute()
			}
		} else {
			n.attrs, _ = b.Body.JustAttributes()
		}
		return n
	}
	content, _, _ := b.Body.PartialContent(s.hcl())
	if content == nil {
		return n
	}
	n.attrs = content.Attributes
	dynCount := map[string]int{}
	for _, cb := range content.Blocks {
		if cb.Type == "dynamic" {
			if len(cb.Labels) > 0 {
				label := cb.Labels[0]
				n.dynamic[label] = true
				if n.dynamicForEach == nil {
					n.dynamicForEach = map[string][]hcl.Expression{}
				}
				var forEach hcl.Expression
				if dc, _, _ := cb.Body.PartialContent(dynamicSchema); dc != nil && dc.Attributes["for_each"] != nil {
					forEach = dc.Attributes["for_each"].Expr
				}
				n.dynamicForEach[label] = append(n.dynamicForEach[label], forEach)
				dynCount[label]++
				if c := mod.dynamicContent(sf, cb, s.blocks[label]); c != nil && dynCount[label] == 1 {
					if n.ignores(label) {
						c.ignored = map[string]bool{"*": true}
					}
					if n.dynamicOnce == nil {
						n.dynamicOnce = map[string]*node{}
					}
					n.dynamicOnce[label] = c
				} else {
					delete(n.dynamicOnce, label)
				}
			}
			continue
		}
		c := mod.open(sf, cb, s.blocks[cb.Type])
		if n.ignores(cb.Type) {
			c.ignored = map[string]bool{"*": true}
		}
		n.blocks[cb.Type] = append(n.blocks[cb.Type], c)
	}
	return n
}

var dynamicSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "for_each"}, {Name: "iterator"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "content"}},
}

// hasDynamic reports whether dynamic blocks may generate blocks of type t: one is written
// whose for_each is not a known empty collection. A known empty one (the
// `for_each = var.x == null ? [] : [1]` of an optional block, with x null) generates
// nothing, as if not written. Evaluated when asked: variables are known only once the
// module is read, and per call.
func (n *node) hasDynamic(t string) bool {
	if !n.dynamic[t] {
		return false
	}
	exprs, ok := n.dynamicForEach[t]
	if !ok {
		return true
	}
	for _, e := range exprs {
		if e == nil {
			return true
		}
		v := n.mod.value(e)
		if !v.IsWhollyKnown() || v.IsNull() {
			return true
		}
		ty := v.Type()
		if !(ty.IsListType() || ty.IsSetType() || ty.IsTupleType() || ty.IsMapType() || ty.IsObjectType()) || v.LengthInt() > 0 {
			return true
		}
	}
	return false
}

// dynamicOne returns the one block of type t a dynamic block generates: its content
// (dynamicOnce) when its for_each is a known collection of one element. The for_each is
// evaluated when asked, as in hasDynamic: the block is read before the variables have
// their values, and a module's are set per call. nil otherwise.
func (n *node) dynamicOne(t string) *node {
	c := n.dynamicOnce[t]
	if c == nil || len(n.dynamicForEach[t]) != 1 || n.dynamicForEach[t][0] == nil {
		return nil
	}
	v := n.mod.value(n.dynamicForEach[t][0])
	if !v.IsWhollyKnown() || v.IsNull() || !(v.Type().IsListType() || v.Type().IsSetType() || v.Type().IsTupleType() || v.Type().IsMapType() || v.Type().IsObjectType()) || v.LengthInt() != 1 {
		return nil
	}
	return c
}

// dynamicContent returns the content of dynamic block b read through s when it can
// generate only blocks that do not depend on their element: the content reads neither
// the iterator nor anything unknown to us (a nested dynamic block). How many it
// generates is dynamicOne's question. nil otherwise.
func (mod *module) dynamicContent(sf *srcFile, b *hcl.Block, s *schema) *node {
	if s == nil || sf.json {
		return nil
	}
	content, _, diags := b.Body.PartialContent(dynamicSchema)
	if diags.HasErrors() || content == nil || content.Attributes["iterator"] != nil || len(content.Blocks) != 1 {
		return nil
	}
	if content.Attributes["for_each"] == nil {
		return nil
	}
	c := mod.open(sf, content.Blocks[0], s)
	iter := b.Labels[0]
	for _, a := range c.attrs {
		for _, t := range a.Expr.Variables() {
			if t.RootName() == iter {
				return nil
			}
		}
	}
	if len(c.dynamic) > 0 {
		return nil
	}
	return c
}

// child returns the first nested block of type t, or nil.
func (n *node) child(t string) *node {
	if n == nil || len(n.blocks[t]) == 0 {
		return nil
	}
	return n.blocks[t][0]
}

// attr returns the attribute name, or nil.
func (n *node) attr(name string) *hcl.Attribute {
	if n == nil {
		return nil
	}
	return n.attrs[name]
}
