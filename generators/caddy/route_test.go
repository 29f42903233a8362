package caddy

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/no502/no502/generators/app"
	"github.com/no502/no502/generators/app/apptest"
	"github.com/no502/no502/lint"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

var cases = []struct {
	name string
	o    RouteOptions
}{
	{"two upstreams with budget", RouteOptions{Path: "/webhooks/*", Upstreams: []string{"app-1:8080", "app-2:8080"}, HandlerTimeout: 90 * time.Second}},
	{"active health checks", RouteOptions{Path: "/webhooks/*", Upstreams: []string{"app-1:8080", "app-2:8080"}, HandlerTimeout: 90 * time.Second, HealthPath: "/healthz"}},
	{"no budget", RouteOptions{Path: "/api/*", Upstreams: []string{"http://app-1:8080", "http://app-2:8080", "http://app-3:8080"}}},
	{"behind cloudflare", RouteOptions{Path: "/reports/*", Upstreams: []string{"app-1:8080", "app-2:8080"}, HandlerTimeout: 115 * time.Second, Edge: "cloudflare"}},
	{"queued behind cloudflare", RouteOptions{Path: "/export/", Upstreams: []string{"app-1:8080", "app-2:8080"}, HandlerTimeout: 300 * time.Second, Edge: "cloudflare"}},
	{"port range and IPv6", RouteOptions{Path: "/api/*", Upstreams: []string{"app:8080-8081", "[fd00::5]:8080"}}},
	{"site block", RouteOptions{Path: "*", Upstreams: []string{"app.default.svc.cluster.local:8080"}, HandlerTimeout: 30 * time.Second, Site: "example.com", Edge: "cloudflare"}},
}

// configFor is the .no502.yaml a user of the generated block would have.
func configFor(t *testing.T, o RouteOptions, queued bool) string {
	var y strings.Builder
	if o.Edge != "" {
		y.WriteString("edge: " + o.Edge + "\n")
	}
	// A queued route acknowledges fast: its real budget is the acknowledgement.
	if o.HandlerTimeout > 0 && !queued {
		m := strings.TrimSuffix(o.Path, "*")
		if m == "" {
			m = "/"
		}
		y.WriteString("routes:\n  - match: " + m + "\n    handler_timeout: " + parsers.FormatDuration(o.HandlerTimeout) + "\n")
	}
	if _, err := rules.ParseConfig(".no502.yaml", []byte(y.String())); err != nil {
		t.Fatal(err)
	}
	return y.String()
}

// lintDir writes files into a fresh directory and lints it as `no502 lint` does.
func lintDir(t *testing.T, files map[string]string) *lint.Result {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// wrap puts a bare route into a site block so that it is a whole Caddyfile.
func wrap(o RouteOptions, text string) string {
	if o.Site != "" {
		return text
	}
	var b strings.Builder
	b.WriteString(":8080 {\n")
	for _, l := range strings.SplitAfter(text, "\n") {
		if l != "" {
			b.WriteString("\t" + l)
		}
	}
	b.WriteString("}\n")
	return b.String()
}

func TestGeneratedRoutesLintClean(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := GenerateRoute(c.o)
			if err != nil {
				t.Fatal(err)
			}
			src := wrap(c.o, r.Text)
			res := lintDir(t, map[string]string{"Caddyfile": src, ".no502.yaml": configFor(t, c.o, r.Queued)})
			m := res.Model
			for _, d := range m.Diags {
				t.Errorf("diagnostic: %s", d)
			}
			if len(m.Hops) != 1 || len(m.Hops[0].Routes) != 1 || m.Hops[0].Routes[0].Backend == nil {
				t.Fatalf("generated text is not one reverse_proxy route:\n%s", src)
			}
			for _, f := range res.Findings {
				// A bare route cannot bound Caddy's shutdown (global options); --site does.
				if c.o.Site == "" && f.Rule.ID == "proxy-shutdown-unbounded" {
					continue
				}
				t.Errorf("%s: %s: %s\n%s", f.Pos, f.Rule.ID, f.Message, src)
			}
			rt := m.Hops[0].Routes[0].ReadTimeout.Value
			if c.o.HandlerTimeout > 0 && !r.Queued && rt < c.o.HandlerTimeout {
				t.Errorf("response_header_timeout %v below the budget %v", rt, c.o.HandlerTimeout)
			}
		})
	}
}

