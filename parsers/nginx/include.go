package nginx

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/no502/no502/parsers"
)

// loaded is one file known to the include resolver.
type loaded struct {
	abs   string
	cfg   *Config
	file  *parsers.File
	input bool // handed to Parse as an input (not read by the resolver)

	resolving bool // on the current include chain (cycle detection)
	resolved  bool
	// size is the number of directives in this file's include tree, includes expanded
	// (itself plus, recursively, every followed include, each time it is included),
	// capped: it bounds the work of splicing (--max-directives).
	size int
	// reached lists the files this one includes, directly or not.
	reached map[*loaded]bool
}

// resolver follows include directives the way nginx does. Parsed files are shared: a
// file included twice is parsed once and both include directives point at its Config.
type resolver struct {
	opts      parsers.Options
	realRoots []string
	files     map[string]*loaded
	order     []*loaded // files in the order first seen, for Model.Files
	// byReal indexes files by their path with symbolic links resolved, built on the first
	// include of a file not known by its own path (linked).
	byReal map[string]*loaded
	// enabled holds the sites-enabled directories a glob include reads wholesale
	// (include sites-enabled/*), with that include: the sites-available files no link
	// there reaches are disabled (Parse does not analyse them).
	enabled map[string]*Directive
	diags   []parsers.Diag

	// Per root file being resolved:
	prefix      string // directory relative includes are resolved against
	prefixFixed bool   // false for a fragment until an include was found
	fragment    bool   // the root is a fragment: relative includes may also be found in its parents
	ownDir      string // the root's directory
	chain       []*loaded
	// pulled holds the distinct files the root's tree has pulled in: --max-includes
	// counts files, not include directives (2,000 locations including one snippet
	// pull in one file).
	pulled map[*loaded]bool
}

func newResolver(opts parsers.Options) *resolver {
	r := &resolver{opts: opts, files: map[string]*loaded{}}
	for _, root := range opts.Roots {
		if real, err := filepath.EvalSymlinks(root); err == nil {
			r.realRoots = append(r.realRoots, real)
		}
	}
	return r
}

// add registers an already-read file (an input).
func (r *resolver) add(abs string, cfg *Config, f *parsers.File, input bool) *loaded {
	if cfg != nil && len(cfg.Comments) > 0 {
		f.Comments = make([]parsers.Pos, len(cfg.Comments))
		for i, c := range cfg.Comments {
			f.Comments[i] = c.Pos
		}
	}
	ld := &loaded{abs: abs, cfg: cfg, file: f, input: input}
	r.files[abs] = ld
	r.order = append(r.order, ld)
	if r.byReal != nil {
		r.indexReal(ld)
	}
	return ld
}

// linked returns the file already known by another path that abs reaches through
// symbolic links, or nil. Debian's sites-enabled/app is a link to sites-available/app:
// with both directories linted, the include reaches the input sites-available/app, which
// must be analysed once, in the including file's context, and not again on its own.
func (r *resolver) linked(abs string) *loaded {
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil
	}
	if r.byReal == nil {
		r.byReal = map[string]*loaded{}
		for _, ld := range r.order {
			r.indexReal(ld)
		}
	}
	return r.byReal[real]
}

// disabled reports, for a file of a sites-available directory that nothing included,
// the include that reads its sibling sites-enabled directory: nginx loads only what
// that directory links to, so the file is a site switched off.
func (r *resolver) disabled(ld *loaded) (*Directive, bool) {
	dir := filepath.Dir(ld.abs)
	if filepath.Base(dir) != "sites-available" {
		return nil, false
	}
	d, ok := r.enabled[filepath.Join(filepath.Dir(dir), "sites-enabled")]
	return d, ok
}

func (r *resolver) indexReal(ld *loaded) {
	if real, err := filepath.EvalSymlinks(ld.abs); err == nil {
		if _, ok := r.byReal[real]; !ok {
			r.byReal[real] = ld
		}
	}
}

// isMain reports whether cfg looks like a main nginx.conf (it has top-level http or
// events), as opposed to a fragment meant to be included (conf.d/*.conf, sites-enabled/x).
func isMain(cfg *Config) bool {
	for _, d := range cfg.Directives {
		if d.Name == "http" || d.Name == "events" {
			return true
		}
	}
	return false
}

