package nginx

import (
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// timedPass returns the module of a pass directive whose timeouts the model reads
// (fastcgi_pass → "fastcgi"), or "" for one it does not (memcached_pass).
func timedPass(name string) string {
	switch name {
	case "fastcgi_pass":
		return "fastcgi"
	case "uwsgi_pass":
		return "uwsgi"
	case "scgi_pass":
		return "scgi"
	case "grpc_pass":
		return "grpc"
	}
	return ""
}

// passRoute makes the route of a location that hands requests to an app by FastCGI,
// uwsgi, SCGI or gRPC. Each module has its own read, connect and send timeouts, 60s by
// default like proxy_pass's:
// https://nginx.org/en/docs/http/ngx_http_fastcgi_module.html#fastcgi_read_timeout,
// https://nginx.org/en/docs/http/ngx_http_uwsgi_module.html#uwsgi_read_timeout,
// https://nginx.org/en/docs/http/ngx_http_scgi_module.html#scgi_read_timeout,
// https://nginx.org/en/docs/http/ngx_http_grpc_module.html#grpc_read_timeout.
// The route has no Backend: the model follows only HTTP to an app, so the rules about
// pools, keep-alive and retries do not look at it; the timeout rules do.
func (b *builder) passRoute(h *parsers.Hop, loc *Directive, sc scope, module string, pass *Directive) *parsers.Route {
	path, kind := locationMatch(loc)
	rt := &carve(&b.routeSlab, 1)[0]
	rt.Hop, rt.Path, rt.PathKind, rt.Pos, rt.Block = h, path, kind, loc.NamePos(), loc.Pos()
	rt.Pass = module
	rt.ReadTimeout = b.durationIn(sc, module+"_read_timeout", 60*time.Second)
	rt.ConnectTimeout = b.durationIn(sc, module+"_connect_timeout", 60*time.Second)
	rt.SendTimeout = b.durationIn(sc, module+"_send_timeout", 60*time.Second)
	b.retry(rt, sc, module)
	unreadRouteSettings(rt, sc, module)
	rt.PassBackend = b.passBackend(pass)
	h.Routes = append(h.Routes, rt)
	return rt
}

// passBackend is the address a fastcgi_pass (uwsgi_pass, scgi_pass, grpc_pass) names,
// so the link step can find the php-fpm behind a fastcgi_pass and the retry rule can
// count the servers: host:port, unix:/path, or an upstream{} block's servers (a
// grpc://, grpcs://, uwsgi:// or suwsgi:// scheme is dropped). It is not one of the
// model's backends (the HTTP upstream rules, keep-alive among them, do not apply to
// these protocols). Nil for an address resolved at request time ($variable) or one
// without a port.
func (b *builder) passBackend(pass *Directive) *parsers.Backend {
	addr := pass.Arg(0)
	if addr == "" || strings.Contains(addr, "$") {
		return nil
	}
	for _, scheme := range []string{"grpc://", "grpcs://", "uwsgi://", "suwsgi://"} {
		if len(addr) > len(scheme) && strings.EqualFold(addr[:len(scheme)], scheme) {
			addr = addr[len(scheme):]
			break
		}
	}
	be := &parsers.Backend{Kind: BackendAddress, Name: addr, Pos: pass.Pos(), Block: pass.Pos()}
	if up := b.upstreams[strings.ToLower(addr)]; up != nil || b.allUpstreams[strings.ToLower(addr)] != nil {
		if up == nil {
			up = b.allUpstreams[strings.ToLower(addr)]
		}
		be.Kind, be.Name = BackendUpstream, up.Arg(0)
		for _, x := range Expand(up.Block) {
			if x.Name == "server" && len(x.Args) > 0 {
				be.Targets = append(be.Targets, b.upstreamServer(x))
			}
		}
		return be
	}
	if !strings.HasPrefix(addr, "unix:") && !strings.Contains(strings.TrimPrefix(addr, "["), ":") {
		return nil // nginx wants a port here ("no port in upstream")
	}
	t := b.target(addr, "")
	t.Pos = pass.Pos()
	be.Targets = []*parsers.Target{t}
	return be
}
