package nginx

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/no502/no502/generators/app"
	"github.com/no502/no502/generators/app/apptest"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
	"github.com/no502/no502/rules/rulestest"
)

// embed puts a generated upstream+location into the smallest config nginx accepts.
func embed(generated string) string {
	i := strings.Index(generated, "\nlocation ") + 1
	up, loc := generated[:i], generated[i:]
	return fmt.Sprintf("events {}\nhttp {\n%s\nserver {\n    listen 127.0.0.1:18080;\n%s}\n}\n", up, loc)
}

var cases = []struct {
	name string
	opts LocationOptions
	cfg  string
}{
	{"webhooks", LocationOptions{Path: "/webhooks/", Upstream: "http://app:8080", HandlerTimeout: 90 * time.Second},
		"routes:\n  - match: /webhooks/\n    handler_timeout: 90s\n"},
	{"no budget", LocationOptions{Path: "/", Upstream: "https://api.internal"}, ""},
	{"modern nginx", LocationOptions{Path: "/api/", Upstream: "http://api.default.svc:8000", HandlerTimeout: 30 * time.Second, NginxVersion: "1.30.0"},
		"nginx_version: 1.30.0\nroutes:\n  - match: /api/\n    handler_timeout: 30s\n"},
	{"cloudflare fits", LocationOptions{Path: "/hooks/", Upstream: "http://app:8080", HandlerTimeout: 60 * time.Second, Edge: "cloudflare"},
		"edge: cloudflare\nroutes:\n  - match: /hooks/\n    handler_timeout: 60s\n"},
	// The budget cannot fit behind the edge: the queue alternative is printed, and the
	// budget the app must then meet is the fast acknowledgement, not the 150s of work.
	// 115s fits behind Cloudflare's 120s, but the usual margin (130s) would not: the
	// timeout stops at the edge's limit instead of waiting past it.
	{"cloudflare fits, margin capped", LocationOptions{Path: "/hooks/", Upstream: "http://app:8080", HandlerTimeout: 115 * time.Second, Edge: "cloudflare"},
		"edge: cloudflare\nroutes:\n  - match: /hooks/\n    handler_timeout: 115s\n"},
	{"https upstream", LocationOptions{Path: "/pay/", Upstream: "https://payments.example.com", HandlerTimeout: 20 * time.Second},
		"routes:\n  - match: /pay/\n    handler_timeout: 20s\n"},
	{"unix socket", LocationOptions{Path: "/", Upstream: "unix:/run/gunicorn.sock", App: "gunicorn"}, ""},
	{"glob path", LocationOptions{Path: "/webhooks/*", Upstream: "http://app:8080", HandlerTimeout: 90 * time.Second},
		"routes:\n  - match: /webhooks/\n    handler_timeout: 90s\n"},
	// nginx 1.14 (Debian 10, Ubuntu 18.04) has no keepalive_timeout in upstream{}.
	{"nginx before 1.15.3", LocationOptions{Path: "/hooks/", Upstream: "http://app:8080", NginxVersion: "1.14.2"}, "nginx_version: 1.14.2\n"},
	{"cloudflare queue", LocationOptions{Path: "/reports/", Upstream: "http://app:8080", HandlerTimeout: 150 * time.Second, Edge: "cloudflare"},
		"edge: cloudflare\n"},
}

func TestGeneratedLintsClean(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loc, err := GenerateLocation(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(embed(loc.Text)), 0o644)
			if c.cfg != "" {
				os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte(c.cfg), 0o644)
			}
			m, findings := rulestest.Lint(t, dir)
			for _, d := range m.Diags {
				if d.Severity == parsers.Error {
					t.Errorf("generated config does not parse: %s", d)
				}
			}
			for _, f := range findings {
				t.Errorf("generated config is not clean: %s: %s %s", f.Pos, f.Rule.ID, f.Message)
			}
		})
	}
}

