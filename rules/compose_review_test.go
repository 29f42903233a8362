package rules_test

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules/rulestest"
)

// TestStopGraceComposeSeverity: Compose's default 10s stop against gunicorn's default 30s
// drain is a warning (only requests longer than 10s are cut, and nothing says there are
// any); a drain or request timeout set above the grace period, or a handler budget
// longer than it, makes it an error (docs/decisions.md, "Compose review fixes, round 2
// (session 9)").
func TestStopGraceComposeSeverity(t *testing.T) {
	want := map[string]parsers.Severity{
		"testdata/compose-grace-severity|shop":    parsers.Warning,
		"testdata/compose-grace-severity|reports": parsers.Error,
		"testdata/compose-grace-severity|exports": parsers.Error,
		"testdata/compose-nginx-gunicorn|app":     parsers.Warning,
		"testdata/compose-grace-budget|hooks":     parsers.Error,
		"testdata/compose-grace-budget|legacy":    parsers.Error,
	}
	seen := 0
	for _, dir := range []string{"testdata/compose-grace-severity", "testdata/compose-nginx-gunicorn", "testdata/compose-grace-budget"} {
		_, findings := rulestest.Lint(t, dir)
		for _, f := range findings {
			if f.Rule.ID != "grace-period-too-short" {
				continue
			}
			for key, sev := range want {
				d, name, _ := strings.Cut(key, "|")
				if d != dir || !strings.HasPrefix(f.Message, "service "+name+" ") {
					continue
				}
				seen++
				if f.Severity != sev {
					t.Errorf("%s: severity %v, want %v (%s)", key, f.Severity, sev, f.Message)
				}
				if (sev == parsers.Warning) != strings.Contains(f.Message, "Only requests running longer than") {
					t.Errorf("%s: the message must say which requests are cut exactly when it is a warning: %s", key, f.Message)
				}
			}
		}
	}
	if seen != len(want) {
		t.Errorf("want one grace-period-too-short finding per service, got %d of %d", seen, len(want))
	}
}

// singleReplicaMessage returns the message of the one single-replica finding on service
// name in dir.
func singleReplicaMessage(t *testing.T, dir, name string) string {
	t.Helper()
	_, findings := rulestest.Lint(t, dir)
	var msgs []string
	for _, f := range findings {
		if f.Rule.ID == "single-replica" && strings.HasPrefix(f.Message, "service "+name+" ") {
			msgs = append(msgs, f.Message)
		}
	}
	if len(msgs) != 1 {
		t.Fatalf("want one single-replica finding on service %s in %s, got %q", name, dir, msgs)
	}
	return msgs[0]
}

// TestSingleReplicaHostNetworkAdvice: a proxy on the host's network reaches the service
// through the port it publishes, so the advice must not be to drop that ports: entry.
func TestSingleReplicaHostNetworkAdvice(t *testing.T) {
	msg := singleReplicaMessage(t, "testdata/compose-host-network-proxy", "web")
	if strings.Contains(msg, "drop that ports: entry") || !strings.Contains(msg, "list each port in the proxy's upstream") {
		t.Errorf("advice for a service a host-network proxy reaches through its published port: %s", msg)
	}
}

// TestSingleReplicaContainerName: Compose refuses deploy.replicas above 1 beside a
// container_name, so the advice (and the snippet) say to remove it, and to move a proxy
// that addresses the container by that name to the service name.
func TestSingleReplicaContainerName(t *testing.T) {
	msg := singleReplicaMessage(t, "testdata/compose-container-name", "web")
	for _, want := range []string{"remove container_name first", "by its service name web"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q: %s", want, msg)
		}
	}
}

// TestDependsOnDisabledHealthcheck: with healthcheck disable: true the image's
// HEALTHCHECK is off too, so the message must not say the image may define one.
func TestDependsOnDisabledHealthcheck(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/compose-depends-health-disabled")
	seen := 0
	for _, f := range findings {
		if f.Rule.ID != "depends-on-not-healthy" {
			continue
		}
		seen++
		if strings.Contains(f.Message, "unless its image defines it") || !strings.Contains(f.Message, "healthcheck is disabled") {
			t.Errorf("message: %s", f.Message)
		}
	}
	if seen != 1 {
		t.Errorf("want one depends-on-not-healthy finding, got %d", seen)
	}
}

