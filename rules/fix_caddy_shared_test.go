package rules_test

import (
	"os"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// A transport block that comes from an imported snippet is edited where it is written:
// Caddy keeps only the last `transport` of a reverse_proxy, so a second block beside the
// import would drop the snippet's tls (502 on every request to a TLS backend).
func TestCaddyFixEditsImportedTransport(t *testing.T) {
	yaml := "routes:\n  - match: /\n    handler_timeout: 90s\n"
	src := "(tls_upstream) {\n\ttransport http {\n\t\ttls\n\t\ttls_insecure_skip_verify\n\t\tresponse_header_timeout 30s\n\t}\n}\nexample.com {\n\treverse_proxy app:8443 {\n\t\timport tls_upstream\n\t}\n}\n"
	_, fix := fixOf(t, src, yaml, "read-timeout-below-budget")
	if len(fix.Edits) == 0 {
		t.Fatalf("no edits: %+v", fix)
	}
	out := applyAndRelint(t, src, yaml, "read-timeout-below-budget", fix)
	want := "(tls_upstream) {\n\ttransport http {\n\t\ttls\n\t\ttls_insecure_skip_verify\n\t\tresponse_header_timeout 100s\n\t}\n}\nexample.com {\n\treverse_proxy app:8443 {\n\t\timport tls_upstream\n\t}\n}\n"
	if out != want {
		t.Errorf("fixed file:\n%s\nwant:\n%s", out, want)
	}
	if strings.Count(out, "transport") != 1 {
		t.Errorf("a second transport block:\n%s", out)
	}
}

// A reverse_proxy whose import cannot be followed may get its transport from it: the fix
// adds no transport block and stays a snippet that says why.
func TestCaddyFixUnknownImportedTransport(t *testing.T) {
	yaml := "routes:\n  - match: /\n    handler_timeout: 90s\n"
	src := "(tr) {\n\tresponse_header_timeout 30s\n}\nexample.com {\n\treverse_proxy app:8443 {\n\t\ttransport http {\n\t\t\tresponse_header_timeout 30s\n\t\t}\n\t\timport upstream-tls.caddy\n\t}\n}\n"
	_, fix := fixOf(t, src, yaml, "read-timeout-below-budget")
	if len(fix.Edits) != 0 || !strings.Contains(fix.Description, "may set its transport") {
		t.Errorf("want a snippet saying the import may set the transport: %+v", fix)
	}
}

// A snippet imported once per site, by sites in two files, is shared as much as one
// imported twice in one file: the fix stays a snippet.
func TestCaddyFixSnippetImportedFromTwoFiles(t *testing.T) {
	_, findings := lintCaddyDir(t, "testdata/caddy-snippet-two-files")
	n := 0
	for _, f := range findings {
		if f.Rule.ID != "no-retry-on-failure" {
			continue
		}
		n++
		if f.Fix == nil || len(f.Fix.Edits) != 0 || !strings.Contains(f.Fix.Description, "imported 2 times") {
			t.Errorf("want a snippet-only fix naming the 2 imports: %+v", f.Fix)
		}
	}
	if n == 0 {
		t.Fatal("no no-retry-on-failure finding")
	}
}

// The shutdown fix writes what its message names, with values that keep the set
// shutdown_delay and end before the kill; when the set value leaves no room it is a
// snippet that says why.
func TestCaddyShutdownFixRespectsSetDelay(t *testing.T) {
	for _, c := range []struct {
		dir, msg, writes string
		snippetOnly      bool
	}{
		{dir: "testdata/xl-caddy-shutdown-delay-set", msg: "Set grace_period 4s in the global options block", writes: "grace_period 4s"},
		{dir: "testdata/xl-caddy-shutdown-delay-too-long", msg: "No value fits: shutdown_delay 30s", snippetOnly: true},
	} {
		m, findings := lintCaddyDir(t, c.dir)
		rules.ResolveEdits(m, findings)
		found := false
		for _, f := range findings {
			if f.Rule.ID != "proxy-shutdown-unbounded" {
				continue
			}
			found = true
			if !strings.Contains(f.Message, c.msg) || strings.Contains(f.Message, "shutdown_delay 5s") && !c.snippetOnly {
				t.Errorf("%s: message %q, want %q", c.dir, f.Message, c.msg)
			}
			if c.snippetOnly != (len(f.Fix.Edits) == 0) {
				t.Errorf("%s: edits %v, snippet only %v", c.dir, f.Fix.Edits, c.snippetOnly)
			}
			for _, e := range f.Fix.Edits {
				if strings.Contains(e.New, "shutdown_delay") || !strings.Contains(e.New, c.writes) {
					t.Errorf("%s: edit %q, want only %q", c.dir, e.New, c.writes)
				}
			}
		}
		if !found {
			t.Errorf("%s: no proxy-shutdown-unbounded finding", c.dir)
		}
	}
}

// Caddy waits for the shorter of read_timeout and response_header_timeout: where
// read_timeout binds, the message names it and the fix raises it alone (no
// response_header_timeout added), in an http or a fastcgi transport.
func TestCaddyReadTimeoutFixNamesTheBindingSetting(t *testing.T) {
	yaml := "routes:\n  - match: /\n    handler_timeout: 60s\n"
	for _, c := range []struct{ name, src, fixed, desc string }{
		{
			name:  "http",
			src:   "example.com {\n\treverse_proxy app:8080 {\n\t\ttransport http {\n\t\t\tread_timeout 30s\n\t\t\tdial_timeout 2s\n\t\t}\n\t}\n}\n",
			fixed: "example.com {\n\treverse_proxy app:8080 {\n\t\ttransport http {\n\t\t\tread_timeout 70s\n\t\t\tdial_timeout 2s\n\t\t}\n\t}\n}\n",
			desc:  "Set read_timeout 70s",
		},
		{
			name:  "fastcgi",
			src:   "example.com {\n\troot * /srv\n\treverse_proxy 10.0.0.5:9000 {\n\t\ttransport fastcgi {\n\t\t\tsplit .php\n\t\t\tread_timeout 30s\n\t\t}\n\t}\n}\n",
			fixed: "example.com {\n\troot * /srv\n\treverse_proxy 10.0.0.5:9000 {\n\t\ttransport fastcgi {\n\t\t\tsplit .php\n\t\t\tread_timeout 70s\n\t\t}\n\t}\n}\n",
			desc:  "Set read_timeout 70s",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, fix := fixOf(t, c.src, yaml, "read-timeout-below-budget")
			if !strings.HasPrefix(fix.Description, c.desc) {
				t.Errorf("description %q, want %q", fix.Description, c.desc)
			}
			if out := applyAndRelint(t, c.src, yaml, "read-timeout-below-budget", fix); out != c.fixed {
				t.Errorf("fixed file:\n%s\nwant:\n%s", out, c.fixed)
			}
		})
	}
}

