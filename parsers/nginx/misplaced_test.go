package nginx

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// A block nginx refuses where it stands ("directive is not allowed here") is a
// positioned error, as nginx -t reports it: a location straight in http{}, an upstream,
// map or server{} below a server or location. The near misses are blocks nginx accepts
// there (a location in a location, an if in a server, a server line in an upstream) and a
// fragment's own top level, which its includer gives a context. Each case is also run
// through the real nginx -t, which must agree.
func TestMisplacedBlocks(t *testing.T) {
	const (
		up  = "upstream app { server 127.0.0.1:8080; }\n"
		srv = "server { listen 127.0.0.1:18080; location / { proxy_pass http://app; } }\n"
	)
	cases := []struct {
		name, http string
		want       string // "LINE name" of the error, "" for none
	}{
		{"location in http", up + srv + "location /x/ { return 200; }\n", `5 "location" directive is not allowed in http{}`},
		{"upstream in server", "server {\n listen 127.0.0.1:18080;\n upstream app { server 127.0.0.1:8080; }\n location / { proxy_pass http://app; }\n}\n", `5 "upstream" directive is not allowed in server{}`},
		{"map in location", up + "server {\n listen 127.0.0.1:18080;\n location / {\n  map $uri $x { default 1; }\n  proxy_pass http://app;\n }\n}\n", `7 "map" directive is not allowed in location{}`},
		{"server in server", up + "server {\n listen 127.0.0.1:18080;\n server { listen 127.0.0.1:18081; }\n}\n", `6 "server" directive is not allowed in server{}`},
		{"server in location", up + "server {\n listen 127.0.0.1:18080;\n location / {\n  server { listen 127.0.0.1:18081; }\n }\n}\n", `7 "server" directive is not allowed in location{}`},
		{"nested location", up + "server {\n listen 127.0.0.1:18080;\n location / {\n  location /a/ { proxy_pass http://app; }\n }\n}\n", ""},
		{"if in server", up + "server {\n listen 127.0.0.1:18080;\n if ($host = a) { return 404; }\n location / { proxy_pass http://app; }\n}\n", ""},
		{"plain", up + srv, ""},
		{"proxy_pass in http", up + "proxy_pass http://app;\n" + srv, `4 "proxy_pass" directive is not allowed in http{}`},
		{"proxy_pass in server", up + "server {\n listen 127.0.0.1:18080;\n proxy_pass http://app;\n}\n", `6 "proxy_pass" directive is not allowed in server{}`},
		{"fastcgi_pass in server", up + "server {\n listen 127.0.0.1:18080;\n fastcgi_pass 127.0.0.1:9000;\n}\n", `6 "fastcgi_pass" directive is not allowed in server{}`},
		{"grpc_pass in server", up + "server {\n listen 127.0.0.1:18080;\n grpc_pass grpc://app;\n}\n", `6 "grpc_pass" directive is not allowed in server{}`},
		{"uwsgi_pass in http", up + "uwsgi_pass app;\n" + srv, `4 "uwsgi_pass" directive is not allowed in http{}`},
		{"scgi_pass in server", up + "server {\n listen 127.0.0.1:18080;\n scgi_pass app;\n}\n", `6 "scgi_pass" directive is not allowed in server{}`},
		{"keepalive in http", up + "keepalive 16;\n" + srv, `4 "keepalive" directive is not allowed in http{}`},
		{"keepalive in server", up + "server {\n listen 127.0.0.1:18080;\n keepalive 16;\n}\n", `6 "keepalive" directive is not allowed in server{}`},
		{"keepalive in location", up + "server {\n listen 127.0.0.1:18080;\n location / {\n  keepalive 16;\n  proxy_pass http://app;\n }\n}\n", `7 "keepalive" directive is not allowed in location{}`},
		{"least_conn in location", up + "server {\n listen 127.0.0.1:18080;\n location / {\n  least_conn;\n  proxy_pass http://app;\n }\n}\n", `7 "least_conn" directive is not allowed in location{}`},
		{"ip_hash in http", up + "ip_hash;\n" + srv, `4 "ip_hash" directive is not allowed in http{}`},
		{"proxy_pass at the top", "}\nproxy_pass http://app;\nhttp {\n" + up + srv, `4 "proxy_pass" directive is not allowed at the top level of nginx.conf`},
		{"keepalive at the top", "}\nkeepalive 16;\nhttp {\n" + up + srv, `4 "keepalive" directive is not allowed at the top level of nginx.conf`},
		// Accepted: a pass in a location, an if in a location or a limit_except; the
		// upstream settings in an upstream; the keep-alive settings of other modules.
		{"passes in a location", up + "server {\n listen 127.0.0.1:18080;\n location / { proxy_pass http://app; }\n location /f { fastcgi_pass 127.0.0.1:9000; }\n location /g { grpc_pass grpc://app; }\n location /u { uwsgi_pass app; }\n location /s { scgi_pass app; }\n}\n", ""},
		{"pass in if and limit_except", up + "server {\n listen 127.0.0.1:18080;\n location / {\n  if ($http_x) { proxy_pass http://app; }\n  limit_except GET { proxy_pass http://app; }\n  proxy_pass http://app;\n }\n}\n", ""},
		{"upstream settings in upstream", "upstream app { least_conn; server 127.0.0.1:8080; keepalive 16; keepalive_timeout 5s; keepalive_requests 100; }\nupstream b { ip_hash; server 127.0.0.1:8081; }\n" + srv, ""},
		{"keepalive_timeout everywhere", up + "keepalive_timeout 5s;\nkeepalive_requests 10;\nserver {\n listen 127.0.0.1:18080;\n keepalive_timeout 4s;\n location / { keepalive_timeout 3s; keepalive_requests 5; proxy_pass http://app; }\n}\n", ""},
		{"upstream at the top", "}\nupstream app { server 127.0.0.1:8080; }\nhttp {\n" + srv, `4 "upstream" directive is not allowed at the top level of nginx.conf`},
	}
	bin := ""
	if p, err := exec.LookPath("nginx"); err == nil {
		bin = p
	} else if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		bin = "/usr/sbin/nginx"
	} else if os.Getenv("CI") == "true" {
		t.Fatal("nginx is not installed, and CI must not skip the nginx -t half of this test")
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := "events {}\nhttp {\n" + c.http + "}\n"
			dir := t.TempDir()
			main := filepath.Join(dir, "nginx.conf")
			if err := os.WriteFile(main, []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			m := Parse([]parsers.Input{{Path: "nginx.conf", Abs: main, Src: []byte(src)}}, parsers.Options{Roots: []string{dir}})
			var got []string
			for _, d := range m.Diags {
				if d.Severity == parsers.Error {
					got = append(got, strings.TrimPrefix(d.Pos.Short(), "nginx.conf:"))
					got[len(got)-1] = strings.SplitN(got[len(got)-1], ":", 2)[0] + " " + d.Message
				}
			}
			switch {
			case c.want == "" && len(got) > 0:
				t.Errorf("errors %q, want none", got)
			case c.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], c.want)):
				t.Errorf("errors %q, want one starting %q", got, c.want)
			}
			if bin == "" {
				return
			}
			out, err := exec.Command(bin, "-t", "-q", "-p", dir, "-c", main, "-e", "stderr", "-g", "pid "+filepath.Join(dir, "nginx.pid")+";").CombinedOutput()
			refused := err != nil && strings.Contains(string(out), "is not allowed here")
			if refused != (c.want != "") {
				t.Errorf("nginx -t: %v\n%s", err, out)
			}
		})
	}
	// A fragment's top level is not judged: its includer decides (a file holding an
	// upstream and a location is refused wherever it is included, but not for a reason
	// this check can name).
	frag := up + "location /x/ { proxy_pass http://app; }\n"
	m := Parse([]parsers.Input{{Path: "frag.conf", Abs: "/nonexistent/frag.conf", Src: []byte(frag)}}, parsers.Options{})
	for _, d := range m.Diags {
		if strings.Contains(d.Message, "not allowed") {
			t.Errorf("fragment: %s", d.Message)
		}
	}
}
