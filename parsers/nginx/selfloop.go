package nginx

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"sync"

	"github.com/no502/no502/parsers"
)

// listenAt is one listen line of a server{} block: its address ("" for any) and port,
// whether it takes plain HTTP/1 (no ssl, http2, quic or proxy_protocol), and the server.
type listenAt struct {
	srv   *Directive
	d     *Directive // nil for the default listen of a server without one
	addr  string
	plain bool
	def   bool // default_server
}

// listensByPort indexes the listen lines of an http{} block's servers by port. A server
// without a listen line listens on *:80 (nginx run as root) or *:8000: it is counted on
// both.
func listensByPort(servers []*Directive) map[string][]listenAt {
	out := map[string][]listenAt{}
	for _, srv := range servers {
		has := false
		for _, d := range Expand(srv.Block) {
			if d.Name != "listen" || len(d.Args) == 0 {
				continue
			}
			has = true
			addr, port, ok := splitListen(d.Arg(0))
			if !ok {
				continue
			}
			l := listenAt{srv: srv, d: d, addr: addr, plain: !d.templated()}
			for i := 1; i < len(d.Args); i++ {
				switch d.Arg(i) {
				case "ssl", "http2", "quic", "http3", "proxy_protocol":
					l.plain = false
				case "default_server", "default":
					l.def = true
				}
			}
			out[port] = append(out[port], l)
		}
		if !has {
			out["80"] = append(out["80"], listenAt{srv: srv})
			out["8000"] = append(out["8000"], listenAt{srv: srv})
		}
	}
	return out
}

// splitListen splits a listen address into its address ("" for any: "80", "*:80",
// "0.0.0.0:80") and port. A host alone (port 80), a unix socket or a variable is not
// split (ok false).
func splitListen(a string) (addr, port string, ok bool) {
	if strings.ContainsAny(a, "$/") {
		return "", "", false
	}
	if parsers.IsPortNumber(a) {
		return "", a, true
	}
	i := strings.LastIndexByte(a, ':')
	if i < 0 || !parsers.IsPortNumber(a[i+1:]) {
		return "", "", false
	}
	addr, port = strings.ToLower(a[:i]), a[i+1:]
	if addr == "*" || addr == "0.0.0.0" {
		addr = ""
	}
	return addr, port, true
}

// unreadServers reports whether an include in an http{} block, or in one of its
// servers, was not read (in whole or in part): it may hold servers, or listen lines,
// on any port. The stock files (mime.types, proxy_params) hold neither.
func unreadServers(http []*Directive) bool {
	for _, d := range http {
		if unreadInclude1(d) {
			return true
		}
		if d.Name == "server" && d.Block != nil {
			for _, x := range Expand(d.Block) {
				if unreadInclude1(x) {
					return true
				}
			}
		}
	}
	return false
}

// unreadInclude1 reports whether d is an include left unread (Expand keeps only those),
// other than a stock file.
func unreadInclude1(d *Directive) bool {
	return d.Name == "include" && len(d.Args) > 0 && stockName(d.RawArg(0)) == ""
}

