package appserver

import (
	"testing"
	"time"

	"github.com/no502/no502/parsers"
)

func TestDetect(t *testing.T) {
	env := func(kv ...string) map[string]parsers.Setting[string] {
		m := map[string]parsers.Setting[string]{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = parsers.Set(kv[i+1], parsers.Pos{File: "d.yaml", Line: 9, Col: 1}, kv[i]+"="+kv[i+1])
		}
		return m
	}
	tests := []struct {
		name      string
		c         parsers.Container
		server    string
		keepAlive string // "-" unknown, "closes", or a duration; "" not set
		request   string
		graceful  string
	}{
		{"gunicorn sync default", parsers.Container{Command: []string{"gunicorn", "app:app"}}, Gunicorn, "closes", "30s", "30s"},
		{"gunicorn gthread", parsers.Container{Command: []string{"gunicorn", "-k", "gthread", "--keep-alive", "5", "app"}}, Gunicorn, "5s", "", "30s"},
		{"gunicorn threads make gthread", parsers.Container{Command: []string{"gunicorn", "--threads=4", "app"}}, Gunicorn, "2s", "", "30s"},
		{"gunicorn env args", parsers.Container{Command: []string{"gunicorn", "app"}, Env: env("GUNICORN_CMD_ARGS", "--worker-class gevent --keep-alive 75 --graceful-timeout 20")}, Gunicorn, "75s", "", "20s"},
		{"gunicorn command beats env", parsers.Container{Command: []string{"gunicorn", "--keep-alive", "10", "-k", "gevent", "app"}, Env: env("GUNICORN_CMD_ARGS", "--keep-alive 75")}, Gunicorn, "10s", "", "30s"},
		{"gunicorn config file", parsers.Container{Command: []string{"gunicorn", "-c", "conf.py", "app"}}, Gunicorn, "-", "", "-"},
		// Worker classes whose idle keep-alive is not gunicorn's --keep-alive: tornado's
		// server keeps idle connections for its own idle_connection_timeout (1h; measured
		// open after 70s behind gunicorn 20.1 -k tornado), gevent's pywsgi server for its
		// own; a third-party class may do anything.
		{"gunicorn tornado worker", parsers.Container{Command: []string{"gunicorn", "-k", "tornado", "app"}}, Gunicorn, "-", "", "30s"},
		{"gunicorn gevent pywsgi worker", parsers.Container{Command: []string{"gunicorn", "-k", "gevent_pywsgi", "app"}}, Gunicorn, "-", "", "30s"},
		{"gunicorn third-party worker", parsers.Container{Command: []string{"gunicorn", "-k", "egg:meinheld#gunicorn_worker", "app"}}, Gunicorn, "-", "", "30s"},
		{"gunicorn uvicorn worker", parsers.Container{Command: []string{"gunicorn", "-k", "uvicorn.workers.UvicornWorker", "app"}}, Gunicorn, "2s", "", "30s"},
		{"gunicorn uvicorn-worker package", parsers.Container{Command: []string{"gunicorn", "-k", "uvicorn_worker.UvicornWorker", "app"}}, Gunicorn, "2s", "", "30s"},
		{"gunicorn aiohttp worker", parsers.Container{Command: []string{"gunicorn", "--worker-class", "aiohttp.GunicornWebWorker", "--keep-alive", "9", "app"}}, Gunicorn, "9s", "", "30s"},
		{"gunicorn eventlet", parsers.Container{Command: []string{"gunicorn", "-k", "eventlet", "app"}}, Gunicorn, "2s", "", "30s"},
		{"gunicorn gthread by class path", parsers.Container{Command: []string{"gunicorn", "-k", "gunicorn.workers.gthread.ThreadWorker", "app"}}, Gunicorn, "2s", "", "30s"},
		{"gunicorn sync by class path", parsers.Container{Command: []string{"gunicorn", "-k", "gunicorn.workers.sync.SyncWorker", "app"}}, Gunicorn, "closes", "30s", "30s"},
		{"gunicorn sync with a config file that may set threads", parsers.Container{Command: []string{"gunicorn", "-c", "conf.py", "-k", "sync", "--timeout", "120", "app"}}, Gunicorn, "-", "", "-"},
		{"gunicorn timeout", parsers.Container{Command: []string{"python", "-m", "gunicorn", "--timeout", "120", "app"}}, Gunicorn, "closes", "120s", "30s"},
		{"uwsgi harakiri", parsers.Container{Command: []string{"uwsgi", "--http-socket", ":8000", "--harakiri", "60", "--module", "app.wsgi"}}, UWSGI, "", "60s", ""},
		{"uwsgi -t", parsers.Container{Command: []string{"/usr/local/bin/uwsgi", "-t", "45", "--http", ":8000"}}, UWSGI, "", "45s", ""},
		{"uwsgi harakiri=", parsers.Container{Command: []string{"uwsgi", "--harakiri=30"}}, UWSGI, "", "30s", ""},
		{"uwsgi env", parsers.Container{Command: []string{"uwsgi", "--http", ":8000"}, Env: env("UWSGI_HARAKIRI", "90")}, UWSGI, "", "90s", ""},
		{"uwsgi flag beats env", parsers.Container{Command: []string{"uwsgi", "--harakiri", "20"}, Env: env("UWSGI_HARAKIRI", "90")}, UWSGI, "", "20s", ""},
		{"uwsgi off by default", parsers.Container{Command: []string{"uwsgi", "--http", ":8000"}}, UWSGI, "", "", ""},
		{"uwsgi harakiri 0", parsers.Container{Command: []string{"uwsgi", "--harakiri", "0"}}, UWSGI, "", "", ""},
		{"uwsgi ini may set it", parsers.Container{Command: []string{"uwsgi", "--ini", "/etc/uwsgi/app.ini"}}, UWSGI, "", "-", ""},
		{"uwsgi bare config file", parsers.Container{Command: []string{"uwsgi", "uwsgi.yaml"}}, UWSGI, "", "-", ""},
		{"uwsgi flag beats ini", parsers.Container{Command: []string{"uwsgi", "--ini", "app.ini", "--harakiri", "50"}}, UWSGI, "", "50s", ""},
		// uWSGI reads a config file where it is named: one after the flag (or after
		// UWSGI_HARAKIRI, read first) sets harakiri over it (measured: uWSGI 2.0.21,
		// --harakiri 20 --ini h.ini with harakiri = 3 killed an 8s request at 3.8s).
		{"uwsgi ini after the flag", parsers.Container{Command: []string{"uwsgi", "--harakiri", "50", "--ini", "app.ini"}}, UWSGI, "", "-", ""},
		{"uwsgi bare config file after the flag", parsers.Container{Command: []string{"uwsgi", "-t", "50", "uwsgi.yaml"}}, UWSGI, "", "-", ""},
		{"uwsgi env and variable args", parsers.Container{Command: []string{"uwsgi", "--http", ":8000", "$UWSGI_ARGS"}, Env: env("UWSGI_HARAKIRI", "90")}, UWSGI, "", "-", ""},
		{"uwsgi env and ini", parsers.Container{Command: []string{"uwsgi", "--ini=app.ini"}, Env: env("UWSGI_HARAKIRI", "90")}, UWSGI, "", "-", ""},
		{"uvicorn", parsers.Container{Command: []string{"uvicorn", "main:app", "--timeout-keep-alive=75"}}, Uvicorn, "75s", "", ""},
		{"uvicorn default", parsers.Container{Args: []string{"uvicorn", "main:app"}}, Uvicorn, "5s", "", ""},
		{"shell wrapper", parsers.Container{Command: []string{"/bin/sh", "-c", "exec uvicorn main:app --timeout-keep-alive 30 --timeout-graceful-shutdown 20"}}, Uvicorn, "30s", "", "20s"},
		{"hypercorn", parsers.Container{Command: []string{"hypercorn", "--keep-alive", "90", "app:app"}}, Hypercorn, "90s", "", ""},
		{"puma env", parsers.Container{Command: []string{"bundle", "exec", "puma"}, Env: env("PUMA_PERSISTENT_TIMEOUT", "75")}, Puma, "75s", "", ""},
		{"puma default", parsers.Container{Command: []string{"bundle", "exec", "puma", "-w", "2"}}, Puma, "65s", "", "30s"},
		{"node", parsers.Container{Command: []string{"node", "server.js"}}, Node, "5s", "", ""},
		{"npm start", parsers.Container{Command: []string{"npm", "start"}}, Node, "5s", "", ""},
		{"node version is not a server", parsers.Container{Command: []string{"node", "--version"}}, "", "", "", ""},
		{"spring graceful", parsers.Container{Command: []string{"java", "-jar", "app.jar"}, Env: env("SERVER_SHUTDOWN", "graceful", "SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE", "45s")}, Spring, "", "", "45s"},
		{"spring version-dependent", parsers.Container{Command: []string{"java", "-jar", "app.jar"}, Env: env("SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE", "20s")}, Spring, "", "", "-"},
		// Spring binds the canonical variable (dashes removed) as well as the legacy one.
		{"spring graceful canonical variable", parsers.Container{Command: []string{"java", "-jar", "app.jar"}, Env: env("SERVER_SHUTDOWN", "graceful", "SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE", "60s")}, Spring, "", "", "60s"},
		{"spring keep-alive canonical variable", parsers.Container{Command: []string{"java", "-jar", "app.jar"}, Env: env("SERVER_TOMCAT_KEEPALIVETIMEOUT", "75s")}, Spring, "75s", "", "-"},
		{"spring config in the build context", parsers.Container{Command: []string{"java", "-jar", "app.jar"}, Env: env("SERVER_SHUTDOWN", "graceful"), Built: &parsers.BuiltImage{Files: []string{"src/main/resources/application.yml"}}}, Spring, "", "", "-"},
		{"nginx image", parsers.Container{Image: "nginx:1.27-alpine"}, Nginx, "", "", ""},
		{"caddy run", parsers.Container{Command: []string{"caddy", "run", "--config", "/etc/caddy/Caddyfile"}}, Caddy, "", "", ""},
		{"php-fpm image", parsers.Container{Image: "php:8.3-fpm-alpine"}, PHPFPM, "", "", ""},
		{"bitnami php-fpm", parsers.Container{Image: "docker.io/bitnami/php-fpm:8.2"}, PHPFPM, "", "", ""},
		{"php cli image is not php-fpm", parsers.Container{Image: "php:8.3-cli"}, "", "", "", ""},
		{"built FROM the php-fpm image, no command of its own", parsers.Container{Built: &parsers.BuiltImage{From: "php:8.3-fpm", InheritsCommand: true, Dockerfile: "Dockerfile"}}, PHPFPM, "", "", ""},
		{"built FROM the php-fpm image with a CMD", parsers.Container{Args: []string{"supervisord"}, Built: &parsers.BuiltImage{From: "php:8.3-fpm", Dockerfile: "Dockerfile"}}, "", "", "", ""},
		{"built FROM the php cli image", parsers.Container{Built: &parsers.BuiltImage{From: "php:8.3-cli", InheritsCommand: true, Dockerfile: "Dockerfile"}}, "", "", "", ""},
		{"wordpress fpm image", parsers.Container{Image: "wordpress:fpm-alpine"}, PHPFPM, "", "-", ""},
		{"nextcloud fpm image", parsers.Container{Image: "nextcloud:29-fpm"}, PHPFPM, "", "-", ""},
		{"wordpress apache image is not php-fpm", parsers.Container{Image: "wordpress:6.5-apache"}, "", "", "", ""},
		{"wordpress cli image is not php-fpm", parsers.Container{Image: "wordpress:cli"}, "", "", "", ""},
		{"wordpress fpm image with flags runs them", parsers.Container{Image: "wordpress:fpm", Args: []string{"-R"}}, "", "", "", ""},
		{"php-fpm image running a script", parsers.Container{Image: "php:8.3-fpm", Args: []string{"/usr/local/bin/start.sh"}}, "", "", "", ""},
		{"php-fpm image running supervisord", parsers.Container{Image: "php:8.3-fpm", Args: []string{"supervisord", "-n"}}, "", "", "", ""},
		{"php-fpm image with php-fpm flags", parsers.Container{Image: "php:8.3-fpm", Args: []string{"-R"}}, PHPFPM, "", "", ""},
		{"php-fpm image with its own config file", parsers.Container{Image: "php:8.3-fpm", Args: []string{"-y", "/app/fpm.conf"}}, PHPFPM, "", "-", ""},
		{"nginx image running a shell", parsers.Container{Image: "nginx:1.27", Args: []string{"sh", "-c", "sleep infinity"}}, "", "", "", ""},
		{"php-fpm command", parsers.Container{Image: "php:8.3", Command: []string{"php-fpm", "-F"}}, PHPFPM, "", "", ""},
		{"php-fpm own config file", parsers.Container{Command: []string{"php-fpm", "-F", "-y", "/app/fpm.conf"}}, PHPFPM, "", "-", ""},
		{"php-fpm versioned", parsers.Container{Command: []string{"/usr/sbin/php-fpm8.2", "--nodaemonize"}}, PHPFPM, "", "", ""},
		{"go binary", parsers.Container{Command: []string{"/app/server"}}, "", "", "", ""},
		{"variable", parsers.Container{Command: []string{"uvicorn", "app", "--timeout-keep-alive", "$(KA)"}}, Uvicorn, "-", "", ""},
		// A word the shell, Compose or the kubelet expands may hold any flags (a later one
		// wins): what the command line does not give after it is unknown. A variable that
		// is a flag's value is only that value.
		{"gunicorn variable args", parsers.Container{Command: []string{"gunicorn", "-k", "gthread", "app:app", "${EXTRA}"}}, Gunicorn, "-", "", "-"},
		{"gunicorn shell args", parsers.Container{Command: []string{"sh", "-c", `exec gunicorn -k gthread app:app "$@"`, "--"}}, Gunicorn, "-", "", "-"},
		{"gunicorn k8s variable args", parsers.Container{Command: []string{"gunicorn", "app:app", "$(GUNICORN_OPTS)"}}, Gunicorn, "-", "", "-"},
		{"gunicorn flags after the variable", parsers.Container{Command: []string{"gunicorn", "$OPTS", "-k", "gthread", "--keep-alive", "5", "--graceful-timeout", "20", "app"}}, Gunicorn, "5s", "", "20s"},
		{"gunicorn variable port", parsers.Container{Command: []string{"sh", "-c", "gunicorn -k gthread -b 0.0.0.0:$PORT --workers $WORKERS app:app && echo $DONE"}}, Gunicorn, "2s", "", "30s"},
		{"gunicorn args set by the script", parsers.Container{Command: []string{"sh", "-c", "export GUNICORN_CMD_ARGS='--keep-alive 75'; exec gunicorn -k gthread app:app"}}, Gunicorn, "-", "", "-"},
		// A script that chooses its server by the environment (if ...; then ...; else ...;
		// fi): known only when every branch's server reads the same.
		{"branches start different servers", parsers.Container{Command: []string{"sh", "-c", "if [ \"$DEBUG\" = 1 ]; then\n  uvicorn main:app --reload\nelse\n  gunicorn main:app -k uvicorn.workers.UvicornWorker --keep-alive 75\nfi\n"}}, "", "", "", ""},
		{"branches differ in keep-alive", parsers.Container{Command: []string{"sh", "-c", "if [ -n \"$DEV\" ]; then exec uvicorn main:app --reload; else exec uvicorn main:app --timeout-keep-alive 75; fi"}}, "", "", "", ""},
		{"branches alike", parsers.Container{Command: []string{"/bin/sh", "-c", "if [ \"$RELOAD\" = \"true\" ]; then python -m uvicorn m:app --port $P --reload; else python -m uvicorn m:app --port $P; fi"}}, Uvicorn, "5s", "", ""},
		{"fallback server", parsers.Container{Command: []string{"sh", "-c", "gunicorn -k gthread app:app || uvicorn app:app"}}, "", "", "", ""},
		{"condition before the only server", parsers.Container{Command: []string{"sh", "-c", "if [ \"$MIGRATE\" = 1 ]; then python manage.py migrate; fi; exec uvicorn main:app --timeout-keep-alive 30"}}, Uvicorn, "30s", "", ""},
		{"flag value ending the command", parsers.Container{Command: []string{"sh", "-c", "uvicorn main:app --timeout-keep-alive 75; echo stopped"}}, Uvicorn, "75s", "", ""},
		{"uvicorn option set by the script", parsers.Container{Command: []string{"/bin/bash", "-c", "UVICORN_TIMEOUT_KEEP_ALIVE=75 uvicorn main:app"}}, Uvicorn, "-", "", "-"},
		{"uvicorn variable args", parsers.Container{Command: []string{"uvicorn", "main:app", "$UVICORN_ARGS"}}, Uvicorn, "-", "", "-"},
		{"uvicorn variable port", parsers.Container{Command: []string{"uvicorn", "main:app", "--port", "${PORT}"}}, Uvicorn, "5s", "", ""},
		{"puma variable args", parsers.Container{Command: []string{"bundle", "exec", "puma", "-w", "2", "$PUMA_ARGS"}}, Puma, "-", "", "-"},
		{"puma config file", parsers.Container{Command: []string{"bundle", "exec", "puma", "-C", "config/puma.rb", "-w", "2"}, Env: env("PUMA_PERSISTENT_TIMEOUT", "20")}, Puma, "-", "", "-"},
		{"uwsgi variable args", parsers.Container{Command: []string{"uwsgi", "--http", ":8000", "$UWSGI_ARGS"}}, UWSGI, "", "-", ""},
		{"php-fpm variable args", parsers.Container{Command: []string{"php-fpm", "-F", "$FPM_ARGS"}}, PHPFPM, "", "-", ""},
		// A Compose service built from a local context: gunicorn reads ./gunicorn.conf.py
		// and Puma config/puma.rb when the command line names no config file, and the
		// Dockerfile's ENV may set the variables the servers read.
		{"gunicorn conf in the build context", parsers.Container{Command: []string{"gunicorn", "-k", "gthread", "app"}, Built: &parsers.BuiltImage{Files: []string{"gunicorn.conf.py"}}}, Gunicorn, "-", "", "-"},
		{"gunicorn conf in the build context, flags given", parsers.Container{Command: []string{"gunicorn", "-k", "gthread", "--keep-alive", "5", "app"}, Built: &parsers.BuiltImage{Files: []string{"src/gunicorn.conf.py"}}}, Gunicorn, "5s", "", "-"},
		{"gunicorn build context without conf", parsers.Container{Command: []string{"gunicorn", "-k", "gthread", "app"}, Built: &parsers.BuiltImage{Files: []string{}}}, Gunicorn, "2s", "", "30s"},
		{"gunicorn args in the Dockerfile's ENV", parsers.Container{Command: []string{"gunicorn", "-k", "gthread", "app"}, Built: &parsers.BuiltImage{Dockerfile: "Dockerfile", Env: map[string]bool{"GUNICORN_CMD_ARGS": true}}}, Gunicorn, "-", "", "-"},
		{"puma config in the build context", parsers.Container{Command: []string{"bundle", "exec", "puma", "-w", "2"}, Built: &parsers.BuiltImage{Files: []string{"config/puma.rb"}}}, Puma, "-", "", "-"},
		{"uvicorn env in the Dockerfile's ENV", parsers.Container{Command: []string{"uvicorn", "app"}, Built: &parsers.BuiltImage{Dockerfile: "Dockerfile", Env: map[string]bool{"UVICORN_TIMEOUT_KEEP_ALIVE": true}}}, Uvicorn, "-", "", ""},
		{"node app that sets its keep-alive", parsers.Container{Command: []string{"node", "dist/main.js"}, Built: &parsers.BuiltImage{NodeKeepAlive: "fastify in package.json"}}, Node, "-", "", ""},
		// Node 26 raised keepAliveTimeout to 65s: an image of Node 26 or later, or one
		// whose tag moves, has an unknown keep-alive. Node 24 and 25 close an idle
		// connection 1s after keepAliveTimeout's 5s; Node 18, and 20 and 22 up to some
		// minor release, at 5s (measured: 18.20.4, 20.16.0 and 22.0.0 at 5.0s; 20.19.0,
		// 22.10.0 and 24.0.0 at 6.0s): a major tag tells no minor, so 5s, the earlier.
		{"node 22 image", parsers.Container{Image: "node:22-alpine", Command: []string{"node", "server.js"}}, Node, "5s", "", ""},
		{"node iron image", parsers.Container{Image: "docker.io/library/node:iron-slim", Command: []string{"node", "server.js"}}, Node, "5s", "", ""},
		{"node 24 image", parsers.Container{Image: "node:24-alpine", Command: []string{"node", "server.js"}}, Node, "6s", "", ""},
		{"node krypton image", parsers.Container{Image: "node:krypton", Command: []string{"node", "server.js"}}, Node, "6s", "", ""},
		{"node 18 image", parsers.Container{Image: "node:18", Command: []string{"node", "server.js"}}, Node, "5s", "", ""},
		{"node 26 image", parsers.Container{Image: "node:26-alpine", Command: []string{"node", "server.js"}}, Node, "-", "", ""},
		{"node latest image", parsers.Container{Image: "node", Command: []string{"npm", "start"}}, Node, "-", "", ""},
		{"node lts image", parsers.Container{Image: "node:lts-alpine", Command: []string{"node", "server.js"}}, Node, "-", "", ""},
		{"distroless node 26", parsers.Container{Image: "gcr.io/distroless/nodejs26-debian12", Command: []string{"node", "server.js"}}, Node, "-", "", ""},
		{"built from node 26", parsers.Container{Command: []string{"node", "server.js"}, Built: &parsers.BuiltImage{From: "node:26-slim"}}, Node, "-", "", ""},
		{"built from node 20", parsers.Container{Command: []string{"node", "server.js"}, Built: &parsers.BuiltImage{From: "node:20-slim"}}, Node, "5s", "", ""},
		// uvicorn reads UVICORN_ variables (click auto_envvar_prefix), below its flags.
		{"uvicorn env", parsers.Container{Command: []string{"uvicorn", "app"}, Env: env("UVICORN_TIMEOUT_KEEP_ALIVE", "75", "UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN", "20")}, Uvicorn, "75s", "", "20s"},
		{"uvicorn flag over env", parsers.Container{Command: []string{"uvicorn", "app", "--timeout-keep-alive", "30"}, Env: env("UVICORN_TIMEOUT_KEEP_ALIVE", "75")}, Uvicorn, "30s", "", ""},
		// An envFrom source no502 cannot read (a Secret) may set any variable.
		{"gunicorn envFrom secret", parsers.Container{Command: []string{"gunicorn", "--threads", "4", "app"}, EnvUnknownFrom: parsers.Pos{File: "d.yaml", Line: 7, Col: 13}}, Gunicorn, "-", "", "-"},
		{"gunicorn envFrom secret, flags given", parsers.Container{Command: []string{"gunicorn", "-k", "gthread", "--keep-alive", "5", "app"}, EnvUnknownFrom: parsers.Pos{File: "d.yaml", Line: 7, Col: 13}}, Gunicorn, "5s", "", "-"},
		{"uvicorn envFrom secret", parsers.Container{Command: []string{"uvicorn", "app"}, EnvUnknownFrom: parsers.Pos{File: "d.yaml", Line: 7, Col: 13}}, Uvicorn, "-", "", "-"},
		{"puma envFrom secret", parsers.Container{Command: []string{"puma"}, EnvUnknownFrom: parsers.Pos{File: "d.yaml", Line: 7, Col: 13}}, Puma, "-", "", ""},
		// A server's name as another command's argument (echo, pip install) or a run that
		// only checks its config is not the server that serves: the one that runs later
		// in the script is (review round 4: a wrong grace-period finding from defaults).
		{"server named by echo first", parsers.Container{Command: []string{"sh", "-c", `echo "starting gunicorn" && exec gunicorn --graceful-timeout 5 -k gthread --keep-alive 75 app`}}, Gunicorn, "75s", "", "5s"},
		{"server installed first", parsers.Container{Command: []string{"sh", "-c", "pip install gunicorn gevent && exec gunicorn --graceful-timeout 5 -k gevent app"}}, Gunicorn, "2s", "", "5s"},
		{"server config checked first", parsers.Container{Command: []string{"sh", "-c", "gunicorn --check-config app && exec gunicorn --graceful-timeout 5 -k gthread app"}}, Gunicorn, "2s", "", "5s"},
		{"uvicorn version printed first", parsers.Container{Command: []string{"bash", "-c", "uvicorn --version; exec uvicorn main:app --timeout-keep-alive 75"}}, Uvicorn, "75s", "", ""},
		{"launcher option that looks like a command", parsers.Container{Command: []string{"doppler", "run", "--project", "test", "--", "gunicorn", "-k", "gthread", "app"}}, Gunicorn, "2s", "", "30s"},
		{"only installed, never run", parsers.Container{Command: []string{"sh", "-c", "pip install gunicorn && python app.py"}}, "", "", "", ""},
		// argparse, getopt and OptionParser take a short option's value glued to it
		// (measured: gunicorn 20.1 -kgthread -t120 ran the gthread worker with timeout 120).
		{"gunicorn glued short options", parsers.Container{Command: []string{"gunicorn", "-kgevent", "-t120", "app"}}, Gunicorn, "2s", "", "30s"},
		{"gunicorn glued timeout, sync", parsers.Container{Command: []string{"gunicorn", "-w4", "-t120", "app"}}, Gunicorn, "closes", "120s", "30s"},
		{"gunicorn glued config file", parsers.Container{Command: []string{"gunicorn", "-cgunicorn.conf.py", "app"}}, Gunicorn, "-", "", "-"},
		{"uwsgi glued harakiri", parsers.Container{Command: []string{"uwsgi", "--http", ":8000", "-t45"}}, UWSGI, "", "45s", ""},
		// Next.js's standalone server.js takes keepAliveTimeout from KEEP_ALIVE_TIMEOUT, and
		// next start from --keepAliveTimeout, which npm start passes on.
		{"node with KEEP_ALIVE_TIMEOUT", parsers.Container{Command: []string{"node", "server.js"}, Env: env("KEEP_ALIVE_TIMEOUT", "65000")}, Node, "-", "", ""},
		{"npm start with keepAliveTimeout", parsers.Container{Command: []string{"npm", "start", "--", "--keepAliveTimeout", "65000"}}, Node, "-", "", ""},
		// A script's lines are commands of their own: flags on a later line are not the
		// server's, and an echo on an earlier one does not hide it.
		{"script lines", parsers.Container{Command: []string{"sh", "-c", "echo starting gunicorn\nexec gunicorn -k gthread --keep-alive 75 \\\n  --graceful-timeout 5 app\n"}}, Gunicorn, "75s", "", "5s"},
		{"script line after the server", parsers.Container{Command: []string{"sh", "-c", "gunicorn -k gthread app\ncleanup --timeout 300 --keep-alive 90\n"}}, Gunicorn, "2s", "", "30s"},
		{"shell options before -c", parsers.Container{Command: []string{"/bin/bash", "-e", "-o", "pipefail", "-c", "exec uvicorn main:app --timeout-keep-alive 30"}}, Uvicorn, "30s", "", ""},
		{"shell options with -c", parsers.Container{Command: []string{"sh", "-ec"}, Args: []string{"exec uvicorn main:app --timeout-keep-alive 30"}}, Uvicorn, "30s", "", ""},
		{"gunicorn env valueFrom", parsers.Container{Command: []string{"gunicorn", "--threads", "4", "app"}, Env: map[string]parsers.Setting[string]{"GUNICORN_CMD_ARGS": {Pos: parsers.Pos{File: "d.yaml", Line: 7, Col: 13}, Text: "GUNICORN_CMD_ARGS (valueFrom)", Unknown: true}}}, Gunicorn, "-", "", "-"},
	}
	show := func(s parsers.Duration, closes bool) string {
		switch {
		case closes:
			return "closes"
		case s.Unknown:
			return "-"
		case !s.Known():
			return ""
		}
		return parsers.Seconds(s.Value)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.Pos = parsers.Pos{File: "d.yaml", Line: 5, Col: 11}
			a := Detect(&tc.c)
			if tc.server == "" {
				if a != nil {
					t.Fatalf("detected %s, want nothing", a.Name)
				}
				return
			}
			if a == nil || a.Name != tc.server {
				t.Fatalf("got %+v, want %s", a, tc.server)
			}
			if got := show(a.KeepAlive, a.Closes); got != tc.keepAlive {
				t.Errorf("keep-alive %q, want %q", got, tc.keepAlive)
			}
			if got := show(a.RequestTimeout, false); got != tc.request {
				t.Errorf("request timeout %q, want %q", got, tc.request)
			}
			if got := show(a.GracefulTimeout, false); got != tc.graceful {
				t.Errorf("graceful %q, want %q", got, tc.graceful)
			}
		})
	}
}

