package caddy

import (
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/no502/no502/parsers"
)

// pathCtx is the set of request paths a position in a site block serves, as far as
// budgets need it: a prefix ("/webhooks/"), an exact path, or "regex" for anything a
// single path cannot describe (several paths, other matchers, path_regexp).
type pathCtx struct {
	path string
	kind parsers.PathKind
	// strip is the prefix handle_path removes before inner matchers see the path.
	strip string
}

// siteWalker walks one site block's (expanded) directives.
type siteWalker struct {
	b        *builder
	hop      *parsers.Hop
	matchers map[string]*Directive
	// levels are the blocks enclosing the directive being walked, outermost first: what
	// runs before it there can answer or rewrite its request first.
	levels []level
}

// level is one block of directives being walked: the directive at i is the one that
// leads to the current position; ordered is set in a route block, where directives
// run as written (elsewhere Caddy sorts them by its directive order).
type level struct {
	ds      []*Directive
	i       int
	ordered bool
	ctx     pathCtx
}

// directiveRank is Caddy's directive order, as far as it matters for what runs before
// respond: caddy adapt 2.6.2 puts, of a site's directives, redir, rewrite, uri,
// try_files, basicauth, forward_auth, handle_path, handle and route before respond, and
// reverse_proxy, php_fastcgi and file_server after it (CDY-ORDER; checked by adapting a
// site holding them all).
var directiveRank = map[string]int{
	"redir": 1, "rewrite": 3, "uri": 4, "try_files": 5,
	"basicauth": 6, "basic_auth": 6, "forward_auth": 7,
	"handle": 10, "handle_path": 10, "route": 10,
	"abort": 11, "error": 12, "respond": 14,
	"reverse_proxy": 16, "php_fastcgi": 17, "file_server": 18,
}

// answeredFirst reports whether a request to the paths target of the directive being
// walked may be answered, redirected, refused or rewritten by a directive that runs
// before it (a terminating handler, or a rewrite after which its matcher no longer
// holds): then the model cannot say it reaches that directive.
func (s *siteWalker) answeredFirst(target pathCtx) bool {
	for _, lv := range s.levels {
		own := lv.ds[lv.i]
		ownRank, known := directiveRank[own.Name()]
		for j, x := range lv.ds {
			if j == lv.i {
				continue
			}
			r, ok := directiveRank[x.Name()]
			if !ok {
				continue
			}
			switch {
			case isHandle(own) && isHandle(x):
				// Sibling handle blocks are one group, mutually exclusive (in a route
				// block too): the first in Caddy's order whose matcher holds takes the
				// request. One that may come first and matches every path of target
				// takes them all; one matching some leaves the others to this block.
				if s.handleMayRunFirst(lv, j) && s.covers(x, lv.ctx, target) {
					return true
				}
				continue
			case lv.ordered:
				if j > lv.i {
					continue
				}
			case !known || r >= ownRank:
				// Runs after it, or at the same rank (Caddy sorts those by how
				// specific their path matcher is: the model keeps the one it reads).
				continue
			}
			switch x.Name() {
			case "rewrite", "uri", "try_files":
				if target.kind == parsers.PathPrefix && target.path == "/" {
					continue // a catch-all still matches the rewritten path
				}
				if x.Name() == "uri" && (x.Arg(0) == "query" || matcherOf(x) != nil && x.Arg(1) == "query") {
					continue // changes the query, not the path
				}
			}
			if x.Name() == "try_files" || s.mayMatch(x, lv.ctx, target) {
				return true
			}
		}
	}
	return false
}

func isHandle(d *Directive) bool { return d.Name() == "handle" || d.Name() == "handle_path" }