// loopsToItself returns the listen line of its own server that a route's proxy_pass
// connects back to, when every request to the route is then forwarded to the route
// again: proxy_pass http://127.0.0.1:8080 (or localhost, [::1]) without a URI part, in
// a server listening on 8080, which also gets the forwarded request; or proxy_pass
// http://NAME to an upstream{} of the same http{} whose every server is such an
// address of this server. nginx 1.22.1 on
// loopback (worker_connections 64): each request is forwarded to itself until the
// connections run out, and the client gets 502 in milliseconds ("worker_connections
// are not enough").
//
// The forwarded request reaches the same server when it is the only one listening on
// that port in a config no502 read in full, or when the Host header is passed on
// ($host, $http_host) and every listen on that port has the same address, so that nginx
// picks the server among the same ones by the same name. It reaches the same location
// when the URI is passed unchanged (no URI part, no rewrite) and nothing else decides:
// no if{} in the server or the location, the proxy_pass not inside if{} or
// limit_except{}, no try_files, no access rules (allow, deny, auth_request, auth_basic),
// which may answer the forwarded request otherwise. Anything else: nil.
func (b *builder) loopsToItself(rt *parsers.Route, loc, pass *Directive, sc scope) *parsers.Setting[string] {
	if b.curServer == nil || b.listens == nil || len(pass.Args) != 1 || pass.templated() || len(sc) < 2 {
		return nil
	}
	if sc[len(sc)-1].kind != "location" || strings.HasPrefix(loc.Arg(0), "@") {
		return nil
	}
	var addrs [][2]string // host, port of each address the proxy_pass connects to
	if host, port, ok := loopbackURL(pass.Arg(0)); ok {
		addrs = append(addrs, [2]string{host, port})
	} else if name, ok := strings.CutPrefix(strings.ToLower(pass.Arg(0)), "http://"); ok && !strings.ContainsAny(name, ":/?$") {
		// An upstream{} whose every server is a loopback address of this server.
		up := b.upstreams[name]
		if up == nil {
			return nil
		}
		for _, d := range Expand(up.Block) {
			switch {
			case d.Name == "server" && len(d.Args) > 0:
				host, port, ok := loopbackURL("http://" + d.Arg(0))
				if !ok {
					return nil
				}
				addrs = append(addrs, [2]string{host, port})
			case d.Name == "include" || strings.HasSuffix(d.Name, "_by_lua_block") || strings.HasSuffix(d.Name, "_by_lua_file"):
				return nil // servers not read, or a balancer that picks its own
			}
		}
	}
	if len(addrs) == 0 {
		return nil
	}
	for _, a := range addrs {
		if len(b.listens[a[1]]) == 0 {
			return nil // no server listens on that port: a local app, not this nginx
		}
	}
	for i, lv := range sc {
		if lv.kind != "server" && lv.kind != "location" && !(i == 0 && lv.kind == "http") {
			return nil
		}
		if lv.byName != nil {
			// A long level (an http{} of thousands of servers): its index, not a scan of
			// it for every location (5,000 servers: a lint 2.3x slower).
			for _, name := range loopBreakers {
				if lv.first(name) != nil {
					return nil
				}
			}
			if lv.kind != "http" {
				if lv.first("if") != nil {
					return nil
				}
				for _, d := range lv.all("include") {
					if unreadInclude1(d) {
						return nil
					}
				}
			}
			continue
		}
		for _, d := range lv.ds {
			switch d.Name {
			case "rewrite", "try_files", "allow", "deny", "auth_request", "auth_basic", "internal", "return": // loopBreakers
				return nil
			case "if":
				if lv.kind != "http" {
					return nil
				}
			case "include":
				if lv.kind != "http" && unreadInclude1(d) {
					return nil
				}
			}
		}
	}
	var first *listenAt
	for _, a := range addrs {
		own := b.ownListen(rt, a[0], a[1])
		if own == nil {
			return nil
		}
		if first == nil {
			first = own
		}
	}
	lv := parsers.Set(first.d.RawArg(0), first.d.Pos(), first.d.Text())
	return &lv
}

// loopBreakers are the directives that, in any level of a route's scope, may keep a
// forwarded request from meeting the same location again.
var loopBreakers = [...]string{"rewrite", "try_files", "allow", "deny", "auth_request", "auth_basic", "internal", "return"}

// ownListen returns the listen line of b.curServer that a connection to host:port (a
// loopback address) reaches, when the request forwarded there surely meets that server
// again (see loopsToItself); nil otherwise.
func (b *builder) ownListen(rt *parsers.Route, host, port string) *listenAt {
	on := b.listens[port]
	var own *listenAt
	for i := range on {
		l := &on[i]
		if l.d == nil || !reaches(host, l.addr) {
			continue
		}
		if !l.plain {
			// TLS, HTTP/2 or the PROXY protocol: the plain request is refused. They are
			// options of the socket, so another server's listen on it sets them too.
			return nil
		}
		if own == nil && l.srv == b.curServer {
			own = l
		}
	}
	if own == nil {
		return nil
	}
	only := b.complete
	for _, l := range on {
		if l.srv != b.curServer {
			only = false
		}
	}
	if !only && !(passesHost(rt) && b.sameChoice(on, own, port)) {
		return nil
	}
	return own
}

