package parsers

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
)

// Locations are an nginx server's location blocks as nginx searches them, so that "which
// location answers path P" is decided the way nginx decides it (ngx_http_core_find_location,
// https://nginx.org/en/docs/http/ngx_http_core_module.html#location):
//
//  1. an exact location (= P) equal to the path answers;
//  2. else the longest prefix location covering the path is remembered, and its nested
//     locations are searched the same way (an exact or regex match there answers);
//  3. unless that prefix location is ^~, the regex locations of the level are tried in
//     config order, and the first that matches answers (its nested locations searched);
//  4. else the remembered prefix location answers.
//
// A request for /api when only a location /api/ with proxy_pass (or another *_pass)
// covers it gets a 301 to /api/ (nginx's auto_redirect): no location answers it.
// Every location is listed, also those that neither forward nor answer 2xx (they are not
// routes): a path they answer is answered by no route.
type Locations struct {
	Top []*Location
	// many is set when the tree is too large for sample-based questions (ServesUnder):
	// they are then left undecided.
	many bool

	mu    sync.Mutex
	under map[string]map[*Route]bool // ServesUnder's answers, by prefix
}

// Location is one location block.
type Location struct {
	Path string
	Kind PathKind
	// Caseless is set on a ~* regex; NoRegex on a ^~ prefix (a match stops the regex
	// search).
	Caseless, NoRegex bool
	// AutoRedirect is set on a prefix location ending in / that forwards (proxy_pass,
	// fastcgi_pass, ...): a request for the path without the slash gets a 301.
	AutoRedirect bool
	// Route is the route the location makes (nil when it neither forwards nor answers 2xx).
	Route *Route
	// Fallback is the named location a location without a route hands requests to when
	// no file matches (try_files ... @backend), as written.
	Fallback string
	Nested   []*Location

	once sync.Once
	re   *regexp.Regexp // nil when Go's regexp cannot compile the PCRE expression
}

// maxSampledLocations bounds the locations of a server for which ServesUnder samples
// paths (each sample searches every location).
const maxSampledLocations = 400

// SetLocations gives hop h its location tree (nginx).
func (h *Hop) SetLocations(top []*Location) {
	n := 0
	var count func([]*Location)
	count = func(ls []*Location) {
		for _, l := range ls {
			n++
			count(l.Nested)
		}
	}
	count(top)
	h.locations = &Locations{Top: top, many: n > maxSampledLocations}
}

// regexp compiles the location's regex once. PCRE syntax Go does not have (lookarounds,
// backreferences) leaves it nil: what it matches is then unknown.
func (l *Location) regexp() *regexp.Regexp {
	l.once.Do(func() {
		expr := l.Path
		if l.Caseless {
			expr = "(?i)" + expr
		}
		if re, err := regexp.Compile(expr); err == nil {
			l.re = re
		}
	})
	return l.re
}

// find searches locs for path as nginx searches one level. final is set when an exact
// location, a regex or an auto-redirect decided (outer levels' regexes are not tried);
// known is false when a regex that had to be tried cannot be evaluated. loc is nil when
// no location of the level covers the path, or for an auto-redirect (final).
func findLocation(locs []*Location, path string) (loc *Location, final, known bool) {
	var best *Location
	exactPath := false
	for _, l := range locs {
		switch l.Kind {
		case PathExact:
			if l.Path == path {
				return l, true, true
			}
		case PathPrefix:
			p := l.Path
			if p == path {
				exactPath = true
			}
			if strings.HasPrefix(path, p) && (best == nil || len(p) > len(best.Path)) {
				best = l
			}
		}
	}
	if !exactPath {
		for _, l := range locs {
			if l.Kind == PathPrefix && l.AutoRedirect && l.Path == path+"/" {
				return nil, true, true
			}
		}
	}
	noRegex := false
	if best != nil {
		loc = best
		noRegex = best.NoRegex
		if len(best.Nested) > 0 {
			nl, nfinal, nknown := findLocation(best.Nested, path)
			if !nknown {
				return nil, true, false
			}
			if nfinal {
				return nl, true, true
			}
			if nl != nil {
				loc = nl
			}
		}
	}
	if noRegex {
		return loc, false, true
	}
	for _, l := range locs {
		if l.Kind != PathRegex {
			continue
		}
		re := l.regexp()
		if re == nil {
			return nil, true, false
		}
		if !re.MatchString(path) {
			continue
		}
		if len(l.Nested) > 0 {
			nl, _, nknown := findLocation(l.Nested, path)
			if !nknown {
				return nil, true, false
			}
			if nl != nil {
				return nl, true, true
			}
		}
		return l, true, true
	}
	return loc, false, true
}

// Locate returns the location of the tree that answers a request for path (its query
// string is not matched); ok is false when that cannot be known (a regex Go cannot
// evaluate had to be tried). A nil location with ok set: none covers the path, or nginx
// redirects it.
func (ls *Locations) Locate(path string) (loc *Location, ok bool) {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	loc, _, ok = findLocation(ls.Top, path)
	return loc, ok
}

