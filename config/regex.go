package config

import "strings"

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
