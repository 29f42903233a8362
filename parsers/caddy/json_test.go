package caddy

import (
	"strings"
	"testing"
	"time"

	"github.com/no502/no502/parsers"
)

const jsonSample = `{
	"apps": {
		"http": {
			"grace_period": "10s",
			"shutdown_delay": 5000000000,
			"servers": {
				"srv0": {
					"listen": [":443"],
					"idle_timeout": "2m",
					"routes": [
						{
							"match": [{"host": ["api.example.com"]}],
							"handle": [
								{
									"handler": "subroute",
									"routes": [
										{
											"match": [{"path": ["/v1/*"]}],
											"handle": [
												{
													"handler": "subroute",
													"routes": [
														{"handle": [{"handler": "rewrite", "strip_path_prefix": "/v1"}]},
														{
															"match": [{"path": ["/hooks/*"]}],
															"handle": [
																{
																	"handler": "reverse_proxy",
																	"health_checks": {
																		"active": {"uri": "/healthz", "interval": "10s", "expect_status": 2},
																		"passive": {"fail_duration": 30000000000, "max_fails": 3}
																	},
																	"load_balancing": {"retries": 2, "selection_policy": {"policy": "least_conn"}},
																	"transport": {
																		"protocol": "http",
																		"read_timeout": "90s",
																		"response_header_timeout": 120000000000,
																		"dial_timeout": "1s",
																		"keep_alive": {"enabled": false}
																	},
																	"upstreams": [{"dial": "10.0.0.1:8080"}, {"dial": "app:8001-8002"}]
																}
															]
														}
													]
												}
											]
										},
										{"match": [{"path": ["/health"]}], "handle": [{"handler": "static_response", "status_code": "204"}]},
										{"handle": [{"handler": "static_response", "headers": {"Location": ["https://x/"]}, "status_code": 302}]}
									]
								}
							]
						},
						{"handle": [{"handler": "reverse_proxy", "transport": {"protocol": "fastcgi"}, "upstreams": [{"dial": "php:9000"}]}]}
					]
				}
			}
		}
	}
}
`

