// Package nginx reads nginx configuration into the shared model: a position-exact lexer
// and parser (every directive, argument and comment keeps file:line:col and byte
// offsets), include resolution as nginx does it, and a model builder that applies
// nginx's http → server → location inheritance and its documented defaults.
package nginx

import (
	"bytes"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/no502/no502/parsers"
)

// Directive is one nginx directive: a simple one ending in ';' or a block.
type Directive struct {
	Name    string
	NamePos parsers.Pos
	Args    []Arg
	// Block holds the children of a block directive; nil when there is no block (and for
	// *_by_lua_block, whose body is Lua, kept in Lua).
	Block    []*Directive
	HasBlock bool
	// Pos spans the directive from its name to its ';' or closing '}' (Offset/EndOffset
	// give the byte range for splicing).
	Pos   parsers.Pos
	Open  parsers.Pos // the '{', for blocks
	Close parsers.Pos // the '}', for blocks
	// Comment is a comment on the same line right after the directive ends (or right
	// after its '{'), without the '#' and surrounding spaces.
	Comment string
	File    string
	// Lua is the raw text between the braces of a *_by_lua_block.
	Lua string
	// Included lists, for an include directive, the files it pulled in, in the order
	// nginx reads them. Set by include resolution; nil when not followed.
	Included []*Config
}

// Arg is one argument of a directive.
type Arg struct {
	Value  string // what nginx sees: quotes removed, escapes applied
	Raw    string // as written, quotes included
	Pos    parsers.Pos
	Quoted bool
}

// Comment is one '#' comment.
type Comment struct {
	Text string // after '#', surrounding spaces trimmed
	Raw  string // as written, '#' included
	Pos  parsers.Pos
}

// Config is one parsed file.
type Config struct {
	Path       string
	Src        []byte
	Directives []*Directive
	Comments   []Comment
}

// Text returns the directive as a one-line string for messages: the name and the
// arguments as written, single-spaced ("proxy_read_timeout 180s").
func (d *Directive) Text() string {
	var b strings.Builder
	b.WriteString(d.Name)
	for _, a := range d.Args {
		b.WriteByte(' ')
		b.WriteString(a.Raw)
	}
	return b.String()
}

// Range returns the byte range of the whole directive in its file.
func (d *Directive) Range() parsers.Range {
	return parsers.Range{File: d.File, Start: d.Pos.Offset, End: d.Pos.EndOffset}
}

// Arg returns the value of argument i, or "".
func (d *Directive) Arg(i int) string {
	if i < len(d.Args) {
		return d.Args[i].Value
	}
	return ""
}

// maxDirectives bounds the AST of one file, so that a huge generated file costs bounded
// memory (about 600 bytes each); real configs have a few thousand directives.
const maxDirectives = 1 << 18

// maxErrors stops parsing a file that is not nginx at all (nginx stops at the first
// error; we go on to report a few, not millions).
const maxErrors = 50

// frame is an open block on the parser's explicit stack (no recursion, so nesting depth
// cannot overflow the goroutine stack).
type frame struct {
	dir      *Directive
	discard  bool // a block with no name: parsed for recovery, then dropped
	children []*Directive
}

// ParseFile parses one file's text. path is the display path used in positions. Only
// the first opts is used (MaxDepth). Includes are not followed here; see Resolve.
func ParseFile(path string, src []byte, opts ...parsers.Options) (*Config, []parsers.Diag) {
	var o parsers.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	cfg := &Config{Path: path, Src: src}
	if bad := binaryOffset(src); bad >= 0 {
		line, col := parsers.LineCol(src, bad)
		p := parsers.Pos{File: path, Line: line, Col: col, Offset: bad, EndLine: line, EndCol: col + 1, EndOffset: bad + 1}
		return cfg, []parsers.Diag{parsers.Error(p, "binary or non-UTF-8 file")}
	}
	p := &parser{lx: newLexer(path, string(src)), cfg: cfg, maxDepth: o.Depth()}
	p.run()
	diags := append(p.lx.diags, p.diags...)
	// Lexer and parser errors interleave; report them in file order.
	sort.SliceStable(diags, func(i, j int) bool { return diags[i].Pos.Offset < diags[j].Pos.Offset })
	return cfg, diags
}

// binaryOffset returns the offset of the first NUL byte or invalid UTF-8 sequence, or -1.
func binaryOffset(src []byte) int {
	if i := bytes.IndexByte(src, 0); i >= 0 {
		if j := invalidUTF8(src[:i]); j >= 0 {
			return j
		}
		return i
	}
	return invalidUTF8(src)
}

func invalidUTF8(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return -1
}

type parser struct {
	lx       *lexer
	cfg      *Config
	maxDepth int
	diags    []parsers.Diag

	stack   []*frame
	pending *Directive // a directive whose name (and maybe args) were read, not yet ended
	count   int
	// last is the directive whose terminator was the previous token, to attach a
	// trailing comment on the same line.
	last     *Directive
	lastLine int
}

func (p *parser) errorf(pos parsers.Pos, format string, args ...any) {
	p.diags = append(p.diags, parsers.Error(pos, format, args...))
}

// add appends d to the innermost open block (or the top level).
func (p *parser) add(d *Directive) {
	if n := len(p.stack); n > 0 {
		p.stack[n-1].children = append(p.stack[n-1].children, d)
		return
	}
	p.cfg.Directives = append(p.cfg.Directives, d)
}

