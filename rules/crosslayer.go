package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// Helpers of the cross-layer rules (crosslayer_*.go): what sits behind a backend once
// the link step has run, and which route of a hop serves a path.

// side is what answers a backend's connections: a proxy hop (nginx or Caddy running in
// the backend's pods, or declared next in a chain), or an app server in a container.
type side struct {
	hop *parsers.Hop
	w   *parsers.Workload
	c   *parsers.Container
}

// name says what the side is, for messages: "nginx (server hooks.example.com)",
// "gunicorn in container app of Deployment api".
func (s side) name() string {
	if s.hop != nil {
		return fmt.Sprintf("%s (%s)", product(s.hop), s.hop.Name)
	}
	if len(s.w.Containers) > 1 {
		return fmt.Sprintf("%s in %s", s.c.App.Name, containerName(s.w, s.c))
	}
	return fmt.Sprintf("%s in %s", s.c.App.Name, workloadName(s.w))
}

// keepAlive is the side's own idle keep-alive timeout for client connections, and
// whether it closes every connection after one response.
func (s side) keepAlive() (parsers.Duration, bool) {
	if s.hop != nil {
		ka := s.hop.ClientIdleTimeout
		if s.hop.Kind == parsers.HopNginx && ka.Known() && ka.Value == 0 {
			return ka, true // keepalive_timeout 0 turns client keep-alive off
		}
		return ka, false
	}
	return s.c.App.KeepAlive, s.c.App.Closes
}

// pos is where the side is defined, for related lists.
func (s side) pos() parsers.Pos {
	if s.hop != nil {
		return s.hop.Pos
	}
	if s.c.App.Pos.IsValid() {
		return s.c.App.Pos
	}
	return s.c.Pos
}

// sidesOf returns what serves be: its proxy hops, then the app servers of its workloads
// that run no such hop. A workload's containers count when they run a known server and
// serve its Services' ports (or it has no Services in the model, as an ECS service).
// Rules read it through Pass.behind (behindFact).
func sidesOf(p *Pass, be *parsers.Backend) []side {
	var out []side
	for _, h := range be.Hops {
		out = append(out, side{hop: h})
	}
	for _, a := range be.AppContainers(p.serving) {
		out = append(out, side{w: a.Workload, c: a.Container})
	}
	return out
}

// hopVia is a proxy hop that a route's requests reach, and the upstream{} of the route's
// map{} (or split_clients) they reach it through: nil for the route's own Backend.
type hopVia struct {
	hop *parsers.Hop
	via *parsers.Backend
}

// reachedHopsVia lists the proxy hops behind route r that its requests reach: those of
// its Backend (Route.ReachedHops), then those behind each upstream{} of its map
// (Route.Alternatives), each read as r forwarding to that upstream (Route.Via: the
// upstream's hops and ports, the Host nginx sends it, $proxy_host being the upstream's
// name). A hop reached both ways is listed once, as its Backend's.
func reachedHopsVia(r *parsers.Route) []hopVia {
	if r.Backend == nil {
		return nil
	}
	var out []hopVia
	seen := map[*parsers.Hop]bool{}
	for _, be := range append([]*parsers.Backend{r.Backend}, r.Alternatives...) {
		for _, h := range r.Via(be).ReachedHops() {
			if !seen[h] {
				seen[h] = true
				hv := hopVia{hop: h}
				if be != r.Backend {
					hv.via = be
				}
				out = append(out, hv)
			}
		}
	}
	return out
}

// viaMap returns the upstream{} of route r's map through which side s answers r, or nil
// when s is behind r's own Backend.
func (p *Pass) viaMap(r *parsers.Route, s side) *parsers.Backend {
	if r.Backend == nil || slices.Contains(reachedSides(r, p.behind(r.Backend)), s) {
		return nil
	}
	for _, be := range r.Alternatives {
		if slices.Contains(reachedSides(r.Via(be), p.behind(be)), s) {
			return be
		}
	}
	return nil
}

// reachedSides keeps the sides of ss (what answers r's backend) that r's requests
// reach: an nginx server that the Host header of r's requests rules out is not one
// (Route.ReachedHops).
func reachedSides(r *parsers.Route, ss []side) []side {
	hops := r.ReachedHops()
	if len(hops) == len(r.Backend.Hops) {
		return ss
	}
	out := make([]side, 0, len(ss))
	for _, s := range ss {
		if s.hop == nil || slices.Contains(hops, s.hop) {
			out = append(out, s)
		}
	}
	return out
}

// poolIdleTo is how long hop h keeps an idle connection to be, which route r forwards to
// (its Backend, or an upstream{} of its map), open for reuse, when it reuses connections
// at all: an nginx upstream{} with keepalive and a route that speaks HTTP/1.1 without
// Connection: close; Caddy's keepalive; ingress-nginx's upstream-keepalive-timeout; an
// ALB's idle_timeout. An NLB passes TCP through and pools nothing.
func poolIdleTo(h *parsers.Hop, r *parsers.Route, be *parsers.Backend) (parsers.Duration, bool) {
	if be == nil || r.Respond != nil {
		return parsers.Duration{}, false
	}
	idle := be.KeepAliveIdle
	if !idle.Known() || idle.Value <= 0 {
		return idle, false
	}
	switch h.Kind {
	case parsers.HopNginx:
		if be.Kind != parsers.BackendNginxUpstream || !be.KeepAliveConns.Known() || be.KeepAliveConns.Value <= 0 {
			return idle, false
		}
		if !r.HTTPVersion.Known() || (r.HTTPVersion.Value != "1.1" && r.HTTPVersion.Value != "2") {
			return idle, false
		}
		if !r.ConnectionHeader.Known() || strings.EqualFold(strings.Trim(r.ConnectionHeader.Value, `"'`), "close") {
			return idle, false
		}
		return idle, true
	case parsers.HopIngressNginx:
		// upstream-keepalive-connections 0 leaves keepalive out of ingress-nginx's
		// upstream block (nginx.tmpl: `if gt UpstreamKeepaliveConnections 0`), and
		// proxy-http-version 1.0 closes every connection after its response.
		if !be.KeepAliveConns.Known() || be.KeepAliveConns.Value <= 0 || !r.HTTPVersion.Known() || r.HTTPVersion.Value != "1.1" {
			return idle, false
		}
		return idle, true
	case parsers.HopCaddy, parsers.HopALB, parsers.HopCLB:
		return idle, true
	case parsers.HopALBIngress:
		// The same kind serves NLB Services; an NLB route has no read timeout.
		return idle, r.ReadTimeout.Known()
	case parsers.HopGCEIngress:
		return idle, true
	}
	return idle, false
}

// isLoadBalancer reports whether h is a cloud load balancer, whose idle timeout also
// bounds how long a request may stay silent: lowering it is not a free fix.
func isLoadBalancer(h *parsers.Hop) bool {
	switch h.Kind {
	case parsers.HopALB, parsers.HopCLB, parsers.HopNLB, parsers.HopALBIngress, parsers.HopGCEIngress:
		return true
	}
	return false
}

// related names the other side of a mismatch.
func related[T any](s parsers.Setting[T], fallback parsers.Pos, what string) Related {
	if s.Explicit() {
		return Related{Pos: s.Pos, Message: what + ": " + s.Text}
	}
	return Related{Pos: fallback, Message: what + ": " + s.Describe()}
}

// secondsFlag renders d as a whole number of seconds, rounded up, for command-line flags.
func secondsFlag(d time.Duration) string {
	return fmt.Sprint(int((d + time.Second - 1) / time.Second))
}
