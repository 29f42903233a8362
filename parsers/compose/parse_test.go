package compose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// Parse turns each service into a workload the rules read like any other.
func TestParseWorkloads(t *testing.T) {
	dir := t.TempDir()
	src := `services:
  app:
    image: registry.example.com/app:1
    entrypoint: ["/docker-entrypoint.sh"]
    command: gunicorn -b :8000 app.wsgi
    environment:
      GUNICORN_CMD_ARGS: --graceful-timeout 40
    ports: ["8080:8000"]
    expose: ["9000/tcp"]
    scale: 3
    stop_grace_period: 1m
    volumes:
      - ./nginx:/etc/nginx/conf.d:ro
      - data:/var/lib/app
      - cache:/cache:ro
    healthcheck:
      test: curl -f localhost:8000 || exit 1
      interval: 15s
      retries: 4
    depends_on:
      db:
        condition: service_healthy
  db:
    image: postgres:16
    network_mode: host
    healthcheck:
      disable: true

  worker:
    image: registry.example.com/app:1
volumes:
  data: {}
  cache: {}
`
	in := parsers.Input{Path: "stack/compose.yaml", Abs: filepath.Join(dir, "stack", "compose.yaml"), Src: []byte(src)}
	m := Parse([]parsers.Input{in}, parsers.Options{})
	if len(m.Diags) > 0 {
		t.Fatalf("diags: %v", m.Diags)
	}
	if len(m.Files) != 1 || m.Files[0].Format != parsers.FormatCompose {
		t.Fatalf("files: %+v", m.Files)
	}
	byName := map[string]*parsers.Workload{}
	for _, w := range m.Workloads {
		byName[w.Name] = w
	}
	app, db := byName["app"], byName["db"]
	if app == nil || db == nil || byName["worker"] == nil {
		t.Fatalf("workloads: %v", byName)
	}
	if app.Kind != parsers.KindComposeService || !app.Replicas.Explicit() || app.Replicas.Value != 3 {
		t.Errorf("app: kind %s, replicas %+v (want scale 3)", app.Kind, app.Replicas)
	}
	if g := app.TerminationGrace; !g.Explicit() || g.Value.String() != "1m0s" {
		t.Errorf("grace = %+v", g)
	}
	c := app.Containers[0]
	if strings.Join(c.Command, " ") != "/docker-entrypoint.sh" || strings.Join(c.Args, " ") != "gunicorn -b :8000 app.wsgi" || len(c.ArgPos) != 5 {
		t.Errorf("command %q args %q argpos %d", c.Command, c.Args, len(c.ArgPos))
	}
	var ports []int
	for _, p := range c.Ports {
		ports = append(ports, p.Port)
	}
	if len(ports) != 2 || ports[0] != 8000 || ports[1] != 9000 {
		t.Errorf("ports = %v, want the target 8000 and exposed 9000", ports)
	}
	r := c.Readiness
	if r == nil || r.Handler != "exec" || strings.Join(r.Command, " ") != "/bin/sh -c curl -f localhost:8000 || exit 1" ||
		r.Period.Value.String() != "15s" || r.FailureThreshold.Value != 4 {
		t.Errorf("readiness = %+v", r)
	}
	cs := app.Compose
	if len(cs.Networks) != 1 || cs.Networks[0].Name != "default" {
		t.Errorf("networks = %+v, want default", cs.Networks)
	}
	if len(cs.Mounts) != 1 || cs.Mounts[0].Path != "stack/nginx" {
		t.Errorf("mounts = %+v, want stack/nginx as displayed", cs.Mounts)
	}
	if len(cs.DataVolumes) != 1 || cs.DataVolumes[0].Path != "data" {
		t.Errorf("data volumes = %+v, want data (cache is read-only)", cs.DataVolumes)
	}
	if len(cs.DependsOn) != 1 || cs.DependsOn[0].Condition.Value != "service_healthy" {
		t.Errorf("depends_on = %+v", cs.DependsOn)
	}
	if len(cs.Published) != 1 || cs.Published[0].Value != "8080" {
		t.Errorf("published = %+v", cs.Published)
	}
	if db.Compose.Networks != nil || db.Containers[0].Readiness != nil {
		t.Errorf("db: networks %+v (network_mode host), readiness %+v (disabled)", db.Compose.Networks, db.Containers[0].Readiness)
	}
	if !db.Replicas.IsDefault() || db.Replicas.Value != 1 {
		t.Errorf("db replicas = %+v, want the default 1", db.Replicas)
	}
	// The service's block runs from its key to the next key at its indentation, across
	// the blank line before worker.
	blk := db.Block
	got := src[blk.Start():blk.End()]
	if !strings.HasPrefix(got, "  db:\n") || !strings.HasSuffix(got, "disable: true\n\n") {
		t.Errorf("db block = %q", got)
	}
	if w := byName["worker"].Block; src[w.Start():w.End()] != "  worker:\n    image: registry.example.com/app:1\n" {
		t.Errorf("worker block = %q", src[w.Start():w.End()])
	}
}

