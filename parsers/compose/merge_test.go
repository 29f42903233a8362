package compose

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/template"

	"github.com/no502/no502/parsers"
)

// writeProject writes files (name -> content) into a temporary directory and returns the
// absolute paths of the compose files among them, in the order given by names.
func writeProject(t *testing.T, files map[string]string, names ...string) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out []string
	for _, n := range names {
		out = append(out, filepath.Join(dir, n))
	}
	return dir, out
}

// loadBoth loads the files with our loader and with compose-go, fails on any difference,
// and returns ours.
func loadBoth(t *testing.T, dir string, files []string) *Project {
	t.Helper()
	p := loadFiles(t, nil, files...)
	for _, d := range p.Diags {
		if d.Severity == parsers.Error {
			t.Errorf("diag: %s", d)
		}
	}
	env := map[string]string{"COMPOSE_PROJECT_NAME": "oracle"}
	if b, err := os.ReadFile(filepath.Join(dir, ".env")); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") {
				env[k] = v
			}
		}
	}
	theirs, err := composeGo(t, dir, files, env)
	if err != nil {
		t.Fatalf("compose-go: %v", err)
	}
	for _, d := range diffOracle(p, theirs) {
		t.Errorf("differs from compose-go: %s", d)
	}
	return p
}

func at(t *testing.T, pos parsers.Pos, file string, line int) {
	t.Helper()
	if filepath.Base(pos.File) != file || int(pos.Line) != line {
		t.Errorf("position %s, want %s:%d", pos, file, line)
	}
}

func TestMergeScalarsAndLists(t *testing.T) {
	dir, files := writeProject(t, map[string]string{
		"compose.yaml": `services:
  web:
    image: app:1
    command: gunicorn app:app --bind 0.0.0.0:8000
    ports: ["8000:8000", "9000"]
    expose: ["8000"]
    dns: 1.1.1.1
    environment:
      A: base
      B: base
    labels: [x=1, y=2]
    stop_grace_period: 10s
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost/"]
      interval: 5s
    depends_on: [db]
    volumes:
      - ./nginx.conf:/etc/nginx/nginx.conf:ro
      - data:/data
  db:
    image: postgres
volumes:
  data: {}
`,
		"compose.override.yaml": `services:
  web:
    image: app:2
    command: ["gunicorn", "app:app", "--timeout", "120"]
    ports: ["8000:8000", "8443:443"]
    expose: ["8000", "9100"]
    dns: [8.8.8.8, 1.1.1.1]
    environment:
      - B=override
      - C=new
    labels:
      y: "3"
    stop_grace_period: 1m30s
    healthcheck:
      test: curl -f http://localhost/health || exit 1
      retries: 5
    depends_on:
      db:
        condition: service_healthy
    volumes:
      - ./other.conf:/etc/nginx/nginx.conf
`,
	}, "compose.yaml", "compose.override.yaml")
	p := loadBoth(t, dir, files)
	web := p.Service("web")
	if web == nil {
		t.Fatal("no web service")
	}
	if web.Image.Value != "app:2" {
		t.Errorf("image %q", web.Image.Value)
	}
	at(t, web.Image.Pos, "compose.override.yaml", 3)
	if len(web.Decls) != 2 {
		t.Errorf("decls %v", web.Decls)
	}
	if got := strings.Join(web.Command.Args.Value, " "); got != "gunicorn app:app --timeout 120" || web.Command.Shell {
		t.Errorf("command %q shell %v", got, web.Command.Shell)
	}
	if len(web.Ports) != 3 {
		t.Errorf("ports %+v", web.Ports)
	}
	if e := web.Environment; e["A"].Value != "base" || e["B"].Value != "override" || e["C"].Value != "new" {
		t.Errorf("environment %+v", e)
	}
	at(t, web.Environment["A"].Pos, "compose.yaml", 9)
	at(t, web.Environment["B"].Pos, "compose.override.yaml", 9)
	if web.Labels["x"].Value != "1" || web.Labels["y"].Value != "3" {
		t.Errorf("labels %+v", web.Labels)
	}
	if g := web.StopGracePeriod; g.Value != 90*time.Second || g.Text != "stop_grace_period: 1m30s" {
		t.Errorf("stop_grace_period %+v", g)
	}
	h := web.Healthcheck
	if h.Kind != HealthCmdShell || h.Test.Value[0] != "curl -f http://localhost/health || exit 1" || h.Interval.Value != 5*time.Second || h.Retries.Value != 5 {
		t.Errorf("healthcheck %+v", h)
	}
	at(t, h.Interval.Pos, "compose.yaml", 15)
	if len(web.DependsOn) != 1 || web.DependsOn[0].Condition.Value != "service_healthy" {
		t.Errorf("depends_on %+v", web.DependsOn)
	}
	if len(web.Volumes) != 2 || web.Volumes[0].HostPath != filepath.Join(dir, "other.conf") || web.Volumes[0].ReadOnly {
		t.Errorf("volumes %+v", web.Volumes)
	}
	at(t, web.Volumes[0].Pos, "compose.override.yaml", 21)
}

