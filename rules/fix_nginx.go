package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/nginx"
)

// nginx fixes write directives inside the block that must hold them: the location for
// per-route settings, the upstream for server parameters, the server for client ones.

// includedIn reports whether pos lies in a file included (directly or through other
// includes) from inside block: nginx splices that file's directives into the block, so a
// second directive of the same name written in the block is a duplicate nginx rejects.
func includedIn(m *parsers.Model, block, pos parsers.Pos) bool {
	if !pos.IsValid() || pos.File == block.File {
		return false
	}
	// includeLine knows a file included from several blocks (File.IncludedBy records
	// only the first include): it finds the block's own include line naming it.
	_, ok := includeLine(m, parsers.Set(true, pos, ""), block)
	return ok
}

// nginxSet makes the directive line the one block uses for the setting defined at def
// (users counts the blocks that use that same definition; called only for a definition in
// an included file, since counting walks the model). In the block: replaced, or
// inserted as an override of an outer value. In a file included inside the block (where
// an override would be a duplicate): changed in that file when no other block uses the
// definition; otherwise why says why the fix stays a snippet.
func nginxSet(m *parsers.Model, e *nginx.BlockEdit, block, def parsers.Pos, users func() int, line string) (why string) {
	if !includedIn(m, block, def) {
		e.Set(def, line)
		return ""
	}
	name, _, _ := strings.Cut(line, " ")
	if shared := users(); shared > 1 {
		e.Set(parsers.Pos{}, line) // for the snippet; not written
		return fmt.Sprintf("%s comes from %s, included here and by %s: change it there, or stop including it here", name, def.Short(), parsers.Plural(shared-1, "other block", "other blocks"))
	}
	f := m.File(def.File)
	if f == nil {
		return name + " comes from " + def.Short() + ", which is not among the linted files"
	}
	// The definition nginx uses for this block, in the included file, which no other
	// block uses: change it there.
	in := editBlock(m, parsers.ByteRange(f.Path, 0, len(f.Src))).Set(def, line)
	if _, _, writable := in.Result(); !writable {
		return name + " in " + def.Short() + " shares its line with other directives"
	}
	e.Extra(in)
	return ""
}

// routesUsing counts the routes of the model whose setting (read by get) is defined at pos.
func routesUsing(m *parsers.Model, pos parsers.Pos, get func(*parsers.Route) parsers.Pos) func() int {
	return func() int {
		n := 0
		for _, h := range m.Hops {
			for _, r := range h.Routes {
				if p := get(r); p.File == pos.File && p.Offset == pos.Offset {
					n++
				}
			}
		}
		return n
	}
}

// nestedTaker returns a route of a location nested in route r's block that takes the
// setting from outside its own block (own says whether it writes its own, in its block or
// a file included there): nginx merges a directive a location leaves unset from the
// location around it, so a line written in r's block would change that route too, a
// change its own findings did not ask for. why says so, naming the setting; "" when no
// nested route takes it.
func nestedTaker(m *parsers.Model, r *parsers.Route, setting string, own func(o *parsers.Route) bool) (why string) {
	if r.Hop == nil || r.Block.File == "" {
		return ""
	}
	for _, o := range r.Hop.Routes {
		if o == r || o.Block.File != r.Block.File || o.Block.Offset <= r.Block.Offset && o.Block.EndOffset >= r.Block.EndOffset ||
			!r.Block.Contains(o.Block.File, int(o.Block.Offset)) || own(o) {
			continue
		}
		return fmt.Sprintf("location %s inside it sets no %s of its own, so it would take this one too: give location %s its own first", o.Path, setting, o.Path)
	}
	return ""
}

// ownSetting is nestedTaker's test for a setting whose definition get reads: written in
// the route's own block or in a file included there, or in a location between it and
// outer's block (which the line written in outer does not reach).
func ownSetting(m *parsers.Model, outer *parsers.Route, get func(*parsers.Route) parsers.Pos) func(o *parsers.Route) bool {
	mine := get(outer)
	return func(o *parsers.Route) bool {
		def := get(o)
		if !def.IsValid() {
			return false
		}
		if o.Block.Contains(def.File, int(def.Offset)) || includedIn(m, o.Block, def) {
			return true
		}
		// Inside outer's block but not outer's own line: a location between them.
		return outer.Block.Contains(def.File, int(def.Offset)) && !(def.File == mine.File && def.Offset == mine.Offset)
	}
}

