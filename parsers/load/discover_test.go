package load

import (
	"os"
	"path/filepath"
	"testing"
)

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
		// A php-fpm pool file: its listen line and ';' comments match the nginx pattern.
		"; pool www\n[www]\nlisten = 127.0.0.1:9000\n\n; backlog\npm = dynamic\n": false,
	} {
		if got := sniff("nginx", "conf.d/x.conf", []byte(src)); got != want {
			t.Errorf("sniff(%q) = %v, want %v", src, got, want)
		}
	}
}

// A directory named on the command line is linted although .gitignore excludes it (a
// `helm template --output-dir` tree is usually ignored); the .gitignore files inside it
// still apply, and walking from above still skips it.
func TestIgnoredDirectoryNamed(t *testing.T) {
	root := t.TempDir()
	write := func(rel, src string) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	manifest := "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"
	write(".gitignore", "rendered/\n")
	write("rendered/web/templates/service.yaml", manifest)
	write("rendered/.gitignore", "skip.yaml\n")
	write("rendered/skip.yaml", manifest)
	write("app.yaml", manifest)
	files := func(path string) []string {
		w := &walker{cwd: root, ignored: func(string) bool { return false }, seen: map[string]bool{}, maxFiles: 100}
		if err := w.walk(filepath.Join(root, path)); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range w.out {
			rel, _ := filepath.Rel(root, c.abs)
			out = append(out, filepath.ToSlash(rel))
		}
		return out
	}
	if got := files("rendered"); len(got) != 1 || got[0] != "rendered/web/templates/service.yaml" {
		t.Errorf("lint rendered/ reads %v, want only rendered/web/templates/service.yaml", got)
	}
	if got := files("."); len(got) != 1 || got[0] != "app.yaml" {
		t.Errorf("lint . reads %v, want only app.yaml", got)
	}
}