func TestMergeResetOverrideAnchorsExtends(t *testing.T) {
	dir, files := writeProject(t, map[string]string{
		"compose.yaml": `x-common: &common
  restart: unless-stopped
  environment:
    TZ: UTC
  stop_signal: SIGINT
services:
  app:
    <<: *common
    image: app
    ports: ["8080:80"]
    environment:
      FOO: bar
    stop_signal: SIGQUIT
  worker:
    extends: app
    command: celery worker
    ports: !reset []
`,
		"compose.prod.yaml": `services:
  app:
    ports: !override
      - "8443:443"
    environment:
      FOO: !reset null
    deploy:
      replicas: 3
      update_config:
        order: start-first
        parallelism: 2
`,
	}, "compose.yaml", "compose.prod.yaml")
	p := loadBoth(t, dir, files)
	app, worker := p.Service("app"), p.Service("worker")
	if app.Restart.Value != "unless-stopped" || app.StopSignal.Value != "SIGQUIT" {
		t.Errorf("app restart %q stop_signal %q", app.Restart.Value, app.StopSignal.Value)
	}
	at(t, app.Restart.Pos, "compose.yaml", 2)
	if len(app.Ports) != 1 || app.Ports[0].Target != 443 {
		t.Errorf("app ports %+v", app.Ports)
	}
	if _, ok := app.Environment["FOO"]; ok {
		t.Errorf("FOO not reset: %+v", app.Environment)
	}
	if app.Replicas.Value != 3 || app.UpdateConfig.Order.Value != "start-first" || app.UpdateConfig.Parallelism.Value != 2 {
		t.Errorf("deploy %+v %+v", app.Replicas, app.UpdateConfig)
	}
	if worker.Image.Value != "app" || len(worker.Ports) != 0 || worker.Command.Args.Value[0] != "celery" {
		t.Errorf("worker %+v", worker)
	}
	// app's own environment: replaces the one of the merge key (<<) whole.
	if _, ok := worker.Environment["TZ"]; ok || worker.Environment["FOO"].Value != "bar" {
		t.Errorf("worker environment %+v", worker.Environment)
	}
}

