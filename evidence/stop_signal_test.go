package evidence

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var idStopSignal = experiment("stop-signal-not-graceful: gunicorn stopped with SIGQUIT behind nginx")

// TestStopSignalGunicorn: Compose stops a container with its stop_signal. gunicorn's
// graceful shutdown is SIGTERM; SIGQUIT is its quick one. The rule's claim: the requests
// in flight are cut off and nginx answers 502 for them. The stop is simulated by sending
// the compose file's stop_signal to the gunicorn master while the requests run.
// startedWSGIApp is slowWSGIApp marking each request's start with a file in
// $STARTED_DIR, so that the test sends the stop signal while all of them run.
const startedWSGIApp = `import os, time

def app(environ, start_response):
    environ["wsgi.input"].read()
    open(os.path.join(os.environ["STARTED_DIR"], "%d-%f" % (os.getpid(), time.time())), "w").close()
    time.sleep(1.5)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\n"]
`

func TestStopSignalGunicorn(t *testing.T) {
	t.Parallel()
	needBinary(t, "nginx")
	needApp(t, "/usr/bin/gunicorn")
	command := `["gunicorn", "--workers", "4", "--bind", "0.0.0.0:8000", "main:app"]`
	bad := Files{"compose.yaml": `services:
  nginx:
    image: nginx:1.27
    ports: ["80:80"]
    volumes:
      - ./nginx.conf:/etc/nginx/conf.d/default.conf:ro
  app:
    image: registry.example.com/hooks:2.0
    command: ` + command + `
    stop_signal: SIGQUIT
    deploy:
      replicas: 2
`, "nginx.conf": `server {
    listen 80;
    location / {
        proxy_pass http://app:8000;
    }
}
`}
	f := MustFlag(t, bad, "stop-signal-not-graceful", "compose.yaml")
	fixed := Fix(t, bad)
	MustBeClean(t, fixed, "stop-signal-not-graceful", "compose.yaml")
	signalOf := func(compose string) syscall.Signal {
		switch {
		case strings.Contains(compose, "stop_signal: SIGQUIT"):
			return syscall.SIGQUIT
		case strings.Contains(compose, "stop_signal: SIGTERM"):
			return syscall.SIGTERM
		}
		t.Fatalf("no stop_signal in:\n%s", compose)
		return 0
	}
	const n = 4
	try := func(compose string) func(t *testing.T) Counts {
		sig := signalOf(compose)
		return func(t *testing.T) Counts {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "main.py"), []byte(startedWSGIApp), 0o644); err != nil {
				t.Fatal(err)
			}
			started := filepath.Join(dir, "started")
			if err := os.Mkdir(started, 0o755); err != nil {
				t.Fatal(err)
			}
			port := freePort(t)
			cmd := exec.Command("/usr/bin/gunicorn", "--workers", "4", "--bind", "127.0.0.1:"+strconv.Itoa(port), "main:app")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "STARTED_DIR="+started)
			app := startProc(t, "gunicorn", cmd)
			waitListening(t, app, port)
			conf := "events {}\nhttp {\n" + bad["nginx.conf"] + "}\n"
			_, p := StartNginx(t, Rewrite{"app:8000": "127.0.0.1:" + strconv.Itoa(port), listen80: "listen 127.0.0.1:LISTEN_PORT;"}.apply(conf))
			return AtRate(http.MethodPost, url(p, "/hook"), n, 0, func(i int) {
				if i == n-1 {
					// The stop arrives once every request is in the 1.5s handler. A
					// fixed delay after sending was not enough on a loaded machine: a
					// request still in the listen queue when SIGTERM closes it is
					// refused, and the fixed config's run counted a 502 that the stop
					// signal did not cause.
					go func() {
						deadline := time.Now().Add(10 * time.Second)
						for time.Now().Before(deadline) {
							if entries, _ := os.ReadDir(started); len(entries) >= n {
								break
							}
							time.Sleep(10 * time.Millisecond)
						}
						time.Sleep(100 * time.Millisecond)
						app.Signal(sig)
					}()
				}
			})
		}
	}
	rows := measure(t,
		run{"bad", "POST, 4 at once, the stop signal once all are in the handler", try(bad["compose.yaml"])},
		run{"fixed", "POST, 4 at once, the stop signal once all are in the handler", try(fixed["compose.yaml"])},
	)
	expectFailures(t, rows[0], n/2, 502)
	expectNone(t, rows[1])
	record(Record{
		ID: idStopSignal, Rule: "stop-signal-not-graceful", Proxy: nginxVersion(), Lang: "yaml",
		Upstream: gunicornVersion() + " (" + command + ", sync workers) running a handler that takes 1.5s",
		Bad:      bad["compose.yaml"], Finding: f.Message,
		Fix: diffLines(bad["compose.yaml"], fixed["compose.yaml"]), FixKind: "no502 lint --fix",
		Method: "4 POSTs at once (one per gunicorn worker), and once all 4 are in the handler (each marks its start in a file), the compose file's stop_signal sent to the gunicorn master, as docker compose stop sends it to the container's main process. nginx runs the nginx.conf above (in an http block).",
		Rows:   rows,
		Note:   "On SIGQUIT gunicorn's workers exit at once: every request in flight is cut off and nginx answers **502** (\"upstream prematurely closed connection\"). On SIGTERM the workers finish the requests they hold (within --graceful-timeout, 30s by default) and then exit.",
	})
}
