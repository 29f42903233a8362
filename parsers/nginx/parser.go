// Package nginx reads nginx configuration into the shared model: a position-exact lexer
// and parser (every directive, argument and comment keeps file:line:col and byte
// offsets), include resolution as nginx does it, and a model builder that applies
// nginx's http → server → location inheritance and its documented defaults.
package nginx

import (
	"bytes"
	"math"
	"runtime"
	"sort"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/no502/no502/parsers"
)

// Directive is one nginx directive: a simple one ending in ';' or a block.
//
// Positions are kept as byte offsets into the file and turned into lines and columns on
// demand (Pos, NamePos, ArgPos): a large config has hundreds of thousands of directives,
// and full positions made the tree three times bigger.
type Directive struct {
	Name string
	Args []Arg
	// Block holds the children of a block directive; nil when there is no block (and for
	// *_by_lua_block, whose body is Lua, not nginx).
	Block []*Directive

	cfg *Config // the file the directive is in
	// Byte offsets in cfg.Src: the directive spans [start, end) from its name to its ';'
	// or closing '}'; its name ends at nameEnd. (Editing finds a block's braces and
	// comments with the lexer: lexBlock.)
	start, nameEnd, end int32
	HasBlock            bool
	// extra is set when cfg.extras holds included files for the directive; few have
	// any, so they are kept out of the struct.
	extra bool
}

// directiveExtra is what few directives have.
type directiveExtra struct {
	included []*Config
	// partial is set on an include that pulled in some of the files it names but not
	// all (some lie outside the linted paths, or could not be read).
	partial bool
}

// extras returns d's extra data, creating it when create is set.
func (d *Directive) extras(create bool) *directiveExtra {
	if !d.extra && !create {
		return nil
	}
	x := d.cfg.extras[d]
	if x == nil && create {
		if d.cfg.extras == nil {
			d.cfg.extras = map[*Directive]*directiveExtra{}
		}
		x = &directiveExtra{}
		d.cfg.extras[d], d.extra = x, true
	}
	return x
}

// Included lists, for an include directive, the files it pulled in, in the order nginx
// reads them. Set by include resolution; nil when not followed.
func (d *Directive) Included() []*Config {
	if x := d.extras(false); x != nil {
		return x.included
	}
	return nil
}

// Unread reports whether d is an include whose files were not all read: not followed
// (outside the linted paths, a stock file of the nginx package, a glob that matched
// nothing here, a variable), or followed only in part. What those files set is unknown.
func (d *Directive) Unread() bool {
	if d.Name != "include" || d.HasBlock {
		return false
	}
	x := d.extras(false)
	return x == nil || len(x.included) == 0 || x.partial
}

// Arg is one argument of a directive: what nginx sees is Directive.Arg(i), the text as
// written Directive.RawArg(i), its position Directive.ArgPos(i). It holds offsets only
// (a large config has hundreds of thousands of arguments); the value of a quoted or
// escaped argument, which differs from its text, is kept beside the tree.
type Arg struct {
	start, end int32
	Quoted     bool
	unescaped  bool // the value differs from the text as written: it is in Config.values
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

	text string // Src as the lexer read it; arguments and Text are slices of it
	// extras holds the included files of the include directives (include resolution
	// sets them).
	extras map[*Directive]*directiveExtra
	// values holds, by start offset, the arguments whose value differs from their text
	// (quotes removed, escapes applied).
	values map[int32]string
	lines  []int32 // byte offset of the start of every line, for positions
	bom    bool    // Src starts with a UTF-8 byte order mark, which takes no column
	// notUTF8: Src is not valid UTF-8 (see lexer.notUTF8).
	notUTF8 bool
}

