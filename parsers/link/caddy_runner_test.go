package link_test

import (
	"testing"

	"github.com/no502/no502/parsers"
)

// TestComposeCaddyfileHeldTwice: a Caddyfile that the caddy service mounts and that the
// app's Dockerfile also copies to /etc/caddy/Caddyfile (DiegoMagg/caddy-django) is in
// several containers alike; only one runs Caddy on it. The link goes to the service
// whose container runs Caddy when every other one is known to run something else, and
// gives up otherwise.
func TestComposeCaddyfileHeldTwice(t *testing.T) {
	const caddyfile = ":80 {\n\treverse_proxy web:8000\n}\n"
	const dockerfile = "FROM python:3.12-alpine\nCOPY Caddyfile /etc/caddy/Caddyfile\nCOPY . /app\n"
	compose := func(caddySvc, web, extra string) string {
		return "services:\n" + caddySvc + `
  web:
    build: .
` + web + `
  migrations:
    build: .
    command: python manage.py migrate
` + extra
	}
	const caddySvc = `  caddy:
    image: caddy:2.7-alpine
    ports: ["80:80"]
    volumes: ["./Caddyfile:/etc/caddy/Caddyfile"]`
	for _, tc := range []struct {
		name, compose, dockerfile, want string
	}{
		{"caddy image beside gunicorn and a migration", compose(caddySvc, "    command: gunicorn app.wsgi --bind 0.0.0.0:8000", ""), dockerfile, "caddy"},
		{"caddy's command written out", compose(`  caddy:
    image: caddy:2
    command: caddy run --config /etc/caddy/Caddyfile --adapter caddyfile
    volumes: ["./Caddyfile:/etc/caddy/Caddyfile"]`, "    command: [\"gunicorn\", \"app.wsgi\", \"-b\", \"0.0.0.0:8000\"]", ""), dockerfile, "caddy"},
		{"gunicorn from the Dockerfile's CMD", compose(caddySvc, "", ""), dockerfile + "CMD [\"gunicorn\", \"app.wsgi\", \"-b\", \"0.0.0.0:8000\"]\n", "caddy"},
		// Near misses: the other container may run Caddy too, or the caddy one may not.
		{"app through a shell", compose(caddySvc, "    command: sh -c \"gunicorn app.wsgi -b 0.0.0.0:8000\"", ""), dockerfile, ""},
		{"app through a start script", compose(caddySvc, "", ""), dockerfile + "ENTRYPOINT [\"/app/start.sh\"]\n", ""},
		{"app image's own command", compose(caddySvc, "", ""), dockerfile, ""},
		{"two caddy services", compose(caddySvc, "    command: gunicorn app.wsgi --bind 0.0.0.0:8000", `  caddy2:
    image: caddy:2
    volumes: ["./Caddyfile:/etc/caddy/Caddyfile"]
`), dockerfile, ""},
		{"caddy running something else", compose(`  caddy:
    image: caddy:2
    command: caddy file-server --root /srv
    volumes: ["./Caddyfile:/etc/caddy/Caddyfile"]`, "    command: gunicorn app.wsgi --bind 0.0.0.0:8000", ""), dockerfile, ""},
		{"app built from a caddy image", compose(caddySvc, "    command: gunicorn app.wsgi --bind 0.0.0.0:8000", ""), "FROM caddy:2-alpine\nCOPY Caddyfile /etc/caddy/Caddyfile\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := loadDir(t, map[string]string{"compose.yaml": tc.compose, "Caddyfile": caddyfile, "Dockerfile": tc.dockerfile}, nil)
			h := hop(m, parsers.HopCaddy)
			if h == nil {
				t.Fatal("no Caddy hop")
			}
			got := ""
			if h.Workload != nil {
				got = h.Workload.Name
			}
			if got != tc.want {
				t.Errorf("Caddy hop runs in %q, want %q", got, tc.want)
			}
			if tc.want != "" {
				if g := served(m)["web:8000"]; len(g) != 1 || g[0] != "web" {
					t.Errorf("web:8000 reaches %v, want web", g)
				}
			}
		})
	}
}
