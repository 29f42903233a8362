package load

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// TestProbeName: the names a file without a format by name gets a look at its content
// for: none (a Debian site `example`), or a host name's (`calc.ntipa.com`, `163.gs`,
// `curls.margagl.io`, the names of session 15's public sites). Source files and hidden
// files are not looked at.
func TestProbeName(t *testing.T) {
	for name, want := range map[string]bool{
		"example": true, "default": true, "mysite": true, "calc.ntipa.com": true, "163.gs": true,
		"curls.margagl.io": true, "mjgil.com": true, "api.example.com": true, "my_site.local": true,
		"main.py": false, "deploy.sh": false, "README.md": false, "lib.rs": false, "x.pl": false,
		"app.js": false, "notes.txt": false, ".env": false, ".htaccess": false, "conf.d": true, "CONF.D": true, "conf.d.bak": false, "my.conf.d": false,
		"a..com": false, "weird name.com": false, "": false, "nginx.conf.example": false,
		"nginx.conf.in": false, "myapp.test": true,
	} {
		if got := probeName(name); got != want {
			t.Errorf("probeName(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestNginxByContent: a file is nginx by its content alone when every top-level
// statement is an nginx directive and one opens a site or main file's block; the other
// files one meets without an extension, or named like a host, are not.
func TestNginxByContent(t *testing.T) {
	yes := map[string]string{
		"site":         "server {\n    listen 80;\n    location / { proxy_pass http://app; }\n}\n",
		"upstream":     "# pool\nupstream app {\n    server 10.0.0.1:8000;\n}\n",
		"map first":    "map $http_upgrade $connection_upgrade {\n    default upgrade;\n    ''      close;\n}\nserver { listen 80; }\n",
		"main":         "user nginx;\nworker_processes auto;\nevents { worker_connections 1024; }\nhttp { include conf.d/*.conf; }\n",
		"split var":    "split_clients \"${remote_addr}AAA\" $variant { 50% a; * b; }\n",
		"var braces":   "server { location / { proxy_pass http://${backend}; } }\n",
		"word # and }": "server { return 200 a#b}; }\nupstream u { server 10.0.0.1; }\n",
		"snippet":      "client_max_body_size 50M;\nlocation /api/ {\n    proxy_pass http://127.0.0.1:8000;\n}\n",
		"lua":          "server { location / { content_by_lua_block { ngx.say(\"}\") } } }\n",
		"stream":       "stream {\n    server { listen 5432; proxy_pass db:5432; }\n}\n",
	}
	no := map[string]string{
		"script":       "#!/bin/sh\ncat > /etc/nginx/conf.d/x.conf <<EOF\nserver { listen 80; }\nEOF\n",
		"script bare":  "set -e\nif [ -f x ]; then\n  echo server {\nfi\n",
		"heredoc":      "cat > /etc/nginx/sites-available/x <<'EOF'\nserver {\n  listen 80;\n}\nEOF\n",
		"apache":       "<VirtualHost *:80>\n    ServerName example.com\n    ProxyPass / http://app/\n</VirtualHost>\n",
		"haproxy":      "global\n    daemon\nfrontend web\n    bind *:80\n    default_backend app\n",
		"bind zone":    "$TTL 86400\n@ IN SOA ns1.example.com. admin.example.com. (1 3600 900 604800 86400)\n",
		"named.conf":   "include \"/etc/bind/named.conf.options\";\nzone \"example.com\" { type master; file \"db.example\"; };\n",
		"caddyfile":    "example.com {\n    reverse_proxy app:8000\n}\n",
		"licence":      "MIT License\n\nPermission is hereby granted, free of charge;\n",
		"makefile":     "all: build\n\nbuild:\n\tgo build ./...\n",
		"systemd":      "[Unit]\nDescription=nginx\n[Service]\nExecStart=/usr/sbin/nginx\n",
		"json":         "{\"server\": {\"listen\": 80}}\n",
		"binary":       "server {\x00 listen 80; }",
		"no block":     "proxy_read_timeout 60s;\nproxy_send_timeout 60s;\n",
		"unclosed":     "server {\n    listen 80;\n",
		"open stmt":    "server { listen 80; }\nlisten 80\n",
		"stray brace":  "}\nserver { listen 80; }\n",
		"set block":    "set -e\nfoo() {\n  echo\n}\n",
		"varnish":      "vcl 4.0;\nbackend default { .host = \"127.0.0.1\"; }\n",
		"squid":        "http_port 3128\nacl localnet src 10.0.0.0/8\n",
		"empty":        "",
		"comments":     "# nothing but a comment\n",
		"string first": "\"server\" { listen 80; }\n",
		"jinja":        "server {\n    listen 80;\n    server_name {{ domain }};\n}\n",
		"jinja block":  "upstream app {\n{% for h in hosts %}\n    server {{ h }};\n{% endfor %}\n}\n",
		"erb":          "server {\n    listen <%= @port %>;\n}\n",
	}
	for name, src := range yes {
		if !nginxByContent([]byte(src), false) {
			t.Errorf("%s: not taken for nginx:\n%s", name, src)
		}
	}
	for name, src := range no {
		if nginxByContent([]byte(src), false) {
			t.Errorf("%s: taken for nginx:\n%s", name, src)
		}
	}
	// A head cut inside a block, a string or a word: what was read decides.
	site := yes["site"] + yes["upstream"]
	for i := len("server {"); i < len(site); i++ {
		if !nginxByContent([]byte(site[:i]), true) {
			t.Errorf("head cut at %d (%q): not taken for nginx", i, site[:i])
		}
	}
	if nginxByContent([]byte("# a long comment"), true) || nginxByContent([]byte("server"), true) {
		t.Error("a head with no block yet is taken for nginx")
	}
}

// TestDiscoverByContent: a directory run lints the nginx files a name says nothing of
// (extensionless, or named like a host) and the Elastic Beanstalk directories
// (.platform/nginx/, .ebextensions/), and says nothing of the other files it looks at
// (scripts, binaries, licences) or of the hidden directories it still skips.
func TestDiscoverByContent(t *testing.T) {
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
	site := "upstream app {\n    server 10.0.0.1:8000;\n}\nserver {\n    listen 80;\n    location / { proxy_pass http://app; }\n}\n"
	write("nginx/mysite", site)
	write("router/calc.example.com", site)
	write(".platform/nginx/nginx.conf", "events {}\nhttp {\n    include conf.d/*.conf;\n    server {\n        listen 80;\n        include conf.d/elasticbeanstalk/*.conf;\n    }\n}\n")
	write(".platform/nginx/conf.d/timeouts.conf", "proxy_read_timeout 300s;\n")
	write(".platform/nginx/conf.d/elasticbeanstalk/01_proxy.conf", "location /api/ {\n    proxy_pass http://127.0.0.1:8000;\n}\n")
	write(".platform/hooks/prebuild/01_setup", "#!/bin/sh\nserver {\n")
	write(".ebextensions/nginx/conf.d/proxy.conf", "client_max_body_size 20M;\n")
	write(".ebextensions/01_packages.config", "packages:\n  yum:\n    git: []\n")
	write(".ebextensions/02_proxy.config", "files:\n  /etc/nginx/conf.d/upload.conf:\n    content: |\n      client_max_body_size 20M;\n")
	write("scripts/deploy", "#!/bin/sh\ncat > /etc/nginx/conf.d/x.conf <<EOF\nserver { listen 80;\nEOF\n")
	write("bin/tool", "\x7fELF\x00\x00server {")
	write("LICENSE", "MIT License\n")
	write("Makefile", "all:\n\tgo build\n")
	write(".cache/nginx/site", site)
	write(".github/nginx/default.conf", site)
	res, err := Load([]string{root}, Options{Cwd: root})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Model.Files {
		if f.Format == parsers.FormatNginx {
			got = append(got, f.Path)
		}
	}
	slices.Sort(got)
	want := []string{
		".ebextensions/02_proxy.config#/etc/nginx/conf.d/upload.conf",
		".ebextensions/nginx/conf.d/proxy.conf",
		".platform/nginx/conf.d/elasticbeanstalk/01_proxy.conf",
		".platform/nginx/conf.d/timeouts.conf",
		".platform/nginx/nginx.conf",
		"nginx/mysite",
		"router/calc.example.com",
	}
	if !slices.Equal(got, want) {
		t.Errorf("nginx files %v, want %v", got, want)
	}
	for _, d := range res.Model.Diags {
		t.Errorf("diagnostic: %s", d.String())
	}
	// Named, as pre-commit names them: the same decision.
	for rel, want := range map[string]bool{"nginx/mysite": true, "router/calc.example.com": true, "scripts/deploy": false, "bin/tool": false, "LICENSE": false,
		".ebextensions/02_proxy.config": true, ".ebextensions/01_packages.config": false} {
		if got := Lintable(filepath.Join(root, rel), 10<<20); got != want {
			t.Errorf("Lintable(%s) = %v, want %v", rel, got, want)
		}
		if got := WalkLintable(filepath.Join(root, rel), 10<<20); got != want {
			t.Errorf("WalkLintable(%s) = %v, want %v", rel, got, want)
		}
	}
	named, err := Load([]string{filepath.Join(root, "nginx/mysite"), filepath.Join(root, "scripts/deploy")}, Options{Cwd: root})
	if err != nil {
		t.Fatal(err)
	}
	if len(named.Model.Files) != 1 || named.Model.Files[0].Path != "nginx/mysite" || len(named.Model.Diags) != 0 {
		t.Errorf("named: files %v, diags %v; want nginx/mysite alone", named.Model.Files, named.Model.Diags)
	}
	// The context of a named file: the nginx file without an extension is read when it
	// links (its upstream names the Compose service), the script is not.
	write("compose.yaml", "services:\n  proxy:\n    image: nginx\n    volumes: [\"./nginx/mysite:/etc/nginx/conf.d/default.conf:ro\"]\n  app:\n    image: app\n")
	sel := SelectContext([]string{filepath.Join(root, "compose.yaml")}, ContextOptions{Roots: []string{root}}, Options{Cwd: root})
	if !slices.Contains(sel, filepath.Join(root, "nginx/mysite")) || slices.Contains(sel, filepath.Join(root, "scripts/deploy")) {
		t.Errorf("context of compose.yaml: %v", sel)
	}
}

// TestPreCommitFilesCoverProbes: the hooks' files: pattern passes the names a directory
// run looks at for nginx content (probeName), so a commit changing nginx/mysite or
// router/api.example.com is checked by the hook as `no502 lint .` checks it.
func TestPreCommitFilesCoverProbes(t *testing.T) {
	src, err := os.ReadFile("../../.pre-commit-hooks.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*files: &files '([^']*)'`).FindSubmatch(src)
	if m == nil {
		t.Fatal(".pre-commit-hooks.yaml: no `files: &files '...'` pattern")
	}
	files := regexp.MustCompile(string(m[1]))
	paths := []string{"nginx/mysite", "deploy/nginx/default", "router/calc.ntipa.com", "etc/nginx/163.gs", "curls.margagl.io", "nginx/conf.d", "conf.d", ".platform/nginx/conf.d/elasticbeanstalk/01_proxy.conf"}
	for tld := range hostTLDs {
		paths = append(paths, "sites/api.example."+tld)
	}
	for _, p := range paths {
		if !probeName(filepath.Base(p)) && !strings.HasSuffix(p, ".conf") {
			t.Errorf("%s: not a probed name; drop it from this list", p)
		}
		if !files.MatchString(p) {
			t.Errorf("%s: a directory run looks at it, but the hooks' files: pattern does not pass it", p)
		}
	}
	for _, p := range []string{"main.py", "docs/README.md", ".env"} {
		if files.MatchString(p) {
			t.Errorf("%s: passed by the hooks' files: pattern", p)
		}
	}
}

// FuzzNginxByContent: the content sniff of files without an extension never panics, and
// a head it accepts whole is accepted when cut at its end too (a cut head can only be
// judged more leniently than the whole file).
func FuzzNginxByContent(f *testing.F) {
	for _, s := range []string{
		"server { listen 80; }", "upstream u { server a:1; }", "map $a $b { default c; }",
		"#!/bin/sh\nserver {", "\"a\" {", "}", "server { return 200 'a}'; }", "x ${y} {",
		"location / { content_by_lua_block { ngx.say(\"}\") } }", "include a;\nhttp { }",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		whole := nginxByContent(src, false)
		if whole && !nginxByContent(src, true) {
			t.Errorf("accepted whole, refused as a cut head: %q", src)
		}
	})
}
