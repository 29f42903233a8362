package link_test

import (
	"fmt"
	"testing"

	"github.com/no502/no502/parsers"
)

// served lists, per upstream address, the names of the workloads its backend reaches.
func served(m *parsers.Model) map[string][]string {
	out := map[string][]string{}
	for _, h := range m.Hops {
		for _, r := range h.Routes {
			if r.Backend == nil || len(r.Backend.Targets) == 0 {
				continue
			}
			addr := r.Backend.Targets[0].Address
			out[addr] = nil
			for _, w := range r.Backend.Workloads {
				out[addr] = append(out[addr], w.Name)
			}
		}
	}
	return out
}

func TestComposeLinks(t *testing.T) {
	m := loadDir(t, map[string]string{
		"compose.yaml": `
services:
  proxy:
    image: nginx:1.27
    networks:
      front: {}
      back: {}
    volumes:
      - ./nginx:/etc/nginx/conf.d:ro
  caddy:
    image: caddy:2
    configs:
      - source: caddyfile
        target: /etc/caddy/Caddyfile
  app:
    build: .
    command: ["gunicorn", "-b", ":8000", "app.wsgi"]
    volumes:
      - .:/code # the whole repository, nginx/ included: the proxy's own mount is closer
    networks:
      back:
        aliases: [api.internal]
  sidecar:
    image: envoy
    network_mode: "service:proxy"
  other:
    build: .
    networks: [front]
    expose: ["9000"]
  datastore:
    image: redis:7
configs:
  caddyfile:
    file: ./Caddyfile
`,
		"compose.override.yaml": `
services:
  app:
    deploy:
      replicas: 3
`,
		"nginx/default.conf": `
upstream api {
    server api.internal:8000;
}
server {
    listen 80;
    server_name a.example.com;
    location / { proxy_pass http://app:8000; }
    location /api/ { proxy_pass http://api; }
    location /other/ { proxy_pass http://other:9000; }
    location /wrongport/ { proxy_pass http://other:8000; }
}
`,
		// caddy joins only the default network: app (on back) is out of its reach; the
		// nginx service (proxy, not on default either) too.
		"Caddyfile": `
b.example.com {
	reverse_proxy app:8000
}
`,
	}, nil)
	for _, d := range m.Diags {
		if fmt.Sprint(d.Severity) == "error" {
			t.Errorf("diag: %s", d)
		}
	}
	proxy, app := workload(m, "proxy"), workload(m, "app")
	if proxy == nil || app == nil || app.Kind != parsers.KindComposeService || app.Format != parsers.FormatCompose {
		t.Fatalf("workloads: %+v", m.Workloads)
	}
	if !app.Replicas.Explicit() || app.Replicas.Value != 3 {
		t.Errorf("app replicas = %+v, want 3 from the override", app.Replicas)
	}
	if a := app.Containers[0].App; a == nil || a.Name != "gunicorn" {
		t.Errorf("app server = %+v, want gunicorn", a)
	}
	nginx := hop(m, parsers.HopNginx)
	if nginx == nil || nginx.Workload != proxy {
		t.Fatalf("nginx hop runs in %v, want service proxy", nginx.Workload)
	}
	if c := proxy.Containers[0]; c.App == nil || c.App.Name != "nginx" {
		t.Errorf("proxy container's app = %+v, want the nginx config's", c.App)
	}
	got := served(m)
	want := map[string][]string{
		"app:8000":          {"app"},
		"api.internal:8000": {"app"},
		"other:9000":        {"other"},
		"other:8000":        nil, // other declares 9000 only
	}
	for addr, names := range want {
		if g, ok := got[addr]; !ok || len(g) != len(names) || (len(names) == 1 && g[0] != names[0]) {
			t.Errorf("%s reaches %v, want %v", addr, g, names)
		}
	}
	caddy := hop(m, parsers.HopCaddy)
	if caddy == nil || caddy.Workload != workload(m, "caddy") {
		t.Fatalf("caddy hop runs in %v, want service caddy (configs:)", caddy)
	}
	for _, r := range caddy.Routes {
		if r.Backend != nil && len(r.Backend.Workloads) > 0 {
			t.Errorf("caddy (default network) reaches %s on network back", r.Backend.Workloads[0].Name)
		}
	}
	if workload(m, "datastore").Served || workload(m, "sidecar").Served {
		t.Error("a service nothing forwards to is served")
	}
}

