package nginx

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/no502/no502/parsers"
)

func parseOne(t *testing.T, src string, opts parsers.Options) *parsers.Model {
	t.Helper()
	m := Parse([]parsers.Input{{Path: "nginx.conf", Abs: "/x/nginx.conf", Src: []byte(src)}}, opts)
	for _, d := range m.Diags {
		if d.Severity == parsers.Error {
			t.Errorf("diag: %s", d)
		}
	}
	return m
}

func route(t *testing.T, h *parsers.Hop, path string) *parsers.Route {
	t.Helper()
	for _, r := range h.Routes {
		if r.Path == path {
			return r
		}
	}
	t.Fatalf("no route %q in hop %s", path, h.Name)
	return nil
}

const inheritConf = `worker_shutdown_timeout 30s;
events {}
http {
    proxy_read_timeout 120s;
    proxy_set_header Host $host;
    proxy_set_header Connection "";
    keepalive_timeout 65;
    upstream app { server 10.0.0.1:8080 max_fails=0; server 10.0.0.2:8080 max_fails=0; server 127.0.0.1:9 backup; keepalive 16; keepalive_timeout 30s; }
    server {
        listen 80;
        server_name example.com www.example.com;
        proxy_connect_timeout 5s;
        location / {
            proxy_pass http://app;
        }
        location /api/ {
            proxy_set_header X-Real-IP $remote_addr;
            proxy_read_timeout 1m30s;
            proxy_pass http://app/api/;
            location ~* \.json$ {
                proxy_http_version 1.1;
                proxy_pass http://127.0.0.1:8081;
            }
        }
        location = /health { return 200 "ok"; }
        location /old { return 301 /new; }
        location @fallback { proxy_pass http://$backend; }
        location ^~ /static/ { root /srv; }
    }
}
`

