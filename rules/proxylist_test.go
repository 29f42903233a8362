package rules

import "testing"

// TestProxyList checks the names of the proxies in front of a Compose service as the
// messages write them before a verb in the singular ("... forwards to it").
func TestProxyList(t *testing.T) {
	for _, c := range []struct {
		names []string
		want  string
	}{
		{nil, "the proxy"},
		{[]string{"nginx (nginx)"}, "nginx (nginx)"},
		{[]string{"Caddy (b)", "Caddy (a)"}, "each of Caddy (a) and Caddy (b)"},
		{[]string{"c", "a", "b"}, "each of a, b and c"},
		{[]string{"e", "d", "c", "b", "a"}, "each of a, b, c and 2 more"},
	} {
		if got := proxyList(c.names); got != c.want {
			t.Errorf("proxyList(%q) = %q, want %q", c.names, got, c.want)
		}
	}
}
