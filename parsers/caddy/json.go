package caddy

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// Caddy's native configuration is JSON (what the admin API and `caddy adapt` speak). A
// Caddyfile is adapted to it; this file reads the JSON into the same model the Caddyfile
// builder makes (site.go, proxy.go), so every Caddy rule applies to both. The JSON names
// Caddy's modules: apps.http.servers.<name>.routes[].handle[] with handlers
// reverse_proxy, subroute, static_response, file_server, rewrite, ...

// IsJSONConfig reports, cheaply and before any parse, whether src is a Caddy JSON config:
// a JSON object whose top level has an "apps" key holding an "http" app. Kubernetes
// manifests (apiVersion/kind) and Terraform JSON (resource, module, ...) have neither.
func IsJSONConfig(src []byte) bool {
	s := bytes.TrimLeft(src, " \t\r\n\ufeff")
	if len(s) == 0 || s[0] != '{' {
		return false
	}
	if !bytes.Contains(src, []byte(`"apps"`)) || !bytes.Contains(src, []byte(`"http"`)) {
		return false
	}
	// The keys must sit at the right levels: read the document (Caddy configs are small)
	// and look.
	root, _, err := readJSON(src)
	if err != nil {
		// A broken file that says "apps" at the top is still meant for Caddy: parse it
		// so the syntax error is reported.
		return topLevelKey(s, "apps")
	}
	return root.get("apps").get("http") != nil
}

// topLevelKey reports whether key appears as a key at depth 1 of the object in s, read
// up to the first syntax error.
func topLevelKey(s []byte, key string) bool {
	depth, inStr := 0, false
	want := `"` + key + `"`
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr:
			if c == '\\' {
				i++
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			if depth == 1 && bytes.HasPrefix(s[i:], []byte(want)) {
				rest := bytes.TrimLeft(s[i+len(want):], " \t\r\n")
				if len(rest) > 0 && rest[0] == ':' {
					return true
				}
			}
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		}
	}
	return false
}

// isJSONInput tells a JSON input from a Caddyfile handed to Parse.
func isJSONInput(in parsers.Input) bool {
	return strings.HasSuffix(strings.ToLower(in.Path), ".json") || IsJSONConfig(in.Src)
}

// parseJSON reads one Caddy JSON config into m.
func parseJSON(m *parsers.Model, in parsers.Input) {
	m.Files = append(m.Files, &parsers.File{Path: in.Path, Format: parsers.FormatCaddy, Src: in.Src})
	li := newLineIndex(in.Path, in.Src)
	if bad := binaryOffset(in.Src); bad >= 0 {
		m.Diags = append(m.Diags, parsers.Errorf(parsers.CharAt(in.Path, in.Src, bad), "binary or non-UTF-8 file"))
		return
	}
	root, at, err := readJSON(in.Src)
	if err != nil {
		m.Diags = append(m.Diags, parsers.Errorf(li.span(at, min(at+1, len(in.Src))), "%v", err))
		return
	}
	httpApp := root.get("apps").get("http")
	if httpApp == nil {
		return
	}
	b := &jsonBuilder{m: m, li: li}
	grace := parsers.Def(time.Duration(0), defGrace)
	if mb := httpApp.member("grace_period"); mb != nil {
		grace = b.duration(mb)
	}
	delay := parsers.Def(time.Duration(0), defDelay)
	if mb := httpApp.member("shutdown_delay"); mb != nil {
		delay = b.duration(mb)
	}
	servers := httpApp.get("servers")
	if servers == nil {
		return
	}
	for i := range servers.fields() {
		b.server(&servers.members[i], grace, delay)
	}
}

// jsonBuilder turns one Caddy JSON config into hops.
type jsonBuilder struct {
	m  *parsers.Model
	li *lineIndex
}

// memberPos is the span of a member, its key through its value.
func (b *jsonBuilder) memberPos(mb *jsonMember) parsers.Pos {
	return b.li.span(mb.keyStart, mb.val.end)
}

// memberText is a member as written, for messages: `"read_timeout": "30s"`. A number of
// nanoseconds gets its duration in words: `"dial_timeout": 3000000000 (3s)`.
func (b *jsonBuilder) memberText(mb *jsonMember) string {
	raw := string(b.li.src[mb.val.start:mb.val.end])
	if mb.val.kind == jsonObject || mb.val.kind == jsonArray {
		raw = compactJSON(raw)
	}
	return strconv.Quote(mb.key) + ": " + raw
}

// compactJSON shortens a written object or array for a message.
func compactJSON(raw string) string {
	var buf bytes.Buffer
	inStr := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case inStr:
			buf.WriteByte(c)
			if c == '\\' && i+1 < len(raw) {
				i++
				buf.WriteByte(raw[i])
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
			buf.WriteByte(c)
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			buf.WriteByte(c)
		}
	}
	s := buf.String()
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

func jsonSet[T any](b *jsonBuilder, v T, mb *jsonMember) parsers.Setting[T] {
	return parsers.Set(v, b.memberPos(mb), b.memberText(mb))
}

func jsonUnknown[T any](b *jsonBuilder, mb *jsonMember) parsers.Setting[T] {
	s := jsonSet(b, *new(T), mb)
	s.Unknown = true
	return s
}

