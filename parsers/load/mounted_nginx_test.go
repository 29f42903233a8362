package load

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/no502/no502/parsers"
)

// TestNginxCopiedUnderAnyName: a file a Compose service copies (Dockerfile COPY) or
// mounts where nginx reads its configuration is nginx config whatever its name. A
// Django recipe's proxy image copies default.conf.tpl to conf.d/default.conf, another
// copies a file named nginx-conf.d there; neither name says nginx, so neither proxy was
// linted, and the app behind it had no proxy in front.
func TestNginxCopiedUnderAnyName(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("compose.yaml", `services:
  proxy:
    build: ./proxy
    ports: ["80:8000"]
  edge:
    image: nginx:1.27
    volumes:
      - ./edge/site-nginx:/etc/nginx/conf.d/default.conf:ro
      - ./edge/notes.txt:/etc/nginx/notes.txt:ro
  app:
    image: example/app
    command: gunicorn -b 0.0.0.0:9000 app:app
`)
	write("proxy/Dockerfile", "FROM nginx:1.27\nCOPY ./default.conf.tpl /etc/nginx/conf.d/default.conf\n")
	write("proxy/default.conf.tpl", "server {\n    listen 8000;\n    location / {\n        proxy_pass http://app:9000;\n    }\n}\n")
	write("edge/site-nginx", "server {\n    listen 80;\n    location / {\n        proxy_pass http://proxy:8000;\n    }\n}\n")
	write("edge/notes.txt", "proxy_pass is written in the files above\n")

	res, err := Load([]string{"."}, Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	placed := map[string]string{}
	for _, h := range res.Model.Hops {
		if h.Kind == parsers.HopNginx && h.Workload != nil {
			placed[h.Block.File] = h.Workload.Name
		}
	}
	for file, service := range map[string]string{"proxy/default.conf.tpl": "proxy", "edge/site-nginx": "edge"} {
		if placed[file] != service {
			t.Errorf("%s: runs in %q, want the Compose service %s (hops placed: %v)", file, placed[file], service, placed)
		}
	}
	if _, ok := placed["edge/notes.txt"]; ok || res.Model.File("edge/notes.txt") != nil {
		t.Error("edge/notes.txt, mounted where nginx reads no config, was read as nginx")
	}
	if res.Files != 3 {
		t.Errorf("%d files linted, want 3 (compose.yaml, the Dockerfile's copy, the mounted site)", res.Files)
	}
}

// TestIncludeThroughComposeMount: SWAG's layout. Compose mounts ./config at /config,
// and the site confs include /config/nginx/proxy.conf: for a file the service sees (in
// the mounted directory), the include is the repository's config/nginx/proxy.conf.
// A file the service does not see (other/site.conf) keeps the include unread.
func TestIncludeThroughComposeMount(t *testing.T) {
	t.Run("directory", func(t *testing.T) { includeThroughMount(t, "./config:/config") })
	// mink0/pi-media-server: each file mounted at its path.
	t.Run("files", func(t *testing.T) {
		includeThroughMount(t, "./config/nginx/proxy.conf:/config/nginx/proxy.conf\n      - ./config/nginx/proxy-confs:/config/nginx/proxy-confs")
	})
}

func includeThroughMount(t *testing.T, volumes string) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("docker-compose.yml", `services:
  swag:
    image: lscr.io/linuxserver/swag
    volumes:
      - `+volumes+`
    ports: ["443:443"]
  app:
    image: example/app
    command: gunicorn -b 0.0.0.0:8000 app:app
`)
	write("config/nginx/proxy.conf", "proxy_read_timeout 240s;\nproxy_http_version 1.1;\n")
	write("config/nginx/proxy-confs/app.subdomain.conf", "server {\n    listen 443;\n    server_name app.*;\n    location / {\n        include /config/nginx/proxy.conf;\n        proxy_pass http://app:8000;\n    }\n}\n")
	write("other/site.conf", "server {\n    listen 80;\n    location / {\n        include /config/nginx/proxy.conf;\n        proxy_pass http://app:8000;\n    }\n}\n")

	res, err := Load([]string{"."}, Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, h := range res.Model.Hops {
		for _, r := range h.Routes {
			got[h.Block.File] = r.ReadTimeout.Pos.File
			if r.ReadTimeout.Explicit() && r.ReadTimeout.Value != 240*time.Second {
				t.Errorf("%s: read timeout %v, want 240s", h.Block.File, r.ReadTimeout.Value)
			}
		}
	}
	if f := got["config/nginx/proxy-confs/app.subdomain.conf"]; f != "config/nginx/proxy.conf" {
		t.Errorf("the SWAG site's read timeout is set in %q, want config/nginx/proxy.conf (read through ./config:/config)", f)
	}
	if f := got["other/site.conf"]; f != "" {
		t.Errorf("other/site.conf, which the service does not see, took its read timeout from %q", f)
	}
}

// TestNamedCopiedFileSelectsCompose: a named file no502 does not read by its name is
// read with the Compose files that may mount or copy it (a volume naming its path, a
// Dockerfile in a build context naming it); a file nothing names selects none.
func TestNamedCopiedFileSelectsCompose(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("compose.yaml", "services:\n  proxy:\n    build: ./proxy\n  edge:\n    image: nginx\n    volumes:\n      - ./edge/site-nginx:/etc/nginx/conf.d/default.conf\n")
	write("proxy/Dockerfile", "FROM nginx:1.27\nCOPY ./default.conf.tpl /etc/nginx/conf.d/default.conf\n")
	write("proxy/default.conf.tpl", "server {\n    location / {\n        proxy_pass http://app:9000;\n    }\n}\n")
	write("edge/site-nginx", "server {\n    location / {\n        proxy_pass http://proxy:8000;\n    }\n}\n")
	write("other/notes.tpl", "server {}\n")
	for name, want := range map[string]bool{"proxy/default.conf.tpl": true, "edge/site-nginx": true, "other/notes.tpl": false} {
		abs := filepath.Join(dir, filepath.FromSlash(name))
		got := SelectContext([]string{abs}, ContextOptions{Roots: []string{dir}}, Options{Cwd: dir})
		has := false
		for _, f := range got {
			has = has || f == filepath.Join(dir, "compose.yaml")
		}
		if has != want {
			t.Errorf("%s: compose.yaml selected %v, want %v (selected %v)", name, has, want, got)
		}
	}
}