// caddyBinary returns the real caddy, or skips (fails under CI=true) when missing.
func caddyBinary(t *testing.T) string {
	p, err := exec.LookPath("caddy")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("caddy not installed (CI=true): install Debian's caddy package")
		}
		t.Skip("caddy not installed; skipping the caddy adapt check (install Debian's caddy package)")
	}
	return p
}

// TestGeneratedRoutesCaddyAdapt runs the real `caddy adapt` on every generated block and
// checks that `caddy fmt` would not change it.
func TestGeneratedRoutesCaddyAdapt(t *testing.T) {
	bin := caddyBinary(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := GenerateRoute(c.o)
			if err != nil {
				t.Fatal(err)
			}
			src := wrap(c.o, r.Text)
			p := filepath.Join(t.TempDir(), "Caddyfile")
			if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, "adapt", "--config", p, "--adapter", "caddyfile").CombinedOutput()
			if err != nil {
				t.Fatalf("caddy adapt: %v\n%s\n%s", err, out, src)
			}
			if !strings.Contains(string(out), `"reverse_proxy"`) {
				t.Errorf("adapted JSON has no reverse_proxy:\n%s", out)
			}
			fmtOut, err := exec.Command(bin, "fmt", p).Output()
			if err != nil {
				t.Fatalf("caddy fmt: %v", err)
			}
			if string(fmtOut) != src {
				t.Errorf("caddy fmt would change the block:\n%s\nwant:\n%s", fmtOut, src)
			}
		})
	}
}

func TestGenerateRouteErrors(t *testing.T) {
	for _, o := range []RouteOptions{
		{Path: "webhooks", Upstreams: []string{"a:1"}},
		{Path: "/a b", Upstreams: []string{"a:1"}},
		{Path: "/a/*"},
		{Path: "/a/*", Upstreams: []string{"http://a:1/path"}},
		{Path: "/a/*", Upstreams: []string{"ftp://a:1"}},
		{Path: "/a/*", Upstreams: []string{"{upstream}"}},
		{Path: "/a/*", Upstreams: []string{"a:1"}, Edge: "akamai"},
		{Path: "/a/*", Upstreams: []string{"a:1"}, HealthPath: "health"},
		{Path: "/a/*", Upstreams: []string{"http://a:1", "b:1"}},
		// caddy validate accepts these; every dial fails.
		{Path: "/a/*", Upstreams: []string{"a:0"}},
		{Path: "/a/*", Upstreams: []string{"a:99999"}},
		{Path: "/a/*", Upstreams: []string{"https://a:http"}},
		// The queue alternative would be -5s (no timeout at all, to Caddy).
		{Path: "/a/*", Upstreams: []string{"a:1"}, Edge: "cloudflare", EdgeTimeout: 5 * time.Second, HandlerTimeout: 150 * time.Second},
		{Path: "/a/*", Upstreams: []string{"a:1"}, Edge: "cloudflare", EdgeTimeout: -5 * time.Second},
		// Glob characters: Caddy 2.6.2 on loopback routed /a1 (not /a[1]) to "/a[1]",
		// and /bXc to "/b?c".
		{Path: "/a[1]", Upstreams: []string{"a:1"}},
		{Path: "/b?c", Upstreams: []string{"a:1"}},
		{Path: "/a]", Upstreams: []string{"a:1"}},
		{Path: `/a\b`, Upstreams: []string{"a:1"}},
		// nginx's spelling of a socket.
		{Path: "/a/*", Upstreams: []string{"unix:/run/app.sock"}},
		// One instance given twice passes for two.
		{Path: "/a/*", Upstreams: []string{"a:1", "b:1", "a:1"}},
	} {
		if _, err := GenerateRoute(o); err == nil {
			t.Errorf("%+v: want an error", o)
		}
	}
}

