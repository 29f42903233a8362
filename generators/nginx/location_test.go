package nginx

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	} {
		if _, err := GenerateLocation(o); err == nil {
			t.Errorf("%+v: want an error", o)
		}
	}
}

// TestNginxAccepts runs the real nginx -t on every generated block.
func TestNginxAccepts(t *testing.T) {
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
		t.Skip("nginx not installed: skipping the real nginx -t check (apt-get install nginx-light)")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// nginx -t resolves upstream host names: use an address that resolves here.
			o := c.opts
			u, _ := url.Parse(o.Upstream)
			u.Host = strings.Replace(u.Host, u.Hostname(), "127.0.0.1", 1)
			o.Upstream = u.String()
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