func TestInterpolationFromDotEnv(t *testing.T) {
	dir, files := writeProject(t, map[string]string{
		".env": "TAG=1.2\nPORT=8000\n# comment\nGRACE=45s\n",
		"compose.yaml": `services:
  app:
    image: "app:${TAG}"
    command: gunicorn -b 0.0.0.0:${PORT} --graceful-timeout ${GRACEFUL:-30} app:app
    stop_grace_period: ${GRACE}
    environment:
      SECRET: ${SECRET}
      LITERAL: "$$HOME"
      DEFAULTED: ${NOPE:-fallback}
    healthcheck:
      test: ["CMD-SHELL", "curl -f http://localhost:$${PORT}/ || exit 1"]
`,
	}, "compose.yaml")
	p := loadBoth(t, dir, files)
	app := p.Service("app")
	if app.Image.Value != "app:1.2" || app.Image.Unknown {
		t.Errorf("image %+v", app.Image)
	}
	if len(app.Image.Via()) != 1 || filepath.Base(app.Image.Via()[0].File) != ".env" || app.Image.Via()[0].Line != 1 {
		t.Errorf("image via %v", app.Image.Via())
	}
	if got := strings.Join(app.Command.Args.Value, " "); got != "gunicorn -b 0.0.0.0:8000 --graceful-timeout 30 app:app" {
		t.Errorf("command %q", got)
	}
	if app.StopGracePeriod.Value != 45*time.Second {
		t.Errorf("stop_grace_period %+v", app.StopGracePeriod)
	}
	if s := app.Environment["SECRET"]; !s.Unknown || s.Known() {
		t.Errorf("SECRET should be unknown: %+v", s)
	}
	if app.Environment["LITERAL"].Value != "$HOME" || app.Environment["DEFAULTED"].Value != "fallback" {
		t.Errorf("environment %+v", app.Environment)
	}
	if app.Healthcheck.Test.Value[0] != "curl -f http://localhost:${PORT}/ || exit 1" {
		t.Errorf("healthcheck %q", app.Healthcheck.Test.Value)
	}
}

func TestUnknownIsNotGuessed(t *testing.T) {
	_, files := writeProject(t, map[string]string{"compose.yaml": `services:
  app:
    image: app
    stop_grace_period: ${GRACE}
    deploy:
      replicas: ${REPLICAS:?set it}
    volumes:
      - ${CONF_DIR}/nginx.conf:/etc/nginx/nginx.conf
`}, "compose.yaml")
	p := loadFiles(t, nil, files...)
	if len(errorsOf(p)) > 0 {
		t.Fatal(errorsOf(p))
	}
	app := p.Service("app")
	if g := app.StopGracePeriod; !g.Unknown || g.Known() || g.IsDefault() {
		t.Errorf("stop_grace_period %+v", g)
	}
	if r := app.Replicas; !r.Unknown || r.Known() {
		t.Errorf("replicas %+v", r)
	}
	if m := app.Volumes[0]; m.HostPath != "" || !m.Source.Unknown || m.Target.Value != "/etc/nginx/nginx.conf" || m.Type != MountBind {
		t.Errorf("volume %+v", m)
	}
}

func TestConfigsAndLongVolumes(t *testing.T) {
	dir, files := writeProject(t, map[string]string{"compose.yaml": `services:
  caddy:
    image: caddy
    configs:
      - source: caddyfile
        target: /etc/caddy/Caddyfile
      - other
    volumes:
      - type: bind
        source: ./site
        target: /srv/
        read_only: true
      - type: volume
        source: caddy_data
        target: /data
configs:
  caddyfile:
    file: ./conf/Caddyfile
  other:
    file: /abs/other
volumes:
  caddy_data:
`}, "compose.yaml")
	p := loadBoth(t, dir, files)
	c := p.Service("caddy")
	if len(c.Configs) != 2 || c.Configs[0].HostPath != filepath.Join(dir, "conf/Caddyfile") || c.Configs[0].Target.Value != "/etc/caddy/Caddyfile" {
		t.Errorf("configs %+v", c.Configs)
	}
	if c.Configs[1].Target.Value != "/other" || c.Configs[1].HostPath != "/abs/other" {
		t.Errorf("short config %+v", c.Configs[1])
	}
	if v := c.Volumes[0]; v.HostPath != filepath.Join(dir, "site") || !v.ReadOnly || v.Target.Value != "/srv/" {
		t.Errorf("volume %+v", v)
	}
}