// duration reads a Caddy duration: an integer of nanoseconds or a duration string
// ("30s", "1d"), as caddy.Duration's UnmarshalJSON accepts.
func (b *jsonBuilder) duration(mb *jsonMember) parsers.Duration {
	switch mb.val.kind {
	case jsonNumber:
		n, err := strconv.ParseInt(mb.val.str, 10, 64)
		if err != nil || n < 0 {
			return jsonUnknown[time.Duration](b, mb)
		}
		s := jsonSet(b, time.Duration(n), mb)
		s.Text += " (" + parsers.FormatDuration(time.Duration(n)) + ")"
		return s
	case jsonString:
		v, ok := envValue(mb.val.str)
		if !ok {
			return jsonUnknown[time.Duration](b, mb)
		}
		d, ok := parseDuration(v)
		if !ok {
			return jsonUnknown[time.Duration](b, mb)
		}
		return jsonSet(b, d, mb)
	}
	return jsonUnknown[time.Duration](b, mb)
}

// integer reads an integer setting (a number, or a string holding one).
func (b *jsonBuilder) integer(mb *jsonMember) parsers.Setting[int] {
	s := mb.val.str
	if mb.val.kind == jsonString {
		var ok bool
		if s, ok = envValue(s); !ok {
			return jsonUnknown[int](b, mb)
		}
	} else if mb.val.kind != jsonNumber {
		return jsonUnknown[int](b, mb)
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return jsonUnknown[int](b, mb)
	}
	return jsonSet(b, n, mb)
}

// server models one apps.http.servers entry: a hop per site (a top-level route matching
// hosts, as the adapter writes each Caddyfile site block) and one for the routes that
// match no host, named by the server's listeners.
func (b *jsonBuilder) server(srv *jsonMember, grace, delay parsers.Duration) {
	s := srv.val
	idle := parsers.Def(5*time.Minute, defIdle)
	if mb := s.member("idle_timeout"); mb != nil {
		idle = b.duration(mb)
	}
	write := parsers.Def(time.Duration(0), defWrite)
	if mb := s.member("write_timeout"); mb != nil {
		write = b.duration(mb)
	}
	edge := b.serverEdge(s)
	listen := s.get("listen").strings()
	newHop := func(name string, pos, block parsers.Pos) *parsers.Hop {
		return &parsers.Hop{
			Kind:              parsers.HopCaddy,
			Format:            parsers.FormatCaddy,
			Name:              name,
			Pos:               pos,
			Block:             block,
			ShutdownTimeout:   grace,
			ShutdownDelay:     delay,
			Edge:              edge,
			ClientIdleTimeout: idle,
			ResponseTimeout:   write,
		}
	}
	var anyHost *parsers.Hop // the routes that match no host
	var anyWalker *jsonWalker
	var hops []*parsers.Hop
	routes := s.get("routes")
	if routes == nil {
		return
	}
	strip := ""
	for _, r := range routes.list() {
		hosts, hostVal, never := routeHosts(r)
		if never {
			continue
		}
		var h *parsers.Hop
		if len(hosts) > 0 {
			h = newHop(strings.Join(hosts, ", "), b.li.span(hostVal.start, hostVal.end), b.li.span(r.start, r.end))
			hops = append(hops, h)
		} else {
			if anyHost == nil {
				name := strings.Join(listen, ", ")
				if name == "" {
					name = srv.key
				}
				anyHost = newHop(name, b.li.span(srv.keyStart, srv.keyStart+len(strconv.Quote(srv.key))), b.li.span(s.start, s.end))
				// These routes take any Host on the server's listeners, as a Caddyfile
				// site written ":80" does: a load balancer's check reaches them.
				anyHost.Listen = listen
				hops = append(hops, anyHost)
			}
			h = anyHost
		}
		w := &jsonWalker{b: b, hop: h, list: routes}
		if h == anyHost {
			// The any-Host routes run in order for one request: what an earlier one
			// answers, a later one never sees.
			if anyWalker == nil {
				anyWalker = w
			}
			w = anyWalker
		}
		w.phpScope = w.phpFront && phpPass(r)
		strip = w.route(r, pathCtx{path: "/", kind: parsers.PathPrefix, strip: strip}, true)
		w.phpScope = false
		w.phpFront = w.phpFront || phpFrontController(r)
	}
	// Every site is a hop, even one with no route the model follows (file_server,
	// redirects), as a Caddyfile site block is.
	for _, h := range hops {
		h.ErrorStatus = b.errorStatus(s.get("errors").get("routes"), h, h == anyHost)
	}
	b.m.Hops = append(b.m.Hops, hops...)
}

// errorStatus reads a server's errors routes (the Caddyfile's handle_errors) as the
// status a client of hop h gets for an error (Hop.ErrorStatus, errorStatus): the one
// top-level route that applies to h (no matcher, or a host matcher naming h's hosts, as
// the adapter writes a site's handle_errors) when its handlers answer every error alike.
func (b *jsonBuilder) errorStatus(routes *jsonValue, h *parsers.Hop, anyHost bool) parsers.Setting[int] {
	unknown := parsers.Setting[int]{Unknown: true}
	var applies *jsonValue
	for _, r := range routes.list() {
		hosts, _, never := routeHosts(r)
		switch {
		case never:
			continue
		case hosts == nil && r.get("match") != nil && len(r.get("match").list()) > 0:
			return unknown // a path, expression or other condition
		case hosts != nil && (anyHost || strings.Join(hosts, ", ") != h.Name):
			if !anyHost && slices.Contains(strings.Split(h.Name, ", "), hosts[0]) {
				return unknown // partly h's hosts
			}
			continue
		}
		if applies != nil {
			return unknown
		}
		applies = r
	}
	if applies == nil {
		return parsers.Def(0, defErrStatus)
	}
	st, ok := b.errorHandlers(applies.get("handle"))
	if !ok {
		return unknown
	}
	return st
}

