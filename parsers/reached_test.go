package parsers

import "testing"

// TestReachedHops checks which nginx servers of a backend a route's requests reach by
// their Host header, and that anything uncertain keeps every server.
func TestReachedHops(t *testing.T) {
	server := func(listen string, names ...string) *Hop {
		return &Hop{Kind: HopNginx, Listen: []string{listen}, ServerNames: names, Pos: Pos{File: "nginx.conf", Offset: int32(len(names[0]))}}
	}
	caddyRoute := func(site string, be *Backend, headers ...string) *Route {
		h := &Hop{Kind: HopCaddy, Format: FormatCaddy, Listen: []string{site}}
		r := &Route{Hop: h, Backend: be}
		for _, x := range headers {
			r.Headers = append(r.Headers, Set(x, Pos{}, x))
		}
		return r
	}
	api, admin := server("80", "api.example.com"), server("80", "admin.example.com", "www.admin.example.com")
	wild := server("80", "*.example.org")
	def := server("80", "default.example.com")
	def.DefaultFor = []string{"80"}
	cases := []struct {
		name    string
		route   *Route
		servers []*Hop
		want    []*Hop
	}{
		{"site name picks its server", caddyRoute("api.example.com", nil), []*Hop{admin, api}, []*Hop{api}},
		{"second name", caddyRoute("https://www.admin.example.com/", nil), []*Hop{admin, api}, []*Hop{admin}},
		{"any host", caddyRoute(":80", nil), []*Hop{admin, api}, []*Hop{admin, api}},
		{"wildcard site", caddyRoute("*.example.com", nil), []*Hop{admin, api}, []*Hop{admin, api}},
		{"header_up literal", caddyRoute("shop.example.com", nil, "Host admin.example.com"), []*Hop{admin, api}, []*Hop{admin}},
		{"header_up placeholder", caddyRoute("shop.example.com", nil, "Host {upstream_hostport}"), []*Hop{admin, api}, []*Hop{admin, api}},
		{"no name matches: first server", caddyRoute("shop.example.com", nil), []*Hop{admin, api}, []*Hop{api}},
		{"no name matches: default_server", caddyRoute("shop.example.com", nil), []*Hop{api, def}, []*Hop{def}},
		{"a wildcard server might match", caddyRoute("shop.example.org", nil), []*Hop{api, wild}, []*Hop{api, wild}},
		{"different ports", caddyRoute("api.example.com", nil), []*Hop{server("8080", "api.example.com"), admin}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			be := &Backend{Hops: c.servers}
			c.route.Backend = be
			got := c.route.ReachedHops()
			want := c.want
			if want == nil {
				want = c.servers
			}
			if len(got) != len(want) {
				t.Fatalf("got %d hops, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("hop %d: got %v, want %v", i, got[i].ServerNames, want[i].ServerNames)
				}
			}
		})
	}
}