// indexLines records where every line starts.
func (c *Config) indexLines() {
	c.lines = make([]int32, 1, 1+strings.Count(c.text, "\n"))
	for i, s := 0, c.text; ; {
		j := strings.IndexByte(s[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
		c.lines = append(c.lines, int32(i))
	}
	c.bom = strings.HasPrefix(c.text, "\xef\xbb\xbf")
}

// lineCol returns the 1-based line and rune column of byte offset off, counting as the
// lexer does.
func (c *Config) lineCol(off int32) (int32, int32) {
	n := sort.Search(len(c.lines), func(i int) bool { return c.lines[i] > off })
	if n == 0 {
		return 1, 1
	}
	ls := c.lines[n-1]
	if ls == 0 && c.bom {
		ls = 3
	}
	if off <= ls {
		return int32(n), 1
	}
	return int32(n), 1 + int32(utf8.RuneCountInString(c.text[ls:off]))
}

// pos makes the position of the byte range [start, end).
func (c *Config) pos(start, end int32) parsers.Pos {
	if c == nil || start < 0 {
		return parsers.Pos{}
	}
	l1, c1 := c.lineCol(start)
	l2, c2 := l1, int32(0)
	if int(l1) < len(c.lines) && end < c.lines[l1] && end >= start {
		// Most spans end on the line they start on: count on from the start.
		c2 = c1 + int32(utf8.RuneCountInString(c.text[start:end]))
	} else {
		l2, c2 = c.lineCol(end)
	}
	return parsers.Pos{File: c.Path, Line: l1, Col: c1, Offset: start, EndLine: l2, EndCol: c2, EndOffset: end}
}

// Pos spans the directive from its name to its ';' or closing '}'.
func (d *Directive) Pos() parsers.Pos { return d.cfg.pos(d.start, d.end) }

// NamePos spans the directive's name.
func (d *Directive) NamePos() parsers.Pos { return d.cfg.pos(d.start, d.nameEnd) }

// argText returns arguments i and j (i < j) as "value value", for messages. When both
// are written unquoted and one space apart it is a slice of the file, not a new string.
func (d *Directive) argText(i, j int) string {
	if j >= len(d.Args) {
		return d.Arg(i) + " " + d.Arg(j)
	}
	a, b := d.Args[i], d.Args[j]
	if j == i+1 && b.start == a.end+1 && d.cfg.text[a.end] == ' ' && !a.unescaped && !b.unescaped {
		return d.cfg.text[a.start:b.end]
	}
	return d.Arg(i) + " " + d.Arg(j)
}

// RawArg returns argument i as written, quotes included, or "".
func (d *Directive) RawArg(i int) string {
	if i < 0 || i >= len(d.Args) {
		return ""
	}
	return d.cfg.text[d.Args[i].start:d.Args[i].end]
}

// ArgPos spans argument i as written, quotes included.
func (d *Directive) ArgPos(i int) parsers.Pos {
	if i < 0 || i >= len(d.Args) {
		return parsers.Pos{}
	}
	return d.cfg.pos(d.Args[i].start, d.Args[i].end)
}

// File is the display path of the file the directive is in.
func (d *Directive) File() string { return d.cfg.Path }

// Text returns the directive as a one-line string for messages: the name and the
// arguments as written, single-spaced ("proxy_read_timeout 180s").
func (d *Directive) Text() string {
	// Most directives are written exactly so; then the text is a slice of the file and
	// costs no allocation (models quote thousands of them).
	if src := d.cfg.text; len(d.Args) > 0 && int(d.Args[len(d.Args)-1].end) <= len(src) {
		at, same := d.nameEnd, int(d.nameEnd-d.start) == len(d.Name)
		for _, a := range d.Args {
			if !same {
				break
			}
			same = a.start == at+1 && src[at] == ' '
			at = a.end
		}
		if same {
			return src[d.start:at]
		}
	}
	var b strings.Builder
	b.WriteString(d.Name)
	for i := range d.Args {
		b.WriteByte(' ')
		b.WriteString(d.RawArg(i))
	}
	return b.String()
}

// Arg returns the value of argument i, or "".
func (d *Directive) Arg(i int) string {
	if i < 0 || i >= len(d.Args) {
		return ""
	}
	a := d.Args[i]
	if a.unescaped {
		return d.cfg.values[a.start]
	}
	return d.cfg.text[a.start:a.end]
}

// The directive limit (parsers.Options.Directives, --max-directives; default 1<<18)
// bounds the AST of one file, so that a huge generated file costs bounded memory (about
// 200 bytes each with two arguments); real configs have a few thousand directives.

// maxErrors stops parsing a file that is not nginx at all (nginx stops at the first
// error; we go on to report a few, not millions).
const maxErrors = 50

// frame is an open block on the parser's explicit stack (no recursion, so nesting depth
// cannot overflow the goroutine stack).
type frame struct {
	dir     *Directive
	discard bool // a block with no name: parsed for recovery, then dropped
	from    int  // where its children start in parser.kids
}

// slabSize is how many directives (arguments, child pointers) one allocation holds.
// A config has hundreds of thousands of directives; allocating them one by one made
// the allocator and the garbage collector the largest cost of parsing.
const slabSize = 256

// carve returns a slice of n elements cut from the front of *slab, refilling the slab
// when it runs short. The slice's capacity is n, so appending to it never writes into
// the next one.
func carve[T any](slab *[]T, n int) []T {
	if n > len(*slab) || *slab == nil { // never nil: an empty block is []*Directive{}
		*slab = make([]T, max(n, slabSize))
	}
	s := (*slab)[:n:n]
	*slab = (*slab)[n:]
	return s
}

// ParseFile parses one file's text. path is the display path used in positions. Only
// the first opts is used (MaxDepth). Includes are not followed here; see Resolve.
func ParseFile(path string, src []byte, opts ...parsers.Options) (*Config, []parsers.Diag) {
	var o parsers.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	parts := 1
	if len(src) >= chunkedFrom {
		parts = runtime.GOMAXPROCS(0)
	}
	return parseFile(path, src, o, parts)
}

// parseFile parses src, in up to parts parts at once when parts > 1 (chunks.go).
func parseFile(path string, src []byte, o parsers.Options, parts int) (*Config, []parsers.Diag) {
	cfg := &Config{Path: path, Src: src}
	// A NUL byte marks a binary file. Other bytes are read as they are: nginx reads its
	// configuration as bytes, and accepts a Latin-1 comment or header value (nginx
	// 1.22.1: nginx -t passes a file with "caf\xe9"), so such a file is linted, its
	// columns counted as utf8.RuneCount does (lexer.notUTF8).
	if bad := bytes.IndexByte(src, 0); bad >= 0 {
		return cfg, []parsers.Diag{parsers.Errorf(parsers.CharAt(path, src, bad), "binary file (a NUL byte)")}
	}
	cfg.notUTF8 = !utf8.Valid(src)
	if len(src) > math.MaxInt32 {
		// Offsets are kept in 32 bits; the file size limit is far below this.
		return cfg, []parsers.Diag{parsers.Errorf(parsers.Pos{File: path, Line: 1, Col: 1}, "file larger than 2 GiB; not read")}
	}
	// The lexer's tokens and every Text are slices of this string. It shares src's
	// memory instead of copying it (a large config is megabytes): sources are read-only
	// once read (parsers.Input).
	cfg.text = unsafe.String(unsafe.SliceData(src), len(src))
	var notes []parsers.Diag
	if IsTemplate(path) {
		cfg.text, notes = blankPlaceholderLines(path, cfg.text)
	}
	cfg.indexLines()
	if cfg.bom {
		// The lexer skips the mark to read on; nginx does not skip it (1.22.1: a file
		// starting with it fails nginx -t with unknown directive "\ufeffevents", or
		// "\ufeff#" before a comment, in an included file too).
		notes = append(notes, parsers.Errorf(cfg.pos(0, 3), "the file starts with a UTF-8 byte order mark (EF BB BF), which nginx does not skip: it reads the mark as part of the first word, and nginx -t fails with \"unknown directive\". Save the file as UTF-8 without a byte order mark"))
	}
	if parts > 1 && parseChunks(cfg, o.Depth(), o.Directives(), parts) {
		return cfg, notes
	}
	p := &parser{lx: newLexer(path, cfg.text), cfg: cfg, maxDepth: o.Depth(), maxDirectives: o.Directives()}
	p.lx.notUTF8 = cfg.notUTF8
	p.run()
	cfg.Comments, cfg.values = p.comments, p.values
	diags := append(append(p.lx.diags, p.diags...), notes...)
	// Lexer and parser errors interleave; report them in file order.
	sort.SliceStable(diags, func(i, j int) bool { return diags[i].Pos.Offset < diags[j].Pos.Offset })
	return cfg, diags
}

type parser struct {
	lx       *lexer
	cfg      *Config
	maxDepth int
	diags    []parsers.Diag

	stack   []frame
	pending *Directive // a directive whose name (and maybe args) were read, not yet ended
	args    []Arg      // the pending directive's arguments, copied to it when it ends
	// kids holds the children read so far of every open block, innermost last; a
	// block's are copied out when it closes.
	kids []*Directive

	dirSlab  []Directive
	argSlab  []Arg
	kidsSlab []*Directive
	count    int
	// maxDirectives: more directives than this stop the parse (with an error).
	maxDirectives int

	// What the parser read besides the tree; ParseFile hands them to the Config.
	comments []Comment
	values   map[int32]string

	// A parser reading one part of a large file (chunks.go) records what happens at its
	// outermost level as ops, for the merge to apply in file order: a directive added,
	// or a '}' closing a block that an earlier part opened.
	chunked bool
	ops     []chunkOp
	deepest int // most blocks open at once
	tokEnd  int // byte offset where the last token read ended
}

func (p *parser) errorf(pos parsers.Pos, format string, args ...any) {
	p.diags = append(p.diags, parsers.Errorf(pos, format, args...))
}

// add appends d to the innermost open block (or the top level).
func (p *parser) add(d *Directive) {
	if len(p.stack) > 0 {
		p.kids = append(p.kids, d)
		return
	}
	if p.chunked {
		p.ops = append(p.ops, chunkOp{dir: d})
		return
	}
	p.cfg.Directives = append(p.cfg.Directives, d)
}

// newDirective allocates a directive of this file.
func (p *parser) newDirective() *Directive {
	d := &carve(&p.dirSlab, 1)[0]
	d.cfg = p.cfg
	return d
}

// push opens a block.
func (p *parser) push(d *Directive, discard bool) {
	p.stack = append(p.stack, frame{dir: d, discard: discard, from: len(p.kids)})
	p.deepest = max(p.deepest, len(p.stack))
}

// pop closes the innermost block, giving it its children, and returns its frame.
func (p *parser) pop() frame {
	f := p.stack[len(p.stack)-1]
	p.stack = p.stack[:len(p.stack)-1]
	if !f.discard {
		f.dir.Block = carve(&p.kidsSlab, len(p.kids)-f.from)
		copy(f.dir.Block, p.kids[f.from:])
	}
	clear(p.kids[f.from:])
	p.kids = p.kids[:f.from]
	return f
}

func (p *parser) run() {
	for {
		if len(p.diags)+len(p.lx.diags) >= maxErrors {
			p.errorf(p.lx.end(p.lx.here()), "too many errors; the rest of the file is not read")
			p.unwind()
			return
		}
		t := p.lx.next()
		if t.kind != tEOF {
			p.tokEnd = p.lx.off
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
				if p.count > p.maxDirectives {
					p.errorf(t.pos, "too many directives (more than %d); the rest of the file is not read (raise --max-directives)", p.maxDirectives)
					p.unwind()
					return
				}
				d := p.newDirective()
				d.Name, d.start, d.nameEnd, d.end = t.val, int32(t.pos.Offset), int32(t.pos.EndOffset), int32(t.pos.EndOffset)
				p.pending = d
				p.args = p.args[:0]
				continue
			}
			a := Arg{start: int32(t.pos.Offset), end: int32(t.pos.EndOffset), Quoted: t.quoted}
			if t.val != t.raw {
				if p.values == nil {
					p.values = map[int32]string{}
				}
				p.values[a.start], a.unescaped = t.val, true
			}
			p.args = append(p.args, a)
		case tSemi:
			d := p.take()
			if d == nil {
				p.errorf(t.pos, `unexpected ";"`)
				continue
			}
			d.end = int32(t.pos.EndOffset)
			p.add(d)
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

// take ends the pending directive: it gets its arguments (in a slice of exactly their
// number) and stops being pending. It returns nil when nothing is pending.
func (p *parser) take() *Directive {
	d := p.pending
	if d == nil {
		return nil
	}
	p.pending = nil
	if len(p.args) > 0 {
		d.Args = carve(&p.argSlab, len(p.args))
		copy(d.Args, p.args)
		d.end = d.Args[len(d.Args)-1].end
	}
	p.args = p.args[:0]
	return d
}

func (p *parser) comment(t token) {
	p.comments = append(p.comments, Comment{Raw: t.raw, Text: strings.TrimSpace(t.raw[1:]), Pos: t.pos})
}

// simpleDirectives are directives that never take a block, in any context or module:
// one followed by '{' is missing its ';' (nginx -t refuses it). Only names whose block
// form exists nowhere are listed; server (a block in http, simple in upstream) and the
// *_by_lua ones are not.
var simpleDirectives = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`server_name listen root alias index try_files return rewrite set
		include proxy_pass proxy_set_header proxy_read_timeout proxy_connect_timeout
		proxy_send_timeout proxy_http_version proxy_redirect proxy_buffering proxy_next_upstream
		fastcgi_pass fastcgi_param uwsgi_pass grpc_pass add_header access_log error_log
		error_page client_max_body_size keepalive_timeout keepalive ssl_certificate
		ssl_certificate_key ssl_protocols ssl_ciphers resolver allow deny expires gzip sendfile
		charset default_type log_format worker_processes user pid`) {
		simpleDirectives[n] = true
	}
}

// open handles '{'. It returns false when parsing must stop (nesting too deep).
func (p *parser) open(t token) bool {
	d := p.take()
	at := int32(t.pos.Offset)
	if d == nil {
		// nginx: unexpected "{". Parse the block anyway so the rest of the file is
		// read in step, then drop it.
		p.errorf(t.pos, `unexpected "{": a block needs a name (e.g. "server {")`)
		d = p.newDirective()
		d.start, d.nameEnd, d.end = at, at, at+1
		if len(p.stack)+1 > p.maxDepth {
			p.errorf(t.pos, "blocks nested deeper than %s", parsers.Plural(p.maxDepth, "level", "levels"))
			return false
		}
		d.HasBlock = true
		p.push(d, true)
		return true
	}
	d.HasBlock, d.end = true, at+1
	if simpleDirectives[d.Name] {
		// nginx -t 1.22.1: `directive "server_name" is not terminated by ";"` for a
		// `server_name api.local` missing its ';' before the next line's `location / {`.
		// The block is read as written, so the rest of the file stays in step.
		p.errorf(d.NamePos(), `directive %q is not terminated by ";": it takes no block, so nginx -t rejects the "{" at %d:%d that follows its arguments`, d.Name, t.pos.Line, t.pos.Col)
	}
	if strings.HasSuffix(d.Name, "_by_lua_block") {
		// The body is Lua: skipped whole, so its braces and quotes do not count.
		_, closePos, _ := p.lx.luaBlock(t.pos)
		d.end = int32(closePos.EndOffset)
		p.tokEnd = p.lx.off
		p.add(d)
		return true
	}
	if len(p.stack)+1 > p.maxDepth {
		p.errorf(d.NamePos(), "blocks nested deeper than %s", parsers.Plural(p.maxDepth, "level", "levels"))
		return false
	}
	p.add(d)
	p.push(d, false)
	return true
}

// close handles '}'.
func (p *parser) close(t token) {
	if d := p.take(); d != nil {
		p.errorf(t.pos, `unexpected "}": directive %q is missing its terminating ";"`, d.Name)
		p.add(d)
	}
	n := len(p.stack)
	if n == 0 && p.chunked {
		// Closes a block an earlier part of the file opened.
		p.ops = append(p.ops, chunkOp{close: true, at: int32(t.pos.Offset), end: int32(t.pos.EndOffset)})
		return
	}
	if n == 0 {
		p.errorf(t.pos, `unexpected "}": no block is open here`)
		return
	}
	f := p.pop()
	f.dir.end = int32(t.pos.EndOffset)
}

func (p *parser) eof(t token) {
	if p.chunked {
		return // the merge looks at what is still open or pending
	}
	if d := p.take(); d != nil {
		if !p.lx.fatal {
			p.errorf(d.NamePos(), `unexpected end of file: directive %q is missing its terminating ";"`, d.Name)
		}
		p.add(d)
	}
	if n := len(p.stack); n > 0 && !p.lx.fatal {
		d := p.stack[n-1].dir
		name := d.Name
		if name == "" {
			name = "{"
		}
		p.errorf(d.NamePos(), `unexpected end of file: block %q is not closed (missing "}")`, name)
	}
	p.unwindTo(t.pos)
}

// unwind closes every open block at the current position after a fatal error, so the
// directives read so far stay in the tree.
func (p *parser) unwind() {
	p.pending, p.args = nil, p.args[:0]
	p.unwindTo(p.lx.here())
}

func (p *parser) unwindTo(at parsers.Pos) {
	for len(p.stack) > 0 {
		p.pop().dir.end = int32(at.Offset)
	}
}