// errorHandlers reads the handlers of an errors route (see errorStatus); ok is false
// when they may answer errors differently.
func (b *jsonBuilder) errorHandlers(handle *jsonValue) (parsers.Setting[int], bool) {
	status := parsers.Def(0, defErrStatus)
	for _, h := range handle.list() {
		switch h.get("handler").text() {
		case "subroute":
			for _, r := range h.get("routes").list() {
				if m := r.get("match"); m != nil && len(m.list()) > 0 {
					return status, false
				}
				st, ok := b.errorHandlers(r.get("handle"))
				if !ok {
					return status, false
				}
				if st.Explicit() {
					return st, true
				}
			}
		case "static_response":
			if ab := h.get("abort"); ab != nil && ab.str == "true" || h.get("headers").get("Location") != nil {
				return status, false
			}
			if mb := h.member("status_code"); mb != nil {
				st := b.integer(mb)
				return st, st.Known()
			}
			return status, true // keeps the error's status
		case "file_server":
			return status, true // an error page, served with the error's status
		case "vars", "rewrite", "headers", "encode", "templates":
		default:
			return status, false
		}
	}
	return status, true
}

// routeHosts returns the hosts a top-level route takes requests for, and the first host
// list. A route's matcher sets are alternatives, so one set without a host condition
// takes any Host: hosts is then nil, and the route is the server's any-Host routes' (a
// load balancer's check reaches it). A set whose host list is empty matches nothing;
// never reports a route whose every set is such (no request runs it). caddy 2.6.2 on
// loopback: a route matching [{"host": ["example.net"]}, {"path": ["/health"]}] proxied
// a check sent with Host 10.0.0.5 to the app (502 with the app down), and the route
// after it answering /health with 200 never ran; a route matching [{"host": []}] never
// answered.
func routeHosts(r *jsonValue) (hosts []string, first *jsonValue, never bool) {
	match := r.get("match")
	if match == nil || len(match.list()) == 0 {
		return nil, nil, false
	}
	anyHost, live := false, false
	for _, set := range match.list() {
		hv := set.get("host")
		if hv == nil {
			anyHost, live = true, true
			continue
		}
		if len(hv.strings()) == 0 {
			continue // matches no request
		}
		live = true
		if first == nil {
			first = hv
		}
		hosts = append(hosts, hv.strings()...)
	}
	if anyHost {
		return nil, nil, false
	}
	return hosts, first, !live
}

// serverEdge finds a Cloudflare signal in a server's options: trusted_proxies from the
// cloudflare module or listing Cloudflare's ranges, client_ip_headers naming
// Cf-Connecting-Ip.
func (b *jsonBuilder) serverEdge(s *jsonValue) parsers.Setting[string] {
	if mb := s.member("trusted_proxies"); mb != nil {
		tp := mb.val
		if tp.get("source").text() == "cloudflare" {
			return jsonSet(b, "cloudflare", mb)
		}
		for _, r := range tp.get("ranges").strings() {
			if isCloudflareRange(r) {
				return jsonSet(b, "cloudflare", mb)
			}
		}
	}
	if mb := s.member("client_ip_headers"); mb != nil {
		for _, h := range mb.val.strings() {
			if strings.EqualFold(h, "Cf-Connecting-Ip") {
				return jsonSet(b, "cloudflare", mb)
			}
		}
	}
	return parsers.Setting[string]{}
}

// jsonWalker walks the routes of one hop.
type jsonWalker struct {
	b   *jsonBuilder
	hop *parsers.Hop
	// taken holds the paths of the routes walked so far that answer a request or
	// rewrite its path: routes run in the order written, and a static_response after one
	// of them that may match its paths is not known to answer.
	taken []takenPaths
	// groups are the grouped routes being walked (outermost first) and next numbers
	// routes.
	groups []groupedRoute
	next   int
	// members are the grouped routes walked so far, with the paths they match: the first
	// route of a group whose matcher holds is the only one of the group to run.
	members []groupMember
	// list is the route list being walked (a server's or a subroute's): groups are
	// that list's.
	list *jsonValue
	// upgrade is set while walking a route whose matcher takes only WebSocket upgrade
	// requests (the Caddyfile's @ws recipe), and the routes inside it.
	upgrade bool
	// unreached is set while walking routes that come after a route without a matcher
	// whose handlers proxy every request it gets (reverse_proxy never hands a request
	// on): no request reaches them, and their reverse_proxy handlers are not modelled,
	// as the Caddyfile model leaves out a reverse_proxy after one without a matcher.
	unreached bool
	// phpScope is set while walking the route of a subroute that sends *.php to a
	// FastCGI server after an earlier route of the same list rewrote every request for a
	// missing file to a front controller (phpFrontController): the adapter's output for
	// php_fastcgi. Its `path *.php` matcher then selects requests of every path of the
	// subroute's scope, so the route is modelled with that scope, as the Caddyfile model
	// does for php_fastcgi.
	phpScope bool
	// phpFront is set once a top-level route of the hop's server routes is such a
	// rewrite (a site without host, whose php_fastcgi routes are the server's own).
	phpFront bool
}

// phpFrontController reports whether route r rewrites a request to the first file of a
// try_files list that exists, ending in a fixed file (index.php; not =404): php_fastcgi's
// rewrite, which caddy adapt 2.6.2 writes as {"match": [{"file": {"try_files":
// ["{http.request.uri.path}", "{http.request.uri.path}/index.php", "index.php"]}}],
// "handle": [{"handler": "rewrite", "uri": "{http.matchers.file.relative}"}]}. Every
// request for a file that does not exist then goes to that one file.
func phpFrontController(r *jsonValue) bool {
	sets := r.get("match").list()
	if len(sets) != 1 {
		return false
	}
	tf := sets[0].get("file").get("try_files").strings()
	if len(tf) == 0 || !fixedFile(tf[len(tf)-1]) {
		// The last entry a placeholder (a request for a missing file is not
		// rewritten) or =404 (answered with that status): only *.php requests reach
		// the FastCGI server.
		return false
	}
	hs := r.get("handle").list()
	return len(hs) == 1 && hs[0].get("handler").text() == "rewrite" && hs[0].get("uri").text() == "{http.matchers.file.relative}"
}