func TestQueueAlternative(t *testing.T) {
	loc, err := GenerateLocation(LocationOptions{Path: "/reports/", Upstream: "http://app:8080", HandlerTimeout: 150 * time.Second, Edge: "cloudflare"})
	if err != nil {
		t.Fatal(err)
	}
	if !loc.Queued || len(loc.Notes) == 0 || !strings.Contains(loc.Text, "202 Accepted") || !strings.Contains(loc.Text, "proxy_read_timeout 110s;") {
		t.Errorf("want the queue alternative with a timeout under the edge's 120s, got:\n%s", loc.Text)
	}
}

func TestSingleIPNote(t *testing.T) {
	loc, err := GenerateLocation(LocationOptions{Path: "/a/", Upstream: "http://10.0.0.5:8000"})
	if err != nil {
		t.Fatal(err)
	}
	if len(loc.Notes) == 0 || !strings.Contains(loc.Notes[0], "single") {
		t.Errorf("an IP literal upstream is one instance: want a note, got %v", loc.Notes)
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []LocationOptions{
		{Path: "webhooks", Upstream: "http://app:8080"},
		{Path: "/a/", Upstream: "app:8080"},
		{Path: "/a/", Upstream: "http://app:8080/v1"},
		{Path: "/a b/", Upstream: "http://app:8080"},
		{Path: "/a/", Upstream: "http://app:8080", Edge: "fastly"},
		// nginx -t: "invalid port in upstream", "no host in upstream".
		{Path: "/a/", Upstream: "http://app:0"},
		{Path: "/a/", Upstream: "http://app:99999"},
		{Path: "/a/", Upstream: "http://:8080"},
		// What the block cannot carry is refused, not dropped.
		{Path: "/a/", Upstream: "http://app:8080?x=1"},
		{Path: "/a/", Upstream: "http://user:secret@app:8080"},
		{Path: "/a/", Upstream: "unix:run/app.sock"},
		// A location prefix has no wildcards: these would match nothing.
		{Path: "/a/*/b", Upstream: "http://app:8080"},
		{Path: "/a?", Upstream: "http://app:8080"},
		{Path: "/a/", Upstream: "http://app:8080", NginxVersion: "latest"},
		// The queue alternative answers 10s before the edge: --edge-timeout 5s made it -5s.
		{Path: "/a/", Upstream: "http://app:8080", Edge: "cloudflare", EdgeTimeout: 5 * time.Second, HandlerTimeout: 150 * time.Second},
		{Path: "/a/", Upstream: "http://app:8080", Edge: "cloudflare", EdgeTimeout: -5 * time.Second},
	} {
		if _, err := GenerateLocation(o); err == nil {
			t.Errorf("%+v: want an error", o)
		}
	}
}

// nginxBinary returns the real nginx, or skips (fails under CI=true) when missing.
func nginxBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx"} {
			if _, e := os.Stat(p); e == nil {
				bin, err = p, nil
			}
		}
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("nginx is not installed, and CI must not skip this test (.ci/run installs nginx-light)")
		}
		t.Skip("nginx not installed: skipping the real nginx check (apt-get install nginx-light)")
	}
	return bin
}

// TestNginxAccepts runs the real nginx -t on every generated block.
func TestNginxAccepts(t *testing.T) {
	bin := nginxBinary(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// nginx -t resolves upstream host names: use an address that resolves here.
			o := c.opts
			if u, _ := url.Parse(o.Upstream); u.Hostname() != "" {
				u.Host = strings.Replace(u.Host, u.Hostname(), "127.0.0.1", 1)
				o.Upstream = u.String()
			}
			loc, err := GenerateLocation(o)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			conf := filepath.Join(dir, "nginx.conf")
			os.WriteFile(conf, []byte(embed(loc.Text)), 0o644)
			cmd := exec.Command(bin, "-t", "-q", "-p", dir, "-c", conf, "-e", "stderr", "-g", "pid "+filepath.Join(dir, "nginx.pid")+";")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("nginx -t rejected the generated config: %v\n%s\n%s", err, out, embed(loc.Text))
			}
		})
	}
}