func TestJSONModel(t *testing.T) {
	src := []byte(jsonSample)
	if !IsJSONConfig(src) {
		t.Fatal("sample not recognised")
	}
	m := Parse([]parsers.Input{{Path: "caddy.json", Src: src}}, parsers.Options{})
	if len(m.Diags) > 0 {
		t.Fatalf("diags: %v", m.Diags)
	}
	if len(m.Hops) != 2 {
		t.Fatalf("%d hops, want 2 (the site and the listener's host-less routes)", len(m.Hops))
	}
	site, other := m.Hops[0], m.Hops[1]
	if site.Name != "api.example.com" || other.Name != ":443" || !other.OtherPass || len(other.Routes) != 1 {
		t.Fatalf("hops %q %q (other pass %v, %d routes)", site.Name, other.Name, other.OtherPass, len(other.Routes))
	}
	// The fastcgi transport is a FastCGI pass with Caddy's defaults: no read limit.
	if fr := other.Routes[0]; fr.Pass != "fastcgi" || fr.Backend != nil || fr.PassBackend == nil || len(fr.PassBackend.Targets) != 1 ||
		fr.ReadTimeout.Explicit() || !fr.ReadTimeout.Known() || fr.ReadTimeout.Value != 0 || fr.ConnectTimeout.Value != 3*time.Second {
		t.Errorf("fastcgi route %+v", fr)
	}
	cut := func(p parsers.Pos) string { return string(src[p.Offset:p.EndOffset]) }
	if site.ShutdownTimeout.Value != 10*time.Second || site.ShutdownDelay.Value != 5*time.Second || site.ClientIdleTimeout.Value != 2*time.Minute {
		t.Errorf("grace %v delay %v idle %v", site.ShutdownTimeout, site.ShutdownDelay, site.ClientIdleTimeout)
	}
	if got := cut(site.ShutdownDelay.Pos); got != `"shutdown_delay": 5000000000` {
		t.Errorf("shutdown_delay position cuts %q", got)
	}
	if len(site.Routes) != 2 {
		t.Fatalf("%d routes, want 2 (proxy and /health; the redirect is no response)", len(site.Routes))
	}
	r := site.Routes[0]
	if r.Path != "/v1/hooks/" || r.PathKind != parsers.PathPrefix {
		t.Errorf("path %q %s, want /v1/hooks/ prefix (handle_path strip)", r.Path, r.PathKind)
	}
	if r.ReadTimeout.Value != 90*time.Second || cut(r.ReadTimeout.Pos) != `"read_timeout": "90s"` {
		t.Errorf("read wait %v at %q", r.ReadTimeout.Value, cut(r.ReadTimeout.Pos))
	}
	if r.ConnectTimeout.Value != time.Second || r.Retry.Tries.Value != 2 || r.Retry.Conditions.Value[0] != `"retries": 2` {
		t.Errorf("dial %v tries %v conditions %v", r.ConnectTimeout.Value, r.Retry.Tries.Value, r.Retry.Conditions.Value)
	}
	be := r.Backend
	if len(be.Targets) != 3 || !be.Targets[0].IP || be.Targets[2].Port != "8002" || be.LBPolicy.Value != "least_conn" {
		t.Errorf("targets %v policy %v", be.Name, be.LBPolicy.Value)
	}
	if !be.KeepAliveIdle.Explicit() || be.KeepAliveIdle.Value != 0 {
		t.Errorf("keep_alive enabled false: %v", be.KeepAliveIdle)
	}
	if !be.Passive.Enabled.Value || be.Passive.FailTimeout.Value != 30*time.Second || be.Passive.MaxFails.Value != 3 ||
		be.Passive.FailTimeout.Text != `"fail_duration": 30000000000 (30s)` {
		t.Errorf("passive %+v", be.Passive)
	}
	hc := be.Health
	if hc == nil || !hc.Enabled.Value || hc.Path.Value != "/healthz" || hc.Interval.Value != 10*time.Second || hc.Matcher.Value != "2xx" {
		t.Errorf("active %+v", hc)
	}
	if !strings.HasPrefix(cut(r.Pos), `"handler": "reverse_proxy"`) {
		t.Errorf("route position cuts %q", cut(r.Pos))
	}
	h := site.Routes[1]
	if h.Respond == nil || h.Path != "/health" || h.PathKind != parsers.PathExact || h.Respond.Status.Value != 204 {
		t.Errorf("health route %+v", h)
	}
}

func TestJSONDurations(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want time.Duration
		ok   bool
	}{
		{`1500000000`, 1500 * time.Millisecond, true},
		{`"1.5s"`, 1500 * time.Millisecond, true},
		{`"1d"`, 24 * time.Hour, true},
		{`"{$T:30s}"`, 30 * time.Second, true},
		{`"{$T}"`, 0, false},
		{`1.5`, 0, false},
		{`-1`, 0, false},
		{`true`, 0, false},
	} {
		src := []byte(`{"apps": {"http": {"grace_period": ` + c.raw + `}}}`)
		root, _, err := readJSON(src)
		if err != nil {
			t.Fatal(err)
		}
		b := &jsonBuilder{li: newLineIndex("c.json", src)}
		d := b.duration(root.get("apps").get("http").member("grace_period"))
		if d.Known() != c.ok || c.ok && d.Value != c.want {
			t.Errorf("%s: %v (known %v), want %v (%v)", c.raw, d.Value, d.Known(), c.want, c.ok)
		}
	}
}

