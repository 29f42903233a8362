package caddy

import (
	"strings"

	"github.com/no502/no502/parsers"
)

// Directive is one logical line of a Caddyfile and, when the line ends in "{", the block
// that follows. The same shape serves every level: a site block is a Directive whose
// Tokens are its addresses, the global options block one with no Tokens, a snippet one
// whose only token is "(name)".
type Directive struct {
	// Tokens are the line's tokens, without the block's "{".
	Tokens   []Token
	Block    []*Directive
	HasBlock bool
	Open     parsers.Pos // the "{", when HasBlock
	Close    parsers.Pos // the "}", when HasBlock and closed
	// Pos spans the directive from its first token (or "{") to its last token or "}".
	Pos parsers.Pos
	// Imported lists, for a directive copied in by an import (of a snippet or a file),
	// the import directives that brought it, innermost first. Positions stay those of
	// the text as written, in the snippet or imported file.
	Imported []parsers.Pos
}

// Name returns the first token's text ("" for the global options block).
func (d *Directive) Name() string {
	if len(d.Tokens) == 0 {
		return ""
	}
	return d.Tokens[0].Text
}

// NameTok returns the first token, or a token at the "{" for the global options block.
func (d *Directive) NameTok() Token {
	if len(d.Tokens) == 0 {
		return Token{Text: "{", Raw: "{", Pos: d.Open}
	}
	return d.Tokens[0]
}

// Args returns the tokens after the name.
func (d *Directive) Args() []Token {
	if len(d.Tokens) < 2 {
		return nil
	}
	return d.Tokens[1:]
}

// Arg returns the text of argument i (0 is the first after the name), or "".
func (d *Directive) Arg(i int) string {
	if i+1 < len(d.Tokens) {
		return d.Tokens[i+1].Text
	}
	return ""
}

// Text returns the directive's line as written, single-spaced, for messages
// ("lb_try_duration 5s"); a block is shown as "{ … }".
func (d *Directive) Text() string {
	var parts []string
	for _, t := range d.Tokens {
		parts = append(parts, t.Raw)
	}
	if d.HasBlock {
		parts = append(parts, "{ … }")
	}
	return strings.Join(parts, " ")
}