// A compose file is never a Kubernetes manifest, even when it holds apiVersion and kind
// keys; and a base with a variant beside it is two projects that share the services the
// variant does not touch.
func TestComposeDiscovery(t *testing.T) {
	m := loadDir(t, map[string]string{
		"docker-compose.yml": `
x-meta:
  apiVersion: v1
  kind: Deployment
services:
  web:
    image: nginx
  app:
    build: .
`,
		"docker-compose.prod.yml": `
services:
  app:
    deploy:
      replicas: 2
`,
	}, nil)
	var names []string
	for _, w := range m.Workloads {
		if w.Format != parsers.FormatCompose {
			t.Errorf("%s %s read as %s", w.Kind, w.Name, w.Format)
		}
		names = append(names, w.Name)
	}
	// web once (shared), app twice (the variant changes it).
	if len(names) != 3 {
		t.Errorf("workloads %v, want web once and app twice", names)
	}
	if w := workload(m, "web"); w == nil || len(w.Compose.Projects) != 2 {
		t.Errorf("web should belong to both projects: %+v", w)
	}
	for _, f := range m.Files {
		if f.Format != parsers.FormatCompose {
			t.Errorf("%s read as %s", f.Path, f.Format)
		}
	}
}

// A proxy on the host's network reaches a service by the port it publishes.
func TestComposeHostNetwork(t *testing.T) {
	m := loadDir(t, map[string]string{
		"compose.yaml": `
services:
  nginx:
    image: nginx
    network_mode: host
    volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
  app:
    build: .
    command: uvicorn main:app --host 0.0.0.0 --port 8000
    ports: ["127.0.0.1:8001:8000"]
`,
		"nginx.conf": `
events {}
http {
    server {
        listen 80;
        server_name h.example.com;
        location / { proxy_pass http://127.0.0.1:8001; }
        location /other/ { proxy_pass http://127.0.0.1:8000; }
    }
}
`,
	}, nil)
	got := served(m)
	if g := got["127.0.0.1:8001"]; len(g) != 1 || g[0] != "app" {
		t.Errorf("127.0.0.1:8001 reaches %v, want app (published 8001)", g)
	}
	if g := got["127.0.0.1:8000"]; len(g) != 0 {
		t.Errorf("127.0.0.1:8000 reaches %v: nothing publishes 8000", g)
	}
}

// Docker's DNS answers a container_name on the networks the container joins, and a
// links: alias from the linking container only; neither across networks.
func TestComposeContainerNameAndLinks(t *testing.T) {
	m := loadDir(t, map[string]string{
		"compose.yaml": `
services:
  nginx:
    image: nginx
    links: ["web:backend", "admin"]
    volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
  other:
    image: nginx
    volumes: ["./other.conf:/etc/nginx/nginx.conf:ro"]
  web:
    container_name: myapp_web
    build: .
    command: gunicorn -b 0.0.0.0:8000 app:app
  admin:
    build: .
    expose: ["9000"]
  hidden:
    container_name: hidden_app
    build: .
    networks: [back]
networks:
  back: {}
`,
		"nginx.conf": `
events {}
http {
    server {
        listen 80;
        location / { proxy_pass http://myapp_web:8000; }
        location /b/ { proxy_pass http://backend:8000; }
        location /admin/ { proxy_pass http://admin:9000; }
        location /hidden/ { proxy_pass http://hidden_app:8000; }
    }
}
`,
		"other.conf": `
events {}
http {
    server {
        listen 81;
        location / { proxy_pass http://backend:8000; }
    }
}
`,
	}, nil)
	got := map[string][]string{}
	for _, h := range m.Hops {
		for _, r := range h.Routes {
			if r.Backend == nil || len(r.Backend.Targets) == 0 {
				continue
			}
			key := h.Block.File + " " + r.Backend.Targets[0].Address
			got[key] = nil
			for _, w := range r.Backend.Workloads {
				got[key] = append(got[key], w.Name)
			}
		}
	}
	want := map[string]string{
		"nginx.conf myapp_web:8000":  "web",
		"nginx.conf backend:8000":    "web",
		"nginx.conf admin:9000":      "admin",
		"nginx.conf hidden_app:8000": "", // on network back only
		"other.conf backend:8000":    "", // the alias is nginx's, not other's
	}
	for key, name := range want {
		g, ok := got[key]
		if !ok {
			t.Errorf("%s: no route", key)
			continue
		}
		if name == "" && len(g) != 0 || name != "" && (len(g) != 1 || g[0] != name) {
			t.Errorf("%s reaches %v, want %q", key, g, name)
		}
	}
}