func TestJSONSyntaxError(t *testing.T) {
	src := []byte("{\n  \"apps\": {\"http\": {\"servers\": {,}}}\n}\n")
	m := Parse([]parsers.Input{{Path: "bad.json", Src: src}}, parsers.Options{})
	if len(m.Diags) != 1 || m.Diags[0].Pos.Line != 2 || m.Diags[0].Pos.Col != 33 {
		t.Errorf("diags %v, want one error at 2:33", m.Diags)
	}
}

func TestJSONProxySnippet(t *testing.T) {
	src := []byte(jsonSample)
	off := strings.LastIndex(jsonSample[:strings.Index(jsonSample, `"health_checks"`)], `"handler"`)
	if off < 0 {
		t.Fatal("sample changed")
	}
	got, ok := JSONProxySnippet(src, off, Subdirective{Name: "lb_try_duration", Value: "5s"}, Subdirective{Name: "response_header_timeout", Value: "100s", Transport: true})
	if !ok || !strings.Contains(got, `"try_duration": "5s"`) || !strings.Contains(got, `"response_header_timeout": "100s"`) || !strings.Contains(got, `"retries": 2`) {
		t.Errorf("snippet (ok %v):\n%s", ok, got)
	}
	if _, ok := JSONProxySnippet(src, off+1); ok {
		t.Error("a snippet for an offset where no handler starts")
	}
	if _, ok := JSONProxySnippet(src, off, Subdirective{Name: "unknown_thing", Value: "1"}); ok {
		t.Error("a snippet for a subdirective with no JSON form")
	}
}

// TestPoolIdleReadTimeout: Caddy's read_timeout closes idle pooled connections too, so
// the pool keeps them for the shorter of keepalive and read_timeout, in both syntaxes.
func TestPoolIdleReadTimeout(t *testing.T) {
	for _, c := range []struct {
		name, caddyfile, json string
		want                  time.Duration
	}{
		{"shorter read_timeout", "transport http {\n\t\t\tread_timeout 60s\n\t\t}", `"transport": {"protocol": "http", "read_timeout": "60s"}`, 60 * time.Second},
		{"longer read_timeout", "transport http {\n\t\t\tread_timeout 5m\n\t\t}", `"transport": {"protocol": "http", "read_timeout": "5m"}`, 2 * time.Minute},
		{"keepalive below it", "transport http {\n\t\t\tread_timeout 60s\n\t\t\tkeepalive 30s\n\t\t}", `"transport": {"protocol": "http", "read_timeout": "60s", "keep_alive": {"idle_timeout": "30s"}}`, 30 * time.Second},
		{"keepalive off", "transport http {\n\t\t\tread_timeout 60s\n\t\t\tkeepalive off\n\t\t}", `"transport": {"protocol": "http", "read_timeout": "60s", "keep_alive": {"enabled": false}}`, 0},
		{"response_header_timeout only", "transport http {\n\t\t\tresponse_header_timeout 10s\n\t\t}", `"transport": {"protocol": "http", "response_header_timeout": "10s"}`, 2 * time.Minute},
	} {
		cf := parseSrc(t, "example.com {\n\treverse_proxy app:8080 {\n\t\t"+c.caddyfile+"\n\t}\n}\n")
		js := Parse([]parsers.Input{{Path: "caddy.json", Src: []byte(`{"apps": {"http": {"servers": {"s": {"listen": [":443"], "routes": [{"handle": [{"handler": "reverse_proxy", ` + c.json + `, "upstreams": [{"dial": "app:8080"}]}]}]}}}}}`)}}, parsers.Options{})
		for _, m := range []*parsers.Model{cf, js} {
			noErrors(t, m)
			if len(m.Backends) != 1 {
				t.Fatalf("%s: %d backends", c.name, len(m.Backends))
			}
			if got := m.Backends[0].KeepAliveIdle; !got.Known() || got.Value != c.want {
				t.Errorf("%s (%s): pool idle %v (%q), want %v", c.name, m.Files[0].Path, got.Value, got.Text, c.want)
			}
		}
	}
}

