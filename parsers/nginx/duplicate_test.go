package nginx

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// TestDuplicateDirectives: a directive nginx accepts once per block, written twice in one
// block or once in the block and once in a file it includes, is a positioned error at the
// second one, in whichever file holds it (nginx -t: "directive is duplicate").
func TestDuplicateDirectives(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"nginx.conf": "events {}\nhttp {\n  upstream app {\n    server 10.0.0.1:80;\n    keepalive 8;\n    keepalive 16;\n  }\n" +
			"  server {\n    listen 80;\n    location / {\n      include proxy.conf;\n      proxy_read_timeout 100s;\n      proxy_pass http://app;\n    }\n" +
			"    location /b/ { proxy_pass http://app; proxy_set_header A 1; proxy_set_header B 2; }\n  }\n}\n",
		"proxy.conf": "proxy_read_timeout 30s;\nproxy_http_version 1.1;\n",
	})
	main := filepath.Join(dir, "nginx.conf")
	m := Parse([]parsers.Input{{Path: "nginx.conf", Abs: main, Src: mustRead(t, main)}}, parsers.Options{Roots: []string{dir}})
	var got []string
	for _, d := range m.Diags {
		if d.Severity == parsers.Error {
			got = append(got, filepath.Base(d.Pos.File)+":"+d.Pos.Short()[strings.LastIndex(d.Pos.Short(), ":")+1:]+" "+d.Message)
		}
	}
	sort.Strings(got)
	want := []string{`nginx.conf:12 "proxy_read_timeout" directive is duplicate`, `nginx.conf:6 "keepalive" directive is duplicate`}
	if len(got) != len(want) {
		t.Fatalf("errors = %q, want %d", got, len(want))
	}
	for i, w := range want {
		if !strings.Contains(got[i], w) {
			t.Errorf("error %d = %q, want %q", i, got[i], w)
		}
	}
	for _, d := range m.Diags {
		if strings.Contains(d.Message, "proxy_read_timeout") && (d.Pos.Line != 12 || !strings.Contains(d.Message, "proxy.conf:1")) {
			t.Errorf("duplicate at %v: %s (want line 12 of nginx.conf, first in proxy.conf:1)", d.Pos, d.Message)
		}
	}
}