// TestComposeAuthRequestAnswers500: a service only nginx auth_request checks reach makes
// nginx answer 500, not 502, to the requests they guard (nginx 1.22.1 on loopback: the
// auth service refusing, "auth request unexpected status: 502", the client got 500); the
// app that ordinary requests reach keeps its 502.
func TestComposeAuthRequestAnswers500(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/compose-auth-request")
	seen := 0
	for _, f := range findings {
		if !strings.Contains(f.Message, "service auth") && !strings.Contains(f.Message, "depends_on auth") {
			continue
		}
		if f.Rule.ID == "upstream-dns-resolved-once" {
			continue
		}
		seen++
		if strings.Contains(f.Message, " 502") || !strings.Contains(f.Message, "nginx answers 500 to") || !strings.Contains(f.Message, "auth_request of location /") {
			t.Errorf("%s: %s", f.Rule.ID, f.Message)
		}
	}
	if seen != 5 {
		t.Errorf("want 5 findings on service auth, got %d", seen)
	}
	if msg := singleReplicaMessage(t, "testdata/compose-auth-request", "app"); !strings.Contains(msg, "requests get 502") {
		t.Errorf("app: %s", msg)
	}
}

// TestSingleReplicaCaddyErrorStatus: behind a Caddy site whose handle_errors answers
// the 502 with its own status, the message says what clients get (caddyStatus).
func TestSingleReplicaCaddyErrorStatus(t *testing.T) {
	dir := "testdata/compose-caddy-handle-errors"
	if msg := singleReplicaMessage(t, dir, "web"); !strings.Contains(msg, "requests get 503 (handle_errors answers Caddy's 502 with it:") {
		t.Errorf("web: %s", msg)
	}
	if msg := singleReplicaMessage(t, dir, "api"); !strings.Contains(msg, "requests get 502 (or what the site's handle_errors answers instead) until") {
		t.Errorf("api: %s", msg)
	}
}

// TestSingleReplicaBlueGreen: a service one site balances with another and another site
// forwards to alone is reported for the second site only, and the message says so.
func TestSingleReplicaBlueGreen(t *testing.T) {
	msg := singleReplicaMessage(t, "testdata/compose-caddy-blue-green", "app-blue")
	if !strings.Contains(msg, "and Caddy (blue.example.com) forwards to it alone (Caddy (app.example.com) balances it with another service):") {
		t.Errorf("app-blue: %s", msg)
	}
}

// TestGraceNamesTheDockerfile: a drain read from the Dockerfile's command is positioned
// at the service's build: key, so the message names where it is written.
func TestGraceNamesTheDockerfile(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/compose-dockerfile-cmd")
	for _, f := range findings {
		if f.Rule.ID == "grace-period-too-short" && strings.HasPrefix(f.Message, "service entry ") {
			if want := "graceful timeout 90s (compose.yaml:63, from ENTRYPOINT in entry/Dockerfile and the service's command:)"; !strings.Contains(f.Message, want) {
				t.Errorf("message lacks %q: %s", want, f.Message)
			}
			return
		}
	}
	t.Fatal("no grace-period-too-short finding on service entry")
}

// TestDNSRRSwarmFix: a stack service with endpoint_mode: dnsrr resolves to its tasks'
// addresses; docker stack deploy ignores depends_on, so the fix names only the resolver.
func TestDNSRRSwarmFix(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/compose-dns-recreated")
	for _, f := range findings {
		if f.Rule.ID == "upstream-dns-resolved-once" && strings.Contains(f.Message, "names roundrobin,") {
			if !strings.Contains(f.Message, "endpoint_mode: dnsrr") || f.Fix == nil || strings.Contains(f.Fix.Description, "depends_on") {
				t.Errorf("message or fix: %s / %+v", f.Message, f.Fix)
			}
			return
		}
	}
	t.Fatal("no upstream-dns-resolved-once finding for roundrobin")
}

