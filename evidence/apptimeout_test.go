package evidence

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// app-timeout-exceeds-proxy: gunicorn lets a request run 3s (--timeout 3), nginx waits 1s.
// A real gunicorn (sync workers) runs a handler that takes 1.5s: within the app's limit,
// beyond the proxy's.

const slowWSGIApp = `import time

# A webhook receiver whose work takes 1.5s.
def app(environ, start_response):
    environ["wsgi.input"].read()
    time.sleep(1.5)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok\n"]
`

var idAppTimeout = experiment("app-timeout-exceeds-proxy: nginx in front of gunicorn")

func TestAppTimeoutExceedsProxy(t *testing.T) {
	t.Parallel()
	needBinary(t, "nginx")
	needApp(t, "/usr/bin/gunicorn")
	command := `["gunicorn", "--workers", "4", "--timeout", "3", "--bind", "0.0.0.0:8000", "main:app"]`
	bad := Files{"nginx.conf": `events {}
http {
    server {
        listen 80;
        location / {
            proxy_pass http://` + serviceAddr + `;
            proxy_read_timeout 1s;
        }
    }
}
`, "k8s/api.yaml": deployment(command)}
	f := MustFlag(t, bad, "app-timeout-exceeds-proxy", "nginx.conf")
	fixed := Fix(t, bad)
	MustBeClean(t, fixed, "app-timeout-exceeds-proxy", "nginx.conf")
	const n = 4
	try := func(conf string) func(t *testing.T) Counts {
		return func(t *testing.T) Counts {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "main.py"), []byte(slowWSGIApp), 0o644); err != nil {
				t.Fatal(err)
			}
			port := freePort(t)
			cmd := exec.Command("/usr/bin/gunicorn", "--workers", "4", "--timeout", "3", "--bind", "127.0.0.1:"+strconv.Itoa(port), "main:app")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
			waitListening(t, startProc(t, "gunicorn", cmd), port)
			_, p := StartNginx(t, Rewrite{serviceAddr: "127.0.0.1:" + strconv.Itoa(port), listen80: "listen 127.0.0.1:LISTEN_PORT;"}.apply(conf))
			return Concurrent(http.MethodPost, url(p, "/hook"), n)
		}
	}
	rows := measure(t,
		run{"bad", "POST, 4 at once", try(bad["nginx.conf"])},
		run{"fixed", "POST, 4 at once", try(fixed["nginx.conf"])},
	)
	if rows[0].Counts.Bad504 < n/2 {
		t.Errorf("bad config: want most requests to end in 504, got %s", rows[0].Counts)
	}
	expectNone(t, rows[1])
	record(Record{
		ID: idAppTimeout, Rule: "app-timeout-exceeds-proxy", Proxy: nginxVersion(),
		Upstream: gunicornVersion() + " (" + command + ", sync workers) running a handler that takes 1.5s",
		Bad:      bad["nginx.conf"], Finding: f.Message,
		Fix: diffLines(bad["nginx.conf"], fixed["nginx.conf"]), FixKind: "no502 lint --fix",
		Method: "4 POSTs at once (one per gunicorn worker); the handler answers after 1.5s, within gunicorn's 3s limit.",
		Rows:   rows,
		Note:   "nginx answers 504 at 1s while gunicorn finishes the work: a client that retries runs it twice.",
	})
}

func gunicornVersion() string {
	out, _ := exec.Command("/usr/bin/gunicorn", "--version").Output()
	if v := regexp.MustCompile(`[0-9]+\.[0-9]+\.[0-9]+`).FindString(string(out)); v != "" {
		return "gunicorn " + v
	}
	return "gunicorn"
}
