package nginx

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/no502/no502/parsers"
)

// TestLoopsToItself: a proxy_pass back to the server's own listen address forwards every
// request to itself until nginx runs out of connections (a public Elastic Beanstalk
// config, video-annotation-project's websocket.config, did it). Route.LoopsTo is set only
// when the forwarded request surely meets the same server and location. Each case of a
// main file is also run on loopback with the real nginx: a loop answers 502 (or 500), a
// near miss 200 (the "real" column; 0 when the case is about what no502 cannot know).
func TestLoopsToItself(t *testing.T) {
	cases := []struct {
		name, http string
		frag       bool   // a conf.d fragment, not a main file
		want       string // the listen LoopsTo names, "" for none
		real       int    // the status nginx answers GET /a/b with Host app.test; 0: not run
	}{
		{name: "the only server", http: "server { listen 127.0.0.1:PORT; location / { proxy_pass http://127.0.0.1:PORT; } }", want: "127.0.0.1:PORT", real: 502},
		{name: "localhost, any address", http: "server { listen PORT; location / { proxy_pass http://localhost:PORT; } }", want: "PORT", real: 502},
		{name: "Host passed on, not the default server", http: "server { listen 127.0.0.1:PORT default_server; server_name other; return 200; }\nserver { listen 127.0.0.1:PORT; server_name app.test; location / { proxy_set_header Host $host; proxy_pass http://127.0.0.1:PORT; } }", want: "127.0.0.1:PORT", real: 502},
		{name: "nested location", http: "server { listen 127.0.0.1:PORT; location /a/ { location /a/b { proxy_pass http://127.0.0.1:PORT; } } }", want: "127.0.0.1:PORT", real: 502},
		{name: "an upstream of its own ports", http: "upstream self { server 127.0.0.1:PORT; server 127.0.0.1:PORT2 max_fails=3; }\nserver { listen 127.0.0.1:PORT; listen 127.0.0.1:PORT2; location / { proxy_pass http://self; } }", want: "127.0.0.1:PORT", real: 502},
		{name: "fragment, Host passed on, IPv4 and IPv6", frag: true, http: "server { listen 80 default_server; listen [::]:80 default_server; return 404; }\nserver { listen 80; listen [::]:80; server_name app.test; location / { proxy_set_header Host $host; proxy_pass http://127.0.0.1; } }", want: "80"},
		{name: "fragment, IPv6 default differs", frag: true, http: "server { listen 80 default_server; listen [::]:80; return 404; }\nserver { listen 80; listen [::]:80; server_name app.test; location / { proxy_set_header Host $host; proxy_pass http://127.0.0.1; } }"},
		{name: "fragment, another server without IPv6", frag: true, http: "server { listen 80; server_name other.test; return 404; }\nserver { listen 80; listen [::]:80; server_name app.test; location / { proxy_set_header Host $host; proxy_pass http://127.0.0.1; } }"},
		{name: "fragment, Host passed on", frag: true, http: "server { listen 8080; server_name app.test; location / { proxy_set_header Host $http_host; proxy_pass http://localhost:8080; } }", want: "8080"},
		// Near misses.
		{name: "default Host reaches the default server", http: "server { listen 127.0.0.1:PORT default_server; server_name other; return 200; }\nserver { listen 127.0.0.1:PORT; server_name app.test; location / { proxy_pass http://127.0.0.1:PORT; } }", real: 200},
		{name: "a URI part sends it elsewhere", http: "server { listen 127.0.0.1:PORT; location /a/ { proxy_pass http://127.0.0.1:PORT/; } location / { return 200; } }", real: 200},
		{name: "another port", http: "server { listen 127.0.0.1:PORT; location / { proxy_pass http://127.0.0.1:PORT2; } }\nserver { listen 127.0.0.1:PORT2; return 200; }", real: 200},
		{name: "an if breaks the loop", http: "server { listen 127.0.0.1:PORT; location / { if ($http_x_loop) { return 200; } proxy_set_header X-Loop 1; proxy_pass http://127.0.0.1:PORT; } }", real: 200},
		{name: "a rewrite", http: "server { listen 127.0.0.1:PORT; location / { rewrite ^/a/(.*)$ /done/$1 break; proxy_pass http://127.0.0.1:PORT; } location /done/ { return 200; } }"},
		{name: "another server sets proxy_protocol on the socket", http: "server { listen 127.0.0.1:PORT proxy_protocol; server_name other; return 200; }\nserver { listen 127.0.0.1:PORT; server_name app.test; location / { proxy_set_header Host $host; proxy_pass http://127.0.0.1:PORT; } }"},
		{name: "ssl listen", http: "server { listen 127.0.0.1:PORT ssl; location / { proxy_pass http://127.0.0.1:PORT; } }"},
		{name: "fragment, default Host", frag: true, http: "server { listen 8080; server_name app.test; location / { proxy_pass http://localhost:8080; } }"},
		{name: "fragment, another address on the port", frag: true, http: "server { listen 8080; server_name app.test; location / { proxy_set_header Host $host; proxy_pass http://127.0.0.1:8080; } }\nserver { listen 10.0.0.1:8080; return 200; }"},
		{name: "unread include may add servers", http: "include /nonexistent/conf.d/*.conf;\nserver { listen 127.0.0.1:PORT; location / { proxy_pass http://127.0.0.1:PORT; } }"},
		{name: "named location", http: "server { listen 127.0.0.1:PORT; location / { try_files $uri @app; } location @app { proxy_pass http://127.0.0.1:PORT; } }"},
		{name: "proxy_pass in if", http: "server { listen 127.0.0.1:PORT; location / { if ($http_x) { proxy_pass http://127.0.0.1:PORT; } } }"},
		{name: "an upstream with another server", http: "upstream app { server 127.0.0.1:PORT; server 127.0.0.1:PORT2; }\nserver { listen 127.0.0.1:PORT; location / { proxy_pass http://app; } }\nserver { listen 127.0.0.1:PORT2; return 200; }"},
		{name: "an upstream address, not loopback", http: "server { listen PORT; location / { proxy_pass http://10.0.0.1:PORT; } }"},
		{name: "https to itself", http: "server { listen 127.0.0.1:PORT; location / { proxy_pass https://127.0.0.1:PORT; } }"},
	}
	bin := ""
	if p, err := exec.LookPath("nginx"); err == nil {
		bin = p
	} else if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
		bin = "/usr/sbin/nginx"
	} else if os.Getenv("CI") == "true" {
		t.Fatal("nginx is not installed, and CI must not skip the loopback half of this test")
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			port := fmt.Sprint(18170 + 2*i)
			body := strings.NewReplacer("PORT2", fmt.Sprint(18171+2*i), "PORT", port).Replace(c.http)
			want := strings.ReplaceAll(c.want, "PORT", port)
			var in parsers.Input
			if c.frag {
				in = parsers.Input{Path: "conf.d/app.conf", Abs: "/nonexistent/conf.d/app.conf", Src: []byte(body + "\n")}
			} else {
				src := "events {}\nhttp {\n" + body + "\n}\n"
				in = parsers.Input{Path: "nginx.conf", Abs: "/nonexistent/nginx.conf", Src: []byte(src)}
			}
			m := Parse([]parsers.Input{in}, parsers.Options{})
			got := ""
			for _, h := range m.Hops {
				for _, rt := range h.Routes {
					if rt.LoopsTo != nil {
						got = rt.LoopsTo.Value
					}
				}
			}
			if got != want {
				t.Errorf("LoopsTo %q, want %q", got, want)
			}
			if c.real == 0 || bin == "" {
				return
			}
			// A loop ends in 502 (the innermost connection is reset) or 500 (a
			// worker with no free connection cannot connect upstream): either way
			// it fails.
			status := runLoop(t, bin, string(in.Src))
			if status != c.real && !(c.real == 502 && status == 500) {
				t.Errorf("nginx answered %d, want %d", status, c.real)
			}
		})
	}
}