func TestModelInheritance(t *testing.T) {
	m := parseOne(t, inheritConf, parsers.Options{})
	if len(m.Hops) != 1 {
		t.Fatalf("hops = %d", len(m.Hops))
	}
	h := m.Hops[0]
	if h.Name != "example.com" || h.Pos.Line != 9 || h.Pos.Col != 5 || h.Kind != parsers.HopNginx {
		t.Errorf("hop = %s %v", h.Name, h.Pos)
	}
	if src := inheritConf[h.Block.Start():h.Block.End()]; !strings.HasPrefix(src, "server {") || !strings.HasSuffix(src, "}") {
		t.Errorf("hop block = %q", src)
	}
	if h.ClientIdleTimeout.Value != 65*time.Second || h.ClientIdleTimeout.Pos.Line != 7 || h.ClientIdleTimeout.ViaNote() != "inherited from http{}" {
		t.Errorf("client idle = %+v", h.ClientIdleTimeout)
	}
	if h.ShutdownTimeout.Value != 30*time.Second || h.ShutdownTimeout.Pos.Line != 1 {
		t.Errorf("shutdown = %+v", h.ShutdownTimeout)
	}
	if h.Version.Known() || h.Edge.Known() {
		t.Errorf("version/edge should be unknown: %+v %+v", h.Version, h.Edge)
	}
	if len(h.Routes) != 5 {
		t.Errorf("routes = %d", len(h.Routes))
	}

	root := route(t, h, "/")
	if root.PathKind != "prefix" || root.Pos.Line != 13 {
		t.Errorf("root route = %+v", root)
	}
	if root.ReadTimeout.Value != 120*time.Second || root.ReadTimeout.Text != "proxy_read_timeout 120s" || root.ReadTimeout.Pos.Line != 4 {
		t.Errorf("read = %+v", root.ReadTimeout)
	}
	if root.ConnectTimeout.Value != 5*time.Second || root.ConnectTimeout.ViaNote() != "inherited from server{}" {
		t.Errorf("connect = %+v", root.ConnectTimeout)
	}
	if !root.SendTimeout.IsDefault() || root.SendTimeout.Value != 60*time.Second || root.SendTimeout.Default != "nginx default 60s" {
		t.Errorf("send = %+v", root.SendTimeout)
	}
	// Connection "" is inherited from http{} because / sets no proxy_set_header.
	if !root.ConnectionHeader.Explicit() || root.ConnectionHeader.Value != "" || root.ConnectionHeader.Pos.Line != 6 {
		t.Errorf("root connection = %+v", root.ConnectionHeader)
	}
	if root.HTTPVersion.Value != "1.0" || !strings.Contains(root.HTTPVersion.Default, "assumed nginx < 1.29.7") {
		t.Errorf("http version = %+v", root.HTTPVersion)
	}
	if got := root.Retry.Conditions.Value; len(got) != 2 || got[0] != "error" || !root.Retry.Conditions.IsDefault() {
		t.Errorf("retry = %+v", root.Retry.Conditions)
	}
	if root.Retry.Tries.Value != 0 || !root.Retry.Tries.IsDefault() || root.Retry.Timeout.Value != 0 || !root.Retry.Timeout.IsDefault() {
		t.Errorf("tries/timeout = %+v %+v", root.Retry.Tries, root.Retry.Timeout)
	}

	api := route(t, h, "/api/")
	// /api/ sets one proxy_set_header: it loses every outer one, Connection included.
	if !api.ConnectionHeader.IsDefault() || api.ConnectionHeader.Value != "close" {
		t.Errorf("api connection = %+v", api.ConnectionHeader)
	}
	if api.ReadTimeout.Value != 90*time.Second || api.ReadTimeout.ViaNote() != "" {
		t.Errorf("api read = %+v", api.ReadTimeout)
	}
	// The nested location inherits from /api/, not from http{}.
	js := route(t, h, `\.json$`)
	if js.PathKind != "regex" || js.ReadTimeout.Value != 90*time.Second || js.ReadTimeout.ViaNote() != "inherited from location{}" {
		t.Errorf("nested = %+v", js.ReadTimeout)
	}
	if !js.HTTPVersion.Explicit() || js.HTTPVersion.Value != "1.1" || js.ConnectionHeader.Value != "close" {
		t.Errorf("nested proto = %+v %+v", js.HTTPVersion, js.ConnectionHeader)
	}
	if be := js.Backend; be.Kind != BackendAddress || len(be.Targets) != 1 || be.Targets[0].Host != "127.0.0.1" || be.Targets[0].Port != "8081" || !be.Targets[0].Local || !be.Targets[0].IP {
		t.Errorf("literal backend = %+v %+v", be, be.Targets)
	}

	health := route(t, h, "/health")
	if health.PathKind != "exact" || health.Respond == nil || health.Respond.Status.Value != 200 || health.Backend != nil || health.Respond.Text != `return 200 "ok"` {
		t.Errorf("health = %+v", health)
	}
	if fb := route(t, h, "@fallback"); fb.PathKind != "named" || fb.Backend.Name != "http://$backend" || len(fb.Backend.Targets) != 0 {
		t.Errorf("variable backend = %+v", fb.Backend)
	}
	for _, r := range h.Routes {
		if r.Path == "/old" || r.Path == "/static/" {
			t.Errorf("route %s should not exist", r.Path)
		}
	}

	// The upstream is one Backend shared by both routes.
	up := root.Backend
	if up != api.Backend || up.Kind != BackendUpstream || up.Name != "app" || up.Pos.Line != 8 {
		t.Fatalf("upstream = %+v", up)
	}
	if len(up.Targets) != 3 || !up.Targets[2].Backup || !up.Targets[2].Local || up.Targets[0].MaxFails.Value != 0 || !up.Targets[0].MaxFails.Explicit() {
		t.Errorf("targets = %+v", up.Targets)
	}
	if up.Targets[0].FailTimeout.Value != 10*time.Second || !up.Targets[0].FailTimeout.IsDefault() {
		t.Errorf("fail timeout = %+v", up.Targets[0].FailTimeout)
	}
	if up.KeepAliveConns.Value != 16 || up.KeepAliveIdle.Value != 30*time.Second {
		t.Errorf("keepalive = %+v %+v", up.KeepAliveConns, up.KeepAliveIdle)
	}
	// Every non-backup server has max_fails=0: passive checks are off, explicitly.
	if !up.Passive.Enabled.Explicit() || up.Passive.Enabled.Value {
		t.Errorf("passive = %+v", up.Passive.Enabled)
	}
	n := 0
	for _, b := range m.Backends {
		if b == up {
			n++
		}
	}
	if n != 1 || len(m.Backends) != 3 {
		t.Errorf("backends = %d (upstream listed %d times)", len(m.Backends), n)
	}
}

