package load

import (
	"strings"
	"testing"

	"github.com/no502/no502/internal/fuzzseed"
	"github.com/no502/no502/internal/hangwatch"
	"github.com/no502/no502/rules"
)

// FuzzLint runs the whole pipeline (discovery, every parser, embedded configs, every
// rule and fix) on a directory of mixed files made from the input: the input is split on
// NUL-free separators into an nginx config, a Caddyfile, a Terraform file, a Kubernetes
// manifest and a compose file (one seed mounts the nginx.conf into a service that
// forwards to another, so the Compose link is explored too). No input may panic (parser panics surface as "internal error"
// diagnostics) or hang.
func FuzzLint(f *testing.F) {
	seeds := []string{"../../testdata/demo", "../../rules/testdata/nginx-edge", "../../rules/testdata/caddy-retry", "../../rules/testdata/k8s-clean",
		"../../testdata/stacks/compose-caddy-uvicorn"}
	for _, dir := range seeds {
		f.Add(fuzzseed.FromDir(dir))
	}
	f.Add([]byte("server { listen 80; location / { proxy_pass http://app:8000; proxy_read_timeout 5s; } }\n=====\n\n=====\n\n=====\n\n=====\n" +
		"services:\n  proxy:\n    image: nginx\n    volumes: [\"./nginx.conf:/etc/nginx/conf.d/default.conf\"]\n    depends_on: [app]\n" +
		"  app:\n    command: gunicorn -k gthread --timeout 60 --graceful-timeout 45 app:app\n    stop_signal: SIGQUIT\n    healthcheck:\n      test: curl -f localhost:8000 || true\n      interval: 5m\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		defer hangwatch.Start(len(data))()
		dir := t.TempDir()
		if err := fuzzseed.Write(dir, data); err != nil {
			t.Fatal(err)
		}
		res, err := Load([]string{dir}, Options{Cwd: dir})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range res.Model.Diags {
			if strings.Contains(d.Message, "internal error") {
				t.Fatalf("parser panic: %s", d)
			}
		}
		for _, fd := range rules.Run(res.Model, rules.DefaultConfig()) {
			if fd.Fix != nil {
				for _, e := range fd.Fix.Edits {
					if e.Start < 0 || e.End < e.Start {
						t.Fatalf("bad edit %+v", e)
					}
				}
			}
		}
	})
}