// The reverse_proxy that replaces a health respond reaches the upstreams as the site's
// does: with its transport (tls), or /health gets 502.
func TestCaddyHealthProxyFixCarriesTransport(t *testing.T) {
	m, findings := lintCaddyDir(t, "testdata/caddy-health-respond-tls")
	for _, f := range findings {
		if f.Rule.ID != "health-answered-by-proxy" {
			continue
		}
		if f.Fix == nil || len(f.Fix.Edits) == 0 {
			t.Fatalf("no edits: %+v", f.Fix)
		}
		src := m.File("Caddyfile").Src
		out := string(parsers.ApplyEdits(src, f.Fix.Edits))
		want := "\treverse_proxy /health 10.0.0.5:8443 10.0.0.6:8443 { # want \"health-answered-by-proxy\"\n\t\ttransport http {\n\t\t\ttls\n\t\t\ttls_insecure_skip_verify\n\t\t}\n\t}\n"
		if !strings.Contains(out, want) {
			t.Errorf("fixed file:\n%s\nwant it to hold:\n%s", out, want)
		}
		return
	}
	t.Fatal("no health-answered-by-proxy finding")
}

// A file of directives imported by two sites (import common/*.caddy) is shared as a
// snippet imported twice is: raising the timeout there for one site's budget raised the
// other site's too (caddy adapt: both routes' response_header_timeout 30s → 100s), as a
// safe fix. Imported by one site only, it is edited as before.
func TestCaddyFixFileImportedBySeveralSites(t *testing.T) {
	const proxy = "reverse_proxy app1:8000 app2:8000 {\n\tlb_try_duration 5s\n\thealth_uri /healthz\n\ttransport http {\n\t\tresponse_header_timeout 30s\n\t}\n}\n"
	budget := "routes:\n  - match: /api/\n    handler_timeout: 90s\n"
	for _, c := range []struct {
		name, caddyfile string
		shared          bool
	}{
		// Site b's route serves /other/ only: the /api/ budget is not its, and a raise
		// there would change it too.
		{"two sites", "a.example.com {\n\thandle /api/* {\n\t\timport common/*.caddy\n\t}\n}\nb.example.com {\n\thandle /other/* {\n\t\timport common/proxy.caddy\n\t}\n}\n", true},
		{"one site", "a.example.com {\n\thandle /api/* {\n\t\timport common/*.caddy\n\t}\n}\nb.example.com {\n\trespond 404\n}\n", false},
	} {
		dir := writeDir(t, map[string]string{"Caddyfile": c.caddyfile, "common/proxy.caddy": proxy, ".no502.yaml": budget})
		_, findings := lintCaddyDir(t, dir)
		var fix *rules.Fix
		for _, f := range findings {
			if f.Rule.ID == "read-timeout-below-budget" {
				fix = f.Fix
			}
		}
		if fix == nil {
			t.Fatalf("%s: no read-timeout-below-budget fix in %v", c.name, findings)
		}
		if c.shared && (fix.Safety() != rules.FixSnippet || !strings.Contains(fix.Description, "imported 2 times (by a.example.com, b.example.com)")) {
			t.Errorf("%s: a fix in a file two sites import is written: %s, %s", c.name, fix.Safety(), fix.Description)
		}
		if !c.shared && fix.Safety() != rules.FixSafe {
			t.Errorf("%s: %s, want safe: %s", c.name, fix.Safety(), fix.Description)
		}
	}
}

