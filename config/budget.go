package config

import (
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// Budget returns the handler budget that applies to route r: the largest
// handler_timeout among the config's routes whose requests r serves. ok is false when no
// configured route reaches r.
//
// A configured prefix M reaches a route with path P when P lies under M (the route serves
// part of M), or when P is the most specific prefix route of its hop that covers M (the
// route nginx, Caddy or an ALB would pick for a request to M). A regex route is reached
// when it can serve requests under M: always for M = "/" (every request is under it; a
// PHP site's location ~ \.php$ serves every page), and otherwise when the regex is
// anchored and its literal start, longer than "/", and M agree: one lies under the other
// (^/webhooks/legacy for /webhooks/, ^/api for /api/v2/). A regex that may match
// anywhere (\.php$, ^.*\.php$, ^/[a-z]+/) is not reached by a narrower M (/export/):
// that it serves any of M's requests cannot be known without the traffic.
// Named routes are never reached this way: only an internal redirect gets there.
//
// An nginx route is decided by its server's location tree instead
// (parsers.Hop.ServesUnder): M reaches the route when a request under M (M itself,
// a location's own path, a match of an anchored regex, ^/webhooks/(github|gitlab)$ →
// /webhooks/github) is answered by it as nginx searches locations: exact, longest prefix,
// then the regexes in config order unless the prefix is ^~. A named location is reached
// through a location whose try_files ends in it (the paths with no file go there).
func (c *Config) Budget(r *parsers.Route) (RouteBudget, bool) {
	var best RouteBudget
	found := false
	for _, rb := range c.Routes {
		if !reaches(rb.Match, r) {
			continue
		}
		if !found || rb.HandlerTimeout.Value > best.HandlerTimeout.Value {
			best, found = rb, true
		}
	}
	return best, found
}

// BudgetWithin is Budget among the entries whose handler_timeout is at most limit: what a
// hop's timeout must still cover when an edge in front cuts every request at limit (the
// longer budgets cannot be met whatever the hop waits).
func (c *Config) BudgetWithin(r *parsers.Route, limit time.Duration) (RouteBudget, bool) {
	var best RouteBudget
	found := false
	for _, rb := range c.Routes {
		if rb.HandlerTimeout.Value > limit || !reaches(rb.Match, r) {
			continue
		}
		if !found || rb.HandlerTimeout.Value > best.HandlerTimeout.Value {
			best, found = rb, true
		}
	}
	return best, found
}

func reaches(m string, r *parsers.Route) bool {
	// An nginx server decides with its location tree, as nginx searches it: a prefix
	// location covering M serves none of M's requests when a regex tried after it
	// (location ~ ^/webhooks/) takes them all, and a regex serves M's requests when one
	// of its matches under M reaches it first.
	if r.Hop != nil {
		if yes, decided := r.Hop.ServesUnder(r, m); decided {
			return yes
		}
	}
	p := r.Path
	if p == "" {
		p = "/"
	}
	switch r.PathKind {
	case parsers.PathNamed:
		return false
	case parsers.PathRegex:
		if m == "/" {
			return true
		}
		prefix, anchored := RegexPrefix(p)
		if !anchored || prefix == "" || prefix == "/" {
			return false // ^.*\.php$ or ^/[a-z]+/: may serve anything, like \.php$
		}
		return strings.HasPrefix(prefix, m) || strings.HasPrefix(m, prefix)
	case parsers.PathExact:
		return p == m || strings.HasPrefix(p, m)
	}
	if strings.HasPrefix(p, m) {
		return true
	}
	if !strings.HasPrefix(m, p) {
		return false
	}
	// p covers m; it serves m's requests only if no sibling route covers m more closely.
	if r.Hop == nil {
		return true
	}
	for _, o := range r.Hop.Routes {
		if o == r || o.PathKind == parsers.PathRegex || o.PathKind == parsers.PathNamed || o.PathKind == parsers.PathExact {
			continue
		}
		op := o.Path
		if op == "" {
			op = "/"
		}
		if len(op) > len(p) && strings.HasPrefix(m, op) {
			return false
		}
	}
	return true
}

// EdgeFor says whether an edge proxy is in front of hop h: the config's edge setting
// wins; under auto, the hop's own detected signal decides. The returned setting names
// where that knowledge came from.
func (c *Config) EdgeFor(h *parsers.Hop) (parsers.Setting[string], bool) {
	switch c.Edge.Value {
	case EdgeNone:
		return parsers.Setting[string]{}, false
	case EdgeCloudflare:
		return c.Edge, true
	}
	if h != nil && h.Edge.Known() && h.Edge.Value != "" {
		return h.Edge, true
	}
	return parsers.Setting[string]{}, false
}

// EdgeLimit is the edge's proxy read timeout.
func (c *Config) EdgeLimit() time.Duration { return c.EdgeTimeout.Value }
