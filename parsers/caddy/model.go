package caddy

import (
	"strconv"
	"strings"
	"time"

	"github.com/no502/no502/parsers"
)

// Defaults, from ../shared/reference/defaults.md ("Caddy reverse_proxy" table; source
// caddyserver/caddy@0cf03d3, keys CDY-HT, CDY-HC, CDY-RP, CDY-APP).
// The fastcgi transport's (modules/caddyhttp/reverseproxy/fastcgi: fastcgi.go Provision
// sets DialTimeout 3s when 0; client.go SetReadTimeout and SetWriteTimeout set no
// deadline for 0), checked on caddy 2.6.2 (proxy.go, fastcgi).
const (
	defFcgiRead  = "Caddy default fastcgi read_timeout: none"
	defFcgiWrite = "Caddy default fastcgi write_timeout: none"
	defFcgiDial  = "Caddy default dial_timeout 3s"
)

const (
	defGrace        = "Caddy default grace_period: none, waits forever for in-flight requests" // CDY-APP:136-142
	defDelay        = "Caddy default shutdown_delay: 0"                                        // CDY-APP:143-155
	defIdle         = "Caddy default servers timeouts idle 5m"                                 // CDY-APP:895
	defWrite        = "Caddy default servers timeouts write: none"                             // CDY-APP: WriteTimeout unset
	defErrStatus    = "no handle_errors answering with a status of its own"
	defRespHeader   = "Caddy default response_header_timeout: none"                    // CDY-HT:108-109
	defDial         = "Caddy default dial_timeout 3s"                                  // CDY-HT:100-102
	defKeepAlive    = "Caddy default keepalive 2m"                                     // CDY-HT:215-216
	defNoRetry      = "Caddy default: lb_try_duration 0 and lb_retries 0 (no retries)" // CDY-RP:1657,1665
	defNoRetryJSON  = "Caddy default: load_balancing try_duration 0 and retries 0 (no retries)"
	defPassiveOff   = "Caddy default: fail_duration 0 (passive health checks off)" // CDY-HC:236
	defMaxFails     = "Caddy default max_fails 1"                                  // CDY-HC:241
	defHealthIntvl  = "Caddy default health_interval 30s"                          // CDY-HC:201-202
	defHealthTO     = "Caddy default health_timeout 5s"                            // CDY-HC:161
	defHealthPasses = "Caddy default health_passes 1"                              // CDY-HC:214
	defHealthFails  = "Caddy default health_fails 1"                               // CDY-HC:218
	defRespond      = "Caddy default respond status 200"
)

// Parse reads every Caddyfile of a run into the model. A file imported by another input
// is analysed only in the importer's context. Imports are read through opts.ReadFile
// (os.ReadFile when nil) and not followed outside opts.Roots.
func Parse(inputs []parsers.Input, opts parsers.Options) *parsers.Model {
	m := &parsers.Model{}
	e := newExpander(opts, m)
	var roots []*srcFile
	for _, in := range inputs {
		if isJSONInput(in) {
			parseJSON(m, in) // Caddy's native JSON config (json.go)
			continue
		}
		if sf := e.addInput(in); sf != nil {
			roots = append(roots, sf)
		}
	}
	type expanded struct {
		root    *srcFile
		entries []*Directive
		reached map[string]bool
		// diags are the expansion's diagnostics, reported only if the root is
		// analysed: a file another root imports (sites/b.caddy pulled in by
		// `import sites/*`) misses, on its own, the snippets its importer defines.
		diags []parsers.Diag
	}
	var all []expanded
	for _, r := range roots {
		before := len(m.Diags)
		e.startRoot(r)
		entries := e.top(r.file.Directives)
		// Imports inside blocks, now that every top-level snippet is known.
		for _, d := range entries {
			if d.HasBlock {
				d.Block = e.body(d.Block, nil, nil, nil, 1)
			}
		}
		diags := append([]parsers.Diag(nil), m.Diags[before:]...)
		m.Diags = m.Diags[:before]
		all = append(all, expanded{r, entries, e.reached, diags})
	}
	for _, x := range all {
		// Skip a root another root imports (unless they import each other, a cycle
		// already reported): it is analysed in its importer's context.
		skip := false
		for _, o := range all {
			if o.root != x.root && o.reached[x.root.abs] && !x.reached[o.root.abs] {
				skip = true
				break
			}
		}
		if skip {
			continue
		}
		m.Diags = append(m.Diags, x.diags...)
		b := &builder{m: m, file: x.root}
		b.build(x.entries)
	}
	return m
}