// respondPos is where route r answers itself (nothing when it forwards).
func respondPos(r *parsers.Route) parsers.Pos {
	if r.Respond == nil {
		return parsers.Pos{}
	}
	return r.Respond.Pos
}

// blockFixWhy wraps a block edit as blockFix does, kept as a snippet when why says so.
func blockFixWhy(desc string, b *nginx.BlockEdit, why string) *Fix {
	fix := blockFix(desc, b)
	if why != "" {
		fix.guess(why)
	}
	return fix
}

func nginxReadTimeoutFix(m *parsers.Model, r *parsers.Route, d time.Duration, note string) *Fix {
	v := parsers.Seconds(d)
	name := nginxReadTimeoutDirective(r)
	line := fmt.Sprintf("%s %s;", name, v)
	if note != "" {
		line += "  # " + note
	}
	e := editBlock(m, r.Block)
	why := nginxSet(m, e, r.Block, r.ReadTimeout.Pos, routesUsing(m, r.ReadTimeout.Pos, readTimeoutPos), line)
	if why == "" {
		why = nestedTaker(m, r, name, ownSetting(m, r, readTimeoutPos))
	}
	return blockFixWhy("set "+name+" "+v+" in location "+r.Path, e, why)
}

func nginxLowerReadTimeoutFix(m *parsers.Model, r *parsers.Route, edge time.Duration) *Fix {
	v := parsers.Seconds(edge - 5*time.Second)
	name := nginxReadTimeoutDirective(r)
	line := fmt.Sprintf("%s %s;  # below the edge's %s: answer 202 fast and queue longer work", name, v, parsers.Seconds(edge))
	e := editBlock(m, r.Block)
	why := nginxSet(m, e, r.Block, r.ReadTimeout.Pos, routesUsing(m, r.ReadTimeout.Pos, readTimeoutPos), line)
	if why == "" {
		why = nestedTaker(m, r, name, ownSetting(m, r, readTimeoutPos))
	}
	return blockFixWhy("keep "+name+" below the edge's limit and queue slow work", e, why)
}

func readTimeoutPos(r *parsers.Route) parsers.Pos { return r.ReadTimeout.Pos }

// nginxReadTimeoutDirective names the directive that bounds route r's wait for the app:
// proxy_read_timeout, or fastcgi_read_timeout (uwsgi_, scgi_, grpc_) for a location that
// forwards by that protocol.
func nginxReadTimeoutDirective(r *parsers.Route) string {
	if r.Pass != "" {
		return r.Pass + "_read_timeout"
	}
	return "proxy_read_timeout"
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
	if tf := m.File(t.Pos.File); tf != nil {
		f = tf // a server line in a file included into the upstream block
	}
	server := nginx.CountFailures(nginx.DirectiveText(f.Src, t.Pos), "3", "10s")
	users := func() int {
		n := 0
		for _, be := range m.Backends {
			for _, x := range be.Targets {
				if x.Pos.File == t.Pos.File && x.Pos.Offset == t.Pos.Offset {
					n++
				}
			}
		}
		return n
	}
	e := editBlock(m, b.Block)
	why := nginxSet(m, e, b.Block, t.Pos, users, server)
	fix := blockFixWhy("count failures of "+t.Address+" (max_fails=3 fail_timeout=10s)", e, why)
	fix.sets = []string{"max_fails", "fail_timeout"} // the server line's parameters, not its address
	return fix
}

func nginxRetryFix(m *parsers.Model, h *parsers.Hop, r *parsers.Route) *Fix {
	e := editBlock(m, r.Block)
	cond := r.Retry.Conditions.Pos
	line := nginxModule(r) + "_next_upstream error timeout;"
	if !nginxResendsPosts(h) {
		line += "  # " + neverResent(r)
	}
	why := nginxSet(m, e, r.Block, cond, routesUsing(m, cond, func(r *parsers.Route) parsers.Pos { return r.Retry.Conditions.Pos }),
		// nginx's default. Not http_502 http_503: listed, an app's own 503 (load
		// shedding, maintenance) counts toward max_fails and takes every server out
		// (nginx 1.22.1 on loopback, two servers answering 503: 503 then 502 "no live
		// upstreams" for every request).
		line)
	if why == "" {
		why = nestedTaker(m, r, nginxModule(r)+"_next_upstream", ownSetting(m, r, func(r *parsers.Route) parsers.Pos { return r.Retry.Conditions.Pos }))
	}
	if !r.Retry.Tries.Explicit() && nginxHasTries(h) {
		e.Insert(nginxModule(r) + "_next_upstream_tries 2;")
		if why == "" {
			why = nestedTaker(m, r, nginxModule(r)+"_next_upstream_tries", ownSetting(m, r, func(r *parsers.Route) parsers.Pos { return r.Retry.Tries.Pos }))
		}
	}
	return resendsPosts(h, r, blockFixWhy("retry failed connections on the next server", e, why))
}