// TestJSONMatcherSetsAlternatives: a route's matcher sets are alternatives. One without
// a host condition takes any Host, so the route is the listener's, with the path every
// set selects; a set with an empty host list matches nothing, and a route of only such
// sets runs for no request (caddy 2.6.2 on loopback: a check with Host 10.0.0.5 went to
// the app through [{"host": ["shop.example.org"]}, {"path": ["/health"]}], and
// [{"host": []}] never answered).
func TestJSONMatcherSetsAlternatives(t *testing.T) {
	src := []byte(`{"apps": {"http": {"servers": {"web": {"listen": [":80"], "routes": [
		{"match": [{"host": []}], "handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": "never:80"}]}]},
		{"match": [{"host": ["shop.example.org"], "path": ["/api/*"]}, {"path": ["/api/*"]}],
		 "handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": "api:8080"}]}]},
		{"match": [{"host": ["shop.example.org"]}],
		 "handle": [{"handler": "reverse_proxy", "upstreams": [{"dial": "shop:8080"}]}]}
	]}}}}}`)
	m := Parse([]parsers.Input{{Path: "caddy.json", Src: src}}, parsers.Options{})
	if len(m.Diags) > 0 {
		t.Fatalf("diags: %v", m.Diags)
	}
	var names []string
	for _, h := range m.Hops {
		names = append(names, h.Name)
		for _, r := range h.Routes {
			if r.Backend == nil {
				continue
			}
			for _, tg := range r.Backend.Targets {
				switch tg.Address {
				case "never:80":
					t.Errorf("the route matching {\"host\": []} is in hop %q", h.Name)
				case "api:8080":
					if h.Name != ":80" || r.Path != "/api/" || r.PathKind != parsers.PathPrefix {
						t.Errorf("api route in hop %q, path %q kind %v; want :80, prefix /api/", h.Name, r.Path, r.PathKind)
					}
				case "shop:8080":
					if h.Name != "shop.example.org" {
						t.Errorf("shop route in hop %q", h.Name)
					}
				}
			}
		}
	}
	if len(m.Hops) != 2 {
		t.Errorf("hops %q, want the listener's and shop.example.org", names)
	}
}

// TestJSONProxySnippetFastcgi: a reverse_proxy handler with the fastcgi transport (what
// php_fastcgi adapts to) takes read_timeout and dial_timeout under the same keys; the
// snippet keeps its protocol. Settings only the http transport has get no snippet.
func TestJSONProxySnippetFastcgi(t *testing.T) {
	src := []byte(`{"apps": {"http": {"servers": {"s": {"listen": [":443"], "routes": [{"handle": [{"handler": "reverse_proxy", "transport": {"protocol": "fastcgi", "read_timeout": 60000000000, "split_path": [".php"]}, "upstreams": [{"dial": "php:9000"}]}]}]}}}}}`)
	off := strings.Index(string(src), `"handler"`)
	got, ok := JSONProxySnippet(src, off, Subdirective{Name: "read_timeout", Value: "135s", Transport: true})
	if !ok || !strings.Contains(got, `"protocol": "fastcgi"`) || !strings.Contains(got, `"read_timeout": "135s"`) || !strings.Contains(got, `"split_path"`) || strings.Contains(got, `"http"`) {
		t.Errorf("read_timeout (ok %v):\n%s", ok, got)
	}
	if got, ok := JSONProxySnippet(src, off, Subdirective{Name: "dial_timeout", Value: "5s", Transport: true}); !ok || !strings.Contains(got, `"dial_timeout": "5s"`) {
		t.Errorf("dial_timeout (ok %v):\n%s", ok, got)
	}
	for _, name := range []string{"response_header_timeout", "keepalive"} {
		if got, ok := JSONProxySnippet(src, off, Subdirective{Name: name, Value: "30s", Transport: true}); ok {
			t.Errorf("%s: a snippet for a setting the fastcgi transport does not take:\n%s", name, got)
		}
	}
}