// TestComposeCaddyDependsOnWindow: what a request gets from Caddy while the app it
// depends_on has started but does not listen (caddy 2.6.2 on loopback, the app listening
// 2s after Caddy started): with an active check every request got 503 until the next
// check (health_interval 10s), 7s after the app listened; with lb_try_duration 5s alone a
// GET waited 3s and got 200, a POST with a body waited and got 502 (caddy#7546).
func TestComposeCaddyDependsOnWindow(t *testing.T) {
	for dir, want := range map[string][]string{
		"testdata/compose-caddy-depends-health": {"first active health check", "health_interval 15s", "503"},
		"testdata/compose-caddy-depends-retry":  {"wait up to lb_try_duration 4s", "get 502 after that", "caddy#7546"},
	} {
		_, findings := rulestest.Lint(t, dir)
		seen := 0
		for _, f := range findings {
			if f.Rule.ID != "depends-on-not-healthy" {
				continue
			}
			seen++
			for _, w := range want {
				if !strings.Contains(f.Message, w) {
					t.Errorf("%s: want %q in: %s", dir, w, f.Message)
				}
			}
			if strings.Contains(f.Message, "requests in that window get 502") {
				t.Errorf("%s: %s", dir, f.Message)
			}
		}
		if seen != 1 {
			t.Errorf("%s: want one depends-on-not-healthy finding, got %d", dir, seen)
		}
	}
}

// TestDNSSnippetKeepsPath: the variable proxy_pass the snippet suggests sends the path the
// static one sent. proxy_pass http://api:8000/v2/ in location /v1/ sends /v1/x as /v2/x;
// proxy_pass http://$upstream_host:8000 would send /v1/x, so the snippet adds the rewrite
// ... break that gives the same path (nginx 1.22.1 on loopback: same upstream URI, query
// string and escapes included, for both forms).
func TestDNSSnippetKeepsPath(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/compose-dns-recreated")
	seen := 0
	for _, f := range findings {
		if f.Rule.ID != "upstream-dns-resolved-once" || !strings.Contains(f.Message, "names api,") {
			continue
		}
		seen++
		want := "rewrite ^/v1/(.*)$ /v2/$1 break;"
		if f.Pos.Line == 5 { // location /api/: proxy_pass http://api:8000, no path of its own
			want = ""
		}
		if f.Fix == nil || !strings.Contains(f.Fix.Snippet, "proxy_pass http://$upstream_host:8000;") ||
			want == "" && strings.Contains(f.Fix.Snippet, "rewrite ^") || want != "" && !strings.Contains(f.Fix.Snippet, want) {
			t.Errorf("line %d snippet:\n%v", f.Pos.Line, f.Fix)
		}
	}
	if seen != 2 {
		t.Errorf("want 2 findings on api, got %d", seen)
	}
}