// TestExpandMatchesComposeGo checks our interpolation against compose-go's template
// package wherever the value is known.
func TestExpandMatchesComposeGo(t *testing.T) {
	vars := map[string]string{"SET": "v", "EMPTY": "", "PORT": "8000"}
	lookup := func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	for _, in := range []string{"$SET", "${SET}", "a${SET}b$SET.c", "${UNSET:-d}", "${UNSET-d}", "${EMPTY:-d}", "${EMPTY-d}",
		"${UNSET:-${PORT}}", "${UNSET:-${ALSO:-x}y}", "${SET:?err}", "${SET:+alt}", "${EMPTY:+alt}", "${EMPTY+alt}", "${UNSET:+alt}",
		"$$", "$${SET}", "$$SET $SET", "--bind 0.0.0.0:${PORT:-80}", "${EMPTY?e}"} {
		ours, unknown := Expand(in, vars)
		theirs, err := template.Substitute(in, lookup)
		if unknown || err != nil || ours != theirs {
			t.Errorf("%q: ours %q (unknown %v), compose-go %q (%v)", in, ours, unknown, theirs, err)
		}
	}
}

func TestDiagnostics(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"yaml", "services:\n  a: [\n", "invalid YAML"},
		{"not a mapping", "- a\n", "must be a mapping"},
		{"duplicate key", "services:\n  a: {image: x}\n  a: {image: y}\n", "already defined"},
		{"bad duration", "services:\n  a:\n    stop_grace_period: 30\n", "not a duration"},
		{"bad replicas", "services:\n  a:\n    deploy: {replicas: many}\n", "must be an integer"},
		{"cycle", "services:\n  a: {depends_on: [b]}\n  b: {depends_on: [a]}\n", "depends_on cycle"},
		{"bad healthcheck", "services:\n  a:\n    healthcheck: {test: [RUN, x]}\n", "CMD, CMD-SHELL or NONE"},
		{"alias bomb", bomb(), "more than"},
	} {
		p := Load([]parsers.Input{{Path: "compose.yaml", Abs: "/nonexistent/compose.yaml", Src: []byte(tc.src)}}, Options{NoDotEnv: true})
		found := false
		for _, d := range p.Diags {
			if !d.Pos.IsValid() {
				t.Errorf("%s: diag without position: %s", tc.name, d)
			}
			found = found || strings.Contains(d.Message, tc.want)
		}
		if !found {
			t.Errorf("%s: no diag containing %q in %v", tc.name, tc.want, p.Diags)
		}
	}
}

// bomb is a billion-laughs document.
func bomb() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestProjects(t *testing.T) {
	in := func(paths ...string) []parsers.Input {
		var out []parsers.Input
		for _, p := range paths {
			out = append(out, parsers.Input{Path: p, Abs: "/r/" + p})
		}
		return out
	}
	sets := Projects(in("a/docker-compose.yml", "a/docker-compose.override.yml", "a/docker-compose.prod.yml",
		"b/compose.yaml", "b/docker-compose.yml", "c/compose.dev.yaml", "d/docker-compose.yml", "d/docker-compose-prod.yml"))
	var got []string
	for _, s := range sets {
		var names []string
		for _, f := range s {
			names = append(names, f.Path)
		}
		got = append(got, strings.Join(names, "+"))
	}
	want := []string{"a/docker-compose.yml+a/docker-compose.override.yml", "a/docker-compose.yml+a/docker-compose.prod.yml",
		"b/compose.yaml", "b/compose.yaml+b/docker-compose.yml", "c/compose.dev.yaml",
		"d/docker-compose.yml", "d/docker-compose.yml+d/docker-compose-prod.yml"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Projects = %q, want %q", got, want)
	}
	for name, want := range map[string]bool{"compose.yaml": true, "docker-compose.prod.yml": true, "compose.override.yml": true, "nginx.yaml": false, "compose.json": false, "my-compose.yml": false,
		// The hyphen form of a variant name (jaantollander/programming-exercises'
		// docker-compose-prod.yml, passed with -f like docker-compose.prod.yml).
		"docker-compose-prod.yml": true, "compose-dev.yaml": true} {
		if IsComposeFile(name) != want {
			t.Errorf("IsComposeFile(%q) != %v", name, want)
		}
	}
}