// neverResent is the retry fix's comment: what nginx's default retry never sends twice.
func neverResent(r *parsers.Route) string {
	if r.Pass == "grpc" {
		return "a gRPC call (a POST) is never re-sent once sent"
	}
	return "POST/PATCH are never re-sent once sent"
}

// nginxBefore reports whether hop h is an nginx whose version (nginx_version, or an
// image tag) is known and older than min. An unknown or unreadable version is not.
func nginxBefore(h *parsers.Hop, min string) bool {
	if h == nil || h.Kind != parsers.HopNginx || !h.Version.Known() {
		return false
	}
	v := h.Version.Value
	return nginx.VersionAtLeast(v, "0") && !nginx.VersionAtLeast(v, min)
}

// nginxHasTries reports whether the *_next_upstream_tries directives may be written for
// hop h: they appeared in nginx 1.7.5 (an older nginx rejects the file: "unknown
// directive"; https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_next_upstream_tries).
func nginxHasTries(h *parsers.Hop) bool { return !nginxBefore(h, "1.7.5") }

// nginxResendsPosts reports whether hop h is an nginx older than 1.9.13, whose retries
// pass every request on, a POST or PATCH that its server failed after receiving
// included: 1.9.13 stopped that unless proxy_next_upstream lists non_idempotent
// (https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_next_upstream, and
// the 1.9.13 changes: "non-idempotent requests ... are not passed to the next server").
func nginxResendsPosts(h *parsers.Hop) bool { return nginxBefore(h, "1.9.13") }

// resendsPosts makes fix, which lets route r of hop h retry more, unsafe when that nginx
// re-sends a failed POST: a request the app may have acted on once is then sent to a
// second server, which the user may not expect of a fix.
func resendsPosts(h *parsers.Hop, r *parsers.Route, fix *Fix) *Fix {
	if fix == nil || !nginxResendsPosts(h) || r.Pass == "grpc" {
		return fix
	}
	fix.Description += " (unsafe: nginx " + h.Version.Value + " is older than 1.9.13, whose retries also send a POST or PATCH its first server failed after receiving to a second one: make sure its handlers are idempotent)"
	return fix.markUnsafe()
}