// resolveRoot resolves the include tree of a root file. nginx resolves relative include
// paths against its conf prefix, the directory of the main file, at every nesting level.
// A fragment linted on its own has no known main file: its own directory is tried first,
// then its parents (sites-enabled/x usually includes snippets/... relative to /etc/nginx).
func (r *resolver) resolveRoot(ld *loaded) {
	r.prefix = filepath.Dir(ld.abs)
	r.ownDir = r.prefix
	r.prefixFixed = isMain(ld.cfg)
	r.fragment = !r.prefixFixed
	r.chain = r.chain[:0]
	r.pulled = map[*loaded]bool{}
	r.resolve(ld)
}

func (r *resolver) resolve(ld *loaded) {
	if ld.resolved || ld.resolving {
		return
	}
	ld.resolving = true
	ld.reached = map[*loaded]bool{}
	ld.size = countDirectives(ld.cfg.Directives)
	r.chain = append(r.chain, ld)
	r.walk(ld, ld.cfg.Directives)
	r.chain = r.chain[:len(r.chain)-1]
	ld.resolving = false
	ld.resolved = true
}

func (r *resolver) walk(ld *loaded, ds []*Directive) {
	for _, d := range ds {
		if d.Name == "include" && !d.HasBlock {
			r.include(ld, d)
		}
		if len(d.Block) > 0 {
			r.walk(ld, d.Block)
		}
	}
}

func hasGlobMeta(s string) bool { return strings.ContainsAny(s, "*?[") }

// include follows one include directive found in file ld.
func (r *resolver) include(ld *loaded, d *Directive) {
	if len(d.Args) != 1 {
		r.diags = append(r.diags, parsers.Errorf(d.Pos(), "include takes exactly one path, got %d", len(d.Args)))
		return
	}
	pat := d.Arg(0)
	if pat == "" {
		r.diags = append(r.diags, parsers.Errorf(d.Pos(), "include with an empty path"))
		return
	}
	if strings.Contains(pat, "$") {
		// nginx does not expand variables in include; the literal name almost never exists.
		r.diags = append(r.diags, parsers.Notef(d.Pos(), "include %s names a variable; not followed", pat))
		return
	}
	glob := hasGlobMeta(pat)
	var paths []string
	written := "" // the path as written, when a Compose mount maps it to pat
	if filepath.IsAbs(pat) && !r.opts.Within(filepath.Clean(pat)) {
		if local, ok := r.underPrefix(pat); ok {
			pat = local // the same file, as the repository holds it
		} else if local, ok := r.throughMount(pat); ok {
			written, pat = pat, local // the directory a Compose service mounts there
		}
	}
	if filepath.IsAbs(pat) {
		if !r.opts.Within(filepath.Clean(pat)) {
			r.diags = append(r.diags, parsers.Notef(d.Pos(), "include %s is outside the linted paths; not followed", pat))
			return
		}
		paths = r.expand(filepath.Clean(pat), glob)
		if paths == nil && !glob && written != "" {
			// SWAG writes proxy.conf, ssl.conf and resolver.conf into its /config
			// volume when the container first starts: a file the repository need not hold.
			r.diags = append(r.diags, parsers.Notef(d.Pos(), "include %s: %s, where a Compose service mounts that path, does not exist here; not followed (the container may create it)", written, pat))
			return
		}
		if paths == nil && !glob {
			r.diags = append(r.diags, parsers.Notef(d.Pos(), "include %s: file not found; not followed (an absolute path, usually present on the server)", pat))
			return
		}
	} else {
		for _, dir := range r.candidates() {
			if ps := r.expand(filepath.Join(dir, pat), glob); ps != nil {
				paths = ps
				r.prefix, r.prefixFixed = dir, true
				break
			}
		}
		if paths == nil && !glob {
			if t := r.renderedFrom(pat); t != "" {
				// The file is written at start from its template (dify's entrypoint
				// renders proxy.conf.template into proxy.conf; the nginx image does the
				// same for templates/): the template is what it will hold.
				paths = []string{t}
			}
		}
		if paths == nil && !glob {
			if IsTemplate(ld.cfg.Path) {
				// A template's include may name a file its entrypoint writes at start,
				// which no file here shows: unknown, not missing.
				r.diags = append(r.diags, parsers.Notef(d.Pos(), "include %s: not in the files here; a template's includes may be written when the container starts, not followed", pat))
				return
			}
			if r.fragment && r.existsAbove(pat) {
				r.diags = append(r.diags, parsers.Notef(d.Pos(), "include %s is outside the linted paths; not followed", pat))
				return
			}
			if stockFile(pat) {
				r.diags = append(r.diags, parsers.Notef(d.Pos(), "include %s: not in the linted paths; assumed to be the file the nginx package installs in its conf directory, not followed", pat))
				return
			}
			if r.fragment {
				// A fragment (sites-available/app, conf.d/app.conf) linted without the
				// main file: nginx resolves the path against its conf prefix on the
				// server (/etc/nginx), which holds files the repository need not (a
				// snippets/ssl-params.conf made there by hand). Like an absolute path
				// outside the linted paths, a note: an error would fail the run and hold
				// back every fix in a file nginx accepts.
				r.diags = append(r.diags, parsers.Notef(d.Pos(), "include %s: not in the linted paths; relative to the conf directory of the nginx that includes this file (/etc/nginx in the packages), not followed", pat))
				return
			}
			r.diags = append(r.diags, parsers.Errorf(d.Pos(), "include %s: file not found (relative to %s)", pat, r.prefix))
			return
		}
	}
	// A glob matching nothing is accepted by nginx, but one reaching out of the roots
	// is worth a note.
	if glob && paths == nil {
		static := pat
		if !filepath.IsAbs(static) {
			static = filepath.Join(r.prefix, static)
		}
		for hasGlobMeta(static) {
			static = filepath.Dir(static)
		}
		if !r.opts.Within(static) {
			r.diags = append(r.diags, parsers.Notef(d.Pos(), "include %s is outside the linted paths; not followed", pat))
			return
		}
	}
	if glob {
		full := pat
		if !filepath.IsAbs(full) {
			full = filepath.Join(r.prefix, full)
		}
		if dir := filepath.Dir(full); filepath.Base(dir) == "sites-enabled" && !hasGlobMeta(dir) {
			if r.enabled == nil {
				r.enabled = map[string]*Directive{}
			}
			if _, ok := r.enabled[dir]; !ok {
				r.enabled[dir] = d
			}
		}
	}
	outside, missed := false, false
	for _, p := range paths {
		if !r.within(p) {
			outside = true
			continue
		}
		if !r.follow(ld, d, p) {
			missed = true
		}
	}
	if (outside || missed) && len(d.Included()) > 0 {
		d.extras(true).partial = true
	}
	if outside {
		r.diags = append(r.diags, parsers.Notef(d.Pos(), "include %s is outside the linted paths; not followed", pat))
	}
}