// handleMayRunFirst reports whether the sibling handle block lv.ds[j] may come before
// lv.ds[lv.i] (the handle leading to the current position) in Caddy's order. In a route
// block they run as written. Elsewhere the adapter sorts the blocks of one directive:
// those without a matcher last, and blocks whose matcher is one path by its length,
// longest first, the written order breaking ties (caddy adapt 2.6.2: handle {}, handle
// /health {} became /health, then the catch-all; /h*, /api/*, /health became /health,
// /api/*, /h*). A block matching on anything else makes that sort depend on the order
// written, and handle_path against handle on the version: then any block with a
// matcher may come first; a block without one never comes before one with a matcher.
func (s *siteWalker) handleMayRunFirst(lv level, j int) bool {
	own, x := lv.ds[lv.i], lv.ds[j]
	if lv.ordered {
		return j < lv.i
	}
	ownLen, ownOK := s.handleSortPath(own)
	xLen, xOK := s.handleSortPath(x)
	if xOK && xLen == 0 && !(ownOK && ownLen == 0) {
		return false // a catch-all runs after every block with a matcher
	}
	if x.Name() != own.Name() {
		return true
	}
	for _, d := range lv.ds {
		if d.Name() == own.Name() {
			if _, ok := s.handleSortPath(d); !ok {
				return true
			}
		}
	}
	switch {
	case ownLen == 0 || xLen == 0:
		return xLen != 0 || j < lv.i // a catch-all last; two catch-alls as written
	case xLen != ownLen:
		return xLen > ownLen
	}
	return j < lv.i
}

// takenFirst returns the paths of the sibling handle blocks that may run before the one
// leading to the current position and match some of target's paths (one matching them
// all has made answeredFirst drop the directive): Caddy runs only the first block of the
// group whose matcher holds, so requests for those paths never get here (caddy 2.6.2 on
// loopback: beside `handle @api { reverse_proxy ... }` with `@api path /api/* /v1/*` and
// `handle /static/* { file_server }`, `handle { respond "ok" 200 }` answered /health
// with 200, /api/health with the upstream's 502, /static/health with 404).
func (s *siteWalker) takenFirst(target pathCtx) []parsers.RoutePath {
	var out []parsers.RoutePath
	for _, lv := range s.levels {
		if !isHandle(lv.ds[lv.i]) {
			continue
		}
		for j, x := range lv.ds {
			if j != lv.i && isHandle(x) && s.handleMayRunFirst(lv, j) && s.mayMatch(x, lv.ctx, target) {
				out = append(out, s.handlePaths(x, lv.ctx)...)
			}
		}
	}
	return out
}

// handlePaths returns the paths handle block d selects under ctx: those of its path
// matcher, each value of a named matcher whose only condition is a path list (`@api path
// /api/* /v1/*`, which narrow reads as one unknown set), or any path (PathRegex) when
// the matcher says more than paths.
func (s *siteWalker) handlePaths(d *Directive, ctx pathCtx) []parsers.RoutePath {
	one := func(p pathCtx) parsers.RoutePath {
		if p.kind == parsers.PathRegex {
			return parsers.RoutePath{Kind: parsers.PathRegex}
		}
		return parsers.RoutePath{Path: p.path, Kind: p.kind}
	}
	vals := s.pathValues(matcherOf(d))
	var out []parsers.RoutePath
	if len(vals) < 2 {
		out = []parsers.RoutePath{one(s.narrow(ctx, d))}
		vals = nil
	}
	for _, v := range vals {
		inner := pathOf(v)
		if ctx.strip != "" && inner.kind != parsers.PathRegex {
			inner.path = ctx.strip + inner.path
		}
		out = append(out, one(combine(ctx, inner)))
	}
	if s.namedHostMatcher(matcherOf(d)) {
		for i := range out {
			out[i].NamedHost = true
		}
	}
	return out
}

// namedHostMatcher reports whether named matcher m holds only for requests whose Host is
// a DNS name its host condition lists: the definition has a host condition (`@app host
// app.example.com`, or a host line in its block, ANDed with the others) and every host
// condition names only DNS names (namedHosts). A request whose Host is an IP address
// never matches it. A `not` block, a placeholder or an address makes it not known: false.
func (s *siteWalker) namedHostMatcher(m *Token) bool {
	if m == nil || !strings.HasPrefix(m.Text, "@") {
		return false
	}
	def := s.matchers[m.Text]
	if def == nil {
		return false
	}
	conds := []*Directive{{Tokens: def.Tokens[1:]}}
	if def.HasBlock {
		if len(def.Tokens) != 1 {
			return false
		}
		conds = def.Block
	}
	found := false
	for _, c := range conds {
		if c.Name() != "host" {
			continue
		}
		var vals []string
		for _, t := range c.Args() {
			vals = append(vals, t.Text)
		}
		if c.HasBlock || !namedHosts(vals) {
			return false
		}
		found = true
	}
	return found
}

