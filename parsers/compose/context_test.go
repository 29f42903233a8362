package compose

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

func TestDockerfileEnv(t *testing.T) {
	src := []byte(`FROM python:3.12 AS build
env PIP_NO_CACHE_DIR 1
# ENV COMMENTED=1
ENV PYTHONUNBUFFERED=1 \
    GUNICORN_CMD_ARGS="--bind=0.0.0.0:8000 --keep-alive=75" \
    UVICORN_TIMEOUT_KEEP_ALIVE=75
RUN echo ENV NOT_AN_ENV=1
`)
	got := dockerfileEnv(src)
	want := []string{"PIP_NO_CACHE_DIR", "PYTHONUNBUFFERED", "GUNICORN_CMD_ARGS", "UVICORN_TIMEOUT_KEEP_ALIVE"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestBuiltImage(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("app/gunicorn.conf.py", "keepalive = 75\n")
	write("config/puma.rb", "persistent_timeout 75\n")
	write("node_modules/x/gunicorn.conf.py", "")
	write("docker/web.Dockerfile", "FROM ruby\nENV PUMA_PERSISTENT_TIMEOUT=75\n")
	write("src/main/resources/application-prod.properties", "spring.lifecycle.timeout-per-shutdown-phase=60s\n")
	write("src/main/resources/applicationContext.xml", "")
	b := &Build{ContextDir: dir, Dockerfile: parsers.Set("docker/web.Dockerfile", parsers.Pos{File: "compose.yaml", Line: 4, Col: 19}, "docker/web.Dockerfile")}
	img, _ := builtImage(b, parsers.Options{Roots: []string{dir}})
	if img == nil {
		t.Fatal("no image")
	}
	if img.NodeKeepAlive != "" {
		t.Errorf("node keep-alive %q in a context without Node", img.NodeKeepAlive)
	}
	if !reflect.DeepEqual(img.Files, []string{"app/gunicorn.conf.py", "config/puma.rb", "src/main/resources/application-prod.properties"}) {
		t.Errorf("files %q", img.Files)
	}
	if !img.Env["PUMA_PERSISTENT_TIMEOUT"] || img.Dockerfile != "docker/web.Dockerfile" {
		t.Errorf("env %v from %s", img.Env, img.Dockerfile)
	}
	// A context outside the paths being linted is not looked into.
	if img, _ := builtImage(b, parsers.Options{Roots: []string{filepath.Join(dir, "app")}}); img != nil {
		t.Errorf("looked outside the roots: %+v", img)
	}
}

func TestBuiltImageNodeKeepAlive(t *testing.T) {
	for _, tc := range []struct {
		files map[string]string
		want  string
	}{
		{map[string]string{"package.json": `{"dependencies": {"express": "^4"}}`, "src/server.js": "app.listen(3000)\n"}, ""},
		{map[string]string{"package.json": `{"dependencies": {"fastify": "^4"}}`}, "fastify in package.json"},
		{map[string]string{"package.json": `{"dependencies": {"express": "^4"}}`, "src/server.ts": "server.keepAliveTimeout = 65_000\n"}, "keepAliveTimeout in src/server.ts"},
		// next start takes --keepAliveTimeout from the start script.
		{map[string]string{"package.json": `{"scripts": {"start": "next start --keepAliveTimeout 65000"}, "dependencies": {"next": "^14"}}`}, "keepAliveTimeout in package.json"},
		// A dependency's own code is not the app's.
		{map[string]string{"node_modules/x/index.js": "s.keepAliveTimeout = 1\n"}, ""},
	} {
		dir := t.TempDir()
		for rel, text := range tc.files {
			p := filepath.Join(dir, rel)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		img, _ := builtImage(&Build{ContextDir: dir}, parsers.Options{Roots: []string{dir}})
		if img == nil || img.NodeKeepAlive != tc.want {
			t.Errorf("%v: got %+v, want %q", tc.files, img, tc.want)
		}
	}
}

func TestDockerfileFrom(t *testing.T) {
	for src, want := range map[string]string{
		"FROM node:22-alpine\nCMD [\"node\", \"server.js\"]\n":                                              "node:22-alpine",
		"FROM node:26 AS build\nRUN npm ci\nFROM gcr.io/distroless/nodejs22\nCOPY --from=build /app /app\n": "gcr.io/distroless/nodejs22",
		"FROM --platform=$BUILDPLATFORM node:24 AS deps\nFROM deps\n":                                       "",
		"ARG BASE=node:20\nFROM ${BASE}\n":                                                                  "",
	} {
		if got := dockerfileFrom([]byte(src)); got != want {
			t.Errorf("%q: got %q, want %q", src, got, want)
		}
	}
}

// The image's own command, for a service that writes neither command: nor entrypoint:.
func TestDockerfileCommand(t *testing.T) {
	for _, tc := range []struct {
		src             string
		entrypoint, cmd string // words joined by "|"; "" for nil
	}{
		{"FROM python:3.12\nCMD [\"gunicorn\", \"-k\", \"gthread\", \"app:app\"]\n", "", "gunicorn|-k|gthread|app:app"},
		{"FROM python:3.12\nCMD gunicorn -k gthread \\\n    app:app\n", "", "/bin/sh|-c|gunicorn -k gthread      app:app"},
		{"FROM python:3.12\nENTRYPOINT [\"/docker-entrypoint.sh\"]\nCMD [\"uvicorn\", \"main:app\"]\n", "/docker-entrypoint.sh", "uvicorn|main:app"},
		// An ENTRYPOINT after the CMD keeps it; one alone runs without arguments.
		{"FROM python:3.12\nENTRYPOINT [\"gunicorn\", \"app:app\"]\n", "gunicorn|app:app", ""},
		// Only the last stage is the image.
		{"FROM node:22 AS build\nCMD [\"node\", \"server.js\"]\nFROM nginx:1.27\nCOPY --from=build /app /usr/share/nginx/html\n", "", ""},
		// A SHELL instruction changes what runs the shell form; an escape directive how
		// lines continue.
		{"FROM python:3.12\nSHELL [\"/bin/bash\", \"-c\"]\nCMD gunicorn app:app\n", "", ""},
		{"# escape=`\nFROM python:3.12\nCMD gunicorn app:app\n", "", ""},
		{"FROM python:3.12\nRUN pip install gunicorn\n", "", ""},
		// A stage built FROM an earlier stage inherits its ENTRYPOINT and CMD; its own
		// ENTRYPOINT clears the inherited CMD, its own CMD keeps the inherited ENTRYPOINT.
		{"FROM python:3.12 AS base\nENTRYPOINT [\"/docker-entrypoint.sh\"]\nFROM base AS prod\nCMD [\"gunicorn\", \"app:app\"]\n", "/docker-entrypoint.sh", "gunicorn|app:app"},
		{"FROM python:3.12 AS Base\nCMD [\"gunicorn\", \"app:app\"]\nFROM --platform=linux/amd64 base\nRUN true\n", "", "gunicorn|app:app"},
		{"FROM python:3.12 AS base\nCMD [\"gunicorn\", \"app:app\"]\nFROM base\nENTRYPOINT [\"uvicorn\"]\n", "uvicorn", ""},
		{"FROM python:3.12 AS base\nSHELL [\"/bin/bash\", \"-c\"]\nFROM base\nCMD gunicorn app:app\n", "", ""},
		// Another image of the same name as no stage: nothing inherited.
		{"FROM python:3.12 AS base\nCMD [\"gunicorn\", \"app:app\"]\nFROM python:3.12\nRUN true\n", "", ""},
	} {
		ep, cmd, _ := dockerfileCommand([]byte(tc.src))
		if got := strings.Join(ep, "|"); got != tc.entrypoint {
			t.Errorf("%q: entrypoint %q, want %q", tc.src, got, tc.entrypoint)
		}
		if got := strings.Join(cmd, "|"); got != tc.cmd {
			t.Errorf("%q: cmd %q, want %q", tc.src, got, tc.cmd)
		}
	}
}

func TestDockerfileStopSignal(t *testing.T) {
	for src, want := range map[string]string{
		"FROM python:3.12\nSTOPSIGNAL SIGINT\nCMD [\"gunicorn\", \"app:app\"]\n":                     "SIGINT",
		"FROM nginx AS web\nSTOPSIGNAL SIGQUIT\nFROM python:3.12\nCMD [\"gunicorn\", \"app:app\"]\n": "",
		// Inherited from the stage the last one is built on.
		"FROM python:3.12 AS base\nSTOPSIGNAL SIGINT\nFROM base AS prod\nCMD [\"gunicorn\", \"app:app\"]\n": "SIGINT",
	} {
		if _, _, got := dockerfileCommand([]byte(src)); got != want {
			t.Errorf("%q: got %q, want %q", src, got, want)
		}
	}
}

// build.dockerfile_inline is the Dockerfile: the context's own file is not the one built.
func TestBuiltImageInlineDockerfile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM node:20\nENV GUNICORN_CMD_ARGS=x\nCMD [\"node\", \"server.js\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	img, _ := builtImage(&Build{ContextDir: dir, Inline: true}, parsers.Options{Roots: []string{dir}})
	if img == nil || img.Cmd != nil || img.From != "" || len(img.Env) > 0 {
		t.Errorf("read the context's Dockerfile: %+v", img)
	}
}

// TestDockerfileConfigCopies: the COPY and ADD lines that put a file of the context where
// a proxy or php-fpm reads its configuration, in the last stage or a stage it builds on.
func TestDockerfileConfigCopies(t *testing.T) {
	src := []byte(`FROM nginx:1.25 AS base
COPY --chown=nginx:nginx conf/site.conf /etc/nginx/conf.d/
FROM node:20 AS assets
COPY assets.conf /etc/nginx/conf.d/assets.conf
FROM base
ADD ["./nginx.conf", "/etc/nginx/nginx.conf"]
COPY --from=assets /etc/nginx/conf.d/assets.conf /etc/nginx/conf.d/
COPY *.conf /etc/nginx/conf.d/
COPY $CONF /etc/nginx/conf.d/
COPY www.conf /usr/local/etc/php-fpm.d/www.conf
COPY app.py /app/
COPY Caddyfile /etc/caddy/Caddyfile
`)
	var got []string
	for _, c := range dockerfileConfigCopies(src, nil, false) {
		got = append(got, c.Path+" -> "+c.Target)
	}
	want := []string{
		"conf/site.conf -> /etc/nginx/conf.d/",
		"nginx.conf -> /etc/nginx/nginx.conf",
		"www.conf -> /usr/local/etc/php-fpm.d/www.conf",
		"Caddyfile -> /etc/caddy/Caddyfile",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestDockerfileCopiesWorkdir: a relative COPY destination lands under the stage's
// WORKDIR when the file shows it (absolute, relative to an earlier one, inherited from a
// stage of the file, a build argument's value); under the base image's working directory,
// which no file shows, it is left out.
func TestDockerfileCopiesWorkdir(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      []string
	}{
		{"file", "FROM caddy:2\nWORKDIR /etc/caddy\nCOPY Caddyfile ./Caddyfile\n", []string{"Caddyfile -> /etc/caddy/Caddyfile"}},
		{"dot", "FROM caddy:2\nWORKDIR /etc/caddy\nCOPY Caddyfile .\n", []string{"Caddyfile -> /etc/caddy/"}},
		{"dir with slash", "FROM openresty/openresty:alpine\nWORKDIR /usr/local/openresty/nginx\nCOPY nginx.conf ./conf/\n", []string{"nginx.conf -> /usr/local/openresty/nginx/conf/"}},
		{"relative workdir", "FROM nginx:1.25\nWORKDIR /etc\nWORKDIR nginx\nCOPY default.conf conf.d/default.conf\n", []string{"default.conf -> /etc/nginx/conf.d/default.conf"}},
		{"inherited from a stage", "FROM nginx:1.25 AS base\nWORKDIR /etc/nginx\nFROM base\nCOPY nginx.conf nginx.conf\n", []string{"nginx.conf -> /etc/nginx/nginx.conf"}},
		{"build argument", "FROM caddy:2\nARG DIR=/etc/caddy\nWORKDIR $DIR\nCOPY Caddyfile Caddyfile\n", []string{"Caddyfile -> /etc/caddy/Caddyfile"}},
		{"outside the config dirs", "FROM caddy:2\nWORKDIR /srv\nCOPY Caddyfile ./Caddyfile\n", nil},
		{"base image's workdir", "FROM caddy:2\nCOPY Caddyfile ./Caddyfile\n", nil},
		{"relative to the base image's", "FROM nginx:1.25\nWORKDIR conf.d\nCOPY default.conf .\n", nil},
		{"another image's stage", "FROM nginx:1.25 AS base\nWORKDIR /etc/nginx\nFROM nginx:1.25\nCOPY nginx.conf nginx.conf\n", nil},
		{"ENV variable", "FROM nginx:1.25\nENV D=/etc/nginx\nWORKDIR $D\nCOPY nginx.conf nginx.conf\n", nil},
		{"unknown argument", "FROM nginx:1.25\nARG D\nWORKDIR $D\nCOPY nginx.conf nginx.conf\n", nil},
		{"absolute destination beside it", "FROM nginx:1.25\nWORKDIR /app\nCOPY nginx.conf /etc/nginx/nginx.conf\n", []string{"nginx.conf -> /etc/nginx/nginx.conf"}},
	} {
		var got []string
		for _, m := range dockerfileConfigCopies([]byte(c.src), nil, false) {
			got = append(got, m.Path+" -> "+m.Target)
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// TestLowercaseDockerfile: a context with dockerfile and no Dockerfile builds the
// lower-case one (buildx, BuildKit and the legacy builder fall back to it):
// 0bieel/docker-compose-fullstack's nginx/dockerfile copies its nginx.conf.
func TestLowercaseDockerfile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dockerfile"), []byte("FROM nginx:alpine\nCOPY nginx.conf /etc/nginx/conf.d/nginx.conf\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	img, _ := builtImage(&Build{ContextDir: dir}, parsers.Options{Roots: []string{dir}})
	if img == nil || img.Dockerfile != "dockerfile" || len(img.ConfigCopies) != 1 {
		t.Fatalf("image %+v", img)
	}
}

// TestDockerfileConfigCopiesArgs: a build argument in a COPY is replaced by the value the
// build gives it (build.args, else the ARG's default, else a global ARG's default a bare
// ARG in the stage takes over); a copy whose argument has no known value is left out.
func TestDockerfileConfigCopiesArgs(t *testing.T) {
	known := func(v string) parsers.Setting[string] { return parsers.Setting[string]{Value: v} }
	cases := []struct {
		name, src   string
		args        map[string]parsers.Setting[string]
		argsUnknown bool
		want        string // "source -> target", "" for no copy
	}{
		{name: "default", src: "FROM caddy:2\nARG CADDY_CONFIG=Caddyfile\nCOPY ${CADDY_CONFIG} /etc/caddy/Caddyfile\n",
			want: "Caddyfile -> /etc/caddy/Caddyfile"},
		{name: "build arg", src: "FROM caddy:2\nARG CADDY_CONFIG=Caddyfile\nCOPY ${CADDY_CONFIG} /etc/caddy/Caddyfile\n",
			args: map[string]parsers.Setting[string]{"CADDY_CONFIG": known("./infra/caddy/Caddyfile")},
			want: "infra/caddy/Caddyfile -> /etc/caddy/Caddyfile"},
		{name: "dollar form and quoted default", src: "FROM caddy:2\nARG ENV=\"prod\"\nCOPY caddy/Caddyfile.$ENV /etc/caddy/Caddyfile\n",
			want: "caddy/Caddyfile.prod -> /etc/caddy/Caddyfile"},
		{name: "destination", src: "FROM caddy:2\nARG DIR=/etc/caddy\nCOPY Caddyfile ${DIR}/\n",
			want: "Caddyfile -> /etc/caddy/"},
		{name: "global taken over", src: "ARG CONF=Caddyfile.prod\nFROM caddy:2\nARG CONF\nCOPY $CONF /etc/caddy/Caddyfile\n",
			want: "Caddyfile.prod -> /etc/caddy/Caddyfile"},
		{name: "global overridden", src: "ARG CONF=Caddyfile.prod\nFROM caddy:2\nARG CONF\nCOPY $CONF /etc/caddy/Caddyfile\n",
			args: map[string]parsers.Setting[string]{"CONF": known("Caddyfile.stage")},
			want: "Caddyfile.stage -> /etc/caddy/Caddyfile"},
		// Near misses: no known value.
		{name: "global out of scope", src: "ARG CONF=Caddyfile.prod\nFROM caddy:2\nCOPY $CONF /etc/caddy/Caddyfile\n"},
		{name: "no default, no build arg", src: "FROM caddy:2\nARG CONF\nCOPY $CONF /etc/caddy/Caddyfile\n"},
		{name: "build arg from the shell", src: "FROM caddy:2\nARG CONF=Caddyfile\nCOPY $CONF /etc/caddy/Caddyfile\n",
			args: map[string]parsers.Setting[string]{"CONF": {Unknown: true}}},
		{name: "build.args unreadable", src: "FROM caddy:2\nARG CONF=Caddyfile\nCOPY $CONF /etc/caddy/Caddyfile\n", argsUnknown: true},
		{name: "ENV takes over", src: "FROM caddy:2\nARG CONF=Caddyfile\nENV CONF=Caddyfile.dev\nCOPY $CONF /etc/caddy/Caddyfile\n"},
		{name: "default form", src: "FROM caddy:2\nARG CONF=Caddyfile\nCOPY ${CONF:-Caddyfile} /etc/caddy/Caddyfile\n"},
		{name: "default of a variable", src: "FROM caddy:2\nARG A=x\nARG CONF=${A}\nCOPY $CONF /etc/caddy/Caddyfile\n"},
		{name: "earlier stage's argument", src: "FROM caddy:2 AS base\nARG CONF=Caddyfile\nFROM base\nCOPY $CONF /etc/caddy/Caddyfile\n"},
		{name: "empty build arg", src: "FROM caddy:2\nARG CONF=Caddyfile\nCOPY ${CONF} /etc/caddy/Caddyfile\n",
			args: map[string]parsers.Setting[string]{"CONF": known("")}},
	}
	for _, c := range cases {
		var got []string
		for _, m := range dockerfileConfigCopies([]byte(c.src), c.args, c.argsUnknown) {
			got = append(got, m.Path+" -> "+m.Target)
		}
		if strings.Join(got, "\n") != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

// TestBuildArgs: build.args as a mapping or a list; an entry without a value is the
// deploying shell's.
func TestBuildArgs(t *testing.T) {
	src := "services:\n  a:\n    build:\n      context: .\n      args:\n        - X=1\n        - Y\n  b:\n    build:\n      context: .\n      args:\n        X: two\n        Y:\n"
	p := Load([]parsers.Input{{Path: "compose.yaml", Abs: "/nonexistent/compose.yaml", Src: []byte(src)}}, Options{NoDotEnv: true})
	for name, want := range map[string]string{"a": "1", "b": "two"} {
		b := p.Service(name).Build
		if b == nil || b.Args["X"].Value != want || b.Args["X"].Unknown || !b.Args["Y"].Unknown {
			t.Errorf("%s: build %+v", name, b)
		}
	}
}