// TestKeepAliveFitsApp: the upstream keep-alive the block carries stays below the app
// server's behind it, whether the app is named, its keep-alive given, or neither (the
// shortest common default is assumed): lint finds no keepalive-race against any of the
// app servers no502 knows, linked through a Kubernetes Service.
func TestKeepAliveFitsApp(t *testing.T) {
	for _, behind := range app.Names() {
		for _, given := range []string{"", behind} {
			t.Run(behind+"/app="+given, func(t *testing.T) {
				loc, err := GenerateLocation(LocationOptions{Path: "/hooks/", Upstream: "http://" + apptest.Host + ":8080", App: given})
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(embed(loc.Text)), 0o644)
				os.WriteFile(filepath.Join(dir, "app.yaml"), []byte(apptest.Manifest(behind)), 0o644)
				_, findings := rulestest.Lint(t, dir)
				for _, f := range findings {
					if f.Rule.ID == "keepalive-race" {
						t.Errorf("%s: %s", f.Pos, f.Message)
					}
				}
			})
		}
	}
	// The test means something: the keep-alive the generator used to print (60s) races
	// every one of them but Puma.
	dir := t.TempDir()
	loc, _ := GenerateLocation(LocationOptions{Path: "/hooks/", Upstream: "http://" + apptest.Host + ":8080", AppKeepAlive: 61 * time.Second})
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(embed(loc.Text)), 0o644)
	os.WriteFile(filepath.Join(dir, "app.yaml"), []byte(apptest.Manifest("uvicorn")), 0o644)
	if _, findings := rulestest.Lint(t, dir); !hasRule(findings, "keepalive-race") {
		t.Errorf("keepalive_timeout 60s in front of uvicorn's 5s: want keepalive-race (is the upstream linked?)")
	}
}

func hasRule(fs []rules.Finding, id string) bool {
	for _, f := range fs {
		if f.Rule.ID == id {
			return true
		}
	}
	return false
}

func TestAppOptions(t *testing.T) {
	if _, err := GenerateLocation(LocationOptions{Path: "/a/", Upstream: "http://app:8080", App: "tomcat"}); err == nil {
		t.Error("--app tomcat: want an error naming the known app servers")
	}
	loc, err := GenerateLocation(LocationOptions{Path: "/a/", Upstream: "http://app:8080", App: "uvicorn"})
	if err != nil || !strings.Contains(loc.Text, "keepalive_timeout 4s;") || len(loc.Notes) != 0 {
		t.Errorf("--app uvicorn: want keepalive_timeout 4s and no assumption note, got %v\n%s", loc.Notes, loc.Text)
	}
	loc, _ = GenerateLocation(LocationOptions{Path: "/a/", Upstream: "http://app:8080"})
	if !strings.Contains(loc.Text, "keepalive_timeout 1s;") || len(loc.Notes) == 0 || !strings.Contains(loc.Notes[0], "not given") {
		t.Errorf("no app: want keepalive_timeout 1s and a note saying what was assumed, got %v\n%s", loc.Notes, loc.Text)
	}
}