func TestExtendsFileAndInclude(t *testing.T) {
	dir, files := writeProject(t, map[string]string{
		"compose.yaml": `include:
  - sub/included.yaml
services:
  proxy:
    extends:
      file: common/base.yaml
      service: nginx
    ports: ["80:80"]
`,
		"common/base.yaml": `services:
  nginx:
    image: nginx
    volumes:
      - ./nginx.conf:/etc/nginx/nginx.conf:ro
    stop_grace_period: 30s
`,
		"sub/included.yaml": `services:
  app:
    build: ./app
    volumes:
      - ./data:/data
`,
	}, "compose.yaml")
	p := loadBoth(t, dir, files)
	proxy, app := p.Service("proxy"), p.Service("app")
	if proxy == nil || app == nil {
		t.Fatalf("services %v", p.Services)
	}
	if proxy.Volumes[0].HostPath != filepath.Join(dir, "common/nginx.conf") {
		t.Errorf("extends volume %+v", proxy.Volumes[0])
	}
	at(t, proxy.StopGracePeriod.Pos, "base.yaml", 6)
	if app.Volumes[0].HostPath != filepath.Join(dir, "sub/data") || app.Build.ContextDir != filepath.Join(dir, "sub/app") {
		t.Errorf("include paths %+v %+v", app.Volumes[0], app.Build)
	}
}

// TestHostileSizes: huge mappings and KEY=VALUE lists load in linear time.
func TestHostileSizes(t *testing.T) {
	var b strings.Builder
	b.WriteString("services:\n  a:\n    environment:\n")
	for i := range 50000 {
		b.WriteString("      - K" + strconv.Itoa(i) + "=v\n")
	}
	b.WriteString("    labels:\n")
	for i := range 50000 {
		b.WriteString("      l" + strconv.Itoa(i) + ": v\n")
	}
	src := []byte(b.String())
	start := time.Now()
	in := parsers.Input{Path: "compose.yaml", Abs: "/nonexistent/compose.yaml", Src: src}
	p := Load([]parsers.Input{in, in}, Options{NoDotEnv: true})
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	if a := p.Service("a"); a == nil || len(a.Environment) != 50000 || len(a.Labels) != 50000 {
		t.Errorf("lost entries: %v", p.Diags)
	}
}

// TestIncludeDotEnv: an included file is interpolated with the including project's
// variables and, below them, the .env of its own directory (compose-go's ApplyInclude).
func TestIncludeDotEnv(t *testing.T) {
	dir, files := writeProject(t, map[string]string{
		".env": "SIG=SIGINT\n",
		"compose.yaml": `include:
  - sub/included.yaml
services:
  proxy:
    image: nginx
`,
		"sub/.env": "GRACE=45s\nSIG=SIGQUIT\n",
		"sub/included.yaml": `services:
  app:
    image: app
    stop_grace_period: ${GRACE:-10s}
    stop_signal: ${SIG:-SIGTERM}
`,
	}, "compose.yaml")
	p := loadBoth(t, dir, files)
	app := p.Service("app")
	if app == nil {
		t.Fatalf("services %v", p.Services)
	}
	if g := app.StopGracePeriod; !g.Known() || g.Value != 45*time.Second {
		t.Errorf("stop_grace_period %+v, want 45s from sub/.env", g)
	}
	if s := app.StopSignal; !s.Known() || s.Value != "SIGINT" {
		t.Errorf("stop_signal %+v, want SIGINT from the including project's .env", s)
	}
}