// throughMount maps an absolute include path to the linted tree through the bind
// mounts of a Compose service whose container sees a file of the include chain (the
// file is mounted there, or lies in a mounted directory): ./config:/config makes
// /config/nginx/proxy.conf the repository's config/nginx/proxy.conf for the files under
// ./config and for the files the same service mounts, and a file mounted at the very
// path (./config/nginx/proxy.conf:/config/nginx/proxy.conf) is that file. A path under
// no directory that service mounts is not mapped.
func (r *resolver) throughMount(pat string) (string, bool) {
	if len(r.opts.ContainerMounts) == 0 {
		return "", false
	}
	target := path.Clean(filepath.ToSlash(pat))
	for _, mounts := range r.opts.ContainerMounts {
		sees := false
		for _, ld := range r.chain {
			for _, m := range mounts {
				if ld.abs == m.Host || m.Dir && strings.HasPrefix(ld.abs, m.Host+string(filepath.Separator)) {
					sees = true
				}
			}
		}
		if !sees {
			continue
		}
		best, bestT, rel := "", "", ""
		for _, m := range mounts {
			t := path.Clean(m.Target)
			if !m.Dir && t == target && m.Host != "" {
				return m.Host, true // a file mounted at the very path
			}
			if !m.Dir || t == "/" || !strings.HasPrefix(target, t+"/") || m.Host == "" {
				continue
			}
			if bestT == "" || len(t) > len(bestT) {
				best, bestT, rel = m.Host, t, strings.TrimPrefix(target, t+"/")
			}
		}
		if best != "" {
			return filepath.Join(best, filepath.FromSlash(rel)), true
		}
	}
	return "", false
}

// etcPrefix is the conf prefix of packaged nginx and of the official image: their main
// file is /etc/nginx/nginx.conf.
const etcPrefix = "/etc/nginx/"

