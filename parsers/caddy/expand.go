package caddy

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/no502/no502/parsers"
)

// expander resolves `import` (snippets and files) the way Caddy does, on the directive
// tree: a snippet or file's directives are copied in place of the import, with
// {args[N]} substituted, and each copy remembers the imports that brought it.
type expander struct {
	opts  parsers.Options
	m     *parsers.Model
	files map[string]*srcFile // abs path → parsed file (each file parsed once per run)
	abs   map[string]string   // display path → abs path
	// Per root Caddyfile:
	snippets map[string]*Directive
	chain    []string        // files and snippets being imported, for cycle detection
	reached  map[string]bool // abs paths this root imported
	// imported holds the distinct snippets and files this root imports: --max-includes
	// counts them, not import directives (2,000 sites importing one snippet import
	// one). expanded counts the directives imports copied in, bounded by
	// --max-directives (a snippet importing another twice, and so on, doubles each
	// level); overflow is set once that bound was reported.
	imported map[string]bool
	expanded int
	overflow bool
}

type srcFile struct {
	abs  string
	file *File
	mf   *parsers.File
}

func newExpander(opts parsers.Options, m *parsers.Model) *expander {
	return &expander{opts: opts, m: m, files: map[string]*srcFile{}, abs: map[string]string{}}
}

// addInput registers a file the loader handed over.
func (e *expander) addInput(in parsers.Input) *srcFile {
	abs := in.Abs
	if abs == "" {
		abs, _ = filepath.Abs(in.Path)
	}
	abs = filepath.Clean(abs)
	if sf := e.files[abs]; sf != nil {
		return nil // the same file given twice
	}
	f, diags := ParseFile(in.Path, in.Src, e.opts)
	e.m.Diags = append(e.m.Diags, diags...)
	sf := &srcFile{abs: abs, file: f, mf: &parsers.File{Path: in.Path, Format: parsers.FormatCaddy, Src: in.Src, Comments: commentPositions(f)}}
	e.files[abs] = sf
	e.abs[in.Path] = abs
	e.m.Files = append(e.m.Files, sf.mf)
	return sf
}

// startRoot resets the per-root state before expanding one root Caddyfile.
func (e *expander) startRoot(root *srcFile) {
	e.snippets = map[string]*Directive{}
	e.chain = []string{root.abs}
	e.reached = map[string]bool{}
	e.imported, e.expanded, e.overflow = map[string]bool{}, 0, false
}

// top expands the top level of a Caddyfile: imports are spliced in, snippets and named
// routes are set aside, and what remains is the global options block and site blocks.
func (e *expander) top(dirs []*Directive) []*Directive {
	var out []*Directive
	for _, d := range dirs {
		name := d.Name()
		switch {
		case name == "import" && !d.HasBlock:
			out = append(out, e.top(e.resolve(d, nil))...)
		case len(d.Tokens) == 1 && d.HasBlock && isSnippetName(name):
			e.snippets[name[1:len(name)-1]] = d
		case len(d.Tokens) == 1 && d.HasBlock && strings.HasPrefix(name, "&(") && strings.HasSuffix(name, ")"):
			// A named route (&(name) {...}) is only reached through invoke; not a site.
		default:
			out = append(out, d)
		}
	}
	return out
}

func isSnippetName(s string) bool {
	return len(s) > 2 && s[0] == '(' && s[len(s)-1] == ')'
}

// body expands the directives of a block: imports are replaced by what they import.
// block is the body of an `import name { ... }`, substituted for {block}.
func (e *expander) body(dirs []*Directive, args []Token, via []parsers.Pos, block []*Directive, depth int) []*Directive {
	if depth > e.opts.Depth() {
		return nil
	}
	var out []*Directive
	for _, d := range dirs {
		if e.expanded++; e.expanded > e.opts.Directives() {
			if !e.overflow {
				e.overflow = true
				e.errorf(d.NameTok().Pos, "with its imports expanded the Caddyfile would hold more than %s; the rest are not followed (raise --max-directives)", parsers.Plural(e.opts.Directives(), "directive", "directives"))
			}
			return out
		}
		d = e.clone(d, args, via)
		switch d.Name() {
		case "import":
			out = append(out, e.resolve(d, via)...)
			continue
		case "{block}":
			if len(d.Tokens) == 1 && !d.HasBlock {
				out = append(out, block...)
				continue
			}
		}
		if d.HasBlock {
			d.Block = e.body(d.Block, args, via, block, depth+1)
		}
		out = append(out, d)
	}
	return out
}