// namedHosts reports whether a host matcher's values are all DNS names (app.example.com,
// *.example.com): none an IP address, a placeholder or a bare *, so that a request whose
// Host is the target's IP address matches none of them.
func namedHosts(vals []string) bool {
	if len(vals) == 0 {
		return false
	}
	for _, v := range vals {
		h := strings.TrimPrefix(v, "*.")
		if h == "" || strings.ContainsAny(h, "{}$*:[]") || net.ParseIP(h) != nil ||
			!strings.ContainsFunc(h, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }) {
			return false
		}
	}
	return true
}

// pathValues returns the values of named matcher m when its only condition is one path
// list (`@api path /a/* /b/*`, or the same in a block with a method condition letting GET
// through, as matcherPath reads it); nil otherwise.
func (s *siteWalker) pathValues(m *Token) []string {
	if m == nil || !strings.HasPrefix(m.Text, "@") {
		return nil
	}
	def := s.matchers[m.Text]
	if def == nil {
		return nil
	}
	var cond *Directive
	if !def.HasBlock {
		cond = &Directive{Tokens: def.Tokens[1:]}
	} else if len(def.Tokens) == 1 {
		for _, c := range def.Block {
			if c.Name() == "method" && !c.HasBlock && allowsGET(c.Args()) {
				continue
			}
			if cond != nil {
				return nil
			}
			cond = c
		}
	}
	if cond == nil || cond.Name() != "path" || cond.HasBlock {
		return nil
	}
	var out []string
	for _, t := range cond.Args() {
		out = append(out, t.Text)
	}
	return out
}

// handleSortPath returns the length of the one path a handle block's matcher holds,
// which Caddy sorts sibling handle blocks by (0 for no matcher, or *), and ok; ok is
// false for any other matcher (several paths, other conditions, an undefined name).
func (s *siteWalker) handleSortPath(d *Directive) (int, bool) {
	m := matcherOf(d)
	switch {
	case m == nil || m.Text == "*":
		return 0, true
	case strings.HasPrefix(m.Text, "/"):
		// An inline path matcher is the token after the directive name; a second
		// path token would be another path.
		if len(d.Tokens) > 2 && strings.HasPrefix(d.Tokens[2].Text, "/") && !d.Tokens[2].Quoted {
			return 0, false
		}
		return len(m.Text), true
	}
	def := s.matchers[m.Text]
	if def == nil {
		return 0, false
	}
	cond := &Directive{Tokens: def.Tokens[1:]}
	if def.HasBlock {
		if len(def.Tokens) != 1 || len(def.Block) != 1 {
			return 0, false
		}
		cond = def.Block[0]
	}
	if cond.Name() != "path" || cond.HasBlock || len(cond.Args()) != 1 {
		return 0, false
	}
	return len(cond.Args()[0].Text), true
}

// mayMatch reports whether directive x, in a block serving ctx, may match a request
// to the paths target: no matcher, one the model cannot read, or paths that overlap.
func (s *siteWalker) mayMatch(x *Directive, ctx pathCtx, target pathCtx) bool {
	if matcherOf(x) == nil {
		return true
	}
	m := s.narrow(ctx, x)
	switch {
	case m.kind == parsers.PathRegex || target.kind == parsers.PathRegex:
		return true
	case m.kind == parsers.PathPrefix:
		return strings.HasPrefix(target.path, m.path) || target.kind == parsers.PathPrefix && strings.HasPrefix(m.path, target.path)
	case target.kind == parsers.PathPrefix:
		return strings.HasPrefix(m.path, target.path)
	}
	return m.path == target.path
}

// covers reports whether directive x, in a block serving ctx, matches every request to
// the paths target: no matcher, or a path matcher the target's paths are all under. A
// matcher the model cannot read is not known to cover them.
func (s *siteWalker) covers(x *Directive, ctx pathCtx, target pathCtx) bool {
	if m := matcherOf(x); m == nil || m.Text == "*" {
		return true
	}
	m := s.narrow(ctx, x)
	switch {
	case m.kind == parsers.PathPrefix:
		return target.kind != parsers.PathRegex && strings.HasPrefix(target.path, m.path)
	case m.kind == parsers.PathExact:
		return target.kind == parsers.PathExact && target.path == m.path
	}
	return false
}