// underPrefix maps an absolute include under /etc/nginx/ in a main file to the same
// path under the main file's own directory, when something is there: a repository's
// nginx.conf that includes /etc/nginx/conf.d/*.conf is deployed as
// /etc/nginx/nginx.conf with its conf.d/ beside it (docker compose mounts ./nginx.conf
// and ./conf.d there), so nginx reads the conf.d/ the repository holds. Its fragments
// then inherit what the main file's http{} sets, instead of being linted as if nothing
// were set around them. A fragment's includes are not mapped: its main file, and so
// the prefix, is unknown.
func (r *resolver) underPrefix(pat string) (string, bool) {
	if r.fragment || !strings.HasPrefix(pat, etcPrefix) {
		return "", false
	}
	local := filepath.Join(r.prefix, filepath.FromSlash(strings.TrimPrefix(pat, etcPrefix)))
	if !r.opts.Within(local) || r.expand(local, hasGlobMeta(local)) == nil {
		return "", false
	}
	return local, true
}

// candidates lists the directories a relative include may be relative to. For a
// fragment, the directory where an earlier include was found comes first (it is likely
// the conf prefix); the fragment's own directory and its parents follow, so that a
// wrong guess never turns into a false "not found".
func (r *resolver) candidates() []string {
	if !r.fragment {
		return []string{r.prefix}
	}
	var dirs []string
	if r.prefixFixed {
		dirs = append(dirs, r.prefix)
	}
	for dir := r.ownDir; ; {
		// Never look (or glob) above the linted roots: "include */*/*" in a fragment
		// must not walk the whole filesystem.
		if !r.opts.Within(dir) {
			return dirs
		}
		dirs = append(dirs, dir)
		parent := filepath.Dir(dir)
		if parent == dir {
			return dirs
		}
		dir = parent
	}
}

