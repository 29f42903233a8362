package load

import (
	"os"
	"path/filepath"
	"testing"

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