// A proxy config written inline (configs: content:) is not read, and a note says so where
// it is mounted; an inline config mounted elsewhere (an app's settings) gets no note.
func TestInlineProxyConfigNote(t *testing.T) {
	src := `services:
  proxy:
    image: nginx:1.27
    configs:
      - source: nginx_conf
        target: /etc/nginx/conf.d/default.conf
      - source: app_settings
        target: /srv/settings.ini
  caddy:
    image: caddy:2
    configs:
      - source: caddyfile
        target: /etc/caddy/Caddyfile
configs:
  nginx_conf:
    content: |
      server { listen 80; location / { proxy_pass http://api:8000; } }
  caddyfile:
    content: |
      :80 {
        reverse_proxy api:8000
      }
  app_settings:
    content: "debug = false"
`
	dir := t.TempDir()
	in := parsers.Input{Path: "compose.yaml", Abs: filepath.Join(dir, "compose.yaml"), Src: []byte(src)}
	m := Parse([]parsers.Input{in}, parsers.Options{})
	var notes []string
	for _, d := range m.Diags {
		notes = append(notes, d.String())
	}
	all := strings.Join(notes, "\n")
	if len(notes) != 2 || !strings.Contains(all, "config nginx_conf of service proxy is written inline") || !strings.Contains(all, "config caddyfile of service caddy") {
		t.Errorf("notes: %q", notes)
	}
	for _, n := range notes {
		if strings.Contains(n, "app_settings") {
			t.Errorf("an inline config no proxy reads got a note: %s", n)
		}
	}
}

// env_file: entries are read in order below environment:; a file that cannot be read
// leaves every variable environment does not set unknown, one missing with required:
// false is skipped, and a value built from a variable the file does not define is unknown.
func TestEnvFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("web.env", "GUNICORN_CMD_ARGS=--keep-alive 75\nTIMEOUT=30\nEXTRA=${HOME}/x\nPORT=8000\n")
	write("override.env", "TIMEOUT=60\n")
	src := `services:
  web:
    image: x/web:1
    env_file:
      - web.env
      - path: override.env
      - path: missing.env
        required: false
    environment:
      PORT: "9000"
  gone:
    image: x/web:1
    env_file: missing.env
`
	write("compose.yaml", src)
	in := parsers.Input{Path: "compose.yaml", Abs: filepath.Join(dir, "compose.yaml"), Src: []byte(src)}
	m := Parse([]parsers.Input{in}, parsers.Options{Roots: []string{dir}})
	byName := map[string]*parsers.Container{}
	for _, w := range m.Workloads {
		byName[w.Name] = w.Containers[0]
	}
	web, gone := byName["web"], byName["gone"]
	if web == nil || gone == nil {
		t.Fatalf("workloads: %v", byName)
	}
	want := map[string]string{"GUNICORN_CMD_ARGS": "--keep-alive 75", "TIMEOUT": "60", "PORT": "9000"}
	for k, v := range want {
		if got, ok := web.EnvVar(k); !ok || !got.Known() || got.Value != v {
			t.Errorf("web %s = %+v, want %q", k, got, v)
		}
	}
	if got, ok := web.EnvVar("EXTRA"); !ok || !got.Unknown {
		t.Errorf("web EXTRA = %+v, want unknown (${HOME} is not in the file)", got)
	}
	if _, ok := web.EnvVar("UNSET"); ok {
		t.Error("web UNSET is set: every env file was read, so a variable none sets is unset")
	}
	if got, ok := gone.EnvVar("GUNICORN_CMD_ARGS"); !ok || !got.Unknown {
		t.Errorf("gone GUNICORN_CMD_ARGS = %+v, want unknown (its env_file is missing)", got)
	}
}