// fixedFile reports whether a try_files entry names one file whatever the request: no
// placeholder in its path (a query after "?" may hold some: /index.php?{query}), and not
// a =STATUS.
func fixedFile(entry string) bool {
	file, _, _ := strings.Cut(entry, "?")
	return file != "" && !strings.Contains(file, "{") && !strings.HasPrefix(file, "=")
}

// phpPass reports whether route r is php_fastcgi's pass: a sole `path` matcher of
// "*.EXT" patterns and a reverse_proxy handler with the fastcgi transport.
func phpPass(r *jsonValue) bool {
	sets := r.get("match").list()
	if len(sets) != 1 || len(sets[0].fields()) != 1 {
		return false
	}
	paths := sets[0].get("path").strings()
	if len(paths) == 0 {
		return false
	}
	for _, p := range paths {
		if !strings.HasPrefix(p, "*.") || strings.ContainsAny(p[2:], "*/{") {
			return false
		}
	}
	for _, h := range r.get("handle").list() {
		if h.get("handler").text() == "reverse_proxy" && h.get("transport").get("protocol").text() == "fastcgi" {
			return true
		}
	}
	return false
}

// proxiesFirst reports whether route r's handlers end every request it gets in a
// reverse_proxy of its own (not in a subroute): one without handle_response routes,
// which run with the next handler after them (forward_auth).
func proxiesFirst(r *jsonValue) bool {
	for _, h := range r.get("handle").list() {
		if h.get("handler").text() == "reverse_proxy" && h.get("handle_response") == nil {
			return true
		}
	}
	return false
}

// groupedRoute is a route of a group (routes of one group are mutually exclusive: the
// adapter's handle blocks), numbered.
type groupedRoute struct {
	group string
	id    int
	list  *jsonValue
}

// groupMember is a grouped route and the paths its matcher takes: ctx as one set (as
// other routes read their matcher), paths value by value.
type groupMember struct {
	groupedRoute
	ctx   pathCtx
	paths []parsers.RoutePath
}

// groupTakenFirst returns the paths of the routes of a group the current position is in,
// written before the route leading here (the adapter writes them in the order they
// run), that match some of target's paths: the group runs that route for them and never
// this one (see siteWalker.takenFirst).
func (w *jsonWalker) groupTakenFirst(target pathCtx) []parsers.RoutePath {
	var out []parsers.RoutePath
	for _, c := range w.groups {
		for _, m := range w.members {
			if m.group == c.group && m.list == c.list && m.id < c.id && overlaps(m.ctx, target) {
				out = append(out, m.paths...)
			}
		}
	}
	return out
}

// overlaps reports whether two sets of paths may share one (an unread one may).
func overlaps(a, b pathCtx) bool {
	switch {
	case a.kind == parsers.PathRegex || b.kind == parsers.PathRegex:
		return true
	case a.kind == parsers.PathPrefix && strings.HasPrefix(b.path, a.path),
		b.kind == parsers.PathPrefix && strings.HasPrefix(a.path, b.path):
		return true
	}
	return a.path == b.path
}

// matchPathValues reads a route's matcher sets value by value, as the paths they
// select under ctx: each path of a set whose only other conditions are those matchPath
// lets by (host on a top-level route, a method letting GET through); a set with any
// other condition selects any path (PathRegex).
func matchPathValues(m *jsonValue, ctx pathCtx, top bool) []parsers.RoutePath {
	var out []parsers.RoutePath
	add := func(p pathCtx, named bool) {
		if p = combine(ctx, p); p.kind == parsers.PathRegex {
			out = append(out, parsers.RoutePath{Kind: parsers.PathRegex, NamedHost: named})
		} else {
			out = append(out, parsers.RoutePath{Path: p.path, Kind: p.kind, NamedHost: named})
		}
	}
	for _, set := range m.list() {
		if set.kind != jsonObject {
			return []parsers.RoutePath{{Kind: parsers.PathRegex}}
		}
		hv := set.get("host")
		if hv != nil && len(hv.strings()) == 0 {
			continue
		}
		// A set's conditions all hold: one naming only DNS hosts never takes a request
		// whose Host is an IP address (see namedHosts). On a top-level route the host is
		// the route's own (Route.Host), not a sibling's.
		named := !top && hv != nil && hv.kind == jsonArray && len(hv.items) == len(hv.strings()) && namedHosts(hv.strings())
		for _, p := range matchSetPaths(set, ctx.strip, top) {
			add(p, named)
		}
	}
	return out
}

// takenByGroup reports whether a route of a group the current position is in, written
// before the route leading here, matches every request to target: the group then runs
// that one and never this (caddy 2.6.2 on loopback, the adapter's output for handle
// {respond /health 200} beside handle /health {reverse_proxy}: the check reached the
// app). A route matching some of target's paths leaves the others here.
func (w *jsonWalker) takenByGroup(target pathCtx) bool {
	for _, c := range w.groups {
		for _, m := range w.members {
			if m.group != c.group || m.list != c.list || m.id >= c.id {
				continue
			}
			switch t := m.ctx; {
			case t.kind == parsers.PathPrefix && target.kind != parsers.PathRegex && strings.HasPrefix(target.path, t.path),
				t.kind == parsers.PathExact && target.kind == parsers.PathExact && target.path == t.path:
				return true
			}
		}
	}
	return false
}

