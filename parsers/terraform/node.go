package terraform

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

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
	mod      *module
	file     *parsers.File
	json     bool
	attrs    hcl.Attributes
	blocks   map[string][]*node
	dynamic  map[string]bool
	pos      parsers.Pos // the block header (DefRange)
	rng      parsers.Pos // the whole block, braces included (native syntax only)
	body     hcl.Body
	syntaxed *hclsyntax.Body
}

// open reads block b of file sf through schema s (nil reads every attribute, for module
// calls whose inputs are arbitrary).
func (mod *module) open(sf *srcFile, b *hcl.Block, s *schema) *node {
	n := &node{mod: mod, file: sf.f, json: sf.json, body: b.Body, blocks: map[string][]*node{}, dynamic: map[string]bool{}}
	n.pos = rangePos(sf.f.Path, b.DefRange)
	if sb, ok := b.Body.(*hclsyntax.Body); ok {
		n.syntaxed = sb
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
	for _, cb := range content.Blocks {
		if cb.Type == "dynamic" {
			if len(cb.Labels) > 0 {
				n.dynamic[cb.Labels[0]] = true
			}
			continue
		}
		n.blocks[cb.Type] = append(n.blocks[cb.Type], mod.open(sf, cb, s.blocks[cb.Type]))
	}
	return n
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
