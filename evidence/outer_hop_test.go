package evidence

import (
	"net/http"
	"testing"
	"time"
)

// outer-hop-gives-up-first: two nginx in a chain (an edge proxy in front of an app's
// proxy); the outer waits 1s, the inner is deliberately set to wait 3s for a slow path.

var idOuterHop = experiment("outer-hop-gives-up-first: nginx in front of nginx")

func TestOuterHopGivesUpFirst(t *testing.T) {
	t.Parallel()
	needBinary(t, "nginx")
	const innerAddr = "inner.web.svc.cluster.local:8081"
	bad := Files{
		"outer.conf": `events {}
http {
    server {
        listen 80;
        location / {
            proxy_pass http://` + innerAddr + `;
            proxy_read_timeout 1s;
        }
    }
}
`,
		"inner.conf": `events {}
http {
    server {
        listen 8081;
        location / {
            proxy_pass http://` + serviceAddr + `;
            proxy_read_timeout 3s;
        }
    }
}
`,
		".no502.yaml": "chain: [outer.conf, inner.conf]\n",
	}
	f := MustFlag(t, bad, "outer-hop-gives-up-first", "outer.conf")
	fixed := Fix(t, bad)
	MustBeClean(t, fixed, "outer-hop-gives-up-first", "outer.conf")
	const n, delay = 10, 1500 * time.Millisecond
	try := func(outer, method string) func(t *testing.T) Counts {
		return func(t *testing.T) Counts {
			u := StartUpstream(t, Upstream{Delay: delay})
			_, inner := StartNginx(t, Rewrite{serviceAddr: u.Addr(), "listen 8081;": "listen 127.0.0.1:LISTEN_PORT;"}.apply(fixed["inner.conf"]))
			_, port := StartNginx(t, Rewrite{innerAddr: "127.0.0.1:" + itoa(inner), listen80: "listen 127.0.0.1:LISTEN_PORT;"}.apply(outer))
			return Concurrent(method, url(port, "/hook"), n)
		}
	}
	rows := measure(t,
		run{"bad", "POST, 10 at once", try(bad["outer.conf"], http.MethodPost)},
		run{"fixed", "POST, 10 at once", try(fixed["outer.conf"], http.MethodPost)},
	)
	if rows[0].Counts.Bad504 < n/2 {
		t.Errorf("bad config: want most requests to end in 504, got %s", rows[0].Counts)
	}
	expectNone(t, rows[1])
	record(Record{
		ID: idOuterHop, Rule: "outer-hop-gives-up-first", Proxy: nginxVersion() + " (both hops)",
		Upstream: "Go server taking 1.5s per request, behind the inner nginx (proxy_read_timeout 3s)",
		Bad:      bad["outer.conf"], Finding: f.Message,
		Fix: diffLines(bad["outer.conf"], fixed["outer.conf"]), FixKind: "no502 lint --fix",
		Method: "10 POSTs at once to the outer nginx; the chain is declared in .no502.yaml (`chain: [outer.conf, inner.conf]`).",
		Rows:   rows,
		Note:   "The inner nginx's 3s never takes effect: the outer one answers 504 at 1s while the inner hop and the app finish the work.",
	})
}