// builder turns one root Caddyfile's expanded top level into hops.
type builder struct {
	m      *parsers.Model
	file   *srcFile
	global *Directive

	grace, delay parsers.Duration
	// servers holds `servers [address] { ... }` blocks of the global options.
	servers []*Directive
	// edge is a Cloudflare signal in the global options (applies to every site).
	edge parsers.Setting[string]
}

func (b *builder) build(entries []*Directive) {
	b.grace = parsers.Def(time.Duration(0), defGrace)
	b.delay = parsers.Def(time.Duration(0), defDelay)
	if len(entries) > 0 && len(entries[0].Tokens) == 0 && entries[0].HasBlock {
		b.global = entries[0]
		b.globalOptions(entries[0])
		entries = entries[1:]
	}
	for i := 0; i < len(entries); i++ {
		d := entries[i]
		if len(d.Tokens) == 0 {
			continue // a second bare block: Caddy rejects it; nothing to model
		}
		if !d.HasBlock {
			// A site without braces: its address line, then the rest of the file is
			// its body (Caddy allows this when it is the only site).
			site := &Directive{Tokens: d.Tokens, Pos: d.Pos, Imported: d.Imported}
			site.Block = entries[i+1:]
			if n := len(entries); n > i+1 {
				site.Pos = span(site.Pos, entries[n-1].Pos)
			}
			b.site(site, false)
			return
		}
		b.site(d, true)
	}
}

func (b *builder) globalOptions(g *Directive) {
	for _, d := range g.Block {
		switch d.Name() {
		case "grace_period":
			b.grace = durationOf(d, 0)
		case "shutdown_delay":
			b.delay = durationOf(d, 0)
		case "servers":
			b.servers = append(b.servers, d)
			for _, s := range d.Block {
				if e := edgeSignal(s); e.Known() {
					b.edge = e
				}
			}
		}
	}
}

// site models one site block as a hop.
func (b *builder) site(d *Directive, braces bool) {
	var addrs []string
	for _, t := range d.Tokens {
		for _, a := range strings.Split(t.Text, ",") {
			if a = strings.TrimSpace(a); a != "" {
				addrs = append(addrs, a)
			}
		}
	}
	h := &parsers.Hop{
		Kind:            parsers.HopCaddy,
		Format:          parsers.FormatCaddy,
		Name:            strings.Join(addrs, ", "),
		Listen:          addrs,
		Pos:             d.Tokens[0].Pos,
		Block:           d.Pos,
		ShutdownTimeout: b.grace,
		ShutdownDelay:   b.delay,
		Edge:            b.edge,
	}
	h.ClientIdleTimeout = b.serverTimeout(addrs, "idle", parsers.Def(5*time.Minute, defIdle))
	h.ResponseTimeout = b.serverTimeout(addrs, "write", parsers.Def(time.Duration(0), defWrite))
	h.ErrorStatus = errorStatus(d.Block)
	s := &siteWalker{b: b, hop: h, matchers: map[string]*Directive{}}
	s.collectMatchers(d.Block)
	s.walk(d.Block, sitePath(addrs))
	b.m.Hops = append(b.m.Hops, h)
}

// sitePath is the paths a site serves: everything, unless its addresses carry a path
// ("example.com/api/*").
func sitePath(addrs []string) pathCtx {
	ctx := pathCtx{path: "/", kind: "prefix"}
	for i, a := range addrs {
		rest := a
		if j := strings.Index(rest, "://"); j >= 0 {
			rest = rest[j+3:]
		}
		p := pathCtx{path: "/", kind: "prefix"}
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			p = pathOf(rest[j:])
		}
		if i == 0 {
			ctx = p
		} else if p != ctx {
			return pathCtx{kind: "regex"}
		}
	}
	return ctx
}

