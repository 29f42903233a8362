package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/nginx"
)

// nginx fixes write directives inside the block that must hold them: the location for
// per-route settings, the upstream for server parameters, the server for client ones.

func nginxReadTimeoutFix(m *parsers.Model, r *parsers.Route, d time.Duration, note string) *Fix {
	v := parsers.Seconds(d)
	line := fmt.Sprintf("proxy_read_timeout %s;", v)
	if note != "" {
		line += "  # " + note
	}
	return blockFix("set proxy_read_timeout "+v+" in location "+r.Path,
		editBlock(m, r.Block).Set(r.ReadTimeout.Pos, line))
}

func nginxLowerReadTimeoutFix(m *parsers.Model, r *parsers.Route, edge time.Duration) *Fix {
	v := parsers.Seconds(edge - 5*time.Second)
	line := fmt.Sprintf("proxy_read_timeout %s;  # below the edge's %s: answer 202 fast and queue longer work", v, parsers.Seconds(edge))
	return blockFix("keep proxy_read_timeout below the edge's limit and queue slow work",
		editBlock(m, r.Block).Set(r.ReadTimeout.Pos, line))
}

func nginxPassiveHealthFix(m *parsers.Model, b *parsers.Backend, t *parsers.Target) *Fix {
	if t == nil || b == nil {
		return nil
	}
	f := m.File(b.Block.File)
	if f == nil {
		return nil
	}
	// The server directive itself when its extent is known (it may share its line with
	// others: "upstream app { server a max_fails=0; server b; }"), else its line.
	server := nginx.CountFailures(nginx.DirectiveText(f.Src, t.Pos), "3", "10s")
	fix := blockFix("count failures of "+t.Address+" (max_fails=3 fail_timeout=10s)",
		editBlock(m, b.Block).Set(t.Pos, server))
	fix.sets = []string{"max_fails", "fail_timeout"} // the server line's parameters, not its address
	return fix
}

func nginxRetryFix(m *parsers.Model, r *parsers.Route) *Fix {
	e := editBlock(m, r.Block).Set(r.Retry.Conditions.Pos, "proxy_next_upstream error timeout http_502 http_503;  # POST/PATCH are never re-sent once sent")
	if !r.Retry.Tries.Explicit() {
		e.Insert("proxy_next_upstream_tries 2;")
	}
	return blockFix("retry failed connections on the next server", e)
}

func nginxHealthProxyFix(m *parsers.Model, h *parsers.Hop, r *parsers.Route) *Fix {
	target, why := "http://app", "http://app stands for the app's address"
	if h != nil {
		for _, o := range h.Routes {
			if o.Backend != nil && o.Respond == nil {
				target, why = proxyTarget(m, o)
				break
			}
		}
		if h.OtherPass && why == "" {
			// The server hands requests to its app by fastcgi_pass, grpc_pass, ...: an
			// HTTP proxy_pass to it would be a new, guessed path to the app.
			why = "the server passes requests to its app by fastcgi/uwsgi/grpc, not proxy_pass"
		}
	}
	fix := blockFix("forward "+r.Path+" to the app",
		editBlock(m, r.Block).Set(r.Respond.Pos, fmt.Sprintf("proxy_pass %s;  # let the app answer its own health check", target)))
	if why != "" {
		return fix.guess(why)
	}
	// The load balancer's health check then depends on the app: right, but a change
	// of what takes the proxy out of rotation.
	return fix.markUnsafe()
}

func nginxAddTargetFix(m *parsers.Model, b *parsers.Backend, t *parsers.Target) *Fix {
	if b.Kind == "nginx-upstream" {
		port := t.Port
		if port == "" {
			port = "80"
		}
		return blockFix("add a second instance to upstream "+b.Name,
			editBlock(m, b.Block).Insert(fmt.Sprintf("server SECOND_INSTANCE:%s;  # replace with a second instance of the app", port))).
			guess("SECOND_INSTANCE stands for the address of a second instance")
	}
	return &Fix{Description: "put two instances behind an upstream block",
		Snippet: fmt.Sprintf("upstream app {\n    server %s;\n    server SECOND_INSTANCE:%s;  # replace with a second instance\n}\n# and in the location: proxy_pass http://app;\n", t.Address, t.Port)}
}