func nginxHealthProxyFix(m *parsers.Model, h *parsers.Hop, r *parsers.Route) *Fix {
	target, why := "http://app", "http://app stands for the app's address"
	if stubStatus(r) {
		// The app has no /nginx_status: forwarding it would fail the check for good,
		// and metrics exporters may read the page.
		return blockFix("point the check at a path the app answers", editBlock(m, r.Block).Set(r.Respond.Pos, "stub_status;  # keep: point the health check at a path forwarded to the app")).
			guess("the location serves nginx's stub_status page, which the app does not serve and metrics exporters may read")
	}
	if h != nil {
		if o, several := healthTargetRoute(h, r); o != nil {
			target, why = proxyTarget(o)
		} else if several != "" {
			why = "the server forwards to several apps (" + several + ") and none serves " + r.Path + " by itself: which one the health check should ask is yours to pick"
		}
		if h.OtherPass && (why == "" || target == "http://app") {
			// The server hands requests to its app by fastcgi_pass, grpc_pass, ...: an
			// HTTP proxy_pass to it would be a new, guessed path to the app.
			why = "the server passes requests to its app by fastcgi/uwsgi/grpc, not proxy_pass"
		}
	}
	fix := blockFix("forward "+r.Path+" to the app",
		editBlock(m, r.Block).Set(r.Respond.Pos, fmt.Sprintf("proxy_pass %s;  # let the app answer its own health check", target)))
	if n := routesUsing(m, r.Respond.Pos, respondPos)(); n > 1 && why == "" {
		// The location is in a file several servers include: the address comes from
		// this server's other locations, and written there it would send the others'
		// health path to this server's app.
		why = fmt.Sprintf("the location is in %s, which %d servers include, and each one's health path must go to its own app: forward it in each server", r.Respond.Pos.File, n)
	}
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
	e := editBlock(m, r.Block)
	oldVersion, closes := keepAliveBlockers(r)
	why := ""
	// Only what blocks the reuse is written: a proxy_http_version 1.1 already in force is
	// left as it is (writing it again would be an edit that changes nothing).
	if oldVersion {
		why = nginxSet(m, e, r.Block, r.HTTPVersion.Pos, routesUsing(m, r.HTTPVersion.Pos, func(r *parsers.Route) parsers.Pos { return r.HTTPVersion.Pos }), "proxy_http_version 1.1;")
		if why == "" {
			why = nestedTaker(m, r, "proxy_http_version", ownSetting(m, r, func(r *parsers.Route) parsers.Pos { return r.HTTPVersion.Pos }))
		}
	}
	if closes {
		// proxy_set_header is an array directive: a location that sets one stops
		// inheriting all outer ones, so copy the inherited ones in with the new one.
		// Lines of a file included inside the location are its own.
		inBlock := func(p parsers.Pos) bool { return r.Block.Contains(p.File, int(p.Offset)) || includedIn(m, r.Block, p) }
		ownHeaders := false
		for _, h := range r.Headers {
			if inBlock(h.Pos) {
				ownHeaders = true
			}
		}
		// An unread include in the location itself: the stock proxy_params (another
		// unread one leaves the Connection header unknown, and no finding). Its
		// proxy_set_header lines are the location's own, so the ones outside are not
		// inherited now, and a line added beside it drops nothing.
		u := r.HeadersUnread
		if u != nil && inBlock(u.Pos) {
			ownHeaders, u = true, nil
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
		if w := nginxSet(m, e, r.Block, at, routesUsing(m, at, func(r *parsers.Route) parsers.Pos { return r.ConnectionHeader.Pos }), `proxy_set_header Connection "";`); why == "" {
			why = w
		}
		if why == "" {
			// A nested location without proxy_set_header lines of its own takes the
			// whole list of the one around it, the new Connection line included. A
			// line inside this block that is not this location's own is a location's
			// between the two.
			rOwn := func(p parsers.Pos) bool {
				for _, h := range r.Headers {
					if h.Pos.File == p.File && h.Pos.Offset == p.Offset {
						return true
					}
				}
				return false
			}
			why = nestedTaker(m, r, "proxy_set_header", func(o *parsers.Route) bool {
				for _, h := range o.Headers {
					if o.Block.Contains(h.Pos.File, int(h.Pos.Offset)) || includedIn(m, o.Block, h.Pos) ||
						r.Block.Contains(h.Pos.File, int(h.Pos.Offset)) && !rOwn(h.Pos) {
						return true
					}
				}
				return o.HeadersUnread != nil && (o.Block.Contains(o.HeadersUnread.Pos.File, int(o.HeadersUnread.Pos.Offset)) || includedIn(m, o.Block, o.HeadersUnread.Pos))
			})
		}
		if !ownHeaders && u != nil && why == "" {
			// The location's first proxy_set_header would also drop the ones it
			// inherits from a file no502 did not read (Host, X-Forwarded-For from
			// proxy_params): which they are is not known, so they cannot be copied.
			why = fmt.Sprintf("include %s (%s) was not read and may set proxy_set_header lines, which location %s inherits and would stop inheriting once it sets one of its own: copy them into the location with Connection", u.Value, u.Pos.Short(), r.Path)
		}
	}
	return blockFixWhy("send HTTP/1.1 without Connection: close so upstream connections are reused", e, why)
}

// nginxClientKeepAliveFix sets how long the server block of h keeps idle client
// connections.
func nginxClientKeepAliveFix(m *parsers.Model, h *parsers.Hop, want time.Duration, note string) *Fix {
	v := parsers.Seconds(want)
	at := parsers.Pos{}
	if ka := h.ClientIdleTimeout; ka.Explicit() && (h.Block.Contains(ka.Pos.File, int(ka.Pos.Offset)) || includedIn(m, h.Block, ka.Pos)) {
		at = ka.Pos
	}
	users := func() int {
		n := 0
		for _, o := range m.Hops {
			if p := o.ClientIdleTimeout.Pos; p.File == at.File && p.Offset == at.Offset {
				n++
			}
		}
		return n
	}
	e := editBlock(m, h.Block)
	// keepalive_timeout takes a second parameter, the Keep-Alive: timeout= header sent
	// to clients: the fix changes the first and keeps the rest as written.
	args := v
	if ka := h.ClientIdleTimeout; ka.Explicit() {
		args += keptArgs(ka.Text)
	}
	why := nginxSet(m, e, h.Block, at, users, fmt.Sprintf("keepalive_timeout %s;  # %s", args, note))
	where := "server " + h.Name
	if n := h.ClientIdleTimeout.ViaNote(); at.IsValid() && strings.HasPrefix(n, locationKeepAliveNote) {
		where = strings.TrimPrefix(n, "after a request to ") + " of server " + h.Name
	}
	return blockFixWhy("set keepalive_timeout "+v+" in "+where, e, why)
}

// locationKeepAliveNote starts the note of a server's idle timeout that a location's
// shorter keepalive_timeout sets (the nginx parser's shortestLocationKeepAlive).
const locationKeepAliveNote = "after a request to location "

// keptArgs returns the arguments after the first of the directive written as text
// ("keepalive_timeout 30s 25s;" → " 25s"), as written, each after a space.
func keptArgs(text string) string {
	cfg, _ := nginx.ParseFile("", []byte(text))
	if cfg == nil || len(cfg.Directives) == 0 {
		return ""
	}
	d := cfg.Directives[0]
	out := ""
	for i := 1; i < len(d.Args); i++ {
		out += " " + d.RawArg(i)
	}
	return out
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
	users := func() int {
		n := 0
		for _, o := range m.Backends {
			if p := o.KeepAliveIdle.Pos; p.File == at.File && p.Offset == at.Offset {
				n++
			}
		}
		return n
	}
	e := editBlock(m, be.Block)
	fix := blockFixWhy("set keepalive_timeout "+v+" in upstream "+be.Name, e,
		nginxSet(m, e, be.Block, at, users, fmt.Sprintf("keepalive_timeout %s;  # %s", v, note)))
	if h != nil && h.Version.Known() && h.Version.Value != "" && !nginx.VersionAtLeast(h.Version.Value, "1.15.3") {
		return fix.guess("keepalive_timeout in upstream{} needs nginx 1.15.3, and nginx_version is " + h.Version.Value + ": upgrade nginx, or remove keepalive from upstream " + be.Name + " (before 1.15.3 nginx keeps idle upstream connections until the upstream closes them)")
	}
	return fix
}

// healthTargetRoute picks the location of nginx server h whose app the health path of
// route r (answered by nginx) should be forwarded to (servingTarget, by the app each
// location proxies to).
func healthTargetRoute(h *parsers.Hop, r *parsers.Route) (o *parsers.Route, several string) {
	return servingTarget(h, r, func(x *parsers.Route) (string, bool) {
		t, _ := proxyTarget(x)
		return t, true
	})
}

// servingTarget picks the route of hop h whose app the health path of route r (answered
// by the proxy itself) should be forwarded to: the one route the hop forwards by, or,
// when it forwards to several apps (app names them; false: a route not to count), the prefix
// route that would serve r's path without r (the longest covering it), when no regex
// route could take the path first. Else o is nil and several lists the apps (empty when
// there is none).
func servingTarget(h *parsers.Hop, r *parsers.Route, app func(*parsers.Route) (string, bool)) (o *parsers.Route, several string) {
	var fwd []*parsers.Route
	var apps []string
	regex := false
	for _, x := range h.Routes {
		if x == r || x.Backend == nil || x.Respond != nil {
			continue
		}
		name, ok := app(x)
		if !ok {
			continue
		}
		fwd = append(fwd, x)
		if !slices.Contains(apps, name) {
			apps = append(apps, name)
		}
		regex = regex || x.PathKind == parsers.PathRegex
	}
	switch {
	case len(fwd) == 0:
		return nil, ""
	case len(apps) == 1:
		return fwd[0], ""
	}
	if !regex {
		for _, x := range fwd {
			if x.PathKind == parsers.PathPrefix && strings.HasPrefix(r.Path, x.Path) && (o == nil || len(x.Path) > len(o.Path)) {
				o = x
			}
		}
		if o != nil {
			return o, ""
		}
	}
	return nil, strings.Join(apps, ", ")
}

// proxyTarget returns the proxy_pass argument of route o (which forwards to the app), as
// it is written there (Route.ProxyPass); why says why it cannot be copied ("" when it can): a variable is
// resolved at request time, and a path would rewrite the health path.
func proxyTarget(o *parsers.Route) (target, why string) {
	if !o.ProxyPass.Known() {
		return "http://" + o.Backend.Name, "the proxy_pass of location " + o.Path + " is not known"
	}
	url := o.ProxyPass.Value
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
