package caddy

import (
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// newRoute is the route of directive d of the site, for the requests ctx scopes to it
// (a regular-expression scope has no path prefix to report).
func (s *siteWalker) newRoute(d *Directive, ctx pathCtx) *parsers.Route {
	r := &parsers.Route{Hop: s.hop, Path: ctx.path, PathKind: ctx.kind, Pos: d.NameTok().Pos, Block: d.Pos}
	if r.PathKind == parsers.PathRegex {
		r.Path = ""
	}
	return r
}

// reverseProxy models one reverse_proxy directive as a route and its backend.
func (s *siteWalker) reverseProxy(d *Directive, ctx pathCtx) {
	if t := fastcgiTransport(d); t != nil {
		// A reverse_proxy with the fastcgi transport hands requests to a FastCGI
		// server, as php_fastcgi (which adapts to it) does: modelled as its pass.
		s.hop.OtherPass = true
		s.fastcgi(d, ctx, t)
		return
	}
	ctx = s.narrow(ctx, d)
	name := d.NameTok()
	r := s.newRoute(d, ctx)
	r.ReadTimeout = parsers.Def(time.Duration(0), defRespHeader)
	r.ConnectTimeout = parsers.Def(3*time.Second, defDial)
	r.WebSocket = s.upgradeOnly(d)
	be := &parsers.Backend{
		Kind:          parsers.BackendCaddy,
		Pos:           name.Pos,
		Block:         d.Pos,
		KeepAliveIdle: parsers.Def(2*time.Minute, defKeepAlive),
		Passive: parsers.PassiveHealth{
			Enabled: parsers.Def(false, defPassiveOff),
		},
	}
	args := d.Args()
	if matcherOf(d) != nil {
		args = args[1:]
	}
	// envCount: an upstream token is a whole {$VAR}, which Caddy substitutes before it
	// splits the Caddyfile into tokens: the variable may hold several addresses, or
	// none (caddy adapt 2.6.2: `reverse_proxy {$AA} {$BB}` with AA unset and BB=b:1 has
	// the one upstream b:1; {$BACKEND:app:8080} with BACKEND="x:1 y:2" has two). How
	// many upstreams there are is then not known, with a default too: the variable is
	// there to be set. A variable inside an address (app:{$PORT:9000}) is a part of
	// one upstream, read with its default as before; a lone {$UP} stays one target of
	// unknown host, about which no rule says anything.
	envCount, tokens := false, 0
	addTargets := func(ts []Token) {
		for _, t := range ts {
			be.Targets = append(be.Targets, targets(t)...)
			envCount = envCount || wholeEnv(t.Text)
			tokens++
		}
	}
	addTargets(args)

	var (
		tryDur, respHdr, readTO parsers.Duration
		retries                 parsers.Setting[int]
		failDur                 parsers.Duration
		maxFails                parsers.Setting[int]
		hc                      *parsers.HealthCheck
	)
	health := func(sub *Directive) *parsers.HealthCheck {
		if hc == nil {
			hc = &parsers.HealthCheck{
				Pos:   sub.NameTok().Pos,
				Block: d.Pos,
				// Active checks run only with health_uri or health_port (CDY-HC:226).
				Enabled:            parsers.Def(false, "Caddy default: no active health checks without health_uri or health_port"),
				Interval:           parsers.Def(30*time.Second, defHealthIntvl),
				Timeout:            parsers.Def(5*time.Second, defHealthTO),
				HealthyThreshold:   parsers.Def(1, defHealthPasses),
				UnhealthyThreshold: parsers.Def(1, defHealthFails),
			}
		}
		return hc
	}
	dynamic := false
	for _, sub := range d.Block {
		switch sub.Name() {
		case "to":
			addTargets(sub.Args())
		case "dynamic":
			dynamic = true
		case "lb_policy":
			be.LBPolicy = set(sub.Arg(0), sub)
		case "lb_try_duration":
			tryDur = durationOf(sub, 0)
		case "lb_retries":
			retries = intOf(sub, 0)
		case "health_uri", "health_path":
			h := health(sub)
			v, ok := envValue(sub.Arg(0))
			h.Path = set(v, sub)
			h.Path.Unknown = !ok
			h.Enabled = set(true, sub)
		case "health_port":
			h := health(sub)
			h.Port = set(sub.Arg(0), sub)
			h.Enabled = set(true, sub)
		case "health_interval":
			health(sub).Interval = durationOf(sub, 0)
		case "health_timeout":
			health(sub).Timeout = durationOf(sub, 0)
		case "health_passes":
			health(sub).HealthyThreshold = intOf(sub, 0)
		case "health_fails":
			health(sub).UnhealthyThreshold = intOf(sub, 0)
		case "health_status":
			health(sub).Matcher = set(sub.Arg(0), sub)
		case "fail_duration":
			failDur = durationOf(sub, 0)
		case "max_fails":
			maxFails = intOf(sub, 0)
		case "trusted_proxies", "header_up":
			if e := edgeSignal(sub); e.Known() {
				s.hop.Edge = e
			}
			if sub.Name() == "header_up" && strings.EqualFold(strings.TrimLeft(sub.Arg(0), "+-"), "Host") {
				// What the upstream's Host header is (Route.UpstreamHosts): Caddy passes
				// the client's on unless header_up sets it.
				r.Headers = append(r.Headers, set(strings.TrimSpace("Host "+sub.Arg(1)), sub))
			}
		case "transport":
			for _, t := range sub.Block {
				switch t.Name() {
				case "dial_timeout":
					r.ConnectTimeout = durationOf(t, 0)
				case "response_header_timeout":
					respHdr = durationOf(t, 0)
				case "read_timeout":
					readTO = durationOf(t, 0)
				case "write_timeout":
					r.SendTimeout = durationOf(t, 0)
				case "keepalive":
					if t.Arg(0) == "off" {
						be.KeepAliveIdle = set(time.Duration(0), t)
					} else {
						be.KeepAliveIdle = durationOf(t, 0)
					}
				}
			}
		}
	}
	if dynamic || envCount && tokens > 1 {
		// Upstreams come from DNS or another source at run time, or from the
		// environment: their number and kind cannot be known.
		be.Targets = nil
	}
	var names []string
	for _, t := range be.Targets {
		names = append(names, t.Address)
	}
	be.Name = strings.Join(names, " ")

	r.ReadTimeout = readWait(r.ReadTimeout, respHdr, readTO)
	be.KeepAliveIdle = poolIdle(be.KeepAliveIdle, readTO)
	r.Retry = retryPolicy(tryDur, retries, defNoRetry)
	be.Passive = passiveHealth(be.Passive, failDur, maxFails)
	be.Health = hc
	r.Backend = be
	s.hop.Routes = append(s.hop.Routes, r)
	s.b.m.Backends = append(s.b.m.Backends, be)
}

// condition turns the setting that enabled retries into the Conditions list, naming
// the directive as written.
func condition[T any](s parsers.Setting[T]) parsers.Setting[[]string] {
	return parsers.Setting[[]string]{Value: []string{s.Text}, Pos: s.Pos, Text: s.Text, Origin: s.Origin}
}

// upgradeOnly reports whether directive d, or a block enclosing it, has a named matcher
// that requires a WebSocket upgrade header (`header Upgrade websocket` or
// `header Connection *Upgrade*`, conditions that every request it takes must meet).
func (s *siteWalker) upgradeOnly(d *Directive) bool {
	ds := []*Directive{d}
	for _, lv := range s.levels {
		ds = append(ds, lv.ds[lv.i])
	}
	for _, x := range ds {
		m := matcherOf(x)
		if m == nil || !strings.HasPrefix(m.Text, "@") {
			continue
		}
		def := s.matchers[m.Text]
		if def == nil {
			continue
		}
		conds := def.Block
		if !def.HasBlock {
			conds = []*Directive{{Tokens: def.Tokens[1:]}}
		}
		for _, c := range conds {
			if c.Name() == "header" && len(c.Tokens) == 3 && upgradeHeader(c.Tokens[1].Text, c.Tokens[2].Text) {
				return true
			}
		}
	}
	return false
}

// upgradeHeader reports whether a header condition name: value holds only on WebSocket
// upgrade requests.
func upgradeHeader(name, value string) bool {
	v := strings.ToLower(strings.Trim(value, "*"))
	switch strings.ToLower(name) {
	case "upgrade":
		return v == "websocket"
	case "connection":
		return v == "upgrade"
	}
	return false
}

// wholeEnv reports whether an upstream token is one {$VAR} or {$VAR:default}
// placeholder and nothing else.
func wholeEnv(s string) bool {
	return strings.HasPrefix(s, "{$") && strings.HasSuffix(s, "}") && strings.Count(s, "{") == 1 && strings.Count(s, "}") == 1
}

// fastcgiTransport returns the `transport fastcgi` of reverse_proxy d, nil when it
// uses another transport (Caddy refuses a second transport: "transport already
// specified").
func fastcgiTransport(d *Directive) *Directive {
	for _, sub := range d.Block {
		if sub.Name() == "transport" && sub.Arg(0) == "fastcgi" {
			return sub
		}
	}
	return nil
}

// frontController reports whether php_fastcgi's subdirective sub (index or try_files)
// keeps the rewrite of every request for a missing file to one fixed file: an index
// other than off, or a try_files list whose last entry is a file (index.php, or
// /index.php?{query}: the query may vary), not a placeholder or a =STATUS (fixedFile).
func frontController(sub *Directive) bool {
	args := sub.Args()
	if len(args) == 0 {
		return true // not a valid subdirective; the default stays
	}
	last := args[len(args)-1].Text
	if sub.Name() == "index" {
		return last != "off"
	}
	return fixedFile(last)
}

// fastcgi models php_fastcgi, or a reverse_proxy whose transport t is fastcgi (t nil for
// php_fastcgi), as nginx's fastcgi_pass is: a route that hands requests to php-fpm by
// FastCGI (Route.Pass "fastcgi"), with the upstreams it names as its PassBackend, so
// that the link step can find the php-fpm service behind it. The rules about HTTP
// upstreams (pools, keep-alive, retries) do not look at it. Its path is the scope of
// the directive: php_fastcgi rewrites every request for a file that does not exist to
// index.php and passes it on (caddy adapt 2.6.2: try_files {path} {path}/index.php
// index.php, then *.php to the fastcgi transport); only existing static files are
// served otherwise. The upstreams are left out (no PassBackend) when they cannot be
// counted: a whole {$VAR} token, dynamic. An address without a port dials port 80, as
// the adapter writes it (php:80).
//
// Its timeouts are the fastcgi transport's (php_fastcgi takes them as its own
// subdirectives): dial_timeout (default 3s), read_timeout and write_timeout (no limit
// by default). The transport sets each as one deadline on the connection before it
// sends the request (fastcgi.go RoundTrip, client.go SetReadTimeout:
// SetReadDeadline(now + read_timeout)), so read_timeout bounds the whole response,
// headers and body, from the request on: not the time between two reads, as nginx's
// fastcgi_read_timeout does. Caddy 2.6.2 on loopback, read_timeout 2s: a responder
// answering after 3s got 504 at 2.0s (GET and POST); one sending its headers at once
// and a line every second was cut off at 2.0s (200, a partial body); without
// read_timeout, a 65s answer came back 200.
func (s *siteWalker) fastcgi(d *Directive, ctx pathCtx, t *Directive) {
	ctx = s.narrow(ctx, d)
	name := d.NameTok()
	r := s.newRoute(d, ctx)
	r.Pass = "fastcgi"
	r.ReadTimeout = parsers.Def(time.Duration(0), defFcgiRead)
	r.ConnectTimeout = parsers.Def(3*time.Second, defFcgiDial)
	r.SendTimeout = parsers.Def(time.Duration(0), defFcgiWrite)
	be := &parsers.Backend{Kind: parsers.BackendCaddy, Pos: name.Pos, Block: d.Pos}
	known := true
	add := func(ts []Token) {
		for _, t := range ts {
			known = known && !wholeEnv(t.Text)
			be.Targets = append(be.Targets, targets(t)...)
		}
	}
	args := d.Args()
	if matcherOf(d) != nil {
		args = args[1:]
	}
	add(args)
	timeouts := func(x *Directive) {
		switch x.Name() {
		case "read_timeout":
			r.ReadTimeout = durationOf(x, 0)
		case "write_timeout":
			r.SendTimeout = durationOf(x, 0)
		case "dial_timeout":
			r.ConnectTimeout = durationOf(x, 0)
		}
	}
	for _, sub := range d.Block {
		switch sub.Name() {
		case "to":
			add(sub.Args())
		case "dynamic":
			known = false
		case "index", "try_files":
			if t == nil && !frontController(sub) {
				// No rewrite of every request for a missing file to a fixed index
				// file: only requests for *.php scripts reach php-fpm, whatever their
				// path (caddy adapt 2.6.2: `index off` writes no rewrite; `try_files
				// {path} {path}/index.php =404` ends in a status).
				r.Path, r.PathKind = "", parsers.PathRegex
			}
		}
		if t == nil {
			timeouts(sub) // php_fastcgi's own subdirectives
		}
	}
	if t != nil {
		for _, sub := range t.Block {
			timeouts(sub)
		}
	}
	if known && len(be.Targets) > 0 {
		r.PassBackend = be
	}
	s.hop.Routes = append(s.hop.Routes, r)
}