// takenPaths are the paths of a route that answers (reverse_proxy, file_server...) or,
// with rewrite, changes the path for the routes after it, and the grouped routes it is
// in.
type takenPaths struct {
	ctx     pathCtx
	rewrite bool
	groups  []groupedRoute
}

// mayBeTaken reports whether a route walked before may take a request to target. One
// in another route of a group the current position is in too is exclusive with it
// (the Caddyfile's sibling handle blocks, which the Caddyfile model does not order
// either); a rewrite does not change what a catch-all matches.
func (w *jsonWalker) mayBeTaken(target pathCtx) bool {
	for _, tp := range w.taken {
		if w.exclusive(tp.groups) || tp.rewrite && target.kind == parsers.PathPrefix && target.path == "/" {
			continue
		}
		t := tp.ctx
		switch {
		case t.kind == parsers.PathRegex || target.kind == parsers.PathRegex:
			return true
		case t.kind == parsers.PathPrefix && strings.HasPrefix(target.path, t.path),
			target.kind == parsers.PathPrefix && strings.HasPrefix(t.path, target.path),
			t.path == target.path:
			return true
		}
	}
	return false
}

// exclusive reports whether a route in the grouped routes gs and the current position
// are in different routes of one group.
func (w *jsonWalker) exclusive(gs []groupedRoute) bool {
	for _, g := range gs {
		for _, c := range w.groups {
			if g.group == c.group && g.id != c.id {
				return true
			}
		}
	}
	return false
}

// route models one route under ctx. It returns the path prefix stripped for the routes
// after it in the same list: handle_path adapts to a subroute whose first route, with no
// matcher, strips the prefix for the routes that follow.
func (w *jsonWalker) route(r *jsonValue, ctx pathCtx, top bool) string {
	if r == nil || r.kind != jsonObject {
		return ctx.strip
	}
	outerStrip, outerCtx := ctx.strip, ctx
	matched := false
	if m := r.get("match"); m != nil {
		matched = true
		if !w.phpScope {
			ctx = combine(ctx, matchPath(m, ctx.strip, top))
		}
		if upgradeMatch(m) {
			// Only WebSocket upgrades get here, and to the routes inside.
			defer func(was bool) { w.upgrade = was }(w.upgrade)
			w.upgrade = true
		}
	}
	// proxied: a reverse_proxy ran earlier in this route's handlers; without
	// handle_response it never hands the request on, so a reverse_proxy after it never
	// gets one (the adapter's output for
	// several reverse_proxy directives without a matcher in one site).
	takes, rewrites, proxied := false, false, false
	if g := r.get("group").text(); g != "" {
		w.next++
		gr := groupedRoute{group: g, id: w.next, list: w.list}
		w.groups = append(w.groups, gr)
		defer func() { w.groups = w.groups[:len(w.groups)-1] }()
		if matched {
			outer := pathCtx{path: outerCtx.path, kind: outerCtx.kind, strip: outerStrip}
			w.members = append(w.members, groupMember{groupedRoute: gr, ctx: ctx, paths: matchPathValues(r.get("match"), outer, top)})
		} else {
			// No matcher: it takes every request the list gets.
			w.members = append(w.members, groupMember{groupedRoute: gr, ctx: pathCtx{path: "/", kind: parsers.PathPrefix}})
		}
	}
	for _, h := range r.get("handle").list() {
		switch h.get("handler").text() {
		case "subroute":
			strip := ctx.strip
			unreached := w.unreached
			outerList := w.list
			w.list = h.get("routes")
			front := false
			for _, sr := range h.get("routes").list() {
				w.phpScope = front && phpPass(sr)
				strip = w.route(sr, pathCtx{path: ctx.path, kind: ctx.kind, strip: strip}, false)
				w.phpScope = false
				front = front || phpFrontController(sr)
				if sr.get("match") == nil && proxiesFirst(sr) {
					// Every request this subroute gets is proxied there: the routes
					// after it never run.
					w.unreached = true
				}
			}
			w.unreached = unreached
			w.list = outerList
		case "rewrite":
			if sp := h.get("strip_path_prefix").text(); sp != "" {
				ctx.strip += sp
			}
			for _, mb := range h.fields() {
				switch mb.key {
				case "uri", "strip_path_suffix", "uri_substring", "path_regexp":
					rewrites = true // the path changes for the routes after it
				}
			}
		case "reverse_proxy":
			if !w.unreached && !proxied {
				w.reverseProxy(h, ctx)
			}
			takes = true
			proxied = proxied || h.get("handle_response") == nil
		case "static_response":
			// Not taken by itself: the adapter sorts respond directives by how specific
			// their matchers are, as the Caddyfile model does not.
			if !w.mayBeTaken(ctx) && !w.takenByGroup(ctx) {
				w.respond(h, ctx, w.groupTakenFirst(ctx))
			}
		case "file_server", "error", "authentication":
			takes = true
		}
	}
	if takes || rewrites {
		w.taken = append(w.taken, takenPaths{ctx: ctx, rewrite: !takes, groups: append([]groupedRoute(nil), w.groups...)})
	}
	if matched {
		return outerStrip
	}
	return ctx.strip
}

