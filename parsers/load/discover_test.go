package load

import (
	"os"
	"path/filepath"
	"regexp"
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

// The pre-commit hooks pass a file only when their files: pattern matches its path, so
// every name discovery lints must match it: a commit changing sites-available/default
// or site.nginx was not checked by the hook, though `no502 lint .` lints both.
func TestPreCommitFilesCoverDiscovery(t *testing.T) {
	src, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*files: &files '([^']*)'`).FindSubmatch(src)
	if m == nil {
		t.Fatal(".pre-commit-hooks.yaml: no `files: &files '...'` pattern")
	}
	// pre-commit matches with Python's re.search; this pattern's syntax means the same
	// in Go's regexp.
	files := regexp.MustCompile(string(m[1]))
	for _, path := range []string{
		"nginx.conf", "deploy/nginx.conf", "conf/site.conf", "NGINX.CONF", "site.nginx", "site.nginxconf",
		"nginx/sites-available/default", "sites-enabled/example.com", "conf.d/upstreams", "snippets/ssl-params",
		"Caddyfile", "Caddyfile.prod", "caddyfile-dev", "site.caddyfile", "site.caddy", "caddy/site", "Caddy/site",
		"main.tf", "main.tf.json", "prod.tfvars", "prod.tfvars.json",
		"compose.yaml", "docker-compose.override.yml", "k8s/app.yaml", "k8s/app.yml", "caddy.json",
	} {
		if f, _ := formatByName(path); f == "" {
			t.Errorf("%s: discovery does not read it; drop it from this list", path)
			continue
		}
		if !files.MatchString(path) {
			t.Errorf("%s: discovery reads it, but the hooks' files: pattern does not pass it", path)
		}
	}
}

// TestDockerfileNotConfig: Dockerfile.nginx (kimai, PeerTube: the image of the proxy
// service) ends like an nginx file but is a Dockerfile; reading it as nginx config reported
// two config errors (a "FROM" without ";") and failed the run.
func TestDockerfileNotConfig(t *testing.T) {
	for _, path := range []string{"Dockerfile.nginx", "docker/Dockerfile.caddy", "dockerfile.nginx", "Containerfile.nginx", "conf.d/Dockerfile"} {
		if f, _ := formatByName(path); f != "" {
			t.Errorf("%s: read as %s", path, f)
		}
	}
	if f, _ := formatByName("site.nginx"); f == "" {
		t.Error("site.nginx: not read")
	}
}