// collectMatchers records every named matcher definition (@name ...) of the site.
func (s *siteWalker) collectMatchers(ds []*Directive) {
	for _, d := range ds {
		if n := d.Name(); strings.HasPrefix(n, "@") && len(d.Tokens) > 0 && !d.Tokens[0].Quoted {
			s.matchers[n] = d
		}
		if e := edgeSignal(d); e.Known() {
			s.hop.Edge = e
		}
		if d.HasBlock {
			s.collectMatchers(d.Block)
		}
	}
}

// walk models the directives of a block under ctx.
func (s *siteWalker) walk(ds []*Directive, ctx pathCtx) {
	s.walkBlock(ds, ctx, false)
}

// walkBlock models the directives of a block under ctx; ordered is set for a route
// block, whose directives run as written.
func (s *siteWalker) walkBlock(ds []*Directive, ctx pathCtx, ordered bool) {
	s.levels = append(s.levels, level{ds: ds, ordered: ordered, ctx: ctx})
	defer func() { s.levels = s.levels[:len(s.levels)-1] }()
	for i, d := range ds {
		s.levels[len(s.levels)-1].i = i
		switch d.Name() {
		case "handle", "route":
			if d.HasBlock {
				s.walkBlock(d.Block, s.narrow(ctx, d), d.Name() == "route")
			}
		case "handle_path":
			if d.HasBlock {
				inner := s.narrow(ctx, d)
				switch inner.kind {
				case parsers.PathPrefix:
					inner.strip = strings.TrimSuffix(inner.path, "/")
				case parsers.PathExact:
					// handle_path /health: the block serves that one path (stripped to
					// "" for the matchers inside), as the adapter's JSON says.
					inner.strip = inner.path
				default:
					inner.kind = parsers.PathRegex
				}
				s.walkBlock(d.Block, inner, false)
			}
		case "reverse_proxy":
			if !shadowedProxy(ds, i, ordered) {
				s.reverseProxy(d, ctx)
			}
		case "respond":
			s.respond(d, ctx)
		case "php_fastcgi":
			s.hop.OtherPass = true
			if !slices.ContainsFunc(ds, func(x *Directive) bool { return x.Name() == "reverse_proxy" && catchAll(x) }) {
				// A reverse_proxy without a matcher beside it runs first (the directive
				// order) or as written in a route block: either way which requests
				// reach php-fpm is not known, and no route is modelled.
				s.fastcgi(d, ctx, nil)
			}
		}
	}
}

// shadowedProxy reports whether the reverse_proxy ds[i] never gets a request because an
// earlier reverse_proxy of the same block without a matcher takes them all: reverse_proxy
// never hands a request on (unless a handle_response block lets it), a route block runs its directives as written, and elsewhere
// Caddy sorts a reverse_proxy with a matcher before one without and keeps those without
// in the order written (caddy adapt 2.6.2; with the first one's upstream down, every
// request got 502 and none reached the second). Such a directive is not modelled, as a
// respond answered first is not: no finding can say what happens to its requests.
func shadowedProxy(ds []*Directive, i int, ordered bool) bool {
	if !ordered && !catchAll(ds[i]) {
		return false // sorted before the catch-all
	}
	for _, x := range ds[:i] {
		if x.Name() == "reverse_proxy" && catchAll(x) && !handsOn(x) {
			return true
		}
	}
	return false
}

// handsOn reports whether reverse_proxy d has handle_response blocks: their routes run
// with the next handler after them (forward_auth is built on this), so a request can go
// on past d.
func handsOn(d *Directive) bool {
	for _, sub := range d.Block {
		if sub.Name() == "handle_response" {
			return true
		}
	}
	return false
}

// catchAll reports whether directive d has no matcher, or "*", which matches every request.
func catchAll(d *Directive) bool {
	m := matcherOf(d)
	return m == nil || m.Text == "*"
}

// matcherOf returns the matcher token of a directive (its first argument when that is
// "*", a path or @name), or nil.
func matcherOf(d *Directive) *Token {
	if len(d.Tokens) < 2 {
		return nil
	}
	t := d.Tokens[1]
	if t.Quoted {
		return nil
	}
	if t.Text == "*" || strings.HasPrefix(t.Text, "/") || strings.HasPrefix(t.Text, "@") {
		return &t
	}
	return nil
}