// matchPath reads a route's matcher sets as the paths they select. The sets are
// alternatives: they select a path when each does, the same one (a set whose host list
// is empty matches nothing and is left out). One set selects a path when its only
// conditions are one path value and, on a top-level route, host (the site's addresses,
// which do not narrow paths); anything else (several paths, other matchers, a host
// matcher inside a site) is "regex", as for a Caddyfile matcher.
func matchPath(m *jsonValue, strip string, top bool) pathCtx {
	var out *pathCtx
	for _, set := range m.list() {
		if set.kind != jsonObject {
			return pathCtx{kind: parsers.PathRegex}
		}
		if hv := set.get("host"); hv != nil && len(hv.strings()) == 0 {
			continue
		}
		p := matchSetPath(set, strip, top)
		if p.kind == parsers.PathRegex || out != nil && p != *out {
			return pathCtx{kind: parsers.PathRegex}
		}
		out = &p
	}
	if out == nil {
		return pathCtx{kind: parsers.PathRegex}
	}
	return *out
}

// matchSetPath reads one matcher set as the path it selects (see matchPath).
func matchSetPath(set *jsonValue, strip string, top bool) pathCtx {
	ps := matchSetPaths(set, strip, top)
	if len(ps) != 1 {
		return pathCtx{kind: parsers.PathRegex}
	}
	return ps[0]
}

// matchSetPaths reads one matcher set as the paths it selects, one per value of its path
// condition (a PathRegex one when it says more than matchPath reads).
func matchSetPaths(set *jsonValue, strip string, top bool) []pathCtx {
	regex := []pathCtx{{kind: parsers.PathRegex}}
	var paths []string
	method := false
	for _, mb := range set.fields() {
		switch mb.key {
		case "host":
			if !top {
				return regex
			}
		case "path":
			paths = mb.val.strings()
			if len(paths) == 0 {
				return regex
			}
		case "method":
			// As in the Caddyfile model: a method matcher that lets GET through keeps
			// the path.
			if !slices.ContainsFunc(mb.val.strings(), func(m string) bool { return strings.EqualFold(m, "GET") }) {
				return regex
			}
			method = true
		default:
			return regex
		}
	}
	if paths == nil && method {
		return regex // a method alone: not a path
	}
	if paths == nil {
		return []pathCtx{{path: "/", kind: parsers.PathPrefix}}
	}
	var out []pathCtx
	for _, v := range paths {
		p := pathOf(v)
		if strip != "" && p.kind != parsers.PathRegex {
			p.path = strip + p.path
		}
		out = append(out, p)
	}
	return out
}

// upgradeMatch reports whether a route's matcher sets take only WebSocket upgrade
// requests: every set (they are alternatives) has a header condition whose every value
// (also alternatives) is one upgradeHeader accepts, as the Caddyfile's
// `@ws { header Connection *Upgrade*; header Upgrade websocket }` adapts to.
func upgradeMatch(m *jsonValue) bool {
	sets := m.list()
	if len(sets) == 0 {
		return false
	}
	for _, set := range sets {
		only := false
		for _, f := range set.get("header").fields() {
			vals := f.val.strings()
			if len(vals) > 0 && !slices.ContainsFunc(vals, func(v string) bool { return !upgradeHeader(f.key, v) }) {
				only = true
			}
		}
		if !only {
			return false
		}
	}
	return true
}

// handlerPos is the position of a handler: its "handler" member, else the object.
func (w *jsonWalker) handlerPos(h *jsonValue) parsers.Pos {
	if mb := h.member("handler"); mb != nil {
		return w.b.memberPos(mb)
	}
	return w.b.li.span(h.start, h.end)
}

// respond models a static_response handler as a route the hop answers itself.
func (w *jsonWalker) respond(h *jsonValue, ctx pathCtx, takenFirst []parsers.RoutePath) {
	if ab := h.get("abort"); ab != nil && ab.str == "true" || h.get("headers").get("Location") != nil {
		// abort and redir adapt to static_response; neither is a response the hop
		// serves in place of the app (the Caddyfile model skips them too).
		return
	}
	pos := w.handlerPos(h)
	status := parsers.Def(200, defRespond)
	if mb := h.member("status_code"); mb != nil {
		status = w.b.integer(mb)
	}
	r := &parsers.Route{
		Hop:      w.hop,
		Path:     ctx.path,
		PathKind: ctx.kind,
		Pos:      pos,
		Block:    w.b.li.span(h.start, h.end),
		Respond:  &parsers.Respond{Status: status, Pos: pos, Text: compactJSON(string(w.b.li.src[h.start:h.end]))},
		// Of the routes before it in its groups, what matches some of its paths.
		TakenFirst: takenFirst,
	}
	if r.PathKind == parsers.PathRegex {
		r.Path = ""
	}
	w.hop.Routes = append(w.hop.Routes, r)
}

// isForwardAuth recognises the reverse_proxy the forward_auth directive adapts to (a GET
// subrequest whose 2xx answer lets the request through): the Caddyfile model does not
// count it as a route to the app, and neither does this one.
func isForwardAuth(h *jsonValue) bool {
	rw := h.get("rewrite")
	return rw.get("method").text() == "GET" && rw.get("uri") != nil && h.get("handle_response") != nil
}