// renderedFrom returns the template a relative include's file is rendered from
// (pat + ".template") in a directory nginx would look in or one above it within the
// linted roots (a conf.d/ file's include is relative to the conf directory above it),
// "" when there is none.
func (r *resolver) renderedFrom(pat string) string {
	if !IsTemplate(pat + TemplateSuffix) {
		return ""
	}
	dirs := r.candidates()
	for dir := r.ownDir; r.opts.Within(dir); {
		dirs = append(dirs, dir)
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	for _, dir := range dirs {
		if ps := r.expand(filepath.Join(dir, pat+TemplateSuffix), false); ps != nil {
			return ps[0]
		}
	}
	return ""
}

// existsAbove reports whether a fragment's relative include names a file in a parent
// directory above the linted roots (a stat, nothing is read): then the file is not
// missing, only out of bounds.
func (r *resolver) existsAbove(pat string) bool {
	for dir := r.ownDir; ; {
		if st, err := os.Stat(filepath.Join(dir, pat)); err == nil && !st.IsDir() {
			return true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return false
		}
		dir = parent
	}
}

// expand returns the files path names: the sorted matches of a glob (hidden files
// skipped when the wildcard would have to match their leading dot, as glob(3) does;
// directories skipped), or the path itself when it exists. nil when nothing matches.
func (r *resolver) expand(path string, glob bool) []string {
	if !glob {
		if _, ok := r.files[path]; ok {
			return []string{path}
		}
		if st, err := os.Stat(path); err == nil && !st.IsDir() {
			return []string{path}
		}
		return nil
	}
	// Glob only below the linted roots: "include ../*/*/*" must not walk the filesystem.
	static := path
	for hasGlobMeta(static) {
		static = filepath.Dir(static)
	}
	if !r.opts.Within(static) {
		return nil
	}
	matches, err := filepath.Glob(path)
	if err != nil {
		return nil
	}
	patBase := filepath.Base(path)
	var out []string
	for _, m := range matches {
		if strings.HasPrefix(filepath.Base(m), ".") && !strings.HasPrefix(patBase, ".") {
			continue
		}
		if st, err := os.Stat(m); err != nil || st.IsDir() {
			continue
		}
		out = append(out, m)
	}
	return out
}

// within reports whether abs, and the file a symlink at abs points to, lie inside the
// linted roots, so that a config cannot make the linter read files outside them.
func (r *resolver) within(abs string) bool {
	if !r.opts.Within(abs) {
		return false
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil || real == abs || r.opts.Within(real) {
		return true
	}
	for _, root := range r.realRoots {
		if real == root || strings.HasPrefix(real, strings.TrimSuffix(root, "/")+"/") {
			return true
		}
	}
	return false
}

// follow reads (once), parses and resolves the file at abs and attaches it to d; false
// when it was not attached (a cycle, a limit, a read error).
func (r *resolver) follow(ld *loaded, d *Directive, abs string) bool {
	t := r.files[abs]
	if t == nil {
		t = r.linked(abs)
	}
	if t != nil && t.resolving {
		var names []string
		start := 0
		for i, c := range r.chain {
			if c == t {
				start = i
			}
		}
		for _, c := range r.chain[start:] {
			names = append(names, c.file.Path)
		}
		names = append(names, t.file.Path)
		r.diags = append(r.diags, parsers.Errorf(d.Pos(), "include cycle: %s", strings.Join(names, " → ")))
		return false
	}
	limit := r.opts.Includes()
	add := 0 // files this include pulls into the tree for the first time
	if t == nil || !r.pulled[t] {
		add++
	}
	if t != nil {
		for x := range t.reached {
			if !r.pulled[x] {
				add++
			}
		}
	}
	if len(r.pulled)+add > limit {
		r.diags = append(r.diags, parsers.Errorf(d.Pos(), "include %s: more than %s; not followed (raise --max-includes)", d.RawArg(0), parsers.Plural(limit, "included file", "included files")))
		return false
	}
	if t == nil {
		display, src, err := r.read(abs)
		if err != nil {
			r.diags = append(r.diags, parsers.Errorf(d.Pos(), "include %s: %v", d.RawArg(0), err))
			return false
		}
		cfg, diags := ParseFile(display, src, r.opts)
		r.diags = append(r.diags, diags...)
		t = r.add(abs, cfg, &parsers.File{Path: display, Format: parsers.FormatNginx, Src: src}, false)
	}
	if t.file.IncludedBy == nil {
		pos := d.Pos()
		t.file.IncludedBy = &pos
	}
	r.resolve(t)
	if max := r.opts.Directives(); ld.size+t.size > max {
		r.diags = append(r.diags, parsers.Errorf(d.Pos(), "include %s: with its includes expanded the config would hold more than %s; not followed (raise --max-directives)", d.RawArg(0), parsers.Plural(max, "directive", "directives")))
		return false
	}
	r.pulled[t] = true
	for x := range t.reached {
		r.pulled[x] = true
	}
	x := d.extras(true)
	x.included = append(x.included, t.cfg)
	ld.reached[t] = true
	for x := range t.reached {
		ld.reached[x] = true
	}
	ld.size += t.size
	return true
}

// countDirectives counts the directives of a tree, blocks' contents included.
func countDirectives(ds []*Directive) int {
	n := len(ds)
	for _, d := range ds {
		n += countDirectives(d.Block)
	}
	return n
}

func (r *resolver) read(abs string) (string, []byte, error) {
	if r.opts.ReadFile != nil {
		return r.opts.ReadFile(abs)
	}
	src, err := os.ReadFile(abs)
	if err != nil {
		return "", nil, fmt.Errorf("cannot read: %w", err)
	}
	return abs, src, nil
}

// Expand returns ds with every followed include directive replaced by the directives of
// the files it included (recursively), as nginx splices them into the including block.
// Each directive keeps its own file and position.
func Expand(ds []*Directive) []*Directive {
	has := false
	for _, d := range ds {
		if d.extra && d.Included() != nil {
			has = true
			break
		}
	}
	if !has {
		return ds
	}
	out := make([]*Directive, 0, len(ds))
	for _, d := range ds {
		if !d.extra || d.Included() == nil {
			out = append(out, d)
			continue
		}
		for _, c := range d.Included() {
			out = append(out, Expand(c.Directives)...)
		}
		if d.Unread() {
			out = append(out, d) // read in part: what the rest sets is unknown (Unread)
		}
	}
	return out
}

// stockFile reports whether a relative include names a file the nginx packages install
// in the conf directory (/etc/nginx): a repository rarely holds them, and nginx on the
// server finds them, so their absence from the linted paths is not an error.
func stockFile(pat string) bool {
	switch filepath.ToSlash(pat) {
	case "mime.types", "fastcgi_params", "fastcgi.conf", "proxy_params", "uwsgi_params", "scgi_params",
		"koi-utf", "koi-win", "win-utf", "snippets/fastcgi-php.conf", "snippets/snakeoil.conf":
		return true
	}
	return false
}