// ServesUnder reports whether route r answers some request whose path starts with
// prefix: decided is false when the tree cannot say (too many locations to sample). It
// tries the paths the locations themselves name under prefix (prefix itself, each
// location's literal path, a match of each anchored regex) and one more character after
// each, and asks which location answers each: evidence, not a proof that no other path
// reaches r. An unanchored regex (\.php$) is sampled only under /: whether requests
// under a narrower prefix end that way cannot be known without the traffic. A location
// that serves files and hands the rest to a named location (try_files $uri @backend)
// counts as reaching that named location: requests for paths with no file go there.
func (ls *Locations) ServesUnder(r *Route, prefix string) (yes, decided bool) {
	if ls == nil || ls.many {
		return false, false
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	served, ok := ls.under[prefix]
	if !ok {
		// Every route of a server is asked about the same prefixes (one per budget):
		// the samples are located once per prefix.
		served = ls.servedUnder(prefix)
		if ls.under == nil {
			ls.under = map[string]map[*Route]bool{}
		}
		ls.under[prefix] = served
	}
	return served[r], true
}

// servedUnder returns the routes answering the sampled paths under prefix (ServesUnder).
func (ls *Locations) servedUnder(prefix string) map[*Route]bool {
	served := map[*Route]bool{}
	seen := map[string]bool{}
	try := func(p string) {
		if !strings.HasPrefix(p, prefix) || seen[p] {
			return
		}
		seen[p] = true
		loc, ok := ls.Locate(p)
		if ok && loc != nil && loc.Route == nil && loc.Fallback != "" {
			loc = ls.named(loc.Fallback)
		}
		if ok && loc != nil && loc.Route != nil {
			served[loc.Route] = true
		}
	}
	sample := func(p string) { try(p); try(p + "x") }
	sample(prefix)
	var walk func([]*Location)
	walk = func(locs []*Location) {
		for _, l := range locs {
			switch l.Kind {
			case PathExact, PathPrefix:
				sample(l.Path)
			case PathRegex:
				anchored := strings.HasPrefix(l.Path, "^")
				for _, e := range RegexExamples(l.Path, l.Caseless) {
					if !anchored {
						if prefix != "/" {
							break
						}
						e = "/x" + e
					}
					sample(e)
				}
			}
			walk(l.Nested)
		}
	}
	walk(ls.Top)
	return served
}

// ServesUnder is Locations.ServesUnder for an nginx server; decided is false for other
// hops.
func (h *Hop) ServesUnder(r *Route, prefix string) (yes, decided bool) {
	if h.locations == nil {
		return false, false
	}
	return h.locations.ServesUnder(r, prefix)
}

// named returns the server's named location called name (@backend), or nil.
func (ls *Locations) named(name string) *Location {
	for _, l := range ls.Top {
		if l.Kind == PathNamed && l.Path == name {
			return l
		}
	}
	return nil
}

// maxExamples bounds the strings RegexExamples makes (alternations multiply).
const maxExamples = 32

// RegexExamples returns strings the regex matches, one for each branch of its
// alternations as far as maxExamples allows (^/webhooks/(github|gitlab)$ →
// /webhooks/github, /webhooks/gitlab): the shortest repetition of each part, a
// printable character of each class. Nil when Go's regexp cannot parse it (PCRE-only
// syntax).
func RegexExamples(expr string, caseless bool) []string {
	flags := syntax.Perl
	if caseless {
		flags |= syntax.FoldCase
	}
	re, err := syntax.Parse(expr, flags)
	if err != nil {
		return nil
	}
	if caseless {
		expr = "(?i)" + expr
	}
	full, err := regexp.Compile(expr)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range examples(re.Simplify()) {
		// An unanchored regex matches inside a longer string; an anchored one must
		// match the example itself.
		if full.MatchString(e) {
			out = append(out, e)
		}
	}
	return out
}

func examples(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		return []string{string(re.Rune)}
	case syntax.OpCharClass:
		return []string{string(classChar(re.Rune))}
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return []string{"x"}
	case syntax.OpCapture:
		return examples(re.Sub[0])
	case syntax.OpPlus:
		return examples(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min == 0 {
			return []string{""}
		}
		subs := examples(re.Sub[0])
		out := subs
		for i := 1; i < re.Min && i < 8; i++ {
			out = product(out, subs)
		}
		return out
	case syntax.OpConcat:
		out := []string{""}
		for _, s := range re.Sub {
			out = product(out, examples(s))
		}
		return out
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			out = append(out, examples(s)...)
			if len(out) >= maxExamples {
				return out[:maxExamples]
			}
		}
		return out
	}
	// Star, Quest, empty matches and assertions (^, $, \b): nothing.
	return []string{""}
}

func product(a, b []string) []string {
	out := make([]string, 0, min(len(a)*len(b), maxExamples))
	for _, x := range a {
		for _, y := range b {
			if len(out) == maxExamples {
				return out
			}
			out = append(out, x+y)
		}
	}
	return out
}

// classChar picks a character of a class (pairs of range bounds) that a URL path may
// hold: a letter or digit when the class has one, else its first printable character.
func classChar(ranges []rune) rune {
	in := func(c rune) bool {
		for i := 0; i+1 < len(ranges); i += 2 {
			if ranges[i] <= c && c <= ranges[i+1] {
				return true
			}
		}
		return false
	}
	for _, c := range "axA0-_.~" {
		if in(c) {
			return c
		}
	}
	for c := rune(0x21); c < 0x7f; c++ {
		if in(c) {
			return c
		}
	}
	if len(ranges) > 0 {
		return ranges[0]
	}
	return 'x'
}
