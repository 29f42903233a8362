package evidence

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

var idTooShortNginx = experiment("read-timeout-too-short: nginx, a slow response")

// TestReadTimeoutTooShortNginx: a read timeout below the 5s floor, and no budget
// declared. The rule's claim: a response slower than that gets 504 while the app keeps
// working; the fix is a snippet (raise it to what the slowest request needs; the
// products' default is 60s).
func TestReadTimeoutTooShortNginx(t *testing.T) {
	t.Parallel()
	needBinary(t, "nginx")
	bad := Files{"nginx.conf": `events {}
http {
    server {
        listen 80;
        location / {
            proxy_pass http://` + serviceAddr + `;
            proxy_read_timeout 2s;
        }
    }
}
`}
	f := MustFlag(t, bad, "read-timeout-too-short", "nginx.conf")
	fixed := Files{"nginx.conf": strings.Replace(bad["nginx.conf"], "proxy_read_timeout 2s;", "proxy_read_timeout 60s;", 1)}
	MustBeClean(t, fixed, "read-timeout-too-short", "nginx.conf")
	const n, delay = 10, 3 * time.Second
	try := func(conf, method string) func(t *testing.T) Counts {
		return func(t *testing.T) Counts {
			u := StartUpstream(t, Upstream{Delay: delay})
			_, port := StartNginx(t, Rewrite{serviceAddr: u.Addr(), listen80: "listen 127.0.0.1:LISTEN_PORT;"}.apply(conf))
			return Concurrent(method, url(port, "/hook"), n)
		}
	}
	rows := measure(t,
		run{"bad", "POST, 10 at once", try(bad["nginx.conf"], http.MethodPost)},
		run{"bad", "GET, 10 at once", try(bad["nginx.conf"], http.MethodGet)},
		run{"fixed", "POST, 10 at once", try(fixed["nginx.conf"], http.MethodPost)},
	)
	expectFailures(t, rows[0], n, 504)
	expectFailures(t, rows[1], n, 504)
	expectNone(t, rows[2])
	record(Record{
		ID: idTooShortNginx, Rule: "read-timeout-too-short", Proxy: nginxVersion(),
		Upstream: "Go server taking 3s per request (a slow query; no handler budget declared)",
		Bad:      bad["nginx.conf"], Finding: f.Message,
		Fix:     diffLines(bad["nginx.conf"], fixed["nginx.conf"]),
		FixKind: "the rule's snippet applied by hand (the value is the app's, so lint --fix never writes it): nginx's default 60s",
		Method:  "10 POSTs, then 10 GETs, at once; the handler answers after 3s.",
		Rows:    rows,
		Note:    "Every request slower than the 2s read timeout ends in **504**, GET and POST alike (one server: nothing to retry on), while the app finishes each one a second later.",
	})
}
