package evidence

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// keepalive-race against real app servers (the Debian packages CI installs): uvicorn,
// gunicorn and Node, each with the keep-alive no502 reads from its command line.

const asgiApp = `# A webhook receiver: reads the body, answers 200.
async def app(scope, receive, send):
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok\n"})
`

// The Node app is plain http with Node's defaults: what no502 assumes for "node server.js".
const nodeApp = `const http = require("http");
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => { res.end("ok\n"); });
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening"));
`

// appServer describes how to run one real app server on a port.
type appServer struct {
	name    string
	bin     string // what must be installed
	command string // the container command no502 lints (JSON array)
	files   map[string]string
	args    func(port int) []string // the local command line: same settings, loopback port
	keep    time.Duration           // when it closes an idle connection (measured; no502 may read an earlier time)
	check   []string                // a command that succeeds when it is installed, and prints its version
	note    string                  // what the numbers teach about this server
}

var appServers = []appServer{
	{
		name: "uvicorn", bin: "/usr/bin/python3",
		command: `["uvicorn", "main:app", "--timeout-keep-alive", "2", "--host", "0.0.0.0", "--port", "8000"]`,
		files:   map[string]string{"main.py": asgiApp},
		args: func(port int) []string {
			return []string{"/usr/bin/python3", "-m", "uvicorn", "main:app", "--timeout-keep-alive", "2", "--host", "127.0.0.1", "--port", strconv.Itoa(port), "--lifespan", "off", "--no-access-log"}
		},
		keep:  2 * time.Second,
		check: []string{"/usr/bin/python3", "-c", "import uvicorn; print('uvicorn', uvicorn.__version__)"},
	},
	{
		name: "node", bin: "node",
		command: `["node", "server.js"]`,
		files:   map[string]string{"server.js": nodeApp},
		args:    func(port int) []string { return []string{"node", "server.js"} },
		keep:    6 * time.Second,
		check:   []string{"node", "--version"},
		note:    "The requests 5.9s apart raced, so this Node closed the idle connection at about 6s: keepAliveTimeout (5s by default) plus a 1s buffer. Node 18.20, 20.16 and 22.0 close at 5.0s (measured), and a node:20 or node:22 tag says no minor release, so no502 takes 5s and the fix goes below it.",
	},
}

// start runs the app server and returns its address.
func (a appServer) start(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range a.files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	port := freePort(t)
	args := a.args(port)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "PYTHONDONTWRITEBYTECODE=1")
	p := startProc(t, a.name, cmd)
	waitListening(t, p, port)
	return "127.0.0.1:" + strconv.Itoa(port)
}

func needApp(t *testing.T, bin string) {
	t.Helper()
	if filepath.IsAbs(bin) {
		if fileExists(bin) {
			return
		}
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (CI=true: .ci/run must install it)", bin)
		}
		t.Skipf("%s is not installed: skipping the experiment", bin)
	}
	needBinary(t, bin)
}

// latency is the one-way delay of the relay between nginx and a real app server.
const latency = 100 * time.Millisecond

var idKeepaliveApps = map[string]string{
	"uvicorn": experiment("keepalive-race: nginx in front of uvicorn"),
	"node":    experiment("keepalive-race: nginx in front of Node"),
}

func TestKeepaliveRaceAppServers(t *testing.T) {
	t.Parallel()
	for _, a := range appServers {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			needBinary(t, "nginx")
			needApp(t, a.bin)
			version, err := exec.Command(a.check[0], a.check[1:]...).Output()
			if err != nil {
				if os.Getenv("CI") == "true" {
					t.Fatalf("%s is not installed (CI=true: .ci/run must install it): %v", a.name, err)
				}
				t.Skipf("%s is not installed: skipping the experiment", a.name)
			}
			bad := Files{"nginx.conf": nginxPooled, "k8s/api.yaml": deployment(a.command)}
			f := MustFlag(t, bad, "keepalive-race", "nginx.conf")
			fixed := Fix(t, bad)
			MustBeClean(t, fixed, "keepalive-race", "nginx.conf")
			// Each request is sent one latency before the app's close: it reaches the app
			// just after the close, while the close is still on its way to nginx.
			gap := a.keep - latency
			n := 10
			if gap > 3*time.Second {
				n = 7 // Node: 6s apart; 7 requests give three races
			}
			try := func(conf, method string) func(t *testing.T) Counts {
				return func(t *testing.T) Counts {
					relay := StartRelay(t, a.start(t), latency)
					_, port := StartNginx(t, Rewrite{serviceAddr: relay.Addr(), "listen 80;": "listen 127.0.0.1:LISTEN_PORT;"}.apply(conf))
					return Sequential(method, url(port, "/hook"), n, gap)
				}
			}
			traffic := func(m string) string { return m + ", 1 every " + secs(gap) + " after the previous answer" }
			rows := measure(t,
				run{"bad", traffic("POST"), try(bad["nginx.conf"], http.MethodPost)},
				run{"bad", traffic("GET"), try(bad["nginx.conf"], http.MethodGet)},
				run{"fixed", traffic("POST"), try(fixed["nginx.conf"], http.MethodPost)},
			)
			expectFailures(t, rows[0], 1, 502)
			// The note's claim: a GET that fails this way is resent on a new connection.
			expectNone(t, rows[1])
			expectNone(t, rows[2])
			nginx, _ := versions()
			record(Record{
				ID: idKeepaliveApps[a.name], Rule: "keepalive-race", Proxy: nginx,
				Upstream: a.name + " " + strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(string(version), "uvicorn ")), "v") + " (" + a.command + ", closes idle connections after " + secs(a.keep) + "), reached through a relay adding " + secs(latency) + " each way",
				Bad:      bad["nginx.conf"], Finding: f.Message,
				Fix: diffLines(bad["nginx.conf"], fixed["nginx.conf"]), FixKind: "no502 lint --fix",
				Method: "requests one at a time, each " + secs(gap) + " after the previous answer: nginx reuses the pooled connection one latency before the app server closes it, so the request reaches the app just after its close (the race a real network opens; on bare loopback the close arrives before the next request).",
				Rows:   rows,
				Note:   a.note,
			})
		})
	}
}