// resolve returns the directives an import directive brings in, already expanded
// (site-level expansion; the caller re-classifies them at the top level).
func (e *expander) resolve(d *Directive, via []parsers.Pos) []*Directive {
	if len(d.Tokens) < 2 {
		e.errorf(d.NameTok().Pos, "import needs a snippet name or a file path")
		return nil
	}
	pattern := d.Tokens[1].Text
	var args []Token
	for _, t := range d.Tokens[2:] {
		if !t.Arg.IsValid() {
			t.Arg = t.Pos // written here (not passed on from an outer import)
		}
		args = append(args, t)
	}
	if args == nil {
		args = []Token{}
	}
	inner := append([]parsers.Pos{d.NameTok().Pos}, via...)
	// pull counts a snippet or file the first time this root imports it.
	pull := func(key string) bool {
		if e.imported[key] {
			return true
		}
		if len(e.imported) >= e.opts.Includes() {
			e.errorf(d.Tokens[1].Pos, "more than %s; the rest are not followed (raise --max-includes)", parsers.Plural(e.opts.Includes(), "imported snippet or file", "imported snippets and files"))
			return false
		}
		e.imported[key] = true
		return true
	}
	var block []*Directive
	if d.HasBlock {
		block = d.Block
	}
	if sn, ok := e.snippets[pattern]; ok {
		key := "snippet " + pattern
		if e.inChain(key) {
			e.errorf(d.Tokens[1].Pos, "import cycle: snippet %s imports itself (%s)", pattern, strings.Join(append(e.chain, key), " → "))
			return nil
		}
		if !pull(key) {
			return nil
		}
		e.chain = append(e.chain, key)
		defer func() { e.chain = e.chain[:len(e.chain)-1] }()
		return e.body(sn.Block, args, inner, block, 0)
	}
	files := e.files4(d, pattern)
	var out []*Directive
	for _, sf := range files {
		if e.inChain(sf.abs) {
			e.errorf(d.Tokens[1].Pos, "import cycle: %s imports itself (%s)", sf.mf.Path, strings.Join(e.displayChain(sf.abs), " → "))
			continue
		}
		if !pull(sf.abs) {
			continue
		}
		if sf.mf.IncludedBy == nil {
			p := d.NameTok().Pos
			sf.mf.IncludedBy = &p
		}
		e.reached[sf.abs] = true
		e.chain = append(e.chain, sf.abs)
		out = append(out, e.body(sf.file.Directives, args, inner, block, 0)...)
		e.chain = e.chain[:len(e.chain)-1]
	}
	return out
}

func (e *expander) inChain(key string) bool {
	for _, c := range e.chain {
		if c == key {
			return true
		}
	}
	return false
}

func (e *expander) displayChain(last string) []string {
	var out []string
	for _, c := range append(append([]string(nil), e.chain...), last) {
		if sf := e.files[c]; sf != nil {
			c = sf.mf.Path
		}
		out = append(out, c)
	}
	return out
}

// files4 finds the files an import names: a path or glob relative to the importing
// file's directory. Missing files are errors; a glob matching nothing is not (Caddy
// only warns).
func (e *expander) files4(d *Directive, pattern string) []*srcFile {
	at := d.Tokens[1].Pos
	if strings.Contains(pattern, "{") {
		e.note(at, "import %s uses a placeholder; not followed", pattern)
		return nil
	}
	base := e.abs[at.File]
	dir := "."
	if base != "" {
		dir = filepath.Dir(base)
	}
	p := pattern
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	p = filepath.Clean(p)
	var paths []string
	if strings.ContainsAny(pattern, "*?[") {
		matches, err := filepath.Glob(p)
		if err != nil {
			e.errorf(at, "import %s: bad glob: %v", pattern, err)
			return nil
		}
		for _, mt := range matches {
			// Caddy skips dotfiles matched by a glob unless the pattern names them.
			if strings.HasPrefix(filepath.Base(mt), ".") && !strings.HasPrefix(filepath.Base(p), ".") {
				continue
			}
			if st, err := os.Stat(mt); err == nil && st.IsDir() {
				continue
			}
			paths = append(paths, mt)
		}
		sort.Strings(paths)
	} else {
		paths = []string{p}
	}
	var out []*srcFile
	for _, abs := range paths {
		if sf := e.files[abs]; sf != nil {
			out = append(out, sf)
			continue
		}
		if !e.opts.Within(abs) {
			e.note(at, "import %s: %s is outside the linted paths; not followed", pattern, abs)
			continue
		}
		display, src, err := e.read(abs)
		if err != nil {
			if os.IsNotExist(err) || strings.Contains(err.Error(), "no such file") {
				e.errorf(at, "import %s: file not found (%s)", pattern, abs)
			} else {
				e.errorf(at, "import %s: %v", pattern, err)
			}
			continue
		}
		f, diags := ParseFile(display, src, e.opts)
		e.m.Diags = append(e.m.Diags, diags...)
		sf := &srcFile{abs: abs, file: f, mf: &parsers.File{Path: display, Format: parsers.FormatCaddy, Src: src, Comments: commentPositions(f)}}
		e.files[abs] = sf
		e.abs[display] = abs
		e.m.Files = append(e.m.Files, sf.mf)
		out = append(out, sf)
	}
	return out
}