func TestDetectPositions(t *testing.T) {
	pos := func(col int) parsers.Pos { return parsers.Pos{File: "d.yaml", Line: 20, Col: int32(col)} }
	c := &parsers.Container{
		Command: []string{"gunicorn", "-k", "gthread", "--keep-alive", "5"},
		ArgPos:  []parsers.Pos{pos(21), pos(33), pos(39), pos(50), pos(66)},
	}
	a := Detect(c)
	if a.Pos.Col != 21 || a.KeepAlive.Pos.Col != 50 || a.KeepAlive.Text != "--keep-alive 5" || a.KeepAlive.Value != 5*time.Second {
		t.Fatalf("got %+v", a)
	}
}

// uWSGI speaks its own protocol unless an HTTP socket is asked for: no rule may call its
// port HTTP then (an HTTP readiness probe would fail on it).
func TestUWSGIProtocol(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		notHTTP bool
	}{
		{[]string{"uwsgi", "--socket", ":3031", "--harakiri", "30"}, true},
		{[]string{"uwsgi", "--ini", "app.ini"}, true},
		{[]string{"uwsgi", "--http", ":8000"}, false},
		{[]string{"uwsgi", "--http-socket=:8000"}, false},
	} {
		a := Detect(&parsers.Container{Command: tc.args})
		if a == nil || a.Name != UWSGI || a.NotHTTP != tc.notHTTP {
			t.Errorf("%v: got %+v, want uwsgi with NotHTTP %v", tc.args, a, tc.notHTTP)
		}
	}
}