// TestGenerateRouteErrorsSayWhatToDo: the refusals added in session 15 name the fix.
func TestGenerateRouteErrorsSayWhatToDo(t *testing.T) {
	for _, c := range []struct {
		o    RouteOptions
		want string
	}{
		{RouteOptions{Path: "/a[1]", Upstreams: []string{"a:1"}}, "with * as the only wildcard"},
		{RouteOptions{Path: "/a/*", Upstreams: []string{"unix:/run/app.sock"}}, "unix//run/app.sock"},
		{RouteOptions{Path: "/a/*", Upstreams: []string{"a:1", "a:1"}}, "list each instance once"},
	} {
		_, err := GenerateRoute(c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one saying %q", c.o, err, c.want)
		}
	}
	// Still accepted: * anywhere, regex-looking characters that a glob reads literally,
	// a Caddy socket.
	for _, o := range []RouteOptions{
		{Path: "/api/*/users", Upstreams: []string{"a:1", "b:1"}},
		{Path: "/a.b(c)+$", Upstreams: []string{"a:1", "b:1"}},
		{Path: "/a/*", Upstreams: []string{"unix//run/app.sock"}},
	} {
		if _, err := GenerateRoute(o); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
}

func TestGenerateRouteDecisions(t *testing.T) {
	r, err := GenerateRoute(RouteOptions{Path: "/webhooks/*", Upstreams: []string{"app-1:8080", "app-2:8080"}, HandlerTimeout: 90 * time.Second, HealthPath: "/healthz"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"reverse_proxy /webhooks/* app-1:8080 app-2:8080 {\n", "\tlb_try_duration 5s\n", "\thealth_uri /healthz\n", "\t\tdial_timeout 2s\n", "\t\tresponse_header_timeout 99s\n"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("missing %q in:\n%s", want, r.Text)
		}
	}
	q, _ := GenerateRoute(RouteOptions{Path: "/x/*", Upstreams: []string{"a:1", "b:1"}, HandlerTimeout: 300 * time.Second, Edge: "cloudflare"})
	if !q.Queued || !strings.Contains(q.Text, "response_header_timeout 110s") {
		t.Errorf("queued: %+v", q)
	}
}

// TestKeepAliveFitsApp: the transport keepalive stays below the keep-alive of the app
// server behind the route, named or assumed: no keepalive-race against any app server
// no502 knows. Caddy's own default (2m) races every one of them.
func TestKeepAliveFitsApp(t *testing.T) {
	up := apptest.Host + ":8080"
	for _, behind := range app.Names() {
		for _, given := range []string{"", behind} {
			r, err := GenerateRoute(RouteOptions{Path: "/hooks/*", Upstreams: []string{up}, App: given})
			if err != nil {
				t.Fatal(err)
			}
			res := lintDir(t, map[string]string{"Caddyfile": wrap(RouteOptions{}, r.Text), "app.yaml": apptest.Manifest(behind)})
			for _, f := range res.Findings {
				if f.Rule.ID == "keepalive-race" {
					t.Errorf("%s behind, --app %q: %s: %s", behind, given, f.Pos, f.Message)
				}
			}
		}
	}
	r, _ := GenerateRoute(RouteOptions{Path: "/hooks/*", Upstreams: []string{up}, AppKeepAlive: 3 * time.Minute})
	res := lintDir(t, map[string]string{"Caddyfile": wrap(RouteOptions{}, r.Text), "app.yaml": apptest.Manifest("uvicorn")})
	raced := false
	for _, f := range res.Findings {
		raced = raced || f.Rule.ID == "keepalive-race"
	}
	if !raced {
		t.Error("keepalive 1m in front of uvicorn's 5s: want keepalive-race (is the upstream linked?)")
	}
}

// TestNoHealthPathNoActiveChecks: without --health-path the route has no active check. A
// guessed path the app does not serve (404) takes every upstream out of rotation: Caddy
// 2.6.2 on loopback, health_uri /health in front of two apps without it, answered 503 to
// every request from the first one on.
func TestNoHealthPathNoActiveChecks(t *testing.T) {
	r, err := GenerateRoute(RouteOptions{Path: "/api/*", Upstreams: []string{"app-1:8080", "app-2:8080"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"health_uri", "health_interval", "health_timeout"} {
		if strings.Contains(r.Text, "\t"+bad+" ") {
			t.Errorf("%s written without --health-path:\n%s", bad, r.Text)
		}
	}
	if !strings.Contains(strings.Join(r.Notes, "\n"), "--health-path") {
		t.Errorf("notes do not say how to add active checks: %q", r.Notes)
	}
}

// TestNoPassiveChecks: no fail_duration. Caddy counts every failed round trip as a
// failure, a response_header_timeout included, and with max_fails 1 takes the upstream
// out for fail_duration: Caddy 2.6.2 on loopback with fail_duration 30s, six requests
// past the budget took both upstreams out (30s of 503 for every request), and one
// upstream down for 0.3s answered 503 for 30s after it was back.
func TestNoPassiveChecks(t *testing.T) {
	for _, c := range cases {
		r, err := GenerateRoute(c.o)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(r.Text, "fail_duration") || strings.Contains(r.Text, "max_fails") {
			t.Errorf("%s: passive health checks written:\n%s", c.name, r.Text)
		}
	}
}

// TestGraceCoversBudget: with --site, grace_period covers the handler budget. Caddy 2.6.2
// on loopback, budget 60s, grace_period 20s: a 40s request was cut at 26s when Caddy was
// stopped (the client got an empty reply).
func TestGraceCoversBudget(t *testing.T) {
	r, err := GenerateRoute(RouteOptions{Path: "/api/*", Upstreams: []string{"a:1", "b:1"}, HandlerTimeout: 60 * time.Second, Site: ":8080"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Text, "\tgrace_period 66s\n") || !strings.Contains(strings.Join(r.Notes, "\n"), "71s") {
		t.Errorf("want grace_period 66s and a note asking 71s to stop, got %q\n%s", r.Notes, r.Text)
	}
	r, _ = GenerateRoute(RouteOptions{Path: "/api/*", Upstreams: []string{"a:1", "b:1"}, HandlerTimeout: 10 * time.Second, Site: ":8080"})
	if !strings.Contains(r.Text, "\tgrace_period 20s\n") {
		t.Errorf("a 10s budget fits the 20s default:\n%s", r.Text)
	}
}

// TestRetryPOSTBodyCaveat: the block must not promise that a POST is retried after a
// failed connection. Caddy releases before the fix of caddy issue 7546 (2.6.2 included)
// close the body on the dial error and answer the retry 502 "invalid Read on closed
// Body": Caddy 2.6.2 on loopback, this block in front of a dead and a live upstream,
// POSTs with a body that drew the dead one got 502 (evidence: "dead-upstream-in-rotation
// and no-retry-on-failure: Caddy").
func TestRetryPOSTBodyCaveat(t *testing.T) {
	for _, health := range []string{"", "/healthz"} {
		r, err := GenerateRoute(RouteOptions{Path: "/api/*", Upstreams: []string{"app-1:8080", "app-2:8080"}, HealthPath: health})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(r.Text, "caddy issue 7546") || !strings.Contains(r.Text, "lose that retried POST's body and answer 502") {
			t.Errorf("health %q: the retry comment does not say a retried POST loses its body:\n%s", health, r.Text)
		}
		notes := strings.Join(r.Notes, "\n")
		if health == "" && (strings.Contains(notes, "a request to a dead upstream is retried") || !strings.Contains(notes, "a POST or PUT with a body gets 502")) {
			t.Errorf("the no-health note promises retries for every request: %q", r.Notes)
		}
	}
}
