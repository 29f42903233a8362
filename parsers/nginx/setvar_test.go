package nginx

import (
	"testing"

	"github.com/no502/no502/parsers"
)

// TestSetVariablePass: a proxy_pass to a variable one literal `set` in scope gives a value
// forwards to that address; anything less certain leaves the target unknown.
func TestSetVariablePass(t *testing.T) {
	src := `events {}
http {
    upstream pool { server app1:8000; server app2:8000; }
    map $host $mapped { default pool; }
    server {
        listen 80;
        set $srv http://srvlevel:7000;
        location /a/ { set $backend "http://appflowy_cloud:8000"; include proxy_params; proxy_pass $backend; }
        location /n9/ { set $u http://one:1; include /etc/nginx/snippets/site-extra.conf; proxy_pass $u; }
        location /b/ { set $up api; proxy_pass http://$up:9000; }
        location /c/ { set $p http://pool; proxy_pass $p; }
        location /d/ { proxy_pass $srv; }
        location /e/ { set $braced web:3000; proxy_pass http://${braced}/x/$uri; }
        # not known:
        location /n1/ { set $b http://one:1; if ($arg_x) { set $b http://two:2; } proxy_pass $b; }
        location /n2/ { if ($arg_x) { set $c http://one:1; } proxy_pass $c; }
        location /n3/ { set $d http://$host:8000; proxy_pass $d; }
        location /n4/ { set $mapped http://x:1; proxy_pass http://$mapped; }
        location /n5/ { proxy_pass http://$http_x_backend; }
        location /n6/ { set $h a; set $q b; proxy_pass http://$h$q; }
        location /n7/ { set $srv http://other:1; proxy_pass $srv; }
        # as proxy_pass http://one:1$request_uri, which the model does not read either
        location /n8/ { set $r one:1; proxy_pass http://$r$request_uri; }
        location /outer/ {
            set $o http://outer:1;
            location /outer/inner/ { proxy_pass $o; }
        }
    }
}
`
	m := parseOne(t, src, parsers.Options{})
	want := map[string]string{
		"/a/": "appflowy_cloud:8000", "/b/": "api:9000", "/c/": "app1:8000 app2:8000", "/d/": "srvlevel:7000", "/e/": "web:3000",
		"/n1/": "", "/n2/": "", "/n3/": "", "/n4/": "", "/n5/": "", "/n6/": "", "/n7/": "", "/n8/": "", "/n9/": "", "/outer/inner/": "",
	}
	seen := map[string]bool{}
	for _, h := range m.Hops {
		for _, r := range h.Routes {
			w, ok := want[r.Path]
			if !ok || r.Backend == nil {
				continue
			}
			seen[r.Path] = true
			got := ""
			for i, tg := range r.Backend.Targets {
				if i > 0 {
					got += " "
				}
				got += tg.Host + ":" + tg.Port
			}
			if got != w {
				t.Errorf("%s: targets %q, want %q (backend %q)", r.Path, got, w, r.Backend.Name)
			}
			if w != "" && r.Path != "/c/" && r.Backend.Kind != BackendAddress {
				t.Errorf("%s: kind %v", r.Path, r.Backend.Kind)
			}
		}
	}
	for p := range want {
		if !seen[p] {
			t.Errorf("%s: no route", p)
		}
	}
}

// FuzzSoleVariable: reading a proxy_pass URL's variable never panics, and substituting a
// literal for it leaves no reference to that variable before the path.
func FuzzSoleVariable(f *testing.F) {
	for _, s := range []string{"$backend", "http://$up:9000", "http://${b}/x/$uri", "http://$r$request_uri", "$a$b", "${", "$", "http://$h$q", "${x}y$uri_z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, url string) {
		name, ok := soleVariable(url)
		if !ok {
			return
		}
		if name == "" {
			t.Fatalf("%q: empty name", url)
		}
		out := substitute(url, name, "app:8000")
		if out == url {
			t.Fatalf("%q: $%s not replaced", url, name)
		}
	})
}
