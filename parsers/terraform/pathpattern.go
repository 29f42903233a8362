package terraform

import (
	"strings"

	"github.com/no502/no502/parsers"
)

// routePath turns an ALB path_pattern value into a route path and kind. ALB patterns
// are case-sensitive globs where * matches any characters and ? exactly one:
//
//	"/api/*" → "/api/" prefix      "/api*" → "/api" prefix
//	"*", "/*" → "/" prefix          "/health" → "/health" exact
//
// A wildcard anywhere else ("/v?/users", "*/health") matches a set of paths no prefix
// describes; it is kind "regex", which budget matching skips rather than guess.
func routePath(pattern string) (path string, kind parsers.PathKind) {
	p := strings.TrimSpace(pattern)
	if p == "" {
		return "", parsers.PathRegex
	}
	i := strings.IndexAny(p, "*?")
	switch {
	case i < 0:
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		return p, parsers.PathExact
	case i == len(p)-1 && p[i] == '*':
		prefix := p[:i]
		if prefix == "" {
			prefix = "/"
		}
		if !strings.HasPrefix(prefix, "/") {
			return p, parsers.PathRegex
		}
		return prefix, parsers.PathPrefix
	}
	return p, parsers.PathRegex
}