// runLoop runs nginx with the config on loopback (64 worker connections, so that a loop
// ends at once) and returns the status of one GET /a/b with Host app.test.
func runLoop(t *testing.T, bin, src string) int {
	t.Helper()
	dir := t.TempDir()
	src = strings.Replace(src, "events {}", "worker_processes 1;\nerror_log "+filepath.Join(dir, "error.log")+";\npid "+filepath.Join(dir, "nginx.pid")+";\nevents { worker_connections 64; }", 1)
	src = strings.Replace(src, "http {\n", "http {\naccess_log off;\nclient_body_temp_path "+dir+"/cb;\nproxy_temp_path "+dir+"/pt;\nfastcgi_temp_path "+dir+"/ft;\nuwsgi_temp_path "+dir+"/ut;\nscgi_temp_path "+dir+"/st;\n", 1)
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-p", dir, "-c", conf).CombinedOutput(); err != nil {
		t.Fatalf("nginx: %v\n%s", err, out)
	}
	defer func() {
		if pid, err := os.ReadFile(filepath.Join(dir, "nginx.pid")); err == nil {
			_ = exec.Command("kill", strings.TrimSpace(string(pid))).Run()
			time.Sleep(100 * time.Millisecond)
		}
	}()
	port := src[strings.Index(src, "listen ")+len("listen "):]
	port = port[:strings.IndexAny(port, " ;")]
	if i := strings.LastIndexByte(port, ':'); i >= 0 {
		port = port[i+1:]
	}
	req, _ := http.NewRequest("GET", "http://127.0.0.1:"+port+"/a/b", nil)
	req.Host = "app.test"
	client := &http.Client{Timeout: 10 * time.Second}
	var resp *http.Response
	var err error
	for range 50 {
		if resp, err = client.Do(req); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
