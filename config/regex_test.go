package config

import "testing"

func TestRegexPrefix(t *testing.T) {
	for _, c := range []struct {
		expr     string
		prefix   string
		anchored bool
	}{
		{`^/webhooks/legacy`, "/webhooks/legacy", true},
		{`^/api/v[0-9]+/`, "/api/v", true},
		{`^/api/?$`, "/api", true},
		{`^/static\.d/x`, "/static.d/x", true},
		{`^/files\d+`, "/files", true},
		{`^/a+b`, "/a", true},
		{`^/(api|v2)/`, "", false},
		{`\.php$`, "", false},
		{`^.*\.php$`, "", true},
		{`^/[a-z]+/`, "/", true},
	} {
		p, a := RegexPrefix(c.expr)
		if p != c.prefix || a != c.anchored {
			t.Errorf("RegexPrefix(%q) = %q, %v; want %q, %v", c.expr, p, a, c.prefix, c.anchored)
		}
	}
}