// reverseProxy models one reverse_proxy handler as a route and its backend.
func (w *jsonWalker) reverseProxy(h *jsonValue, ctx pathCtx) {
	b := w.b
	tr := h.get("transport")
	if tr.get("protocol").text() == "fastcgi" {
		// php_fastcgi adapts to a reverse_proxy with the fastcgi transport: a FastCGI
		// pass, as the Caddyfile's (siteWalker.fastcgi).
		w.hop.OtherPass = true
		w.fastcgi(h, tr, ctx)
		return
	}
	if isForwardAuth(h) {
		return
	}
	pos := w.handlerPos(h)
	block := b.li.span(h.start, h.end)
	r := &parsers.Route{
		Hop:            w.hop,
		Path:           ctx.path,
		PathKind:       ctx.kind,
		Pos:            pos,
		Block:          block,
		ReadTimeout:    parsers.Def(time.Duration(0), defRespHeader),
		ConnectTimeout: parsers.Def(3*time.Second, defDial),
	}
	if r.PathKind == parsers.PathRegex {
		r.Path = ""
	}
	r.WebSocket = w.upgrade
	be := &parsers.Backend{
		Kind:          parsers.BackendCaddy,
		Pos:           pos,
		Block:         block,
		KeepAliveIdle: parsers.Def(2*time.Minute, defKeepAlive),
		Passive:       parsers.PassiveHealth{Enabled: parsers.Def(false, defPassiveOff)},
	}
	for _, u := range h.get("upstreams").list() {
		if d := u.get("dial"); d != nil && d.kind == jsonString {
			be.Targets = append(be.Targets, targets(Token{Text: d.str, Pos: b.li.span(d.start, d.end)})...)
		}
	}
	if h.get("dynamic_upstreams") != nil {
		be.Targets = nil // from DNS or another source at run time
	}
	var names []string
	for _, t := range be.Targets {
		names = append(names, t.Address)
	}
	be.Name = strings.Join(names, " ")

	// Edge signals on the proxy: trusted_proxies with Cloudflare's ranges, a header
	// read from Cf-Connecting-Ip.
	if mb := h.member("trusted_proxies"); mb != nil {
		for _, c := range mb.val.strings() {
			if isCloudflareRange(c) {
				w.hop.Edge = jsonSet(b, "cloudflare", mb)
			}
		}
	}
	if mb := h.get("headers").get("request"); mb != nil {
		for _, op := range mb.fields() {
			for _, hv := range op.val.fields() {
				for _, v := range hv.val.strings() {
					if strings.Contains(strings.ToLower(v), "header.cf-connecting-ip}") {
						w.hop.Edge = jsonSet(b, "cloudflare", &hv)
					}
				}
			}
		}
	}

	lb := h.get("load_balancing")
	if mb := lb.get("selection_policy").member("policy"); mb != nil {
		be.LBPolicy = jsonSet(b, mb.val.text(), mb)
	}
	var tryDur, respHdr, readTO, failDur parsers.Duration
	var retries, maxFails parsers.Setting[int]
	if mb := lb.member("try_duration"); mb != nil {
		tryDur = b.duration(mb)
	}
	if mb := lb.member("retries"); mb != nil {
		retries = b.integer(mb)
	}

	hc := h.get("health_checks")
	if am := hc.member("active"); am != nil {
		a := am.val
		be.Health = &parsers.HealthCheck{
			Pos:   b.memberPos(am),
			Block: block,
			// Active checks run only with a uri, path or port (CDY-HC:226).
			Enabled:            parsers.Def(false, "Caddy default: no active health checks without uri, path or port"),
			Interval:           parsers.Def(30*time.Second, defHealthIntvl),
			Timeout:            parsers.Def(5*time.Second, defHealthTO),
			HealthyThreshold:   parsers.Def(1, defHealthPasses),
			UnhealthyThreshold: parsers.Def(1, defHealthFails),
		}
		hcm := be.Health
		for _, key := range []string{"path", "uri"} { // uri replaces the deprecated path
			if mb := a.member(key); mb != nil {
				v, ok := envValue(mb.val.text())
				hcm.Path = jsonSet(b, v, mb)
				hcm.Path.Unknown = !ok || mb.val.kind != jsonString
				hcm.Enabled = jsonSet(b, true, mb)
			}
		}
		if mb := a.member("port"); mb != nil {
			hcm.Port = jsonSet(b, mb.val.str, mb)
			hcm.Enabled = jsonSet(b, true, mb)
		}
		if mb := a.member("interval"); mb != nil {
			hcm.Interval = b.duration(mb)
		}
		if mb := a.member("timeout"); mb != nil {
			hcm.Timeout = b.duration(mb)
		}
		if mb := a.member("passes"); mb != nil {
			hcm.HealthyThreshold = b.integer(mb)
		}
		if mb := a.member("fails"); mb != nil {
			hcm.UnhealthyThreshold = b.integer(mb)
		}
		if mb := a.member("expect_status"); mb != nil {
			// A one-digit status is a class: 2 means 2xx.
			v := mb.val.str
			if len(v) == 1 {
				v += "xx"
			}
			hcm.Matcher = jsonSet(b, v, mb)
		}
	}
	if p := hc.get("passive"); p != nil {
		if mb := p.member("fail_duration"); mb != nil {
			failDur = b.duration(mb)
		}
		if mb := p.member("max_fails"); mb != nil {
			maxFails = b.integer(mb)
		}
	}

	if tr != nil {
		if mb := tr.member("dial_timeout"); mb != nil {
			r.ConnectTimeout = b.duration(mb)
		}
		if mb := tr.member("response_header_timeout"); mb != nil {
			respHdr = b.duration(mb)
		}
		if mb := tr.member("read_timeout"); mb != nil {
			readTO = b.duration(mb)
		}
		if mb := tr.member("write_timeout"); mb != nil {
			r.SendTimeout = b.duration(mb)
		}
		if ka := tr.member("keep_alive"); ka != nil {
			if en := ka.val.member("enabled"); en != nil && en.val.str == "false" {
				be.KeepAliveIdle = jsonSet(b, time.Duration(0), en)
			} else if mb := ka.val.member("idle_timeout"); mb != nil {
				be.KeepAliveIdle = b.duration(mb)
			}
		}
	}

	r.ReadTimeout = readWait(r.ReadTimeout, respHdr, readTO)
	be.KeepAliveIdle = poolIdle(be.KeepAliveIdle, readTO)
	r.Retry = retryPolicy(tryDur, retries, defNoRetryJSON)
	be.Passive = passiveHealth(be.Passive, failDur, maxFails)
	r.Backend = be
	w.hop.Routes = append(w.hop.Routes, r)
	b.m.Backends = append(b.m.Backends, be)
}