// Two services mount one nginx.conf, one of them only under a profile: a plain docker
// compose up runs the other, which is the proxy the config belongs to.
func TestComposeProfilesPreferDefault(t *testing.T) {
	m := loadDir(t, map[string]string{
		"compose.yaml": `
services:
  nginx:
    image: nginx
    volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
  nginx-debug:
    image: nginx
    profiles: [debug]
    volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
  app:
    build: .
    command: gunicorn -b 0.0.0.0:8000 app:app
`,
		"nginx.conf": `
events {}
http {
    server {
        listen 80;
        location / { proxy_pass http://app:8000; }
    }
}
`,
	}, nil)
	h := hop(m, parsers.HopNginx)
	if h == nil || h.Workload == nil || h.Workload.Name != "nginx" {
		t.Fatalf("nginx hop runs in %v, want service nginx (nginx-debug is under a profile)", h)
	}
	if g := served(m)["app:8000"]; len(g) != 1 || g[0] != "app" {
		t.Errorf("app:8000 reaches %v, want app", g)
	}
}

// COMPOSE_PROFILES in the project's .env is what a plain docker compose up enables
// (getsentry/self-hosted: nginx under feature-complete, nginx-errors-only under
// errors-only, both mounting ./nginx, and COMPOSE_PROFILES=feature-complete): the tie
// between two profiled proxies goes to the one it enables.
func TestComposeProfilesFromDotEnv(t *testing.T) {
	m := loadDir(t, map[string]string{
		".env": "COMPOSE_PROFILES=feature-complete\n",
		"compose.yaml": `
services:
  nginx:
    image: nginx
    profiles: [feature-complete]
    volumes: ["./nginx:/etc/nginx:ro"]
  nginx-errors-only:
    image: nginx
    profiles: [errors-only]
    volumes: ["./nginx:/etc/nginx:ro"]
  web:
    image: registry.example.com/web
    profiles: [feature-complete]
`,
		"nginx/nginx.conf": `
events {}
http {
    server {
        listen 80;
        location / { proxy_pass http://web:9000; }
    }
}
`,
	}, nil)
	h := hop(m, parsers.HopNginx)
	if h == nil || h.Workload == nil || h.Workload.Name != "nginx" {
		t.Fatalf("nginx hop runs in %v, want service nginx (COMPOSE_PROFILES=feature-complete)", h)
	}
	if g := served(m)["web:9000"]; len(g) != 1 || g[0] != "web" {
		t.Errorf("web:9000 reaches %v, want web", g)
	}
}

// A name the proxy's extra_hosts puts in its /etc/hosts is answered there, not by Docker's
// DNS: it does not reach the Compose service of that name.
func TestComposeExtraHostsShadow(t *testing.T) {
	m := loadDir(t, map[string]string{
		"compose.yaml": `
services:
  nginx:
    image: nginx
    extra_hosts:
      - "app:host-gateway"
      - "api=10.0.0.7"
    volumes: ["./nginx.conf:/etc/nginx/nginx.conf:ro"]
  app:
    build: .
  api:
    build: .
  web:
    build: .
`,
		"nginx.conf": `
events {}
http {
    server {
        listen 80;
        location / { proxy_pass http://app:8000; }
        location /api/ { proxy_pass http://api:8000; }
        location /web/ { proxy_pass http://web:8000; }
    }
}
`,
	}, nil)
	got := served(m)
	for addr, want := range map[string]int{"app:8000": 0, "api:8000": 0, "web:8000": 1} {
		if len(got[addr]) != want {
			t.Errorf("%s reaches %v, want %d services", addr, got[addr], want)
		}
	}
}