// narrow returns the paths served inside directive d under ctx, given d's matcher.
func (s *siteWalker) narrow(ctx pathCtx, d *Directive) pathCtx {
	m := matcherOf(d)
	if m == nil {
		return ctx
	}
	inner := s.matcherPath(m.Text)
	if ctx.strip != "" && inner.kind != parsers.PathRegex {
		inner.path = ctx.strip + inner.path
	}
	return combine(ctx, inner)
}

// matcherPath turns a matcher token into the paths it selects.
func (s *siteWalker) matcherPath(m string) pathCtx {
	if strings.HasPrefix(m, "@") {
		def := s.matchers[m]
		if def == nil {
			return pathCtx{kind: "regex"}
		}
		// @name path /x/*  or  @name { path /x/* }: exactly one condition, a path
		// matcher with one value; a `method` condition that lets GET through may come
		// with it (health checks and page loads are GETs).
		var cond *Directive
		if def.HasBlock {
			if len(def.Tokens) != 1 {
				return pathCtx{kind: "regex"}
			}
			for _, c := range def.Block {
				if c.Name() == "method" && !c.HasBlock && allowsGET(c.Args()) {
					continue
				}
				if cond != nil {
					return pathCtx{kind: "regex"}
				}
				cond = c
			}
			if cond == nil {
				return pathCtx{kind: "regex"}
			}
		} else {
			cond = &Directive{Tokens: def.Tokens[1:]}
		}
		if cond.Name() != "path" || len(cond.Tokens) != 2 || cond.HasBlock {
			return pathCtx{kind: "regex"}
		}
		return pathOf(cond.Tokens[1].Text)
	}
	return pathOf(m)
}

// allowsGET reports whether a method matcher's values include GET.
func allowsGET(methods []Token) bool {
	for _, m := range methods {
		if strings.EqualFold(m.Text, "GET") {
			return true
		}
	}
	return false
}

// pathOf reads one path matcher value: "*" is everything, a trailing "*" a prefix, no
// "*" an exact path; anything else (inner wildcards, placeholders) is "regex".
func pathOf(p string) pathCtx {
	switch {
	case p == "*":
		return pathCtx{path: "/", kind: "prefix"}
	case strings.Contains(p, "{") || !strings.HasPrefix(p, "/"):
		return pathCtx{kind: "regex"}
	case strings.HasSuffix(p, "*") && !strings.Contains(p[:len(p)-1], "*"):
		return pathCtx{path: p[:len(p)-1], kind: "prefix"}
	case !strings.Contains(p, "*"):
		return pathCtx{path: p, kind: "exact"}
	}
	return pathCtx{kind: "regex"}
}

// combine intersects an enclosing context with an inner matcher's paths.
func combine(outer, inner pathCtx) pathCtx {
	inner.strip = outer.strip
	switch {
	case outer.kind == parsers.PathRegex || inner.kind == parsers.PathRegex:
		return pathCtx{kind: "regex"}
	case outer.kind == parsers.PathPrefix && strings.HasPrefix(inner.path, outer.path):
		return inner
	case outer.kind == parsers.PathExact && inner.kind == parsers.PathPrefix && strings.HasPrefix(outer.path, inner.path):
		return outer
	case inner.kind == parsers.PathPrefix && outer.kind == parsers.PathPrefix && strings.HasPrefix(outer.path, inner.path):
		return outer
	}
	return pathCtx{kind: "regex"}
}

// respond models `respond [matcher] [body|status] [status]` as a route the hop answers
// itself.
func (s *siteWalker) respond(d *Directive, ctx pathCtx) {
	ctx = s.narrow(ctx, d)
	if s.answeredFirst(ctx) {
		// Something that runs first (a reverse_proxy before it in a route block, a
		// rewrite of its path) may take the request: it is not known to answer.
		return
	}
	args := d.Args()
	if matcherOf(d) != nil {
		args = args[1:]
	}
	status := parsers.Def(200, defRespond)
	for i, a := range args {
		if i > 1 {
			break
		}
		// A lone three-digit argument is a status; so is a second argument.
		n, err := strconv.Atoi(a.Text)
		if err == nil && (i == 1 || len(a.Text) == 3 && !a.Quoted) {
			status = set(n, d)
		}
	}
	name := d.NameTok()
	r := s.newRoute(d, ctx)
	r.Respond = &parsers.Respond{Status: status, Pos: name.Pos, Text: lineText(d)}
	r.TakenFirst = s.takenFirst(ctx)
	s.hop.Routes = append(s.hop.Routes, r)
}