// fastcgi models a reverse_proxy handler with the fastcgi transport tr as a FastCGI pass
// (Route.Pass "fastcgi"), with the transport's timeouts and Caddy's defaults (see
// siteWalker.fastcgi); no PassBackend when the upstreams are dynamic.
func (w *jsonWalker) fastcgi(h, tr *jsonValue, ctx pathCtx) {
	b := w.b
	pos := w.handlerPos(h)
	block := b.li.span(h.start, h.end)
	r := &parsers.Route{
		Hop: w.hop, Path: ctx.path, PathKind: ctx.kind, Pos: pos, Block: block, Pass: "fastcgi",
		ReadTimeout:    parsers.Def(time.Duration(0), defFcgiRead),
		ConnectTimeout: parsers.Def(3*time.Second, defFcgiDial),
		SendTimeout:    parsers.Def(time.Duration(0), defFcgiWrite),
	}
	if r.PathKind == parsers.PathRegex {
		r.Path = ""
	}
	if mb := tr.member("read_timeout"); mb != nil {
		r.ReadTimeout = b.duration(mb)
	}
	if mb := tr.member("write_timeout"); mb != nil {
		r.SendTimeout = b.duration(mb)
	}
	if mb := tr.member("dial_timeout"); mb != nil {
		r.ConnectTimeout = b.duration(mb)
	}
	be := &parsers.Backend{Kind: parsers.BackendCaddy, Pos: pos, Block: block}
	known := h.get("dynamic_upstreams") == nil
	for _, u := range h.get("upstreams").list() {
		if d := u.get("dial"); d != nil && d.kind == jsonString {
			// A placeholder ({env.PHP_UPSTREAM}) may hold anything: the upstreams are
			// not known.
			known = known && !strings.Contains(d.str, "{")
			be.Targets = append(be.Targets, targets(Token{Text: d.str, Pos: b.li.span(d.start, d.end)})...)
		}
	}
	if known && len(be.Targets) > 0 {
		r.PassBackend = be
	}
	w.hop.Routes = append(w.hop.Routes, r)
}

// readWait is how long Caddy waits on the upstream: the shorter of
// response_header_timeout and read_timeout, whichever are set (def when neither is).
func readWait(def, respHdr, readTO parsers.Duration) parsers.Duration {
	switch {
	case respHdr.Known() && readTO.Known() && !respHdr.Unknown && !readTO.Unknown:
		if readTO.Value > 0 && (respHdr.Value == 0 || readTO.Value < respHdr.Value) {
			return readTO
		}
		return respHdr
	case respHdr.Known() || respHdr.Unknown:
		return respHdr
	case readTO.Known() || readTO.Unknown:
		return readTO
	}
	return def
}

// poolIdle is how long Caddy keeps an idle upstream connection in its pool: keepalive,
// or read_timeout when that is shorter. read_timeout is a deadline on every read of the
// connection, and Go's transport keeps a read pending on an idle pooled one, so that read
// fails and the connection is closed once read_timeout passes (caddy 2.6.2 on loopback,
// read_timeout 2s: a request 3s after the last one came on a new connection; without
// read_timeout the idle one was reused).
func poolIdle(keepalive, readTO parsers.Duration) parsers.Duration {
	if !readTO.Known() || readTO.Value <= 0 || !keepalive.Known() || keepalive.Value <= 0 || readTO.Value >= keepalive.Value {
		return keepalive
	}
	readTO.Text += ", which closes idle connections too"
	return readTO
}

// retryPolicy: none unless try_duration or retries is set and non-zero. none says so
// in the config's own terms (defNoRetry, defNoRetryJSON).
func retryPolicy(tryDur parsers.Duration, retries parsers.Setting[int], none string) parsers.RetryPolicy {
	p := parsers.RetryPolicy{Timeout: tryDur, Tries: retries}
	switch {
	case !tryDur.Known() && !retries.Known() && !tryDur.Unknown && !retries.Unknown:
		p.Conditions = parsers.Def([]string{"off"}, none)
	case tryDur.Unknown || retries.Unknown:
		p.Conditions = parsers.Setting[[]string]{Unknown: true}
	case tryDur.Value > 0:
		p.Conditions = condition(tryDur)
	case retries.Value > 0:
		p.Conditions = condition(retries)
	default:
		c := condition(tryDur)
		if !tryDur.Known() {
			c = condition(retries)
		}
		c.Value = []string{"off"}
		p.Conditions = c
	}
	return p
}

// passiveHealth: on only with fail_duration > 0.
func passiveHealth(p parsers.PassiveHealth, failDur parsers.Duration, maxFails parsers.Setting[int]) parsers.PassiveHealth {
	switch {
	case failDur.Unknown:
		p.Enabled = parsers.Setting[bool]{Unknown: true}
	case failDur.Known() && failDur.Value > 0:
		p.Enabled = parsers.Setting[bool]{Value: true, Pos: failDur.Pos, Text: failDur.Text, Origin: failDur.Origin}
		p.FailTimeout = failDur
		p.MaxFails = parsers.Def(1, defMaxFails)
		if maxFails.Known() || maxFails.Unknown {
			p.MaxFails = maxFails
		}
	case failDur.Known():
		p.Enabled = parsers.Setting[bool]{Value: false, Pos: failDur.Pos, Text: failDur.Text, Origin: failDur.Origin}
		p.FailTimeout = failDur
	}
	return p
}