// serverTimeout reads timeout name (idle, write) of the servers block that applies to a
// site: one naming a listener port the site uses, else one with no address; def when it
// does not set it.
func (b *builder) serverTimeout(addrs []string, name string, def parsers.Duration) parsers.Duration {
	var pick *Directive
	for _, s := range b.servers {
		if len(s.Args()) == 0 {
			if pick == nil {
				pick = s
			}
			continue
		}
		for _, a := range addrs {
			if listenerMatches(s.Arg(0), a) {
				pick = s
			}
		}
	}
	if pick != nil {
		if t := pick.Find("timeouts"); t != nil {
			if d := t.Find(name); d != nil {
				return durationOf(d, 0)
			}
		}
	}
	return def
}

// listenerMatches reports whether a servers block's listener address (":443") matches a
// site address ("example.com", "http://x:8080"): by port, with the scheme's default.
func listenerMatches(listener, site string) bool {
	lp := listener[strings.LastIndexByte(listener, ':')+1:]
	port := "443"
	switch {
	case strings.HasPrefix(site, "http://"):
		port = "80"
		site = strings.TrimPrefix(site, "http://")
	case strings.HasPrefix(site, "https://"):
		site = strings.TrimPrefix(site, "https://")
	}
	if i := strings.IndexByte(site, '/'); i >= 0 {
		site = site[:i]
	}
	if i := strings.LastIndexByte(site, ':'); i >= 0 && !strings.Contains(site[i:], "]") {
		port = site[i+1:]
	}
	return lp == port
}

// settingVia adds the import chain of d to a setting, so a message can say where a
// snippet's directive was imported.
func settingVia[T any](s parsers.Setting[T], d *Directive) parsers.Setting[T] {
	if len(d.Imported) == 0 || !s.Pos.IsValid() {
		return s
	}
	var parts []string
	for _, p := range d.Imported {
		parts = append(parts, p.Short())
	}
	s.Origin = &parsers.Origin{Via: append([]parsers.Pos(nil), d.Imported...), Note: "imported at " + strings.Join(parts, " ← ")}
	return s
}

// set returns an explicit setting for directive d.
func set[T any](v T, d *Directive) parsers.Setting[T] {
	return settingVia(parsers.Set(v, d.NameTok().Pos, lineText(d)), d)
}

// lineText is the directive's line as Caddy sees it (arguments substituted), for
// messages.
func lineText(d *Directive) string {
	var parts []string
	for _, t := range d.Tokens {
		if t.Quoted {
			parts = append(parts, t.Raw)
		} else {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, " ")
}

// unknown returns a setting that is written but cannot be evaluated.
func unknown[T any](d *Directive) parsers.Setting[T] {
	s := set(*new(T), d)
	s.Unknown = true
	return s
}

// errorStatus reads a site's handle_errors as the status a client gets for an error of
// the site (Hop.ErrorStatus). caddy 2.6.2 on loopback, the upstream refusing: `respond
// "down" 503` gave 503; `respond "{err.status_code} {err.status_text}"` (no status) and a
// file_server error page kept 502; `respond @5xx "maintenance" 503` gave 503 where its
// expression held. Only a block of directives that answer every error alike is read:
// anything else (a matcher, handle or reverse_proxy blocks, a status filter of newer
// versions, several handle_errors) leaves the status unknown.
func errorStatus(ds []*Directive) parsers.Setting[int] {
	status := parsers.Def(0, defErrStatus)
	var he *Directive
	for _, d := range ds {
		if d.Name() != "handle_errors" {
			continue
		}
		if he != nil || len(d.Args()) > 0 || !d.HasBlock {
			return parsers.Setting[int]{Unknown: true}
		}
		he = d
	}
	if he == nil {
		return status
	}
	for _, d := range he.Block {
		switch d.Name() {
		case "root", "rewrite", "uri", "header", "request_header", "templates", "encode", "vars", "map",
			"file_server", "try_files", "log_name", "log_skip", "skip_log", "log_append":
			// Keep the error's status (file_server writes it for an error page).
		case "respond":
			if matcherOf(d) != nil {
				return parsers.Setting[int]{Unknown: true}
			}
			args := d.Args()
			for i, a := range args {
				if n, err := strconv.Atoi(a.Text); err == nil && i < 2 && (i == 1 || len(a.Text) == 3 && !a.Quoted) {
					status = set(n, d)
				} else if i == 1 {
					return parsers.Setting[int]{Unknown: true} // a placeholder status
				}
			}
		default:
			return parsers.Setting[int]{Unknown: true}
		}
	}
	return status
}