func (e *expander) read(abs string) (string, []byte, error) {
	if e.opts.ReadFile != nil {
		return e.opts.ReadFile(abs)
	}
	src, err := os.ReadFile(abs)
	display := abs
	if wd, werr := os.Getwd(); werr == nil {
		if rel, rerr := filepath.Rel(wd, abs); rerr == nil && !strings.HasPrefix(rel, "..") {
			display = rel
		}
	}
	return display, src, err
}

func (e *expander) errorf(p parsers.Pos, format string, args ...any) {
	e.m.Diags = append(e.m.Diags, parsers.Errorf(p, format, args...))
}

func (e *expander) note(p parsers.Pos, format string, args ...any) {
	e.m.Diags = append(e.m.Diags, parsers.Notef(p, format, args...))
}

// clone copies d (not its block: body rebuilds that) with import arguments substituted and the import chain
// recorded. args nil means "not inside an import": tokens are kept as they are.
func (e *expander) clone(d *Directive, args []Token, via []parsers.Pos) *Directive {
	c := *d
	if via != nil {
		c.Imported = append(append([]parsers.Pos(nil), via...), d.Imported...)
	}
	if args != nil {
		c.Tokens = substitute(d.Tokens, args)
	}
	// Without arguments the copy's tokens are the original's: tokens are never changed
	// after the parse, and d.Tokens' capacity ends at its length (parser.directive), so
	// nothing appended to one shows in the other.
	return &c
}

// substitute replaces {args[N]}, {args.N} and the ranges {args[:]}, {args[N:]},
// {args[:N]} (a token that is only a range becomes one token per argument).
// A token that takes an argument's text records where the argument is written (Arg).
func substitute(toks []Token, args []Token) []Token {
	var out []Token
	for _, t := range toks {
		if !strings.Contains(t.Text, "{args") {
			out = append(out, t)
			continue
		}
		if lo, hi, ok := argRange(t.Text, len(args)); ok {
			for _, a := range args[lo:hi] {
				nt := t
				nt.Text, nt.Arg = a.Text, a.Arg
				out = append(out, nt)
			}
			continue
		}
		nt := t
		if i := firstArg(t.Text, len(args)); i >= 0 {
			nt.Arg = args[i].Arg
		}
		texts := make([]string, len(args))
		for i, a := range args {
			texts[i] = a.Text
		}
		nt.Text = replaceArgs(t.Text, texts)
		out = append(out, nt)
	}
	return out
}

// firstArg returns the index of the first argument placeholder in s ({args[N]} or
// {args.N}) that names one of n arguments, or -1.
func firstArg(s string, n int) int {
	best, at := -1, len(s)
	for i := 0; i < n; i++ {
		for _, ph := range []string{fmt.Sprintf("{args[%d]}", i), fmt.Sprintf("{args.%d}", i)} {
			if j := strings.Index(s, ph); j >= 0 && j < at {
				best, at = i, j
			}
		}
	}
	return best
}

// argRange parses a whole-token "{args[a:b]}".
func argRange(s string, n int) (lo, hi int, ok bool) {
	if !strings.HasPrefix(s, "{args[") || !strings.HasSuffix(s, "]}") {
		return 0, 0, false
	}
	inner := s[len("{args[") : len(s)-2]
	colon := strings.IndexByte(inner, ':')
	if colon < 0 {
		return 0, 0, false
	}
	lo, hi = 0, n
	if a := inner[:colon]; a != "" {
		v, err := strconv.Atoi(a)
		if err != nil {
			return 0, 0, false
		}
		lo = v
	}
	if b := inner[colon+1:]; b != "" {
		v, err := strconv.Atoi(b)
		if err != nil {
			return 0, 0, false
		}
		hi = v
	}
	if lo < 0 || hi > n || lo > hi {
		return 0, 0, true // out of range: nothing, as Caddy does
	}
	return lo, hi, true
}

func replaceArgs(s string, args []string) string {
	for i := len(args) - 1; i >= 0; i-- {
		s = strings.ReplaceAll(s, fmt.Sprintf("{args[%d]}", i), args[i])
		s = strings.ReplaceAll(s, fmt.Sprintf("{args.%d}", i), args[i])
	}
	return s
}

// commentPositions hands the lexer's comments to the model (parsers.File.Comments).
func commentPositions(f *File) []parsers.Pos {
	if f == nil || len(f.Comments) == 0 {
		return nil
	}
	out := make([]parsers.Pos, len(f.Comments))
	for i, c := range f.Comments {
		out[i] = c.Pos
	}
	return out
}