// sameChoice reports whether a request forwarded to port meets the same choice of
// server as the one that reached b.curServer: the server listens on that port alone,
// and every server on the port listens there on the same addresses (nginx picks among
// the servers of the address a connection came to, then by name, else the address's
// default server). The usual pair `listen 80; listen [::]:80;` counts as one address
// when each server that has it marks both or neither default_server.
func (b *builder) sameChoice(on []listenAt, own *listenAt, port string) bool {
	for _, d := range Expand(b.curServer.Block) {
		if d.Name == "listen" && len(d.Args) > 0 {
			if _, p, ok := splitListen(d.Arg(0)); !ok || p != port {
				return false
			}
		}
	}
	ps := b.shapes.get(port, on)
	mine := ps.bySrv[b.curServer]
	for _, theirs := range ps.distinct {
		if len(theirs) != len(mine) {
			return false
		}
		for a, def := range theirs {
			if _, ok := mine[a]; !ok {
				return false
			}
			if a != own.addr && (a != "[::]" || own.addr != "" || def != theirs[""]) {
				return false
			}
		}
	}
	return true
}

// portShapes are the addresses each server listens on at one port, with whether it is
// their default server: by server, and the distinct sets among them (a port of
// thousands of servers has one or two), so that sameChoice compares a route's server
// with each kind once rather than with every server.
type portShapes struct {
	bySrv    map[*Directive]map[string]bool
	distinct []map[string]bool
}

// shapeMemo makes each port's portShapes once, for the servers built in parallel.
type shapeMemo struct {
	mu     sync.Mutex
	byPort map[string]*portShapes
}

func (m *shapeMemo) get(port string, on []listenAt) *portShapes {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ps := m.byPort[port]; ps != nil {
		return ps
	}
	ps := &portShapes{bySrv: map[*Directive]map[string]bool{}}
	for _, l := range on {
		set := ps.bySrv[l.srv]
		if set == nil {
			set = map[string]bool{}
			ps.bySrv[l.srv] = set
		}
		set[l.addr] = set[l.addr] || l.def
	}
	seen := map[string]bool{}
	for _, l := range on { // in file order: the same list every run
		set := ps.bySrv[l.srv]
		keys := make([]string, 0, len(set))
		for a, def := range set {
			keys = append(keys, fmt.Sprintf("%s=%t", a, def))
		}
		sort.Strings(keys)
		if k := strings.Join(keys, " "); !seen[k] {
			seen[k] = true
			ps.distinct = append(ps.distinct, set)
		}
	}
	m.byPort[port] = ps
	return ps
}

// passesHost reports whether a route sends the client's Host header on (proxy_set_header
// Host $host or $http_host), and no unread include may set another.
func passesHost(rt *parsers.Route) bool {
	if rt.HeadersUnread != nil {
		return false
	}
	for _, h := range rt.Headers {
		name, val, _ := strings.Cut(h.Value, " ")
		if strings.EqualFold(name, "Host") {
			val = strings.Trim(strings.TrimSpace(val), `"'`)
			return val == "$host" || val == "$http_host"
		}
	}
	return false
}

// loopbackURL reads a proxy_pass URL that names a loopback address with no URI part:
// http://127.0.0.1:8080, http://localhost (port 80), http://[::1]:8080.
func loopbackURL(u string) (host, port string, ok bool) {
	rest, found := strings.CutPrefix(strings.ToLower(u), "http://")
	if !found || rest == "" || strings.ContainsAny(rest, "/?$") {
		return "", "", false
	}
	host, port = rest, "80"
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return "", "", false
		}
		host = rest[:end+1]
		if tail := rest[end+1:]; tail != "" {
			p, cut := strings.CutPrefix(tail, ":")
			if !cut {
				return "", "", false
			}
			port = p
		}
	} else if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		host, port = rest[:i], rest[i+1:]
	}
	if !parsers.IsPortNumber(port) {
		return "", "", false
	}
	if host == "localhost" || host == "[::1]" {
		return host, port, true
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Is4() || !ip.IsLoopback() {
		return "", "", false
	}
	return host, port, true
}

// reaches reports whether a connection to host (a loopback address) is taken by a
// listen on addr ("" for any address).
func reaches(host, addr string) bool {
	switch host {
	case "localhost":
		return addr == "" || addr == "[::]" || addr == "localhost" || addr == "[::1]" || addr == "127.0.0.1"
	case "[::1]":
		return addr == "[::]" || addr == "[::1]"
	}
	return addr == "" || addr == host
}