func TestModelVersionDefaults(t *testing.T) {
	conf := "http { upstream u { server a:1; } server { listen 8080; location / { proxy_pass http://u; } } }"
	for _, c := range []struct {
		version, httpv, conn string
		conns                int
		note                 string
	}{
		{"", "1.0", "close", 0, "assumed"},
		{"1.28.0", "1.0", "close", 0, "< 1.29.7"},
		{"1.29.7", "1.1", "", 32, "≥ 1.29.7"},
	} {
		m := parseOne(t, conf, parsers.Options{NginxVersion: c.version})
		h := m.Hops[0]
		r := h.Routes[0]
		if h.Name != "listen 8080" {
			t.Errorf("hop name from listen = %q", h.Name)
		}
		if c.version != "" && (h.Version.Value != c.version || h.Version.Default != "nginx_version from .no502.yaml") {
			t.Errorf("version = %+v", h.Version)
		}
		if r.HTTPVersion.Value != c.httpv || r.ConnectionHeader.Value != c.conn || r.Backend.KeepAliveConns.Value != c.conns {
			t.Errorf("%q: %+v %+v %+v", c.version, r.HTTPVersion, r.ConnectionHeader, r.Backend.KeepAliveConns)
		}
		for _, s := range []string{r.HTTPVersion.Default, r.ConnectionHeader.Default, r.Backend.KeepAliveConns.Default} {
			if !strings.Contains(s, c.note) {
				t.Errorf("%q: default text %q lacks %q", c.version, s, c.note)
			}
		}
		if !h.ShutdownTimeout.IsDefault() || !strings.Contains(h.ShutdownTimeout.Default, "indefinitely") {
			t.Errorf("shutdown default = %+v", h.ShutdownTimeout)
		}
		if h.ClientIdleTimeout.Value != 75*time.Second || !h.ClientIdleTimeout.IsDefault() {
			t.Errorf("keepalive default = %+v", h.ClientIdleTimeout)
		}
		if p := r.Backend.Passive.Enabled; !p.Value || !p.IsDefault() || r.Backend.Targets[0].MaxFails.Value != 1 {
			t.Errorf("passive default = %+v", p)
		}
	}
}

func TestModelCloudflareAndRetry(t *testing.T) {
	for _, c := range []struct {
		conf string
		line int32
	}{
		{"http {\n real_ip_header cf-connecting-ip;\n server { location / { proxy_pass http://a; } } }", 2},
		{"http { server {\n set_real_ip_from 10.0.0.0/8;\n set_real_ip_from 173.245.48.0/20;\n location / { proxy_pass http://a; } } }", 3},
		{"http { server {\n set_real_ip_from 2606:4700:10::1;\n } }", 2},
	} {
		m := parseOne(t, c.conf, parsers.Options{})
		if e := m.Hops[0].Edge; e.Value != "cloudflare" || e.Pos.Line != c.line {
			t.Errorf("%q: edge = %+v", c.conf, e)
		}
	}
	m := parseOne(t, "http { server { real_ip_header X-Forwarded-For; set_real_ip_from 10.0.0.0/8; set_real_ip_from 104.0.0.0/8; } }", parsers.Options{})
	if m.Hops[0].Edge.Known() {
		t.Errorf("false cloudflare: %+v", m.Hops[0].Edge)
	}
	m = parseOne(t, "http { proxy_next_upstream error timeout http_502 non_idempotent; server { location / {\n proxy_next_upstream_tries 3; proxy_next_upstream_timeout 10s; proxy_pass http://b:81; } } }", parsers.Options{})
	r := m.Hops[0].Routes[0]
	if got := strings.Join(r.Retry.Conditions.Value, " "); got != "error timeout http_502 non_idempotent" || r.Retry.Conditions.ViaNote() != "inherited from http{}" {
		t.Errorf("conditions = %+v", r.Retry.Conditions)
	}
	if r.Retry.Tries.Value != 3 || r.Retry.Timeout.Value != 10*time.Second || r.Retry.Tries.Pos.Line != 2 {
		t.Errorf("tries = %+v timeout = %+v", r.Retry.Tries, r.Retry.Timeout)
	}
}