func TestDNSFixKeepsPath(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/compose-dns-path")
	set := "  # first in the location: a rewrite ... break above it would skip it\n"
	want := map[string][]string{
		"api,":    {"set $upstream_host api;" + set + "rewrite ^/api/(.*)$ /$1 break;\nproxy_pass http://$upstream_host:8000;"},
		"same,":   {"set $upstream_host same;" + set + "proxy_pass http://$upstream_host:8000;"},
		"bare,":   {"set $upstream_host bare;" + set + "proxy_pass http://$upstream_host:8000;"},
		"exact,":  {"set $upstream_host exact;" + set + "rewrite ^/health$ /healthz break;\nproxy_pass http://$upstream_host:8000;"},
		"secure,": {"set $upstream_host secure;" + set + "rewrite ^/s/(.*)$ /$1 break;\nproxy_pass https://$upstream_host:8443;"},
	}
	seen := 0
	for _, f := range findings {
		if f.Rule.ID != "upstream-dns-resolved-once" {
			continue
		}
		for name, parts := range want {
			if !strings.Contains(f.Message, "names "+name) {
				continue
			}
			seen++
			if f.Fix == nil {
				t.Errorf("%s: no fix", name)
				continue
			}
			for _, p := range parts {
				if !strings.Contains(f.Fix.Snippet, p) {
					t.Errorf("%s: snippet lacks %q:\n%s", name, p, f.Fix.Snippet)
				}
			}
			if !strings.Contains(f.Fix.Snippet, "server{}") {
				t.Errorf("%s: snippet does not say where the resolver goes:\n%s", name, f.Fix.Snippet)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("%d of %d findings", seen, len(want))
	}
}

func TestDNSPoolWording(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/compose-dns-pool")
	n := 0
	for _, f := range findings {
		if f.Rule.ID != "upstream-dns-resolved-once" {
			continue
		}
		n++
		pool := strings.Contains(f.Message, "upstream api")
		if got := strings.Contains(f.Message, "another server of upstream api"); got != pool {
			t.Errorf("pool wording %v, want %v: %s", got, pool, f.Message)
		}
		if !pool && !strings.Contains(f.Message, "clients get 502 until the next reload") {
			t.Errorf("unretried pool: %s", f.Message)
		}
		// A variable proxy_pass reaches one name: the snippet for a pool keeps every
		// server, re-resolved (nginx >= 1.27.3).
		if f.Fix == nil || strings.Contains(f.Fix.Snippet, "$upstream_host") ||
			pool && !strings.Contains(f.Fix.Snippet, "server backend:8000 resolve;\n    server backend-rep:8001 resolve;") {
			t.Errorf("pool snippet: %+v", f.Fix)
		}
	}
	if n != 4 {
		t.Errorf("%d findings, want 4", n)
	}
}

// An upstream whose one server has a backup that is a Compose service: nginx sends the
// failed connects on to the backup, so the wording is the pool's, and the snippet keeps
// the backup and each server's parameters (a variable in proxy_pass would drop both).
func TestDNSBackupServer(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/compose-backup-server")
	n := 0
	for _, f := range findings {
		if f.Rule.ID != "upstream-dns-resolved-once" {
			continue
		}
		n++
		if !strings.Contains(f.Message, "goes to another server of upstream app_backend") {
			t.Errorf("wording: %s", f.Message)
		}
		if f.Fix == nil || strings.Contains(f.Fix.Snippet, "$upstream_host") ||
			!strings.Contains(f.Fix.Snippet, "server green:80 resolve max_fails=1 fail_timeout=5s;\n    server blue:80 resolve backup;") {
			t.Errorf("snippet: %+v", f.Fix)
		}
	}
	if n != 1 {
		t.Errorf("%d findings, want 1", n)
	}
}

// TestComposeSingleReplicaCaddyRetry: what single-replica says a request gets from Caddy
// while the one container is recreated. caddy 2.6.2 on loopback, one upstream listening
// 2s after the request, lb_try_duration 5s: a GET got 200 after 2.5s, a POST with a body
// got 502 (caddy#7546), a GET to an upstream back after 7s got 502 at 5s. With an active
// check (503 once it marks the upstream down) or passive health (fail_duration keeps the
// upstream out after it listens), or no retry, the plain wording stays.
func TestComposeSingleReplicaCaddyRetry(t *testing.T) {
	_, findings := rulestest.Lint(t, "testdata/compose-caddy-single-retry")
	want := map[string][]string{
		"api":   {"retries the connection for up to lb_try_duration 5s", "a GET waits for the new container", "only when it takes longer than that", "a POST) gets 502 even when it comes back in time", "caddy#7546"},
		"web":   {"requests get 502 until the new container answers"},
		"admin": {"requests get 502 until the new container answers"},
		"plain": {"requests get 502 until the new container answers"},
	}
	seen := map[string]bool{}
	for _, f := range findings {
		if f.Rule.ID != "single-replica" {
			continue
		}
		for svc, ws := range want {
			if !strings.Contains(f.Message, "service "+svc+" runs one container") {
				continue
			}
			seen[svc] = true
			for _, w := range ws {
				if !strings.Contains(f.Message, w) {
					t.Errorf("%s: want %q in: %s", svc, w, f.Message)
				}
			}
			if svc != "api" && strings.Contains(f.Message, "lb_try_duration") {
				t.Errorf("%s: retry wording where it does not hold: %s", svc, f.Message)
			}
		}
	}
	for svc := range want {
		if !seen[svc] {
			t.Errorf("no single-replica finding for %s", svc)
		}
	}
}
