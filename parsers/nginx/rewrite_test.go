package nginx

import "testing"

func TestMatchesEveryURIUnder(t *testing.T) {
	for _, c := range []struct {
		re, prefix string
		want       bool
	}{
		{`^/legacy/(.*)$`, "/legacy/", true},
		{`^/legacy/(.*)`, "/legacy/", true},
		{`^/legacy`, "/legacy/", true},
		{`^`, "/x/", true},
		{`^(.*)$`, "", true},
		{`^/(.*)$`, "/api/", true},
		{`/legacy/`, "/old/legacy/", true},
		{`(?i)^/LEGACY/(.*)$`, "/legacy/", true},
		{`^/legacy/(.+)$`, "/legacy/", false}, // the URI /legacy/ itself
		{`^/legacy/old/(.*)$`, "/legacy/", false},
		{`^/legacy/(.*)$`, "", false}, // a regex or named location: any URI
		{`^/legacy/$`, "/legacy/", false},
		{`^/(a|b)/(.*)$`, "/a/", false},
		{`^/x/[a-z]*$`, "/x/", false},
		{`^/x/(?=y)`, "/x/", false}, // PCRE only: not known
	} {
		if got := matchesEveryURIUnder(c.re, c.prefix); got != c.want {
			t.Errorf("matchesEveryURIUnder(%q, %q) = %v, want %v", c.re, c.prefix, got, c.want)
		}
	}
}
