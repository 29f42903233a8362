package caddy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/no502/no502/parsers"
)

func parseSrc(t *testing.T, src string) *parsers.Model {
	t.Helper()
	return Parse([]parsers.Input{{Path: "Caddyfile", Abs: "/x/Caddyfile", Src: []byte(src)}}, parsers.Options{})
}

func noErrors(t *testing.T, m *parsers.Model) {
	t.Helper()
	for _, d := range m.Diags {
		if d.Severity == parsers.Error {
			t.Errorf("unexpected diagnostic: %s", d)
		}
	}
}

func TestLexerPositionsAndComments(t *testing.T) {
	src := "# top\nexample.com {\n\treverse_proxy \"a b\" `c` x\\\n\t  y # trailing\n}\nπ {\n\trespond <<EOF\n\t\thi\n\tEOF 201\n}\n"
	toks, comments, diags := Lex("Caddyfile", []byte(src))
	if len(diags) != 0 {
		t.Fatalf("diags: %v", diags)
	}
	want := []struct {
		text            string
		line, col, lgcl int
	}{
		{"example.com", 2, 1, 2}, {"{", 2, 13, 2}, {"reverse_proxy", 3, 2, 3}, {"a b", 3, 16, 3}, {"c", 3, 22, 3},
		{"x", 3, 26, 3}, {"y", 4, 4, 3}, {"}", 5, 1, 5}, {"π", 6, 1, 6}, {"{", 6, 3, 6}, {"respond", 7, 2, 7},
		{"\thi", 7, 10, 7}, {"201", 9, 6, 7}, {"}", 10, 1, 10},
	}
	if len(toks) != len(want) {
		t.Fatalf("got %d tokens, want %d: %+v", len(toks), len(want), toks)
	}
	for i, w := range want {
		g := toks[i]
		if g.Text != w.text || int(g.Pos.Line) != w.line || int(g.Pos.Col) != w.col || g.Line != w.lgcl {
			t.Errorf("token %d: got %q %d:%d (logical %d), want %q %d:%d (logical %d)", i, g.Text, g.Pos.Line, g.Pos.Col, g.Line, w.text, w.line, w.col, w.lgcl)
		}
		if src[g.Pos.Offset:g.Pos.EndOffset] != g.Raw {
			t.Errorf("token %d: offsets %d-%d give %q, raw %q", i, g.Pos.Offset, g.Pos.EndOffset, src[g.Pos.Offset:g.Pos.EndOffset], g.Raw)
		}
	}
	if len(comments) != 2 || comments[0].Text != "top" || comments[1].Text != "trailing" || comments[1].Pos.Line != 4 {
		t.Errorf("comments: %+v", comments)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ src, msg string }{
		{"a {\n\trespond 200\n", "never closed"},
		{"}\n", "unexpected \"}\""},
		{"a {\n\trespond \"x\n}\n", "unterminated"},
		{"a { respond 200\n}\n", "after '{' on the same line"},
	} {
		_, diags := ParseFile("Caddyfile", []byte(c.src))
		found := false
		for _, d := range diags {
			if strings.Contains(d.Message, c.msg) && d.Pos.Line > 0 {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: want error containing %q, got %v", c.src, c.msg, diags)
		}
	}
}

func TestModelReverseProxy(t *testing.T) {
	src := `{
	grace_period 10s
	servers {
		timeouts {
			idle 2m
		}
		trusted_proxies static 173.245.48.0/20 10.0.0.0/8
	}
}

(proxy) {
	reverse_proxy {args[0]} {args[1]} {
		lb_try_duration 5s
		fail_duration 30s
		health_uri /healthz
		transport http {
			dial_timeout 2s
			response_header_timeout 95s
			read_timeout 60s
			keepalive 90s
		}
	}
}

api.example.com, www.example.com {
	@hooks path /webhooks/*
	reverse_proxy @hooks 10.0.0.1:8080
	handle_path /api/* {
		reverse_proxy /v2/* app:{$APP_PORT:9000}
	}
	handle /x/* {
		import proxy a:1 b:2
	}
	respond /health 200
	handle /ready {
		respond "ok"
	}
}
`
	m := parseSrc(t, src)
	noErrors(t, m)
	if len(m.Hops) != 1 {
		t.Fatalf("hops: %d", len(m.Hops))
	}
	h := m.Hops[0]
	if h.Name != "api.example.com, www.example.com" || h.Pos.Line != 25 || h.Pos.Col != 1 {
		t.Errorf("hop %q at %s", h.Name, h.Pos)
	}
	if h.ShutdownTimeout.Value != 10*time.Second || !h.ShutdownTimeout.Explicit() || h.ShutdownDelay.Default == "" {
		t.Errorf("shutdown: %+v / %+v", h.ShutdownTimeout, h.ShutdownDelay)
	}
	if h.ClientIdleTimeout.Value != 2*time.Minute || h.Edge.Value != "cloudflare" || h.Edge.Pos.Line != 7 {
		t.Errorf("idle %v edge %+v", h.ClientIdleTimeout, h.Edge)
	}
	if len(h.Routes) != 5 {
		t.Fatalf("routes: %d", len(h.Routes))
	}
	hooks, v2, snip, health, ready := h.Routes[0], h.Routes[1], h.Routes[2], h.Routes[3], h.Routes[4]
	if hooks.Path != "/webhooks/" || hooks.PathKind != "prefix" || hooks.Pos.Line != 27 {
		t.Errorf("hooks route: %q %q %s", hooks.Path, hooks.PathKind, hooks.Pos)
	}
	if tg := hooks.Backend.Targets[0]; !tg.IP || tg.Port != "8080" || tg.Local {
		t.Errorf("target: %+v", tg)
	}
	if !hooks.Retry.Conditions.IsDefault() || hooks.Retry.Conditions.Value[0] != "off" || hooks.Backend.Passive.Enabled.Value || !hooks.Backend.Passive.Enabled.IsDefault() {
		t.Errorf("defaults: %+v %+v", hooks.Retry.Conditions, hooks.Backend.Passive.Enabled)
	}
	if hooks.ReadTimeout.Value != 0 || !hooks.ReadTimeout.IsDefault() || hooks.ConnectTimeout.Value != 3*time.Second {
		t.Errorf("timeouts: %+v %+v", hooks.ReadTimeout, hooks.ConnectTimeout)
	}
	if v2.Path != "/api/v2/" || v2.Backend.Targets[0].Port != "9000" || v2.Backend.Targets[0].Host != "app" {
		t.Errorf("handle_path route: %q %+v", v2.Path, v2.Backend.Targets[0])
	}
	if snip.Path != "/x/" || len(snip.Backend.Targets) != 2 || snip.Backend.Targets[1].Address != "b:2" {
		t.Errorf("snippet route: %q %+v", snip.Path, snip.Backend.Targets)
	}
	if snip.ReadTimeout.Value != 60*time.Second || snip.ReadTimeout.Text != "read_timeout 60s" || snip.ReadTimeout.Pos.Line != 19 {
		t.Errorf("read timeout: %+v", snip.ReadTimeout)
	}
	if !strings.Contains(snip.ReadTimeout.ViaNote(), "Caddyfile:32") {
		t.Errorf("via: %q", snip.ReadTimeout.ViaNote())
	}
	if snip.Retry.Conditions.Value[0] != "lb_try_duration 5s" || snip.Retry.Timeout.Value != 5*time.Second {
		t.Errorf("retry: %+v", snip.Retry)
	}
	be := snip.Backend
	if !be.Passive.Enabled.Value || be.Passive.FailTimeout.Value != 30*time.Second || be.Health == nil || be.Health.Path.Value != "/healthz" || !be.Health.Enabled.Value {
		t.Errorf("health: %+v %+v", be.Passive, be.Health)
	}
	// keepalive 90s, but read_timeout 60s closes an idle pooled connection first.
	if be.Health.Interval.Value != 30*time.Second || be.KeepAliveIdle.Value != 60*time.Second || snip.ConnectTimeout.Value != 2*time.Second {
		t.Errorf("health interval %v keepalive %v dial %v", be.Health.Interval.Value, be.KeepAliveIdle.Value, snip.ConnectTimeout.Value)
	}
	if health.Respond == nil || health.Path != "/health" || health.PathKind != "exact" || health.Respond.Status.Value != 200 || !health.Respond.Status.Explicit() {
		t.Errorf("respond: %+v", health)
	}
	if ready.Respond == nil || ready.Path != "/ready" || ready.Respond.Status.Value != 200 || !ready.Respond.Status.IsDefault() {
		t.Errorf("handle respond: %+v %+v", ready, ready.Respond)
	}
}

func TestBracelessSiteAndMatchers(t *testing.T) {
	m := parseSrc(t, "localhost:8080\n\n@multi path /a/* /b/*\nreverse_proxy @multi unix//run/app.sock\nreverse_proxy /exact {$UP}\n")
	noErrors(t, m)
	if len(m.Hops) != 1 || len(m.Hops[0].Routes) != 2 {
		t.Fatalf("model: %+v", m.Hops)
	}
	r0, r1 := m.Hops[0].Routes[0], m.Hops[0].Routes[1]
	if r0.PathKind != "regex" || !r0.Backend.Targets[0].Unix || !r0.Backend.Targets[0].Local {
		t.Errorf("r0: %q %+v", r0.PathKind, r0.Backend.Targets[0])
	}
	if r1.PathKind != "exact" || r1.Backend.Targets[0].Host != "" {
		t.Errorf("r1: %q %+v", r1.PathKind, r1.Backend.Targets[0])
	}
}

func TestImports(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("sites/a.caddy", "a.example.com {\n\timport ../common/proxy.caddy\n}\n")
	write("sites/.hidden.caddy", "hidden.example.com {\n}\n")
	write("common/proxy.caddy", "reverse_proxy app:8080\n")
	write("loop1", "import loop2\n")
	write("loop2", "import loop1\n")
	main := write("Caddyfile", "import sites/*.caddy\nimport missing.caddy\nimport loop1\nimport /etc/outside.caddy\n")
	src, _ := os.ReadFile(main)
	opts := parsers.Options{Roots: []string{dir}}
	m := Parse([]parsers.Input{{Path: "Caddyfile", Abs: main, Src: src}}, opts)
	if len(m.Hops) != 1 || m.Hops[0].Name != "a.example.com" || len(m.Hops[0].Routes) != 1 {
		t.Fatalf("hops: %+v", m.Hops)
	}
	r := m.Hops[0].Routes[0]
	if !strings.HasSuffix(r.Pos.File, "proxy.caddy") || r.Pos.Line != 1 {
		t.Errorf("route pos %s", r.Pos)
	}
	var msgs []string
	for _, d := range m.Diags {
		msgs = append(msgs, d.Severity.String()+": "+d.Message)
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"missing.caddy: file not found", "import cycle", "outside the linted paths"} {
		if !strings.Contains(all, want) {
			t.Errorf("want diagnostic %q in:\n%s", want, all)
		}
	}
	// Every file read is in the model, imported ones marked as such.
	for _, f := range m.Files {
		if f.Path != "Caddyfile" && f.IncludedBy == nil {
			t.Errorf("%s: IncludedBy not set", f.Path)
		}
	}
}

// An input imported by another input is analysed only in the importer's context.
func TestImportedInputNotAnalysedTwice(t *testing.T) {
	dir := t.TempDir()
	site := filepath.Join(dir, "site.caddyfile")
	main := filepath.Join(dir, "Caddyfile")
	os.WriteFile(site, []byte("b.example.com {\n\treverse_proxy app:1\n}\n"), 0o644)
	os.WriteFile(main, []byte("import site.caddyfile\n"), 0o644)
	var ins []parsers.Input
	for _, p := range []string{main, site} {
		src, _ := os.ReadFile(p)
		ins = append(ins, parsers.Input{Path: filepath.Base(p), Abs: p, Src: src})
	}
	m := Parse(ins, parsers.Options{})
	if len(m.Hops) != 1 {
		t.Errorf("hops: %d, want 1", len(m.Hops))
	}
}

// A file another input imports is linted as part of it, not on its own: its imports of
// snippets the importer defines are no errors (sites/b.caddy: "import lb: file not
// found" was reported for `import sites/*` of a Caddyfile defining (lb)).
func TestImportedInputUsesImportersSnippets(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sites"), 0o755)
	site := filepath.Join(dir, "sites", "b.caddy")
	main := filepath.Join(dir, "Caddyfile")
	os.WriteFile(site, []byte("b.example.com {\n\treverse_proxy 10.0.1.5:8080 10.0.1.6:8080 {\n\t\timport lb\n\t}\n}\n"), 0o644)
	os.WriteFile(main, []byte("(lb) {\n\tlb_try_duration 5s\n}\nimport sites/*\n"), 0o644)
	var ins []parsers.Input
	for _, p := range []string{main, site} {
		src, _ := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		ins = append(ins, parsers.Input{Path: rel, Abs: p, Src: src})
	}
	m := Parse(ins, parsers.Options{Roots: []string{dir}})
	for _, d := range m.Diags {
		t.Errorf("diagnostic: %s", d.Message)
	}
	if len(m.Hops) != 1 || len(m.Hops[0].Routes) != 1 || m.Hops[0].Routes[0].Retry.Timeout.Value == 0 {
		t.Errorf("hops: %+v", m.Hops)
	}
}

// TestFastcgiTimeouts: php_fastcgi takes the fastcgi transport's timeouts as its own
// subdirectives, a reverse_proxy in its transport fastcgi block; both are FastCGI passes
// (Route.Pass), with Caddy's defaults (no read or write limit, dial 3s) when unset.
func TestFastcgiTimeouts(t *testing.T) {
	m := parseSrc(t, `a.example.com {
	php_fastcgi php:9000 {
		read_timeout 30s
		write_timeout 10s
		dial_timeout 2s
	}
}
b.example.com {
	reverse_proxy php:9000 {
		transport fastcgi {
			read_timeout 1m
		}
	}
}
c.example.com {
	php_fastcgi php:9000
}
d.example.com {
	php_fastcgi php:9000 {
		read_timeout {$PHP_READ}
	}
}
e.example.com {
	reverse_proxy app:8000 {
		transport http {
			read_timeout 5s
		}
	}
}
`)
	noErrors(t, m)
	type want struct {
		pass                string
		read, write, dial   time.Duration
		readSet, readKnown  bool
		passBackend, backed bool
	}
	wants := map[string]want{
		"a.example.com": {pass: "fastcgi", read: 30 * time.Second, write: 10 * time.Second, dial: 2 * time.Second, readSet: true, readKnown: true, passBackend: true},
		"b.example.com": {pass: "fastcgi", read: time.Minute, dial: 3 * time.Second, readSet: true, readKnown: true, passBackend: true},
		"c.example.com": {pass: "fastcgi", dial: 3 * time.Second, readKnown: true, passBackend: true},
		"d.example.com": {pass: "fastcgi", dial: 3 * time.Second, passBackend: true},
		"e.example.com": {read: 5 * time.Second, dial: 3 * time.Second, readSet: true, readKnown: true, backed: true},
	}
	for _, h := range m.Hops {
		w, ok := wants[h.Name]
		if !ok || len(h.Routes) != 1 {
			t.Errorf("%s: %d routes", h.Name, len(h.Routes))
			continue
		}
		r := h.Routes[0]
		if r.Pass != w.pass || (r.PassBackend != nil) != w.passBackend || (r.Backend != nil) != w.backed {
			t.Errorf("%s: pass %q, PassBackend %v, Backend %v", h.Name, r.Pass, r.PassBackend != nil, r.Backend != nil)
		}
		if r.ReadTimeout.Known() != w.readKnown || r.ReadTimeout.Known() && r.ReadTimeout.Value != w.read || r.ReadTimeout.Explicit() != w.readSet {
			t.Errorf("%s: read timeout %+v", h.Name, r.ReadTimeout)
		}
		if w.pass != "" && (r.SendTimeout.Value != w.write || !r.SendTimeout.Known()) {
			t.Errorf("%s: write timeout %+v", h.Name, r.SendTimeout)
		}
		if r.ConnectTimeout.Value != w.dial {
			t.Errorf("%s: dial timeout %+v", h.Name, r.ConnectTimeout)
		}
		if w.pass != "" && !h.OtherPass {
			t.Errorf("%s: not OtherPass", h.Name)
		}
	}
}

// TestFastcgiScope: php_fastcgi serves every path of its scope while it rewrites a request
// for a missing file to a fixed index file (its default; `try_files ... index.php`); with
// `index off` or a try_files list ending in a placeholder or =404 only *.php requests
// reach php-fpm, whatever their path, and the route's path is not known (regex), as the
// adapted JSON says (TestJSONDifferential).
func TestFastcgiScope(t *testing.T) {
	for _, c := range []struct {
		sub  string
		path string
		kind parsers.PathKind
	}{
		{"", "/", parsers.PathPrefix},
		{"index index.php5", "/", parsers.PathPrefix},
		{"try_files {path} {path}/index.php index.php", "/", parsers.PathPrefix},
		{"index off", "", parsers.PathRegex},
		{"try_files {path} {path}/index.php =404", "", parsers.PathRegex},
		{"try_files {path} {path}/index.php", "", parsers.PathRegex},
		{"try_files {path} {path}/ /index.php?{query}", "/", parsers.PathPrefix},
	} {
		m := parseSrc(t, "a.example.com {\n\tphp_fastcgi php:9000 {\n\t\t"+c.sub+"\n\t}\n}\n")
		if len(m.Hops) != 1 || len(m.Hops[0].Routes) != 1 {
			t.Fatalf("%q: hops %+v", c.sub, m.Hops)
		}
		r := m.Hops[0].Routes[0]
		if r.Path != c.path || r.PathKind != c.kind {
			t.Errorf("%q: path %q %v, want %q %v", c.sub, r.Path, r.PathKind, c.path, c.kind)
		}
	}
}

// TestJSONFastcgiScope: in the adapted JSON, php_fastcgi's `path *.php` route serves its
// subroute's scope after the front-controller rewrite (also to /index.php?{query}), and
// only *.php requests (regex) without one or after a try_files ending in =404.
func TestJSONFastcgiScope(t *testing.T) {
	rewrite := func(last string) string {
		return `{"match": [{"file": {"try_files": ["{http.request.uri.path}", "` + last + `"], "split_path": [".php"]}}], "handle": [{"handler": "rewrite", "uri": "{http.matchers.file.relative}"}]},`
	}
	pass := `{"match": [{"path": ["*.php"]}], "handle": [{"handler": "reverse_proxy", "transport": {"protocol": "fastcgi", "split_path": [".php"]}, "upstreams": [{"dial": "php:9000"}]}]}`
	for _, c := range []struct {
		name, routes, path string
		kind               parsers.PathKind
	}{
		{"index.php", rewrite("index.php") + pass, "/app/", parsers.PathPrefix},
		{"query", rewrite("/index.php?{http.request.uri.query}") + pass, "/app/", parsers.PathPrefix},
		{"=404", rewrite("=404") + pass, "", parsers.PathRegex},
		{"no rewrite", pass, "", parsers.PathRegex},
	} {
		src := `{"apps": {"http": {"servers": {"s": {"listen": [":443"], "routes": [{"match": [{"host": ["a.example.com"]}], "handle": [{"handler": "subroute", "routes": [
			{"match": [{"path": ["/app/*"]}], "handle": [{"handler": "subroute", "routes": [` + c.routes + `]}]}]}]}]}}}}}`
		m := Parse([]parsers.Input{{Path: "caddy.json", Src: []byte(src)}}, parsers.Options{})
		noErrors(t, m)
		var got []*parsers.Route
		for _, h := range m.Hops {
			for _, r := range h.Routes {
				if r.Pass == "fastcgi" {
					got = append(got, r)
				}
			}
		}
		if len(got) != 1 || got[0].Path != c.path || got[0].PathKind != c.kind {
			for _, r := range got {
				t.Logf("%s: route %q %v", c.name, r.Path, r.PathKind)
			}
			t.Errorf("%s: want one FastCGI route %q %v", c.name, c.path, c.kind)
		}
	}
}
