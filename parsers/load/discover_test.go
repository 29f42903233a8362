package load

import "testing"

// A conf.d file is recognised as nginx by what it holds, also when that is only an
// upstream block or only include lines (issue 17); other *.conf formats are not.
func TestNginxRecognition(t *testing.T) {
	for src, want := range map[string]bool{
		"upstream backend {\n    server 10.0.0.1:80;\n}\n":                true,
		"# pools\nupstream api_pool{\n  server api:8080;\n}\n":            true,
		"include snippets/proxy.conf;\ninclude /etc/nginx/upstreams/*;\n": true,
		"  include conf.d/*.conf ;\n":                                     true,
		"server {\n    listen 80;\n}\n":                                   true,
		// BIND quotes its include paths; supervisord and Apache have no semicolons.
		"include \"/etc/bind/named.conf.options\";\n":        false,
		"[include]\nfiles = /etc/supervisor/conf.d/*.conf\n": false,
		"Include conf/extra/httpd-ssl.conf\n":                false,
		"[program:app]\ncommand=/usr/bin/app\n":              false,
	} {
		if got := sniff("nginx", "conf.d/x.conf", []byte(src)); got != want {
			t.Errorf("sniff(%q) = %v, want %v", src, got, want)
		}
	}
}