// TestDetectScriptLinePositions: in a script whose position spans its lines (a literal
// block scalar), a flag is placed on its own line and column.
func TestDetectScriptLinePositions(t *testing.T) {
	c := &parsers.Container{
		Command: []string{"/bin/sh", "-c"},
		Args:    []string{"python manage.py migrate\n\nexec gunicorn --bind 0.0.0.0:8000 --timeout 120 app.wsgi\n"},
		ArgPos: []parsers.Pos{
			{File: "d.yaml", Line: 13, Col: 20, Offset: 300, EndLine: 13, EndCol: 29, EndOffset: 309},
			{File: "d.yaml", Line: 13, Col: 31, Offset: 311, EndLine: 13, EndCol: 35, EndOffset: 315},
			{File: "d.yaml", Line: 16, Col: 15, Offset: 350, EndLine: 18},
		},
	}
	a := Detect(c)
	if a == nil {
		t.Fatal("no app server")
	}
	if p := a.RequestTimeout.Pos; p.Line != 18 || p.Col != 49 || p.EndOffset != 0 {
		t.Errorf("--timeout at %+v, want line 18 column 49 (no end offset: not an edit target)", p)
	}
}

// TestListenPorts: the TCP ports a server's own flags name; nil where no flag says or a
// value is not known, empty where it binds only unix sockets.
func TestListenPorts(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"gunicorn", "--bind", "0.0.0.0:5000", "app:app"}, []string{"5000"}},
		{[]string{"gunicorn", "--bind=:8001", "-b", "[::]:8002", "app:app"}, []string{"8001", "8002"}},
		{[]string{"gunicorn", "-b0.0.0.0:9000", "app:app"}, []string{"9000"}},
		{[]string{"gunicorn", "-b", "0.0.0.0", "app:app"}, []string{"8000"}},
		{[]string{"gunicorn", "--bind", "unix:/run/app.sock", "app:app"}, []string{}},
		{[]string{"gunicorn", "--bind", "0.0.0.0:$PORT", "app:app"}, nil},
		{[]string{"gunicorn", "--bind", "fd://3", "app:app"}, nil},
		{[]string{"gunicorn", "app:app"}, nil},
		{[]string{"sh", "-c", "gunicorn $EXTRA --bind 0.0.0.0:5000 app:app"}, nil},
		{[]string{"uvicorn", "main:app", "--port", "8001"}, []string{"8001"}},
		{[]string{"uvicorn", "main:app", "--port=8001", "--port", "8002"}, []string{"8002"}},
		{[]string{"uvicorn", "main:app", "--uds", "/run/app.sock"}, []string{}},
		{[]string{"uvicorn", "main:app"}, nil},
	} {
		a := Detect(&parsers.Container{Command: tc.args})
		if a == nil {
			t.Errorf("%v: no server", tc.args)
			continue
		}
		if (a.Ports == nil) != (tc.want == nil) || len(a.Ports) != len(tc.want) {
			t.Errorf("%v: ports %#v, want %#v", tc.args, a.Ports, tc.want)
			continue
		}
		for i := range tc.want {
			if a.Ports[i] != tc.want[i] {
				t.Errorf("%v: ports %v, want %v", tc.args, a.Ports, tc.want)
			}
		}
	}
}