func nginxUpstreamKeepAliveFix(m *parsers.Model, r *parsers.Route) *Fix {
	e := editBlock(m, r.Block).Set(r.HTTPVersion.Pos, "proxy_http_version 1.1;")
	// proxy_set_header is an array directive: a location that sets one stops inheriting
	// all outer ones, so copy the inherited ones in with the new one.
	inBlock := func(p parsers.Pos) bool { return r.Block.Contains(p.File, int(p.Offset)) }
	ownHeaders := false
	for _, h := range r.Headers {
		if inBlock(h.Pos) {
			ownHeaders = true
		}
	}
	if !ownHeaders {
		for _, h := range r.Headers {
			if name, _, _ := strings.Cut(h.Value, " "); !strings.HasPrefix(strings.ToLower(name), "connection") {
				e.Insert(strings.TrimSuffix(h.Text, ";") + ";  # copied: a location's own proxy_set_header drops inherited ones")
			}
		}
	}
	at := parsers.Pos{}
	if inBlock(r.ConnectionHeader.Pos) {
		at = r.ConnectionHeader.Pos
	}
	e.Set(at, `proxy_set_header Connection "";`)
	return blockFix("send HTTP/1.1 without Connection: close so upstream connections are reused", e)
}

// nginxClientKeepAliveFix sets how long the server block of h keeps idle client
// connections.
func nginxClientKeepAliveFix(m *parsers.Model, h *parsers.Hop, want time.Duration, note string) *Fix {
	v := parsers.Seconds(want)
	at := parsers.Pos{}
	if ka := h.ClientIdleTimeout; ka.Explicit() && h.Block.Contains(ka.Pos.File, int(ka.Pos.Offset)) {
		at = ka.Pos
	}
	return blockFix("set keepalive_timeout "+v+" in server "+h.Name,
		editBlock(m, h.Block).Set(at, fmt.Sprintf("keepalive_timeout %s;  # %s", v, note)))
}

// nginxPoolIdleFix sets how long upstream be (of hop h) keeps idle connections. The
// directive exists in upstream{} since nginx 1.15.3: for an older nginx_version the fix is
// a snippet.
func nginxPoolIdleFix(m *parsers.Model, h *parsers.Hop, be *parsers.Backend, want time.Duration, note string) *Fix {
	v := parsers.Seconds(want)
	at := parsers.Pos{}
	if be.KeepAliveIdle.Explicit() {
		at = be.KeepAliveIdle.Pos
	}
	fix := blockFix("set keepalive_timeout "+v+" in upstream "+be.Name,
		editBlock(m, be.Block).Set(at, fmt.Sprintf("keepalive_timeout %s;  # %s", v, note)))
	if h != nil && h.Version.Known() && h.Version.Value != "" && !nginx.VersionAtLeast(h.Version.Value, "1.15.3") {
		return fix.guess("keepalive_timeout in upstream{} needs nginx 1.15.3, and nginx_version is " + h.Version.Value + ": upgrade nginx, or lower the app's side instead")
	}
	return fix
}

// proxyTarget returns the proxy_pass argument of route o (which forwards to the app), as
// it is written there; why says why it cannot be copied ("" when it can): a variable is
// resolved at request time, and a path would rewrite the health path.
func proxyTarget(m *parsers.Model, o *parsers.Route) (target, why string) {
	var src []byte
	if f := m.File(o.Block.File); f != nil {
		src = f.Src
	}
	args, ok := nginx.BlockDirectiveArgs(src, o.Block, "proxy_pass")
	if !ok || len(args) != 1 {
		return "http://" + o.Backend.Name, "the proxy_pass of location " + o.Path + " could not be read"
	}
	url := args[0]
	scheme, rest, ok := strings.Cut(url, "://")
	switch {
	case !ok || scheme != "http" && scheme != "https":
		return url, "location " + o.Path + " proxies to " + url
	case strings.Contains(url, "$"):
		return url, "location " + o.Path + " proxies to " + url + ", resolved at request time"
	case strings.ContainsAny(rest, "/?"):
		return url, "location " + o.Path + " proxies to " + url + ", with a path of its own"
	}
	return url, ""
}
