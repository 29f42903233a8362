package evidence

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// prestop-missing: a pod is deleted; Kubernetes sends SIGTERM and removes its endpoint at
// the same time, and the proxies learn of the removal a little later. Scaled down 10x:
// the removal reaches the proxy 300ms after the deletion (a config reload of nginx
// without that server, as an ingress controller does on an endpoint change) and the
// fix's preStop sleep of 10s becomes 2s (1s failed once on a loaded CI machine: the
// reload that takes the pod out of nginx's rotation took longer than the 700ms left).

var idPrestop = experiment("prestop-missing: a pod deleted under load (nginx learns of the removal 300ms later)")

func TestPrestopRestart(t *testing.T) {
	t.Parallel()
	needBinary(t, "nginx")
	bad := Files{"k8s/api.yaml": deployment(`["/app"]`)}
	f := MustFlag(t, bad, "prestop-missing", "k8s/api.yaml")
	fixed := Fix(t, bad)
	MustBeClean(t, fixed, "prestop-missing", "k8s/api.yaml")
	if !strings.Contains(fixed["k8s/api.yaml"], "preStop") {
		t.Fatalf("the fix no longer adds a preStop hook:\n%s", fixed["k8s/api.yaml"])
	}
	proxy := func(addrs ...string) string {
		var servers strings.Builder
		for _, a := range addrs {
			servers.WriteString("        server " + a + ";\n")
		}
		return "events {}\nhttp {\n    upstream api {\n" + servers.String() + "    }\n    server {\n        listen 127.0.0.1:LISTEN_PORT;\n        location / {\n            proxy_pass http://api;\n        }\n    }\n}\n"
	}
	const n, every, removal = 80, 25 * time.Millisecond, 300 * time.Millisecond
	// The app exits at once on SIGTERM, in-flight requests and all (Go's, Node's and most
	// runtimes' default), unless the variant makes it drain or kills it with SIGKILL.
	type variant struct {
		preStop time.Duration
		onTerm  string
		sig     syscall.Signal
	}
	var (
		noPreStop = variant{0, "immediate", syscall.SIGTERM}
		withSleep = variant{2 * time.Second, "immediate", syscall.SIGTERM}
		killed    = variant{0, "immediate", syscall.SIGKILL}
		drains    = variant{0, "drain", syscall.SIGTERM}
	)
	try := func(v variant, method string) func(t *testing.T) Counts {
		return func(t *testing.T) Counts {
			stay := StartUpstream(t, Upstream{Delay: 200 * time.Millisecond})
			gone := StartUpstream(t, Upstream{Delay: 200 * time.Millisecond, OnTerm: v.onTerm, DrainFor: 2 * time.Second})
			ngx, port, conf := startNginxMaster(t, proxy(stay.Addr(), gone.Addr()))
			done := make(chan struct{})
			c := AtRate(method, url(port, "/hook"), n, every, func(i int) {
				if i != n/4 {
					return
				}
				go func() {
					defer close(done)
					// Delete the pod while it is serving: on a loaded machine the requests
					// sent so far may not have reached it yet.
					for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
						if k, err := askUpstream(gone, "/inflight"); err == nil && k >= 2 {
							break
						}
					}
					deleted := time.Now()
					go func() {
						time.Sleep(v.preStop)
						gone.Signal(v.sig)
					}()
					time.Sleep(time.Until(deleted.Add(removal)))
					os.WriteFile(conf, []byte(strings.Replace(mustRead(conf), "        server "+gone.Addr()+";\n", "", 1)), 0o644)
					ngx.Signal(syscall.SIGHUP)
					time.Sleep(time.Until(deleted.Add(v.preStop + 100*time.Millisecond)))
				}()
			})
			<-done
			return c
		}
	}
	traffic := func(m string) string { return m + ", 80 at 40 per second, each taking 200ms; pod deleted at the 20th" }
	rows := measure(t,
		run{"bad", traffic("POST"), try(noPreStop, http.MethodPost)},
		run{"bad", traffic("GET"), try(noPreStop, http.MethodGet)},
		run{"bad (kill -9)", traffic("POST"), try(killed, http.MethodPost)},
		run{"fixed", traffic("POST"), try(withSleep, http.MethodPost)},
		run{"fixed", traffic("GET"), try(withSleep, http.MethodGet)},
		run{"no preStop, the app drains 2s", traffic("POST"), try(drains, http.MethodPost)},
	)
	expectFailures(t, rows[0], 1, 502)
	// The note's claim: nginx resends the GETs cut off by the exit to the other server.
	expectNone(t, rows[1])
	expectFailures(t, rows[2], 1, 502)
	expectNone(t, rows[3])
	expectNone(t, rows[4])
	expectNone(t, rows[5])
	record(Record{
		ID: idPrestop, Rule: "prestop-missing", Proxy: nginxVersion(), Lang: "yaml",
		Upstream: "two Go servers (200ms per request) that exit at once on SIGTERM",
		Bad:      deploymentExcerpt(bad["k8s/api.yaml"]), Finding: f.Message,
		Fix: diffLines(bad["k8s/api.yaml"], fixed["k8s/api.yaml"]), FixKind: "no502 lint --fix --unsafe-fixes (a preStop sleep and a longer grace period are unsafe fixes); on loopback the 10s sleep is scaled to 2s",
		Method: "nginx (master process) balances two upstreams; 80 requests at 40 per second. At the 20th, once it has requests in flight, one pod is \"deleted\": SIGTERM reaches it after its preStop sleep (none in the bad config, 2s fixed), and nginx is reloaded without it 300ms after the deletion (the endpoint removal reaching the proxy).",
		Rows:   rows,
		Note:   "Without preStop, the requests in flight on the pod when SIGTERM kills it fail: POSTs with 502; GETs nginx resends to the other server. Requests sent to it before the removal arrives are refused and resent (a refused connection has sent nothing). With the sleep, the pod is out of rotation before SIGTERM arrives and nothing fails. kill -9 loses the same requests as an app that exits at once on SIGTERM. An app that drains on SIGTERM (keeps serving with `Connection: close` and a failing health check for 2s, as long as the preStop sleep, then finishes its in-flight requests and exits) is the same protection from the app's side.",
	})
}

func mustRead(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

// deploymentExcerpt is the Deployment's container, what the rule is about.
func deploymentExcerpt(src string) string {
	i := strings.Index(src, "      containers:")
	j := strings.Index(src, "---")
	if i < 0 || j < i {
		return src
	}
	return src[i:j]
}

// startNginxMaster runs nginx with its master process, so that a SIGHUP reloads the
// config file (returned) with fresh workers while the old ones finish their requests.
func startNginxMaster(t *testing.T, conf string) (*Proc, int, string) {
	t.Helper()
	if os.Geteuid() == 0 {
		// Workers would run as nobody, who cannot use the temporary prefix.
		conf = strings.Replace(conf, "events {}", "user root;\nevents {}", 1)
	}
	p, port := StartNginx(t, conf, withMaster)
	return p, port, filepath.Join(p.Cmd.Dir, "nginx.conf")
}
