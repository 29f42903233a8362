package rules

import (
	"net"
	"net/netip"
	"strings"

	"github.com/no502/no502/parsers"
)

// What an nginx or Caddy upstream target really is: an app somewhere else, or something
// the upstream rules must not treat as one (the proxy itself, a process on the proxy's
// own host, a placeholder).

// placeholderTarget reports whether the address is not known from the config: written
// with a variable (nginx $var, Caddy {$ENV:default}: the default is only what the config
// falls back to, not what is deployed), or the unspecified address 0.0.0.0 or ::, which
// no proxy can connect to and which configs use as "fill in later".
func placeholderTarget(t *parsers.Target) bool {
	if strings.Contains(t.Address, "$") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(t.Host, "[]"))
	return err == nil && ip.IsUnspecified()
}

// remoteIPTarget reports whether t is an app instance on another host, given as an IP
// literal: not loopback, not a unix socket, not a placeholder.
func remoteIPTarget(t *parsers.Target) bool {
	return t.IP && !t.Local && !t.Unix && t.Host != "" && !placeholderTarget(t)
}

// listeners indexes the nginx and Caddy hops by what they listen on, so that each
// upstream target is compared with the few listeners on its port, not with every hop
// (a config of 5,000 servers has 5,000 hops and 10,000 targets).
type listeners struct {
	m      *parsers.Model
	byPort map[string][]listener // format + "\x00" + port (or the unix socket path)
	roots  map[string]string     // file → the top-level file that includes it
}

type listener struct {
	hop  *parsers.Hop
	addr string // the listen address as written
}

func newListeners(m *parsers.Model) *listeners {
	ls := &listeners{m: m, byPort: map[string][]listener{}, roots: map[string]string{}}
	for _, h := range m.Hops {
		if h.Format != parsers.FormatNginx && h.Format != parsers.FormatCaddy {
			continue
		}
		for _, l := range h.Listen {
			key := h.Format + "\x00unix\x00" + l
			if !strings.HasPrefix(l, "unix:") {
				_, port := listenHostPort(h.Format, l)
				if port == "" {
					continue
				}
				key = h.Format + "\x00" + port
			}
			ls.byPort[key] = append(ls.byPort[key], listener{hop: h, addr: l})
		}
	}
	return ls
}

func (ls *listeners) root(file string) string {
	r, ok := ls.roots[file]
	if !ok {
		r = rootFile(ls.m, file)
		ls.roots[file] = r
	}
	return r
}

// own returns the hop of the same config (same format, same top-level file) that
// listens where t points: a proxy_pass or reverse_proxy back into the proxy itself, as
// the auth_request and njs subrequest examples do. Such a target is an internal hop,
// not an app; nil when t is not one of the proxy's own listeners.
func (ls *listeners) own(format string, t *parsers.Target) *parsers.Hop {
	var key string
	switch {
	case t.Unix:
		key = format + "\x00unix\x00" + t.Address
	case t.Host != "":
		key = format + "\x00" + t.Port
	default:
		return nil
	}
	for _, l := range ls.byPort[key] {
		if listenerIs(format, l.addr, t) && ls.root(l.hop.Pos.File) == ls.root(t.Pos.File) {
			return l.hop
		}
	}
	return nil
}

// listenerIs reports whether the listen address l (nginx listen argument or Caddy site
// address, as written) accepts the connection the proxy makes to t.
func listenerIs(format, l string, t *parsers.Target) bool {
	if t.Unix {
		return format == parsers.FormatNginx && l == t.Address
	}
	host, port := listenHostPort(format, l)
	if port == "" || port != t.Port {
		return false
	}
	switch {
	case host == "", host == "*":
		return t.Local // listens on every address: loopback reaches it
	case strings.EqualFold(host, t.Host):
		return true
	}
	ip, err := netip.ParseAddr(host)
	loopback := strings.EqualFold(host, "localhost") || err == nil && ip.IsLoopback()
	if err == nil && ip.IsUnspecified() {
		return t.Local
	}
	return loopback && t.Local
}

// listenHostPort splits a listen address into host ("" for every address) and port.
// nginx: "80", "127.0.0.1:8079", "[::]:443", "localhost" (port 80). Caddy: ":8081",
// "localhost:9000", "http://app.localhost" (80), "example.com" (443, Caddy's default for
// a site with a name), "example.com/api/*" (the path does not change the listener).
func listenHostPort(format, l string) (host, port string) {
	if format == parsers.FormatNginx {
		if parsers.IsPortNumber(l) {
			return "", l
		}
		if h, p, err := net.SplitHostPort(l); err == nil {
			return strings.Trim(h, "[]"), p
		}
		return strings.Trim(l, "[]"), "80"
	}
	defPort := "443"
	switch {
	case strings.HasPrefix(l, "http://"):
		defPort, l = "80", strings.TrimPrefix(l, "http://")
	case strings.HasPrefix(l, "https://"):
		l = strings.TrimPrefix(l, "https://")
	case strings.Contains(l, "://"):
		return "", "" // a scheme Caddy sites do not use
	}
	if i := strings.IndexByte(l, '/'); i >= 0 {
		l = l[:i]
	}
	if h, p, err := net.SplitHostPort(l); err == nil {
		return strings.Trim(h, "[]"), p
	}
	return strings.Trim(l, "[]"), defPort
}

// appTargets are the active targets of b that are apps the upstream rules can reason
// about: not the proxy's own listeners. A backend made only of the proxy's listeners is
// an internal hop, and gets no upstream findings.
func appTargets(ls *listeners, b *parsers.Backend) []*parsers.Target {
	format := backendFormat(ls.m, b)
	var out []*parsers.Target
	for _, t := range activeTargets(b) {
		if ls.own(format, t) == nil {
			out = append(out, t)
		}
	}
	return out
}