func (p *parser) run() {
	for {
		if len(p.diags)+len(p.lx.diags) >= maxErrors {
			p.errorf(p.lx.end(p.lx.here()), "too many errors; the rest of the file is not read")
			p.unwind()
			return
		}
		t := p.lx.next()
		if t.kind != tComment && t.kind != tEOF {
			p.last = nil
		}
		switch t.kind {
		case tEOF:
			p.eof(t)
			return
		case tComment:
			p.comment(t)
		case tWord:
			if p.pending == nil {
				p.count++
				if p.count > maxDirectives {
					p.errorf(t.pos, "too many directives (more than %d); the rest of the file is not read", maxDirectives)
					p.unwind()
					return
				}
				p.pending = &Directive{Name: t.val, NamePos: t.pos, File: p.cfg.Path, Pos: t.pos}
				continue
			}
			p.pending.Args = append(p.pending.Args, Arg{Value: t.val, Raw: t.raw, Pos: t.pos, Quoted: t.quoted})
		case tSemi:
			d := p.pending
			if d == nil {
				p.errorf(t.pos, `unexpected ";"`)
				continue
			}
			p.pending = nil
			d.Pos = span(d.Pos, t.pos)
			p.add(d)
			p.last, p.lastLine = d, t.pos.EndLine
		case tOpen:
			if !p.open(t) {
				p.unwind()
				return
			}
		case tClose:
			p.close(t)
		}
	}
}

// span returns a position from the start of a to the end of b.
func span(a, b parsers.Pos) parsers.Pos {
	a.EndLine, a.EndCol, a.EndOffset = b.EndLine, b.EndCol, b.EndOffset
	return a
}

func (p *parser) comment(t token) {
	c := Comment{Raw: t.raw, Text: strings.TrimSpace(t.raw[1:]), Pos: t.pos}
	p.cfg.Comments = append(p.cfg.Comments, c)
	if p.last != nil && p.lastLine == t.pos.Line && p.last.Comment == "" {
		p.last.Comment = c.Text
	}
	p.last = nil
}

// open handles '{'. It returns false when parsing must stop (nesting too deep).
func (p *parser) open(t token) bool {
	d := p.pending
	p.pending = nil
	if d == nil {
		// nginx: unexpected "{". Parse the block anyway so the rest of the file is
		// read in step, then drop it.
		p.errorf(t.pos, `unexpected "{": a block needs a name (e.g. "server {")`)
		d = &Directive{File: p.cfg.Path, Pos: t.pos, NamePos: t.pos}
		if len(p.stack)+1 > p.maxDepth {
			p.errorf(t.pos, "blocks nested deeper than %d levels", p.maxDepth)
			return false
		}
		d.HasBlock, d.Open = true, t.pos
		p.stack = append(p.stack, &frame{dir: d, discard: true})
		return true
	}
	d.HasBlock, d.Open = true, t.pos
	if strings.HasSuffix(d.Name, "_by_lua_block") {
		body, closePos, ok := p.lx.luaBlock(t.pos)
		d.Lua, d.Close = body, closePos
		d.Pos = span(d.Pos, closePos)
		p.add(d)
		if ok {
			p.last, p.lastLine = d, closePos.EndLine
		}
		return true
	}
	if len(p.stack)+1 > p.maxDepth {
		p.errorf(d.NamePos, "blocks nested deeper than %d levels", p.maxDepth)
		return false
	}
	p.add(d)
	p.stack = append(p.stack, &frame{dir: d})
	p.last, p.lastLine = d, t.pos.EndLine
	return true
}

// close handles '}'.
func (p *parser) close(t token) {
	if d := p.pending; d != nil {
		p.pending = nil
		p.errorf(t.pos, `unexpected "}": directive %q is missing its terminating ";"`, d.Name)
		if n := len(d.Args); n > 0 {
			d.Pos = span(d.Pos, d.Args[n-1].Pos)
		}
		p.add(d)
	}
	n := len(p.stack)
	if n == 0 {
		p.errorf(t.pos, `unexpected "}": no block is open here`)
		return
	}
	f := p.stack[n-1]
	p.stack = p.stack[:n-1]
	f.dir.Close = t.pos
	f.dir.Pos = span(f.dir.Pos, t.pos)
	if f.discard {
		return
	}
	f.dir.Block = f.children
	if f.dir.Block == nil {
		f.dir.Block = []*Directive{}
	}
	p.last, p.lastLine = f.dir, t.pos.EndLine
}

func (p *parser) eof(t token) {
	if d := p.pending; d != nil {
		p.pending = nil
		if !p.lx.fatal {
			p.errorf(d.NamePos, `unexpected end of file: directive %q is missing its terminating ";"`, d.Name)
		}
		if n := len(d.Args); n > 0 {
			d.Pos = span(d.Pos, d.Args[n-1].Pos)
		}
		p.add(d)
	}
	if n := len(p.stack); n > 0 && !p.lx.fatal {
		d := p.stack[n-1].dir
		name := d.Name
		if name == "" {
			name = "{"
		}
		p.errorf(d.NamePos, `unexpected end of file: block %q is not closed (missing "}")`, name)
	}
	p.unwindTo(t.pos)
}

// unwind closes every open block at the current position after a fatal error, so the
// directives read so far stay in the tree.
func (p *parser) unwind() {
	p.pending = nil
	p.unwindTo(p.lx.here())
}

func (p *parser) unwindTo(at parsers.Pos) {
	for n := len(p.stack); n > 0; n = len(p.stack) {
		f := p.stack[n-1]
		p.stack = p.stack[:n-1]
		f.dir.Pos = span(f.dir.Pos, p.lx.end(at))
		if !f.discard {
			f.dir.Block = f.children
			if f.dir.Block == nil {
				f.dir.Block = []*Directive{}
			}
		}
	}
}
