package evidence

import (
	"net/http"
	"testing"
	"time"
)

// keepalive-race: the proxy keeps an idle upstream connection longer than the upstream
// does, and sends a request on it just as the upstream closes it.

const nginxPooled = `events {}
http {
    upstream app {
        server ` + serviceAddr + `;
        keepalive 16;
    }
    server {
        listen 80;
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
`

// The Go upstream declares its keep-alive in .no502.yaml: Go has no default no502 could
// assume.
const goBackend = `backends:
  - match: k8s/api.yaml:Deployment/api
    server: go
    keep_alive: 2s
`

var idKeepaliveNginxGo = experiment("keepalive-race: nginx in front of a Go upstream")

func TestKeepaliveRaceNginxGo(t *testing.T) {
	t.Parallel()
	needBinary(t, "nginx")
	bad := Files{"nginx.conf": nginxPooled, "k8s/api.yaml": deployment(`["/app", "--idle-timeout", "2s"]`), ".no502.yaml": goBackend}
	f := MustFlag(t, bad, "keepalive-race", "nginx.conf")
	fixed := Fix(t, bad)
	MustBeClean(t, fixed, "keepalive-race", "nginx.conf")

	up := Upstream{IdleTimeout: 2 * time.Second, CloseLag: 300 * time.Millisecond}
	const n, gap = 10, 2150 * time.Millisecond
	try := func(conf, method string) func(t *testing.T) Counts {
		return func(t *testing.T) Counts {
			u := StartUpstream(t, up)
			_, port := StartNginx(t, Rewrite{serviceAddr: u.Addr(), "listen 80;": "listen 127.0.0.1:LISTEN_PORT;"}.apply(conf))
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
		ID: idKeepaliveNginxGo, Rule: "keepalive-race", Proxy: nginx,
		Upstream: "Go server closing idle connections after 2s, with a 300ms close lag (a request arriving in the lag is reset)",
		Bad:      bad["nginx.conf"], Finding: f.Message,
		Fix: diffLines(bad["nginx.conf"], fixed["nginx.conf"]), FixKind: "no502 lint --fix",
		Method: "requests one at a time, each 2.15s after the previous answer: the pooled connection is reused just after the upstream's idle timeout, inside its close lag.",
		Rows:   rows,
		Note:   "GETs do not fail: nginx resends a request that failed on a cached connection to a fresh one only when it is idempotent (or nothing was sent). Webhooks are POSTs, which is why webhook receivers see these 502s and page loads do not.",
	})
}