func TestGlobPathBecomesPrefix(t *testing.T) {
	loc, err := GenerateLocation(LocationOptions{Path: "/webhooks/*", Upstream: "http://app:8080"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loc.Text, "\nlocation /webhooks/ {") || !strings.Contains(strings.Join(loc.Notes, "\n"), "literal") {
		t.Errorf("want location /webhooks/ and a note, got %v\n%s", loc.Notes, loc.Text)
	}
}

func TestHTTPSUpstreamSNI(t *testing.T) {
	loc, err := GenerateLocation(LocationOptions{Path: "/pay/", Upstream: "https://payments.example.com:8443"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"proxy_pass https://payments_example_com_8443_backend;", "proxy_ssl_server_name on;", "proxy_ssl_name payments.example.com;"} {
		if !strings.Contains(loc.Text, want) {
			t.Errorf("missing %q:\n%s", want, loc.Text)
		}
	}
	// An IP address is no server name (RFC 6066 3): nothing to send.
	loc, _ = GenerateLocation(LocationOptions{Path: "/pay/", Upstream: "https://10.0.0.5"})
	if strings.Contains(loc.Text, "proxy_ssl_") {
		t.Errorf("SNI directives for an IP upstream:\n%s", loc.Text)
	}
}

func TestUnixSocketUpstream(t *testing.T) {
	for _, up := range []string{"unix:/run/gunicorn.sock", "http://unix:/run/gunicorn.sock"} {
		loc, err := GenerateLocation(LocationOptions{Path: "/", Upstream: up})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(loc.Text, "server unix:/run/gunicorn.sock max_fails=3") || !strings.Contains(loc.Text, "proxy_pass http://run_gunicorn_sock_backend;") {
			t.Errorf("%s:\n%s", up, loc.Text)
		}
	}
}

func TestEdgeCapNotQueue(t *testing.T) {
	loc, err := GenerateLocation(LocationOptions{Path: "/a/", Upstream: "http://app:8080", HandlerTimeout: 115 * time.Second, Edge: "cloudflare"})
	if err != nil {
		t.Fatal(err)
	}
	if loc.Queued || !strings.Contains(loc.Text, "proxy_read_timeout 120s;") {
		t.Errorf("115s behind Cloudflare's 120s: want proxy_read_timeout 120s, not queued:\n%s", loc.Text)
	}
}

// TestHTTPSUpstreamSNIOnLoopback runs the real nginx with a generated block in front of
// an HTTPS server that, like CDN and PaaS front ends, refuses a handshake without SNI.
// Without proxy_ssl_server_name the request got 502 ("sslv3 alert handshake failure
// while SSL handshaking to upstream", nginx 1.22.1).
func TestHTTPSUpstreamSNIOnLoopback(t *testing.T) {
	nginxBinary(t)
	var gotSNI atomic.Value
	app := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}))
	app.TLS = &tls.Config{GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		if h.ServerName == "" {
			return nil, errors.New("no SNI")
		}
		gotSNI.Store(h.ServerName)
		return nil, nil
	}}
	app.Config.ErrorLog = log.New(io.Discard, "", 0)
	app.StartTLS()
	defer app.Close()
	port := app.Listener.Addr().(*net.TCPAddr).Port
	loc, err := GenerateLocation(LocationOptions{Path: "/pay/", Upstream: fmt.Sprintf("https://localhost:%d", port)})
	if err != nil {
		t.Fatal(err)
	}
	listen, errLog, src := startNginx(t, loc.Text)
	client := &http.Client{Timeout: 10 * time.Second}
	var resp *http.Response
	for i := 0; i < 50; i++ {
		if resp, err = client.Get("http://" + listen + "/pay/x"); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	logText := func() string { b, _ := os.ReadFile(errLog); return string(b) }
	if err != nil {
		t.Fatalf("nginx did not answer: %v\n%s", err, logText())
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || gotSNI.Load() != "localhost" {
		t.Errorf("status %d, SNI %v; want 200 with SNI localhost\n%s\n%s", resp.StatusCode, gotSNI.Load(), logText(), src)
	}
}

// startNginx runs the real nginx with a generated block in a server on a free loopback
// port, until the test ends. It returns that address, the error log's path and the
// config.
func startNginx(t *testing.T, generated string) (listen, errLog, src string) {
	t.Helper()
	bin := nginxBinary(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen = l.Addr().String()
	l.Close()
	dir := t.TempDir()
	conf := filepath.Join(dir, "nginx.conf")
	src = strings.Replace(embed(generated), "listen 127.0.0.1:18080;", "listen "+listen+";", 1)
	os.WriteFile(conf, []byte(src), 0o644)
	errLog = filepath.Join(dir, "error.log")
	cmd := exec.Command(bin, "-p", dir, "-c", conf, "-e", errLog, "-g", "daemon off; pid "+filepath.Join(dir, "nginx.pid")+";")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// SIGTERM: the master stops its workers too (a SIGKILL would orphan them).
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	return listen, errLog, src
}

// TestAppStatusNotCountedOnLoopback runs the generated block with two servers that both
// answer 503 (load shedding, maintenance): every request must get the app's 503. With
// http_502 http_503 in proxy_next_upstream, each 503 counted toward max_fails: nginx
// 1.22.1 answered five 503s, then 502 "no live upstreams" to everything for 10s.
func TestAppStatusNotCountedOnLoopback(t *testing.T) {
	nginxBinary(t)
	var hits atomic.Int64
	shed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	a, b := httptest.NewServer(shed), httptest.NewServer(shed)
	defer a.Close()
	defer b.Close()
	loc, err := GenerateLocation(LocationOptions{Path: "/api/", Upstream: "http://" + a.Listener.Addr().String(), AppKeepAlive: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// The note asks for every instance in the upstream: add the second one.
	first := "server " + a.Listener.Addr().String() + " "
	text := strings.Replace(loc.Text, first, "server "+b.Listener.Addr().String()+" max_fails=3 fail_timeout=10s;\n    "+first, 1)
	listen, errLog, src := startNginx(t, text)
	client := &http.Client{Timeout: 10 * time.Second}
	var codes []int
	for i := 0; i < 50 && len(codes) < 8; i++ {
		resp, err := client.Get("http://" + listen + "/api/x")
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
	for _, c := range codes {
		if c != http.StatusServiceUnavailable {
			log, _ := os.ReadFile(errLog)
			t.Fatalf("statuses %v: want the app's 503 every time\n%s\n%s", codes, log, src)
		}
	}
	if len(codes) < 8 {
		t.Fatalf("nginx answered %d requests: %v", len(codes), codes)
	}
}

// TestReadTimeoutNotRetried: proxy_next_upstream_timeout lets a connect timeout (5s) be
// retried but not a request that ran past proxy_read_timeout. Without it, nginx 1.22.1 on
// loopback (two servers of the generated upstream, 2s budget) sent four slow GETs to both
// servers (30s each for a 15s read timeout), marked both down (max_fails=3), and answered
// every request for the next 10s with 502 "no live upstreams"; with it, 504 after 15s and
// the next requests 200. A blackholed server's connect timeout was still retried (200
// after 5s).
func TestReadTimeoutNotRetried(t *testing.T) {
	for _, o := range []LocationOptions{
		{Path: "/a/", Upstream: "http://app:8080"},
		{Path: "/a/", Upstream: "http://app:8080", HandlerTimeout: 500 * time.Millisecond},
		{Path: "/a/", Upstream: "http://app:8080", HandlerTimeout: 150 * time.Second, Edge: "cloudflare", EdgeTimeout: 15 * time.Second},
	} {
		loc, err := GenerateLocation(o)
		if err != nil {
			t.Fatal(err)
		}
		read, window := directiveSeconds(t, loc.Text, "proxy_read_timeout"), directiveSeconds(t, loc.Text, "proxy_next_upstream_timeout")
		if window > read || (read > 5 && window <= 5) {
			t.Errorf("%+v: proxy_next_upstream_timeout %ds, proxy_read_timeout %ds: want above the 5s connect timeout and at most the read timeout", o, window, read)
		}
	}
}

func directiveSeconds(t *testing.T, text, name string) int {
	t.Helper()
	for _, l := range strings.Split(text, "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == name {
			var n int
			if _, err := fmt.Sscanf(strings.TrimSuffix(f[1], ";"), "%ds", &n); err == nil {
				return n
			}
		}
	}
	t.Fatalf("no %s in:\n%s", name, text)
	return 0
}

// TestUpstreamNamesDiffer: two apps on one host get two upstream blocks; nginx refused
// the second one when both were named after the host ("duplicate upstream").
func TestUpstreamNamesDiffer(t *testing.T) {
	a, _ := GenerateLocation(LocationOptions{Path: "/api/", Upstream: "http://app:8080"})
	b, _ := GenerateLocation(LocationOptions{Path: "/metrics/", Upstream: "http://app:9090"})
	name := func(text string) string {
		i := strings.Index(text, "\nupstream ") + 1
		return strings.Fields(text[i:])[1]
	}
	if name(a.Text) == name(b.Text) {
		t.Errorf("both upstream blocks are named %s", name(a.Text))
	}
	// Two sockets of one name in different directories: app_sock_backend twice, and
	// nginx -t refused the second ("duplicate upstream").
	a, _ = GenerateLocation(LocationOptions{Path: "/a/", Upstream: "unix:/run/a/app.sock"})
	b, _ = GenerateLocation(LocationOptions{Path: "/b/", Upstream: "unix:/run/b/app.sock"})
	if name(a.Text) == name(b.Text) {
		t.Errorf("both socket upstream blocks are named %s", name(a.Text))
	}
}

// TestOldNginxNoPoolTimeout: keepalive_timeout in upstream{} appeared in nginx 1.15.3
// (nginx.org, ngx_http_upstream_module): for an older version the block keeps no pool
// rather than print a directive that version refuses.
func TestOldNginxNoPoolTimeout(t *testing.T) {
	loc, err := GenerateLocation(LocationOptions{Path: "/a/", Upstream: "http://app:8080", NginxVersion: "1.14.2"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(loc.Text, "keepalive_timeout") || strings.Contains(loc.Text, "keepalive 16") {
		t.Errorf("nginx 1.14.2:\n%s", loc.Text)
	}
	loc, _ = GenerateLocation(LocationOptions{Path: "/a/", Upstream: "http://app:8080", NginxVersion: "1.15.3"})
	if !strings.Contains(loc.Text, "keepalive_timeout 1s;") {
		t.Errorf("nginx 1.15.3:\n%s", loc.Text)
	}
}

// TestDynamicHostRefused: an upstream block resolves its names once, at startup. An ALB's
// or an Azure public IP label's addresses change, and nginx keeps connecting to the old
// ones (502 until a reload): the generated block was flagged by no502's own
// upstream-dns-resolved-once. Resolving per request needs the user's DNS server (a
// resolver directive), which the generator cannot know: it refuses and says why.
func TestDynamicHostRefused(t *testing.T) {
	for _, u := range []string{
		"http://internal-hooks-1234.eu-west-1.elb.amazonaws.com",
		"https://hooks-123.us-east-1.elb.amazonaws.com:8443",
		"https://myapp.westeurope.cloudapp.azure.com",
	} {
		_, err := GenerateLocation(LocationOptions{Path: "/a/", Upstream: u})
		if err == nil || !strings.Contains(err.Error(), "resolver") {
			t.Errorf("%s: want an error naming the resolver, got %v", u, err)
		}
	}
	// A Network Load Balancer's name (its addresses are fixed) stays allowed.
	if _, err := GenerateLocation(LocationOptions{Path: "/a/", Upstream: "http://hooks-1234.elb.eu-west-1.amazonaws.com"}); err != nil {
		t.Errorf("NLB name refused: %v", err)
	}
}

// TestNginxBeforeRetryDirectives: the block's retry settings need nginx 1.9.13.
// proxy_next_upstream_tries and _timeout appeared in 1.7.5 (nginx -t refuses them
// before), and before 1.9.13 nginx re-sent a POST or PATCH to the next server
// (non_idempotent appeared then, nginx.org ngx_http_proxy_module), so the block's
// "POST/PATCH are never re-sent" would be false.
func TestNginxBeforeRetryDirectives(t *testing.T) {
	for _, v := range []string{"1.6.2", "1.9.12"} {
		_, err := GenerateLocation(LocationOptions{Path: "/a/", Upstream: "http://app:8080", NginxVersion: v})
		if err == nil || !strings.Contains(err.Error(), "1.9.13") {
			t.Errorf("--nginx-version %s: want an error naming 1.9.13, got %v", v, err)
		}
	}
	if _, err := GenerateLocation(LocationOptions{Path: "/a/", Upstream: "http://app:8080", NginxVersion: "1.10.3"}); err != nil {
		t.Errorf("1.10.3: %v", err)
	}
}

// TestPumaBeforeSeven: --app puma must fit every Puma. persistent_timeout's default was
// 20s before Puma 7.0 and is 65s since (puma History.md, PR 3378): the block used 60s,
// which outlives Puma 6's 20s, and nginx then sends POSTs on connections Puma has
// closed (keepalive-race: 502). The shorter default is assumed, as for no --app.
func TestPumaBeforeSeven(t *testing.T) {
	loc, err := GenerateLocation(LocationOptions{Path: "/a/", Upstream: "http://app:8080", App: "puma"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loc.Text, "keepalive_timeout 19s;") || !strings.Contains(loc.Text, "20s before Puma 7.0") {
		t.Errorf("--app puma: want keepalive_timeout 19s, below Puma 6's 20s, and the comment saying why:\n%s", loc.Text)
	}
}
