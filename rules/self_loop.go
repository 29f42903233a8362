package rules

var proxyLoopsToItself = &Rule{
	ID:       "proxy-loops-to-itself",
	Category: Health,
	Severity: Error,
	Summary:  "An nginx proxy_pass connects back to its own server, which forwards the request to itself again (502 for every request)",
	Formats:  []string{"nginx"},
	Doc: `# proxy-loops-to-itself

A ` + "`proxy_pass`" + ` to a loopback address (` + "`127.0.0.1`" + `, ` + "`localhost`" + `, ` + "`[::1]`" + `) on the port
its own server listens on sends the request back to that server (so does a ` + "`proxy_pass`" + ` to
an ` + "`upstream {}`" + ` whose every server is such an address). When the same server and
the same location get it again, nginx forwards it once more, and again, each time over a
new connection, until the worker runs out of connections; then the innermost request fails
and every one above it answers **502** (or 500, when the last one cannot get a connection
to connect with). It happens to every request of the location, within
milliseconds, and the error log says ` + "`worker_connections are not enough`" + `. The usual cause
is a port copied from the server's own ` + "`listen`" + ` instead of the app's: an app on the same
host listens on another port, and an app in another container is not on ` + "`localhost`" + `.

no502 reports it only when the forwarded request surely comes back to the same location:

- the ` + "`proxy_pass`" + ` has no URI part and no ` + "`rewrite`" + `, ` + "`try_files`" + `, ` + "`if`" + ` or access rule
  (` + "`allow`" + `, ` + "`deny`" + `, ` + "`auth_request`" + `, ` + "`auth_basic`" + `) in the server or the location may
  answer it otherwise; the ` + "`proxy_pass`" + ` is not inside ` + "`if`" + ` or ` + "`limit_except`" + `, nor in a named
  location;
- the server listens on that port for plain HTTP (no ` + "`ssl`" + `, ` + "`http2`" + `, ` + "`proxy_protocol`" + `) on an
  address the connection reaches (any address, or the loopback one named);
- nginx picks that server again: it is the only one listening on the port in a config no502
  read in full (a main ` + "`nginx.conf`" + ` whose includes were all read), or the ` + "`Host`" + ` header
  is passed on (` + "`proxy_set_header Host $host`" + ` or ` + "`$http_host`" + `), the server listens on that
  port alone, and every server on the port listens there on the same addresses (the pair
  ` + "`listen 80; listen [::]:80;`" + ` counts as one when both or neither are ` + "`default_server`" + `),
  so the same name picks the same server. (A ` + "`conf.d`" + ` fragment is judged on the second condition: a
  server in a file no502 did not read that listens on the same port at a specific address
  would make it wrong, which no setup seen does.)

With the default ` + "`Host`" + ` (` + "`$proxy_host`" + `, here ` + "`127.0.0.1:8080`" + `) and another server on the
port, the forwarded request may go to that server instead: no finding.

## Fix

Point ` + "`proxy_pass`" + ` at the app: its own port on the same host, or its service name.

` + "```nginx" + `
server {
    listen 8080;
    location / {
        proxy_pass http://127.0.0.1:3000;   # the app, not this server's 8080
    }
}
` + "```" + `

## Evidence

nginx 1.22.1 on loopback with ` + "`worker_connections 64`" + `: ` + "`proxy_pass http://127.0.0.1:18091`" + ` in
the only server on 18091 answered 502 in 6 ms, ` + "`http://localhost:18095`" + ` in a server on
` + "`listen 18095`" + ` 502 in 3 ms, and a server that passes ` + "`Host $host`" + ` beside the port's default
server 502; the error log: "64 worker_connections are not enough" and "Connection reset by
peer"; a proxy_pass to an upstream{} of the server's own two ports 502, and 500 in one run
out of several. Near misses answered 200: the default ` + "`Host`" + ` with another default server on the port,
a URI part that sends the request to another location, an ` + "`if`" + ` on a header the proxy
adds. The test that checks each case (` + "`TestLoopsToItself`" + ` in parsers/nginx) runs them on
the real nginx.

## Sources

- proxy_pass without a URI passes the request URI unchanged:
  https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass
- how nginx picks the server of a request (address and port, then the Host header):
  https://nginx.org/en/docs/http/request_processing.html
- the default Host header is ` + "`$proxy_host`" + `:
  https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_set_header
`,
	Run: runProxyLoopsToItself,
}

func runProxyLoopsToItself(p *Pass) {
	for _, h := range p.Model.Hops {
		for _, r := range h.Routes {
			if r.LoopsTo == nil || !r.ProxyPass.Known() {
				continue
			}
			p.Report(Finding{
				Pos: r.ProxyPass.Pos,
				Message: "proxy_pass " + r.ProxyPass.Value + " connects back to this server (listen " + r.LoopsTo.Value +
					"), which gets the forwarded request with the same URI and sends it to location " + r.Path +
					" again: every request to it is forwarded to itself until nginx runs out of worker connections, and the client gets 502 (or 500) within milliseconds (error log: \"worker_connections are not enough\"). Point proxy_pass at the app's own port or service name.",
				Related: []Related{{Pos: r.LoopsTo.Pos, Message: "the listen the proxy_pass reaches: " + r.LoopsTo.Text}},
			})
		}
	}
}

func init() {
	Register(proxyLoopsToItself)
}