// A health respond in a snippet two sites import was replaced, with --unsafe-fixes, by a
// reverse_proxy to the first site's upstreams: the second site's health path then went
// to the first site's app (caddy adapt: srv1's /healthz dials app-a1, app-a2).
func TestCaddyHealthFixInSharedSnippet(t *testing.T) {
	alb, err := os.ReadFile("testdata/caddy-health-respond/alb.tf")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, caddyfile string
		shared          bool
	}{
		{"two sites", "(health) {\n\trespond /health 200\n}\n:80 {\n\timport health\n\treverse_proxy app-a1:8000 app-a2:8000\n}\n:8081 {\n\timport health\n\treverse_proxy app-b1:9000 app-b2:9000\n}\n", true},
		{"one site", "(health) {\n\trespond /health 200\n}\n:80 {\n\timport health\n\treverse_proxy app-a1:8000 app-a2:8000\n}\n:8081 {\n\treverse_proxy app-b1:9000 app-b2:9000\n}\n", false},
	} {
		dir := writeDir(t, map[string]string{"Caddyfile": c.caddyfile, "alb.tf": string(alb), ".no502.yaml": "chain: [alb.tf:aws_lb.web, Caddyfile]\n"})
		_, findings := lintCaddyDir(t, dir)
		n := 0
		for _, f := range findings {
			if f.Rule.ID != "health-answered-by-proxy" || f.Fix == nil {
				continue
			}
			n++
			if c.shared && (f.Fix.Safety() != rules.FixSnippet || !strings.Contains(f.Fix.Description, "imported 2 times")) {
				t.Errorf("%s: the shared respond is rewritten: %s, %s\n%s", c.name, f.Fix.Safety(), f.Fix.Description, f.Fix.Snippet)
			}
			if !c.shared && f.Fix.Safety() != rules.FixUnsafe {
				t.Errorf("%s: %s, want unsafe: %s", c.name, f.Fix.Safety(), f.Fix.Description)
			}
		}
		if n == 0 {
			t.Errorf("%s: no health-answered-by-proxy fix in %v", c.name, findings)
		}
	}
}

// Caddy's health fix forwarded the path to the first reverse_proxy's upstreams unless a
// catch-all one came later: with /api/* and /web/* proxied to two apps it picked the API.
// It goes to the route that serves the path without the respond, else it is a snippet.
func TestCaddyHealthFixPicksTheServingRoute(t *testing.T) {
	alb, err := os.ReadFile("testdata/caddy-health-respond/alb.tf")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, routes, want string // want: the reverse_proxy written, "" for a snippet
	}{
		{"catch-all", "reverse_proxy /api/* api:8080\n\treverse_proxy web:3000", "reverse_proxy /health web:3000"},
		{"no covering route", "reverse_proxy /api/* api:8080\n\treverse_proxy /web/* web:3000", ""},
	} {
		caddyfile := ":80 {\n\trespond /health 200\n\t" + c.routes + "\n}\n"
		dir := writeDir(t, map[string]string{"Caddyfile": caddyfile, "alb.tf": string(alb), ".no502.yaml": "chain: [alb.tf:aws_lb.web, Caddyfile]\n"})
		for _, fix := range fixesOf(t, dir, "health-answered-by-proxy") {
			switch {
			case c.want == "" && (fix.Safety() != rules.FixSnippet || !strings.Contains(fix.Description, "several apps")):
				t.Errorf("%s: want a snippet naming the apps: %s, %s\n%s", c.name, fix.Safety(), fix.Description, fix.Snippet)
			case c.want != "" && (fix.Safety() != rules.FixUnsafe || !strings.Contains(fix.Snippet, c.want)):
				t.Errorf("%s: want %q written (unsafe): %s, %s\n%s", c.name, c.want, fix.Safety(), fix.Description, fix.Snippet)
			}
		}
	}
}

// A snippet imported by several handle blocks of one site (mastodon's dist/Caddyfile) is
// not "every site that imports it": the reason names the one site and says each route
// that imports it changes.
func TestCaddyFixSnippetImportedBySameSite(t *testing.T) {
	// The two routes need different raises (session 13 writes one that both need once).
	yaml := "routes:\n  - match: /\n    handler_timeout: 90s\n  - match: /assets/\n    handler_timeout: 300s\n"
	src := "(backend) {\n\treverse_proxy app:3000 {\n\t\ttransport http {\n\t\t\tresponse_header_timeout 30s\n\t\t}\n\t}\n}\nexample.com {\n\thandle /assets/* {\n\t\timport backend\n\t}\n\thandle {\n\t\timport backend\n\t}\n}\n"
	_, fix := fixOf(t, src, yaml, "read-timeout-below-budget")
	if len(fix.Edits) != 0 || !strings.Contains(fix.Description, "the snippet (backend), imported 2 times by example.com; changing it changes every route that imports it") {
		t.Errorf("want a snippet naming the one site that imports it twice: %+v", fix)
	}
}
