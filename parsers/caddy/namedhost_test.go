package caddy

import "testing"

// TestNamedHosts: a host matcher takes no request whose Host is an IP address only when
// every value is a DNS name; an address, a placeholder or a bare * may match the check.
func TestNamedHosts(t *testing.T) {
	for _, c := range []struct {
		vals []string
		want bool
	}{
		{[]string{"app.example.com"}, true},
		{[]string{"app.example.com", "*.example.com"}, true},
		{[]string{"localhost"}, true},
		{nil, false},
		{[]string{"app.example.com", "10.0.0.5"}, false},
		{[]string{"[::1]"}, false},
		{[]string{"fe80::1"}, false},
		{[]string{"{$APP_HOST}"}, false},
		{[]string{"{env.HOST}"}, false},
		{[]string{"*"}, false},
		{[]string{"*.*"}, false},
		{[]string{"app.example.com:8080"}, false},
	} {
		if got := namedHosts(c.vals); got != c.want {
			t.Errorf("namedHosts(%q) = %v, want %v", c.vals, got, c.want)
		}
	}
}
