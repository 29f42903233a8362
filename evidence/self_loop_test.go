package evidence

import (
	"net/http"
	"strings"
	"testing"
)

// proxy-loops-to-itself: a proxy_pass back to the server's own port forwards every
// request to itself until the worker has no connection left; each one fails.

var idSelfLoop = experiment("proxy-loops-to-itself: nginx proxying to its own listen port")

func TestProxyLoopsToItself(t *testing.T) {
	t.Parallel()
	needBinary(t, "nginx")
	bad := Files{"nginx.conf": `events {
    worker_connections 64;
}
http {
    server {
        listen 80;
        location / {
            proxy_pass http://127.0.0.1:80;
        }
    }
}
`}
	f := MustFlag(t, bad, "proxy-loops-to-itself", "nginx.conf")
	fixed := Files{"nginx.conf": strings.Replace(bad["nginx.conf"], "http://127.0.0.1:80", "http://10.0.1.15:8080", 1)}
	MustBeClean(t, fixed, "proxy-loops-to-itself", "nginx.conf")
	const n = 10
	try := func(conf string) func(t *testing.T) Counts {
		return func(t *testing.T) Counts {
			a := StartUpstream(t, Upstream{})
			conf = strings.ReplaceAll(conf, "http://127.0.0.1:80;", "http://127.0.0.1:LISTEN_PORT;")
			_, port := StartNginx(t, nginxRun(conf, a.Addr()))
			return Sequential(http.MethodGet, url(port, "/x"), n, 0)
		}
	}
	rows := measure(t,
		run{"bad", "GET, 10 one after another", try(bad["nginx.conf"])},
		run{"fixed", "GET, 10 one after another", try(fixed["nginx.conf"])},
	)
	if rows[0].Counts.OK != 0 || rows[0].Counts.Failed() != n {
		t.Errorf("bad config: want every request to fail, got %s", rows[0].Counts)
	}
	expectNone(t, rows[1])
	record(Record{
		ID: idSelfLoop, Rule: "proxy-loops-to-itself", Proxy: nginxVersion(),
		Upstream: "a Go server (for the fixed config)",
		Bad:      bad["nginx.conf"], Finding: f.Message,
		Fix: diffLines(bad["nginx.conf"], fixed["nginx.conf"]), FixKind: "the rule's snippet, applied by hand (the app's address)",
		Method: "10 GETs one after another, worker_connections 64.",
		Rows:   rows,
		Note:   "Every request to the looping location fails within milliseconds: nginx forwards it to itself until the worker has no connection left (error log: worker_connections are not enough). How the last hop fails decides the status: 502 in the runs of parsers/nginx TestLoopsToItself (a master and one worker; 500 once), another failure here, with nginx as a single process. Pointed at the app, every request is answered.",
	})
}