func TestModelBadValues(t *testing.T) {
	m := Parse([]parsers.Input{{Path: "n.conf", Abs: "/x/n.conf", Src: []byte(
		"http { proxy_read_timeout 10q; upstream u { server a max_fails=x; keepalive many; } server {\n location / { proxy_pass http://u; }\n location /b { proxy_pass http://u; } } }")}}, parsers.Options{})
	got := diagStrings(m.Diags)
	for _, want := range []string{
		`1:27 error proxy_read_timeout: invalid time value "10q"`,
		`1:54 error server a: invalid max_fails "x"`,
		`1:77 error keepalive: invalid number "many"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	// Reported once although two routes inherit it.
	if strings.Count(got, "proxy_read_timeout") != 1 {
		t.Errorf("duplicate diags:\n%s", got)
	}
	if r := m.Hops[0].Routes[0]; !r.ReadTimeout.Unknown || r.ReadTimeout.Known() {
		t.Errorf("bad value should be unknown: %+v", r.ReadTimeout)
	}
}

func TestModelFragmentsAndIncludes(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"nginx.conf":        "events {}\nhttp {\n  proxy_read_timeout 300s;\n  include conf.d/*.conf;\n}\n",
		"conf.d/app.conf":   "upstream be { server app:8000; }\nserver {\n  server_name app;\n  location / { include snippets/p.conf; }\n}\n",
		"snippets/p.conf":   "proxy_pass http://be;\n",
		"other/site.conf":   "server { server_name other; location / { proxy_pass http://x; } }\n",
		"locs/only.conf":    "location /x {\n  proxy_pass http://y;\n}\n",
		"locs/snippet.conf": "proxy_set_header Host $host;\n",
	})
	var inputs []parsers.Input
	for _, name := range []string{"conf.d/app.conf", "nginx.conf", "other/site.conf", "locs/only.conf", "locs/snippet.conf"} {
		abs := filepath.Join(dir, name)
		src, _ := os.ReadFile(abs)
		inputs = append(inputs, parsers.Input{Path: name, Abs: abs, Src: src})
	}
	m := Parse(inputs, parsers.Options{Roots: []string{dir}})
	for _, d := range m.Diags {
		t.Errorf("diag: %s", d)
	}
	// app.conf is analysed only inside nginx.conf: one hop "app", which inherits from http{}.
	var hopNames []string
	for _, h := range m.Hops {
		hopNames = append(hopNames, h.Name)
	}
	if got := strings.Join(hopNames, ","); got != "app,other,only.conf" {
		t.Fatalf("hops = %s", got)
	}
	app := m.Hops[0]
	r := app.Routes[0]
	if r.ReadTimeout.Value != 300*time.Second || r.ReadTimeout.Pos.File != "nginx.conf" {
		t.Errorf("read = %+v", r.ReadTimeout)
	}
	if r.Backend.Kind != BackendUpstream || r.Backend.Pos.File != "conf.d/app.conf" {
		t.Errorf("backend via included proxy_pass = %+v", r.Backend)
	}
	if app.Pos.File != "conf.d/app.conf" || app.Pos.Line != 2 {
		t.Errorf("hop pos = %v", app.Pos)
	}
	// Files: all inputs plus the included snippet, which records its includer.
	if len(m.Files) != 6 {
		t.Errorf("files = %d", len(m.Files))
	}
	for _, f := range m.Files {
		switch {
		case f.Path == "conf.d/app.conf":
			if f.IncludedBy == nil || f.IncludedBy.File != "nginx.conf" || f.IncludedBy.Line != 4 {
				t.Errorf("app.conf included by %v", f.IncludedBy)
			}
		case strings.HasSuffix(f.Path, "snippets/p.conf"):
			if f.IncludedBy == nil || f.IncludedBy.File != "conf.d/app.conf" || f.Src == nil || f.Format != "nginx" {
				t.Errorf("p.conf = %+v", f)
			}
		}
	}
	only := m.Hops[2]
	if only.Pos.File != "locs/only.conf" || only.Routes[0].Path != "/x" || only.Routes[0].Pos.Line != 1 {
		t.Errorf("location fragment hop = %+v", only)
	}
}

func TestModelUpstreamInSiblingFragment(t *testing.T) {
	m := Parse([]parsers.Input{
		{Path: "conf.d/a.conf", Abs: "/x/conf.d/a.conf", Src: []byte("server { location / { proxy_pass http://API; } }")},
		{Path: "conf.d/b.conf", Abs: "/x/conf.d/b.conf", Src: []byte("upstream api { server 10.1.1.1:80; }")},
		{Path: "conf.d/c.conf", Abs: "/x/conf.d/c.conf", Src: []byte("server { location / { proxy_pass http://api:8080; } }")},
	}, parsers.Options{})
	if be := m.Hops[0].Routes[0].Backend; be.Kind != BackendUpstream || be.Pos.File != "conf.d/b.conf" {
		t.Errorf("backend = %+v", be)
	}
	// With a port, nginx does not use the upstream{}: it is a host name.
	if be := m.Hops[1].Routes[0].Backend; be.Kind != BackendAddress || be.Targets[0].Host != "api" || be.Targets[0].Port != "8080" {
		t.Errorf("backend with port = %+v", be)
	}
}

// TestParallelBuildMatchesSequential builds a config large enough to be split among
// goroutines and checks the model is the one a sequential build makes: hops, backends
// and errors in the same order, one shared Backend per upstream{}, each bad directive
// reported once.
func TestParallelBuildMatchesSequential(t *testing.T) {
	var b strings.Builder
	b.WriteString("http {\n  proxy_read_timeout 5x;\n")
	for i := range 6 {
		fmt.Fprintf(&b, "  upstream up%d {\n    server 10.0.0.%d:80 max_fails=x;\n    keepalive nope;\n  }\n", i, i+1)
	}
	for i := range 300 {
		fmt.Fprintf(&b, "  server {\n    server_name s%d;\n    location / { proxy_pass http://up%d; }\n", i, (i*7)%6)
		fmt.Fprintf(&b, "    location /a { proxy_pass http://10.1.%d.1:8080; proxy_connect_timeout %dq; }\n  }\n", i%250, i)
	}
	b.WriteString("}\n")
	src := []byte(b.String())
	build := func(from int) *parsers.Model {
		old := parallelFrom
		parallelFrom = from
		defer func() { parallelFrom = old }()
		return Parse([]parsers.Input{{Path: "nginx.conf", Abs: "/p/nginx.conf", Src: src}}, parsers.Options{Roots: []string{"/p"}})
	}
	par, seq := build(64), build(1<<30)
	describe := func(m *parsers.Model) string {
		var out strings.Builder
		for _, h := range m.Hops {
			fmt.Fprintf(&out, "hop %s %s\n", h.Name, h.Pos)
			for _, r := range h.Routes {
				fmt.Fprintf(&out, "  route %s -> %s %s %s\n", r.Path, r.Backend.Name, r.Backend.Pos, r.ConnectTimeout.Describe())
			}
		}
		for _, be := range m.Backends {
			fmt.Fprintf(&out, "backend %s %s %s\n", be.Kind, be.Name, be.Pos)
		}
		for _, d := range m.Diags {
			fmt.Fprintf(&out, "diag %s\n", d)
		}
		return out.String()
	}
	if p, s := describe(par), describe(seq); p != s {
		t.Fatalf("parallel build differs from sequential:\n%s", firstDiff(p, s))
	}
	shared := map[string]*parsers.Backend{}
	for _, h := range par.Hops {
		for _, r := range h.Routes {
			if r.Backend.Kind != BackendUpstream {
				continue
			}
			if be := shared[r.Backend.Name]; be != nil && be != r.Backend {
				t.Fatalf("upstream %s has two Backends", r.Backend.Name)
			}
			shared[r.Backend.Name] = r.Backend
		}
	}
	if len(shared) != 6 || len(par.Hops) != 300 {
		t.Fatalf("%d upstreams, %d hops", len(shared), len(par.Hops))
	}
	// One error per bad directive: the http-level timeout that every route inherits,
	// two per upstream, one per server's connect timeout.
	if want := 1 + 6*2 + 300; len(par.Diags) != want {
		t.Errorf("%d diags, want %d", len(par.Diags), want)
	}
}

// A server is named by its first real server_name, else by what it listens on.
func TestServerNames(t *testing.T) {
	for _, c := range []struct{ conf, want string }{
		{"server { server_name api.example.com www; listen 80; location / { proxy_pass http://a; } }", "api.example.com"},
		{"server { server_name _; listen 8080 default_server; location / { proxy_pass http://a; } }", "listen 8080"},
		{"server { listen 127.0.0.1:80; server_name \"\"; location / { proxy_pass http://a; } }", "listen 127.0.0.1:80"},
	} {
		m := parseOne(t, "http { "+c.conf+" }", parsers.Options{})
		if len(m.Hops) != 1 || m.Hops[0].Name != c.want {
			t.Errorf("%s: hop name %q, want %q", c.conf, m.Hops[0].Name, c.want)
		}
	}
}
