package config

import (
	"strings"

	"github.com/no502/no502/parsers"
)

// RegexPrefix returns the literal text every path a location regex matches starts with,
// when the regex is anchored (^/api/v[0-9]+ → "/api/v"); anchored is false when paths
// anywhere can match (\.php$, or an alternation, which may hold an unanchored branch).
// nginx matches a location regex against the request URI with PCRE; only the literal
// start is read here, so the answer holds in either syntax.
func RegexPrefix(expr string) (prefix string, anchored bool) {
	if !strings.HasPrefix(expr, "^") || strings.Contains(expr, "|") {
		return "", false
	}
	var b []byte
	for i := 1; i < len(expr); i++ {
		c := expr[i]
		switch c {
		case '\\':
			// \. \/ \- are the character itself; \d, \w and the like end the literal.
			if i+1 < len(expr) && strings.IndexByte(`./-_~`, expr[i+1]) >= 0 {
				i++
				b = append(b, expr[i])
				continue
			}
			return string(b), true
		case '.', '[', '(', '$', '^', '+':
			return string(b), true
		case '?', '*', '{':
			// The character before is optional (or repeated a number of times that may
			// be zero): it is not part of every match.
			if len(b) > 0 {
				b = b[:len(b)-1]
			}
			return string(b), true
		}
		b = append(b, c)
	}
	return string(b), true
}

// RoutePrefix is the path prefix every request that route r serves starts with, as an
// outer hop sees it: r's own path, or for a regex (location ~ \.php$ serving a PHP site)
// the literal start of an anchored regex, else "/": requests that reach a regex may come
// through the outer hop's catch-all.
func RoutePrefix(r *parsers.Route) string {
	if r.PathKind != parsers.PathRegex {
		return r.Path
	}
	if prefix, anchored := RegexPrefix(r.Path); anchored && strings.HasPrefix(prefix, "/") {
		return prefix
	}
	return "/"
}