// Find returns the first child directive named name, or nil.
func (d *Directive) Find(name string) *Directive {
	for _, c := range d.Block {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

// File is one parsed Caddyfile. Directives are its top-level lines as written: imports
// are not expanded here (see Parse), so the tree maps one-to-one onto the text.
type File struct {
	Path       string
	Src        []byte
	Directives []*Directive
	Comments   []Comment
}

// At returns the directive (at any depth) whose first token starts at byte offset off.
func (f *File) At(offset int) *Directive {
	off := int32(offset)
	var walk func(ds []*Directive) *Directive
	walk = func(ds []*Directive) *Directive {
		for _, d := range ds {
			if len(d.Tokens) > 0 && d.Tokens[0].Pos.Offset == off || len(d.Tokens) == 0 && d.Open.Offset == off && d.HasBlock {
				return d
			}
			if d.HasBlock && d.Pos.Offset <= off && off < d.Pos.EndOffset {
				if r := walk(d.Block); r != nil {
					return r
				}
			}
		}
		return nil
	}
	return walk(f.Directives)
}

// parser groups tokens into directives and blocks.
type parser struct {
	toks     []Token
	i        int
	diags    []parsers.Diag
	maxDepth int
	tooDeep  bool
}

// ParseFile parses one file's text into its directive tree. path is the display path
// used in positions. It never follows imports. Syntax errors are positioned diagnostics;
// the tree holds what could be read.
func ParseFile(path string, src []byte, opts ...parsers.Options) (*File, []parsers.Diag) {
	var o parsers.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	f := &File{Path: path, Src: src}
	if bad := binaryOffset(src); bad >= 0 {
		return f, []parsers.Diag{parsers.Errorf(parsers.CharAt(path, src, bad), "binary or non-UTF-8 file")}
	}
	toks, comments, diags := Lex(path, src)
	f.Comments = comments
	p := &parser{toks: toks, maxDepth: o.Depth()}
	f.Directives = p.block(0, true)
	return f, append(diags, p.diags...)
}

// block reads directives until a "}" closing this level (consumed by the caller) or the
// end of input.
func (p *parser) block(depth int, top bool) []*Directive {
	var out []*Directive
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		if t.IsClose() {
			if top {
				p.diags = append(p.diags, parsers.Errorf(t.Pos, `unexpected "}": no block is open`))
				p.i++
				continue
			}
			return out
		}
		out = append(out, p.directive(depth, top))
		if p.tooDeep {
			return out
		}
	}
	return out
}

// directive reads one logical line and its block.
func (p *parser) directive(depth int, top bool) *Directive {
	d := &Directive{}
	first := p.toks[p.i]
	line := first.Line
	d.Pos = first.Pos
	// The line's tokens are consecutive in p.toks: d.Tokens is that stretch of it, its
	// capacity cut at its end so that nothing appended to it can write over the next
	// token (a copy per directive was a third of a parse's allocations).
	start := p.i
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		if t.Line != line && !(top && continuesKeys(d.Tokens, t)) {
			break
		}
		if t.IsClose() {
			break // "respond 200 }" closes the enclosing block
		}
		p.i++
		if t.IsOpen() {
			d.HasBlock, d.Open = true, t.Pos
			break
		}
		d.Tokens = p.toks[start:p.i:p.i]
		line = t.Line
		d.Pos = span(d.Pos, t.Pos)
	}
	// A site block may open its brace on the next line ("example.com\n{").
	if !d.HasBlock && top && len(d.Tokens) > 0 && p.i < len(p.toks) && p.toks[p.i].IsOpen() && p.toks[p.i].Line != line &&
		(p.i+1 >= len(p.toks) || p.toks[p.i+1].Line != p.toks[p.i].Line) {
		d.HasBlock, d.Open = true, p.toks[p.i].Pos
		p.i++
	}
	if !d.HasBlock {
		return d
	}
	d.Pos = span(d.Pos, d.Open)
	if p.i < len(p.toks) && p.toks[p.i].Line == int(d.Open.Line) && !p.toks[p.i].IsClose() {
		p.diags = append(p.diags, parsers.Errorf(p.toks[p.i].Pos, "unexpected token %q after '{' on the same line", p.toks[p.i].Text))
	}
	if depth+1 > p.maxDepth {
		p.diags = append(p.diags, parsers.Errorf(d.Open, "blocks nested deeper than %s; the rest of the file is not read", parsers.Plural(p.maxDepth, "level", "levels")))
		p.tooDeep = true
		p.i = len(p.toks)
		return d
	}
	d.Block = p.block(depth+1, false)
	if p.tooDeep {
		return d
	}
	if p.i < len(p.toks) && p.toks[p.i].IsClose() {
		d.Close = p.toks[p.i].Pos
		d.Pos = span(d.Pos, d.Close)
		p.i++
		return d
	}
	p.diags = append(p.diags, parsers.Errorf(d.Open, `block opened here is never closed: missing "}"`))
	if n := len(p.toks); n > 0 {
		d.Pos = span(d.Pos, p.toks[n-1].Pos)
	}
	return d
}

// continuesKeys reports whether t continues a top-level line of site addresses split
// after a comma ("a.example.com,\n b.example.com {").
func continuesKeys(keys []Token, t Token) bool {
	if len(keys) == 0 || t.IsOpen() || t.IsClose() {
		return false
	}
	last := keys[len(keys)-1]
	return !last.Quoted && strings.HasSuffix(last.Text, ",") || !t.Quoted && strings.HasPrefix(t.Text, ",")
}

// span returns a position from the start of a to the end of b.
func span(a, b parsers.Pos) parsers.Pos {
	a.EndLine, a.EndCol, a.EndOffset = b.EndLine, b.EndCol, b.EndOffset
	return a
}
