package load

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/no502/no502/parsers"
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
		".ebextensions/01_nginx.config", "app/.ebextensions/proxy.config",
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

// TestComposeNamedLikeCompose: a YAML file whose name says compose or stack
// (deploy-compose.yml, LibreChat's production file; docker-stack.yml, run with docker
// stack deploy -c) holds a top-level services: mapping and no manifest: walking a
// directory reads it as a compose file of its own. An OpenFaaS stack.yml (functions:, no
// services:) is not read. The file is not one a plain docker compose up loads, so a proxy
// the default project's service mounts too stays linked to that one (a tie linked it to
// neither, and every finding of docker-compose.yml went).
func TestComposeNamedLikeCompose(t *testing.T) {
	root := t.TempDir()
	write := func(rel, src string) {
		if err := os.WriteFile(filepath.Join(root, rel), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	nginxSvc := "  nginx:\n    image: nginx\n    volumes: [\"./nginx.conf:/etc/nginx/nginx.conf:ro\"]\n"
	write("nginx.conf", "events {}\nhttp { server { listen 80; location / { proxy_pass http://app:8000; } } }\n")
	write("docker-compose.yml", "services:\n"+nginxSvc+"  app:\n    image: app\n")
	write("docker-stack.yml", "services:\n"+nginxSvc+"  app:\n    image: app\n    deploy: {replicas: 3}\n")
	write("deploy-compose.yml", "services:\n  api:\n    image: api\n")
	write("stack.yml", "version: 1.0\nprovider:\n  name: openfaas\nfunctions:\n  hello:\n    image: me/hello\n")
	// Helm-style values whose services: is a list: no compose file, no config error.
	write("stack-values.yaml", "services:\n  # the public ones\n  - name: web\n    port: 80\n")
	res, err := Load([]string{root}, Options{Cwd: root})
	if err != nil {
		t.Fatal(err)
	}
	formats := map[string]string{}
	for _, f := range res.Model.Files {
		formats[f.Path] = f.Format
	}
	for path, want := range map[string]string{"docker-compose.yml": "compose", "docker-stack.yml": "compose", "deploy-compose.yml": "compose", "stack.yml": "", "stack-values.yaml": ""} {
		if formats[path] != want {
			t.Errorf("%s: format %q, want %q", path, formats[path], want)
		}
	}
	for _, d := range res.Model.Diags {
		if d.Severity == parsers.Error {
			t.Errorf("config error: %s", d.String())
		}
	}
	var proxy []string
	for _, h := range res.Model.Hops {
		if h.Workload != nil {
			for _, p := range h.Workload.Compose.Projects {
				proxy = append(proxy, p.Files...)
			}
		}
	}
	if len(proxy) != 1 || proxy[0] != "docker-compose.yml" {
		t.Errorf("nginx.conf runs in the projects of %v, want docker-compose.yml's", proxy)
	}
}
