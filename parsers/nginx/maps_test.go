package nginx

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

func TestConnectionHeaderFromMap(t *testing.T) {
	src := `events {}
http {
    map $http_upgrade $connection_upgrade { default upgrade; '' close; }
    map $http_upgrade $keep { default upgrade; '' ""; }
    map $http_upgrade $re { "~^$" close; default upgrade; }
    map $http_upgrade $lookahead { "~^(?!x)" close; default upgrade; }
    map $http_upgrade $nodefault { websocket upgrade; }
    map $http_x $other { default close; }
    map $http_upgrade $var { default upgrade; '' $http_connection; }
    upstream app { server a:80; keepalive 8; }
    server {
        location /a/ { proxy_pass http://app; proxy_set_header Connection $connection_upgrade; }
        location /b/ { proxy_pass http://app; proxy_set_header Connection $keep; }
        location /c/ { proxy_pass http://app; proxy_set_header Connection $re; }
        location /d/ { proxy_pass http://app; proxy_set_header Connection $lookahead; }
        location /e/ { proxy_pass http://app; proxy_set_header Connection $nodefault; }
        location /f/ { proxy_pass http://app; proxy_set_header Connection $other; }
        location /g/ { proxy_pass http://app; proxy_set_header Connection $var; }
        location /h/ { proxy_pass http://app; proxy_set_header Connection $undefined; }
        location /i/ { proxy_pass http://app; proxy_set_header Connection "keep-alive"; }
    }
}
`
	m := Parse([]parsers.Input{{Path: "nginx.conf", Src: []byte(src)}}, parsers.Options{})
	want := map[string]struct {
		value string
		known bool
	}{
		"/a/": {"close", true}, "/b/": {"", true}, "/c/": {"close", true}, "/d/": {"", false},
		"/e/": {"", true}, "/f/": {"", false}, "/g/": {"", false}, "/h/": {"", false}, "/i/": {"keep-alive", true},
	}
	seen := 0
	for _, h := range m.Hops {
		for _, r := range h.Routes {
			w, ok := want[r.Path]
			if !ok {
				continue
			}
			seen++
			got := r.ConnectionHeader
			if got.Known() != w.known || (w.known && got.Value != w.value) {
				t.Errorf("%s: Connection = %q (known %v), want %q (known %v)", r.Path, got.Value, got.Known(), w.value, w.known)
			}
			if w.known && r.Path != "/i/" && len(got.Via()) != 1 {
				t.Errorf("%s: want the map entry as the value's origin, got %v", r.Path, got.Via())
			}
		}
	}
	if seen != len(want) {
		t.Fatalf("saw %d routes, want %d", seen, len(want))
	}
}

func TestPassRoutes(t *testing.T) {
	src := `events {}
http {
    fastcgi_read_timeout 90s;
    server {
        location ~ \.php$ { fastcgi_pass unix:/run/php.sock; }
        location /u/ { uwsgi_pass 127.0.0.1:3031; uwsgi_read_timeout 10s; uwsgi_connect_timeout 2s; }
        location /g/ { grpc_pass grpc://127.0.0.1:50051; }
        location /m/ { memcached_pass 127.0.0.1:11211; }
    }
}
`
	m := Parse([]parsers.Input{{Path: "nginx.conf", Src: []byte(src)}}, parsers.Options{})
	got := map[string]*parsers.Route{}
	for _, h := range m.Hops {
		if !h.OtherPass {
			t.Errorf("hop %s: OtherPass not set", h.Name)
		}
		for _, r := range h.Routes {
			got[r.Path] = r
		}
	}
	if r := got[`\.php$`]; r == nil || r.Pass != "fastcgi" || r.ReadTimeout.Value.Seconds() != 90 || r.Backend != nil || r.PathKind != parsers.PathRegex {
		t.Errorf("php route = %+v", r)
	}
	if r := got["/u/"]; r == nil || r.Pass != "uwsgi" || r.ReadTimeout.Value.Seconds() != 10 || r.ConnectTimeout.Value.Seconds() != 2 || r.SendTimeout.Default != "nginx default 60s" {
		t.Errorf("uwsgi route = %+v", r)
	}
	if r := got["/g/"]; r == nil || r.Pass != "grpc" || r.ReadTimeout.Default != "nginx default 60s" {
		t.Errorf("grpc route = %+v", r)
	}
	if got["/m/"] != nil {
		t.Errorf("memcached_pass made a route")
	}
}

// TestMapUpstreams: a proxy_pass to a map's variable reaches the upstream{} blocks its
// values name, and nothing when the variable is not the whole host, the map is not
// read whole (include), or no value names an upstream.
func TestMapUpstreams(t *testing.T) {
	src := `events {}
http {
    map $host $backend { default app1; api.example.com app2; x.example.com App1; ~^y 10.0.0.9:80; }
    map $host $inc { default app1; include more.map; }
    map $host $addr { default 10.0.0.7:8000; a $http_x; }
    split_clients "${remote_addr}AAA" $variant { 99% app2; * app1; }
    split_clients "${remote_addr}" $canary { 10% 10.0.0.8:8000; * ""; }
    upstream app1 { server 10.0.0.1:8000; }
    upstream app2 { server 10.0.0.2:8000; }
    upstream unused { server 10.0.0.3:8000; }
    server {
        location /a/ { proxy_pass http://$backend; }
        location /b/ { proxy_pass https://${backend}/x$request_uri; }
        location /c/ { proxy_pass http://$backend:8080; }
        location /d/ { proxy_pass $scheme://$backend; }
        location /e/ { proxy_pass http://$inc; }
        location /f/ { proxy_pass http://$addr; }
        location /g/ { proxy_pass http://$undefined; }
        location /h/ { proxy_pass http://app1; }
        location /i/ { proxy_pass http://${variant}; }
        location /j/ { proxy_pass http://$canary; }
    }
}
`
	m := Parse([]parsers.Input{{Path: "nginx.conf", Src: []byte(src)}}, parsers.Options{})
	want := map[string]string{"/a/": "app1 app2", "/b/": "app1 app2", "/i/": "app2 app1"}
	for _, r := range m.Hops[0].Routes {
		var got []string
		for _, b := range r.Alternatives {
			got = append(got, b.Name)
		}
		if g := strings.Join(got, " "); g != want[r.Path] {
			t.Errorf("%s: alternatives %q, want %q", r.Path, g, want[r.Path])
		}
	}
	for _, b := range m.Backends {
		if b.Name == "unused" {
			t.Errorf("upstream unused is built: no route or map value reaches it")
		}
	}
}
