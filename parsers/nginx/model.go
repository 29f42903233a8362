package nginx

import (
	"net"
	"net/netip"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/no502/no502/parsers"
)

// Kinds of Backend this package makes.
const (
	BackendUpstream = "nginx-upstream" // an upstream{} block
	BackendAddress  = "nginx-address"  // a proxy_pass to an address (or to variables)
)

// newDefaults is the version where nginx turned on upstream keep-alive by default
// (proxy_http_version 1.1, no "Connection: close", keepalive 32 in upstream{}).
const newDefaults = "1.29.7"

// Parse reads every nginx file of one run into a model. Files that another input
// includes are analysed only in the includer's context; every input and every file an
// include pulled in is listed in Model.Files.
func Parse(inputs []parsers.Input, opts parsers.Options) *parsers.Model {
	m := &parsers.Model{}
	r := newResolver(opts)
	var lds []*loaded
	for _, in := range inputs {
		abs := in.Abs
		if abs == "" {
			abs, _ = filepath.Abs(in.Path)
		}
		abs = filepath.Clean(abs)
		if r.files[abs] != nil {
			continue // the same file given twice
		}
		if len(inputs) > 1 && r.linked(abs) != nil {
			continue // the same file by a second path (sites-enabled/app, a link)
		}
		cfg, diags := ParseFile(in.Path, in.Src, opts)
		m.Diags = append(m.Diags, diags...)
		lds = append(lds, r.add(abs, cfg, &parsers.File{Path: in.Path, Format: parsers.FormatNginx, Src: in.Src, Fragment: !isMain(cfg)}, true))
	}
	// Main files first, so that the fragments they include are resolved against the
	// main file's directory, as nginx does.
	for _, main := range []bool{true, false} {
		for _, ld := range lds {
			if isMain(ld.cfg) == main && !ld.resolved {
				r.resolveRoot(ld)
			}
		}
	}
	// A site switched off (sites-available/x with no link in the sites-enabled/ that a
	// main file reads) is not what nginx runs: it is neither analysed nor listed, and a
	// note at the include says so.
	off := map[*loaded]bool{}
	for _, ld := range lds {
		if isMain(ld.cfg) || r.reachedByOther(ld, lds) {
			continue
		}
		if inc, ok := r.disabled(ld); ok {
			off[ld] = true
			r.diags = append(r.diags, parsers.Notef(inc.Pos(), "%s is not enabled: nothing that include %s reads links to it, so nginx does not load it; not linted", ld.file.Path, inc.RawArg(0)))
		}
	}
	m.Diags = append(m.Diags, r.diags...)
	for _, ld := range r.order {
		if !off[ld] {
			m.Files = append(m.Files, ld.file)
		}
	}
	b := &builder{m: m, opts: opts, upstreamMemo: &upstreamMemo{entries: map[*Directive]*upstreamEntry{}}}
	b.newer = opts.NginxVersion != "" && VersionAtLeast(opts.NginxVersion, newDefaults)
	var roots []*Config
	for _, ld := range lds {
		if !off[ld] && !r.reachedByOther(ld, lds) {
			roots = append(roots, ld.cfg)
		}
	}
	// Fragments linted without their main file (conf.d/a.conf using an upstream that
	// conf.d/b.conf defines) are loaded together by nginx: an upstream name that the
	// file's own tree lacks is looked up in the other roots before it is taken for a
	// host name.
	b.allUpstreams = map[string]*Directive{}
	b.maps = map[string]*Directive{}
	for _, cfg := range roots {
		for _, ds := range httpLevels(cfg) {
			collectUpstreams(ds, b.allUpstreams)
			collectMaps(ds, b.maps)
		}
	}
	for _, cfg := range roots {
		b.root(cfg)
	}
	b.apply(b.log, map[*Directive]bool{})
	return m
}

// reachedByOther reports whether another input of lds includes ld, directly or not.
func (r *resolver) reachedByOther(ld *loaded, lds []*loaded) bool {
	for _, other := range lds {
		if other != ld && other.reached[ld] {
			return true
		}
	}
	return false
}

// level is one block of the inheritance chain (http, server, location) with its
// directives, includes spliced in.
type level struct {
	kind string
	ds   []*Directive
	// byName indexes ds when it is long, so a lookup in an http{} holding thousands of
	// servers does not scan them all for every location. Short levels (a location's
	// handful of directives) are scanned: building a map for each costs more.
	byName map[string][]*Directive
}

// indexFrom is the level size from which lookups go through a map.
const indexFrom = 32

type scope []level

func (s scope) with(kind string, ds []*Directive) scope {
	out := make(scope, len(s), len(s)+1)
	copy(out, s)
	lv := level{kind: kind, ds: Expand(ds)}
	if len(lv.ds) >= indexFrom {
		lv.byName = map[string][]*Directive{}
		for _, d := range lv.ds {
			lv.byName[d.Name] = append(lv.byName[d.Name], d)
		}
	}
	return append(out, lv)
}

// first returns the level's first directive called name.
func (lv *level) first(name string) *Directive {
	if lv.byName != nil {
		if ds := lv.byName[name]; len(ds) > 0 {
			return ds[0]
		}
		return nil
	}
	for _, d := range lv.ds {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// all returns the level's directives called name, in order.
func (lv *level) all(name string) []*Directive {
	if lv.byName != nil {
		return lv.byName[name]
	}
	var out []*Directive
	for _, d := range lv.ds {
		if d.Name == name {
			out = append(out, d)
		}
	}
	return out
}

// via names the level a setting found at index i came from: "" for the innermost.
func (s scope) via(i int) string {
	if i == len(s)-1 {
		return ""
	}
	// A route forwarding from inside if{} or limit_except{} is its location's: the
	// location's own settings are not inherited ones.
	if k := s[len(s)-1].kind; i == len(s)-2 && (k == "if" || k == "limit_except") {
		return ""
	}
	return s[i].kind
}

// lookup finds the directive in effect for a scalar setting: the innermost level that
// sets it wins. It also returns the level it came from, for "inherited from" notes.
func (s scope) lookup(name string) (*Directive, string) {
	for i := len(s) - 1; i >= 0; i-- {
		if d := s[i].first(name); d != nil {
			return d, s.via(i)
		}
	}
	return nil, ""
}

// lookupArray finds the directives in effect for an array setting such as
// proxy_set_header: nginx inherits them only into a level that sets none of them.
func (s scope) lookupArray(name string) ([]*Directive, string) {
	for i := len(s) - 1; i >= 0; i-- {
		if out := s[i].all(name); len(out) > 0 {
			return out, s.via(i)
		}
	}
	return nil, ""
}

type builder struct {
	m     *parsers.Model
	opts  parsers.Options
	newer bool // nginx_version is known and ≥ 1.29.7

	allUpstreams map[string]*Directive // of every root, for fragments
	maps         map[string]*Directive // map{} blocks of every root, by the variable they set
	*upstreamMemo

	// per root
	upstreams map[string]*Directive
	shutdown  parsers.Duration
	// listens holds the listen addresses of the http{} block being built, by port, and
	// complete whether that block is all nginx runs (a main file whose includes were all
	// read); server is the server{} being built (each fork builds its own). For
	// loopsToItself.
	listens   map[string][]listenAt
	shapes    *shapeMemo // of listens, made as sameChoice asks
	complete  bool
	curServer *Directive

	// log records what the builder made, in the order a sequential build makes it; apply
	// adds it to the model. Servers are built in parallel by forks of the builder, each
	// with its own log, and the logs are applied in file order, so the model does not
	// depend on scheduling.
	log []event
	// logged holds the upstreams this builder's log already references; only the first
	// reference matters to apply.
	logged map[*upstreamEntry]bool

	// Routes and their headers are allocated in slabs (see carve): a large config has
	// tens of thousands.
	routeSlab   []parsers.Route
	headerSlab  []parsers.Setting[string]
	hopSlab     []parsers.Hop
	backendSlab []parsers.Backend
	targetSlab  []parsers.Target
}

// event is one entry of a builder's log: a hop, a backend, a reference to an upstream{}
// (whose own log is applied the first time), or an error about a directive.
type event struct {
	hop      *parsers.Hop
	backend  *parsers.Backend
	upstream *upstreamEntry
	diag     *parsers.Diag
	dir      *Directive // the directive diag is about; it is reported once
}

// upstreamMemo builds each upstream{} block's Backend once, whichever fork needs it
// first, so every route forwarding to it shares one Backend.
type upstreamMemo struct {
	mu      sync.Mutex
	entries map[*Directive]*upstreamEntry
}

type upstreamEntry struct {
	once    sync.Once
	be      *parsers.Backend
	log     []event // the Backend and its errors
	applied bool
}

// fork returns a builder sharing b's read-only state, with an empty log.
func (b *builder) fork() *builder {
	f := *b
	f.log, f.logged = nil, nil
	f.routeSlab, f.headerSlab, f.hopSlab, f.backendSlab, f.targetSlab = nil, nil, nil, nil, nil
	return &f
}

// apply adds a log to the model, in order. reported holds the directives whose error
// was already added.
func (b *builder) apply(log []event, reported map[*Directive]bool) {
	for _, ev := range log {
		switch {
		case ev.hop != nil:
			b.m.Hops = append(b.m.Hops, ev.hop)
		case ev.backend != nil:
			b.m.Backends = append(b.m.Backends, ev.backend)
		case ev.upstream != nil:
			if !ev.upstream.applied {
				ev.upstream.applied = true
				b.apply(ev.upstream.log, reported)
			}
		case ev.diag != nil:
			if !reported[ev.dir] {
				reported[ev.dir] = true
				b.m.Diags = append(b.m.Diags, *ev.diag)
			}
		}
	}
}

// oneOnly are directives nginx accepts once per block: a second one in the same block
// (also one spliced in by an include) makes nginx -t fail with "directive is duplicate".
// These are the ones no502 reads or a fix writes.
var oneOnly = map[string]bool{
	"proxy_read_timeout": true, "proxy_connect_timeout": true, "proxy_send_timeout": true,
	"proxy_http_version": true, "proxy_next_upstream": true, "proxy_next_upstream_tries": true,
	"proxy_next_upstream_timeout": true, "proxy_pass": true, "fastcgi_pass": true,
	"grpc_pass": true, "uwsgi_pass": true, "keepalive_timeout": true, "keepalive_requests": true,
	"keepalive": true, "keepalive_time": true, "client_body_timeout": true,
	"client_header_timeout": true, "send_timeout": true, "worker_shutdown_timeout": true,
	"proxy_buffering": true, "proxy_request_buffering": true, "client_max_body_size": true,
}

// duplicates reports, as positioned errors, the second and later directives of a block
// (with its includes spliced in) that nginx accepts only once.
func (b *builder) duplicates(ds []*Directive) {
	var seen map[string]*Directive
	for _, d := range ds {
		if !oneOnly[d.Name] {
			continue
		}
		if seen == nil {
			seen = map[string]*Directive{}
		}
		if first := seen[d.Name]; first != nil {
			b.errorf(d, d.NamePos(), "%q directive is duplicate (nginx -t rejects it): the first is at %s", d.Name, first.NamePos().Short())
			continue
		}
		seen[d.Name] = d
	}
}

// notAllowedIn names, for each block no502 builds, the blocks nginx refuses inside it
// (nginx -t: "directive is not allowed here"): http-only blocks (upstream, map, geo,
// split_clients) outside http{} or below a server or location, a location straight in
// http{}, a server{} outside http{} or in a server{} or a location, and the top-level
// blocks anywhere below the top ("main" is a main nginx.conf's top level). A fragment's
// own top level is not checked: what includes it decides its context.
var notAllowedIn = map[string]map[string]bool{
	"main":     {"server": true, "location": true, "upstream": true, "map": true, "geo": true, "split_clients": true},
	"http":     {"http": true, "events": true, "stream": true, "mail": true, "location": true},
	"server":   {"http": true, "events": true, "stream": true, "mail": true, "server": true, "upstream": true, "map": true, "geo": true, "split_clients": true},
	"location": {"http": true, "events": true, "stream": true, "mail": true, "server": true, "upstream": true, "map": true, "geo": true, "split_clients": true},
}

// misplaced reports, as positioned errors, the blocks of ds (the directives of a parent
// block, with its includes spliced in) that nginx refuses there.
func (b *builder) misplaced(parent string, ds []*Directive) {
	refused := notAllowedIn[parent]
	where := "in " + parent + "{}"
	if parent == "main" {
		where = "at the top level of nginx.conf"
	}
	for _, d := range ds {
		if d.Block != nil && refused[d.Name] || d.Block == nil && (upstreamOnly[d.Name] || parent != "location" && passes[d.Name]) {
			b.errorf(d, d.NamePos(), "%q directive is not allowed %s (nginx -t rejects it: \"directive is not allowed here\")%s", d.Name, where, belongs(d.Name))
		}
	}
}

// passes and upstreamOnly name the simple directives nginx refuses in the blocks
// misplaced checks (the top level of nginx.conf, http{}, server{} and location{},
// includes spliced in; never stream{}, whose server{} takes a proxy_pass): a pass to an
// app belongs in a location (or an if or limit_except in it), and the load-balancing
// settings of the upstream modules in an upstream{} block. Each is its module's own
// name in every stock nginx build, checked with nginx -t 1.22.1 (TestMisplacedBlocks); a
// name whose context depends on the module (keepalive_timeout, keepalive_requests, zone,
// hash) is not here.
var (
	passes       = map[string]bool{"proxy_pass": true, "fastcgi_pass": true, "grpc_pass": true, "uwsgi_pass": true, "scgi_pass": true}
	upstreamOnly = map[string]bool{"keepalive": true, "least_conn": true, "ip_hash": true}
)

// belongs says where a misplaced block goes.
func belongs(name string) string {
	switch name {
	case "location":
		return ": a location belongs in a server{} block"
	case "server":
		return ": a server{} block belongs in http{}"
	case "upstream", "map", "geo", "split_clients":
		return ": " + name + " belongs in http{}, beside the server{} blocks"
	case "http", "events", "stream", "mail":
		return ": it belongs at the top level of nginx.conf"
	case "proxy_pass", "fastcgi_pass", "grpc_pass", "uwsgi_pass", "scgi_pass":
		return ": " + name + " belongs in a location{} block, which then forwards the requests it matches"
	case "keepalive", "least_conn", "ip_hash":
		return ": " + name + " belongs in an upstream{} block, beside its server lines"
	}
	return ""
}

func (b *builder) errorf(d *Directive, pos parsers.Pos, format string, args ...any) {
	if d != nil && d.templated() {
		return // envsubst rewrites it before nginx reads it: its value is unknown
	}
	diag := parsers.Errorf(pos, format, args...)
	b.log = append(b.log, event{diag: &diag, dir: d})
}

// root builds the hops of one root file according to what it is: a main nginx.conf, a
// fragment in http context (conf.d/*.conf: server, upstream, map at top level) or a
// fragment in server context (top-level location, included from a server{}).
func (b *builder) root(cfg *Config) {
	top := Expand(cfg.Directives)
	b.upstreams = map[string]*Directive{}
	b.listens, b.shapes, b.complete, b.curServer = nil, nil, false, nil
	b.shutdown = parsers.Def(time.Duration(0), "nginx default: no limit, waits for in-flight requests indefinitely")
	if isMain(cfg) {
		main := scope{}.with("main", top)
		b.misplaced("main", main[0].ds)
		if d, _ := main.lookup("worker_shutdown_timeout"); d != nil {
			b.shutdown = b.duration(d, "")
		}
		for _, d := range top {
			if d.Name == "http" && d.Block != nil {
				sc := scope{}.with("http", d.Block)
				b.misplaced("http", sc[0].ds)
				b.complete = !unreadServers(sc[0].ds)
				b.http(sc)
			}
		}
		return
	}
	if streamFragment(top) {
		return // TCP/UDP proxying (or mail): no HTTP request passes, no 502 is answered
	}
	hasServer, hasLocation := false, false
	for _, d := range top {
		switch d.Name {
		case "server", "upstream", "map":
			hasServer = true
		case "location":
			hasLocation = true
		}
	}
	switch {
	case hasServer:
		b.complete = false // other files nginx loads beside it may listen on its ports
		b.http(scope{}.with("http", top))
	case hasLocation:
		end := len(cfg.Src)
		line, col := parsers.LineCol(cfg.Src, end)
		h := b.newHop(filepath.Base(cfg.Path),
			parsers.Pos{File: cfg.Path, Line: 1, Col: 1, EndLine: int32(line), EndCol: int32(col), EndOffset: int32(end)},
			parsers.ByteRange(cfg.Path, 0, end))
		b.server(h, scope{}.with("server", top))
	}
}

// httpLevels returns the http-context directive lists of a root file: the http{}
// blocks of a main file, or the top level of a fragment in http context.
func httpLevels(cfg *Config) [][]*Directive {
	top := Expand(cfg.Directives)
	if !isMain(cfg) {
		if streamFragment(top) {
			return nil // its upstream names are stream{}'s, which http proxy_pass never sees
		}
		return [][]*Directive{top}
	}
	var out [][]*Directive
	for _, d := range top {
		if d.Name == "http" && d.Block != nil {
			out = append(out, Expand(d.Block))
		}
	}
	return out
}

// streamOnly names the directives a server{} block may hold in stream{} (or mail{}) but
// not in http{}, where `nginx -t` says "directive is not allowed here": http's proxy_pass
// belongs in a location, and the others are stream's own.
var streamOnly = map[string]bool{
	"proxy_pass": true, "proxy_timeout": true, "proxy_responses": true, "ssl_preread": true,
	"preread_timeout": true, "proxy_ssl": true, "proxy_upload_rate": true,
	"proxy_download_rate": true, "proxy_protocol": true,
}

// streamFragment reports whether the top level of a fragment belongs in stream{}: one of
// its server{} blocks holds a stream-only directive or listens on UDP. Such a file
// (streams-enabled/db.conf, stream.d/*.conf) is included from nginx.conf's stream{}, so
// its upstreams are not the ones an http proxy_pass names, and nothing in it is HTTP.
func streamFragment(top []*Directive) bool {
	for _, srv := range top {
		if srv.Name != "server" || srv.Block == nil {
			continue
		}
		for _, d := range Expand(srv.Block) {
			if streamOnly[d.Name] {
				return true
			}
			if d.Name == "listen" {
				for i := 1; i < len(d.Args); i++ {
					if d.Arg(i) == "udp" {
						return true
					}
				}
			}
		}
	}
	return false
}

// collectUpstreams records the upstream{} blocks of an http level by lower-cased name
// (nginx compares upstream names case-insensitively); the first definition wins.
func collectUpstreams(http []*Directive, into map[string]*Directive) {
	for _, d := range http {
		if d.Name == "upstream" && d.Block != nil && len(d.Args) > 0 {
			name := strings.ToLower(d.Arg(0))
			if into[name] == nil {
				into[name] = d
			}
		}
	}
}

// parallelFrom is the number of server{} blocks from which an http{} block is built by
// several goroutines; below it, starting them costs more than it saves.
var parallelFrom = 64

// http builds the hops of an http{} block (or a fragment in http context). Servers are
// independent of each other, so a large http{} is split among the CPUs.
func (b *builder) http(sc scope) {
	http := sc[len(sc)-1].ds
	b.duplicates(http)
	collectUpstreams(http, b.upstreams)
	var servers []*Directive
	for _, d := range http {
		if d.Name == "server" && d.Block != nil {
			servers = append(servers, d)
		}
	}
	b.listens = listensByPort(servers)
	b.shapes = &shapeMemo{byPort: map[string]*portShapes{}}
	workers := min(runtime.GOMAXPROCS(0), len(servers)/(parallelFrom/2))
	if workers < 2 {
		for _, d := range servers {
			b.serverBlock(sc, d)
		}
		return
	}
	logs := make([][]event, workers)
	var wg sync.WaitGroup
	for i := range workers {
		part := servers[i*len(servers)/workers : (i+1)*len(servers)/workers]
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := b.fork()
			for _, d := range part {
				f.serverBlock(sc, d)
			}
			logs[i] = f.log
		}()
	}
	wg.Wait()
	for _, log := range logs {
		b.log = append(b.log, log...)
	}
}

// serverBlock builds the hop of one server{} block.
func (b *builder) serverBlock(sc scope, d *Directive) {
	ssc := sc.with("server", d.Block)
	srv := ssc[len(ssc)-1].ds
	b.curServer = d
	b.duplicates(srv)
	b.misplaced("server", srv)
	// Name the server as its config does: its first server_name, else what it listens
	// on ("listen 80"); "_" and "" are the catch-all names, not names.
	name := ""
	for _, x := range srv {
		if x.Name == "server_name" && len(x.Args) > 0 && x.Arg(0) != "_" && x.Arg(0) != "" {
			name = x.Arg(0)
			break
		}
	}
	for _, x := range srv {
		if name == "" && x.Name == "listen" && len(x.Args) > 0 && x.Arg(0) != "" {
			name = "listen " + x.Arg(0)
		}
	}
	if name == "" {
		name = "server at " + d.NamePos().String()
	}
	h := b.newHop(name, d.NamePos(), d.Pos())
	for _, x := range srv {
		if x.Name == "server_name" {
			for i := range x.Args {
				h.ServerNames = append(h.ServerNames, strings.ToLower(x.Arg(i)))
			}
		}
		if x.Name == "listen" && len(x.Args) > 0 && x.Arg(0) != "" {
			h.Listen = append(h.Listen, x.Arg(0))
			for i := 1; i < len(x.Args); i++ {
				if x.Arg(i) == "default_server" || x.Arg(i) == "default" {
					h.DefaultFor = append(h.DefaultFor, x.Arg(0))
				}
			}
		}
	}
	b.server(h, ssc)
}

func (b *builder) newHop(name string, pos parsers.Pos, block parsers.Pos) *parsers.Hop {
	h := &carve(&b.hopSlab, 1)[0]
	h.Kind, h.Format, h.Name, h.Pos, h.Block = parsers.HopNginx, parsers.FormatNginx, name, pos, block
	if b.opts.NginxVersion != "" {
		h.Version = parsers.Setting[string]{Value: b.opts.NginxVersion, Default: "nginx_version from .no502.yaml"}
	}
	h.ShutdownTimeout = b.shutdown
	b.log = append(b.log, event{hop: h})
	return h
}

// server fills a hop from the server-level scope and builds its routes.
func (b *builder) server(h *parsers.Hop, sc scope) {
	h.ClientIdleTimeout = b.durationIn(sc, "keepalive_timeout", 75*time.Second)
	// An unread include in the server block may set it: the 75s default (or the http
	// block's value) is not known to apply, and the fix's keepalive_timeout beside the
	// include would be a duplicate nginx refuses (nginx 1.22.1: "keepalive_timeout"
	// directive is duplicate in the included file).
	h.ClientIdleTimeout.Unknown = h.ClientIdleTimeout.Unknown || unreadIn(sc, "keepalive_timeout", false, "server")
	if ka := b.shortestLocationKeepAlive(sc[len(sc)-1].ds, h.ClientIdleTimeout); ka != nil {
		h.ClientIdleTimeout = *ka
	}
	h.Edge = edge(sc)
	answers, reach := serverRewrites(sc[len(sc)-1].ds)
	if answers {
		// A server-level return (or a redirecting rewrite of every URI) runs in the
		// rewrite phase, before any location is searched: no location of this server
		// is ever reached.
		return
	}
	h.SetLocations(b.locations(h, sc, reach))
	markAuthTargets(h, sc)
}

// markAuthTargets sets Route.AuthFor on the routes answering the auth_request
// subrequests of server h: an auth_request URI in http{}, server{} or any location
// (nested ones too), located as nginx locates the subrequest's URI. A subrequest that
// fails (502, 504) makes auth_request answer 500 to the request it guards (nginx 1.22.1
// on loopback: proxy_read_timeout 1s in the auth location, a 3s auth service: 500 after
// 1s, "auth request unexpected status: 504").
func markAuthTargets(h *parsers.Hop, sc scope) {
	mark := func(d *Directive, guard string) {
		if d.Name != "auth_request" || len(d.Args) == 0 || d.Arg(0) == "off" || strings.Contains(d.Arg(0), "$") {
			return
		}
		if r := h.ServingRoute(d.Arg(0)); r != nil && r.AuthFor == "" {
			r.AuthFor = guard
		}
	}
	for i := range sc {
		// all: the http level of a large config holds thousands of servers, indexed.
		for _, d := range sc[i].all("auth_request") {
			mark(d, "every location of server "+h.Name)
		}
	}
	var walk func(ds []*Directive)
	walk = func(ds []*Directive) {
		for _, d := range Expand(ds) {
			if d.Name != "location" || d.Block == nil {
				continue
			}
			path, _ := locationMatch(d)
			for _, x := range Expand(d.Block) {
				mark(x, "location "+path)
			}
			walk(d.Block)
		}
	}
	walk(sc[len(sc)-1].ds)
}

// accessLimited reports whether a request in scope sc may be refused in the access
// phase: a deny, auth_basic (not off), auth_request (not off) or auth_jwt at any level.
func accessLimited(sc scope) bool {
	for i := range sc {
		for _, d := range sc[i].ds {
			switch d.Name {
			case "deny", "auth_jwt":
				return true
			case "auth_basic", "auth_request":
				if d.Arg(0) != "off" {
					return true
				}
			}
		}
	}
	return false
}

// shortestLocationKeepAlive returns the shortest keepalive_timeout a location (at any
// depth) sets below the server's own idle timeout cur, or nil. nginx applies the
// keepalive_timeout of the location that answered a connection's last request (nginx
// 1.22.1 on loopback: 300s in http{}, 2s in a location: idle after a request to that
// location, the connection was closed at 2s; after another, still open), so a load
// balancer in front races with the shortest one. A location's 0 closes the connection
// after its response: no idle connection, no race.
func (b *builder) shortestLocationKeepAlive(ds []*Directive, cur parsers.Duration) *parsers.Duration {
	if !cur.Known() || cur.Value <= 0 {
		return nil // keep-alive off, or not known: nothing shorter to find
	}
	var best *parsers.Duration
	var walk func(ds []*Directive)
	walk = func(ds []*Directive) {
		for _, d := range Expand(ds) {
			if d.Name != "location" || d.Block == nil {
				continue
			}
			inner := Expand(d.Block)
			for _, x := range inner {
				if x.Name != "keepalive_timeout" || len(x.Args) == 0 {
					continue
				}
				v, err := ParseDuration(x.Arg(0))
				if err != nil || v <= 0 || v >= cur.Value || best != nil && v >= best.Value {
					continue
				}
				ka := parsers.Set(v, x.Pos(), x.Text())
				path, _ := locationMatch(d)
				ka.Origin = &parsers.Origin{Note: "after a request to location " + path}
				best = &ka
			}
			walk(inner)
		}
	}
	walk(ds)
	return best
}

// retry reads a route's retry policy from module's next_upstream directives
// (proxy_next_upstream, grpc_next_upstream, ...: one implementation in nginx,
// ngx_http_upstream_next, with the same defaults).
func (b *builder) retry(rt *parsers.Route, sc scope, module string) {
	rt.Retry.Conditions = parsers.Def([]string{"error", "timeout"}, "nginx default error timeout")
	if d, via := sc.lookup(module + "_next_upstream"); d != nil {
		var cs []string
		for i := range d.Args {
			cs = append(cs, d.Arg(i))
		}
		rt.Retry.Conditions = inherited(parsers.Set(cs, d.Pos(), d.Text()), via)
		rt.Retry.Conditions.Unknown = d.templated()
	}
	rt.Retry.Tries = parsers.Def(0, "nginx default 0 (unlimited)")
	if d, via := sc.lookup(module + "_next_upstream_tries"); d != nil {
		rt.Retry.Tries = inherited(b.integer(d, 0), via)
	}
	rt.Retry.Timeout = b.durationIn(sc, module+"_next_upstream_timeout", 0)
	if rt.Retry.Timeout.IsDefault() {
		rt.Retry.Timeout.Default = "nginx default 0 (unlimited)"
	}
}

// serverRewrites reads a server's own rewrite-phase directives, which run for every
// request (and every internal redirect and subrequest) before a location is searched:
//
//   - answers: they end every request: a return at server level (outside if), or a
//     rewrite whose regex matches every URI and which redirects (flag redirect or
//     permanent, or a replacement starting with http://, https:// or $scheme, which
//     nginx answers with a redirect whatever the flag), with no rewrite ... last|break
//     before it that could hand the request to a location with a new URI first, and no
//     break (which ends the server's rewrite directives for the requests it is reached
//     by). nginx 1.22.1 on loopback: `rewrite ^(.*)$ https://example.com$1 permanent;`
//     above `location / { proxy_pass ...; }` answered 301 to /, /x, /api/y, and the
//     upstream got nothing.
//   - reach: the literal start of every URI the locations are searched with, when a
//     rewrite ... last (or break) of every URI comes first and its replacement starts
//     with a literal path ("/new/" for `rewrite ^/(.*)$ /new/$1 last;`: nginx 1.22.1
//     answered /, /x and /api/y from location /new/, never from location /); "" when
//     any URI may reach them.
func serverRewrites(srv []*Directive) (answers bool, reach string) {
	for _, d := range srv {
		switch d.Name {
		case "return":
			return true, ""
		case "break":
			return false, ""
		case "rewrite":
			if len(d.Args) < 2 {
				return false, "" // nginx -t refuses it; nothing is known
			}
			flag := ""
			if len(d.Args) >= 3 {
				flag = d.Arg(len(d.Args) - 1)
			}
			to := d.Arg(1)
			redirects := flag == "redirect" || flag == "permanent" || strings.HasPrefix(to, "http://") ||
				strings.HasPrefix(to, "https://") || strings.HasPrefix(to, "$scheme")
			every := matchesEveryURIUnder(d.Arg(0), "/")
			switch {
			case redirects && every:
				return true, ""
			case flag == "last" || flag == "break":
				if every && !redirects {
					return false, literalPath(to)
				}
				return false, ""
			}
		case "if":
			for _, x := range Expand(d.Block) {
				if x.Name == "break" {
					return false, ""
				}
				if x.Name == "rewrite" {
					if f := x.Arg(len(x.Args) - 1); f == "last" || f == "break" {
						return false, ""
					}
				}
			}
		}
	}
	return false, ""
}

// literalPath returns the literal start of a rewrite's replacement up to its first
// variable or query string ("/new/" of "/new/$1?x=1"), "" when it does not start with
// "/" (a variable: not known).
func literalPath(to string) string {
	if !strings.HasPrefix(to, "/") {
		return ""
	}
	if i := strings.IndexAny(to, "$?"); i >= 0 {
		to = to[:i]
	}
	return to
}

// reachable reports whether a prefix or exact location path can serve a URI starting
// with reach (see serverRewrites; "" reaches every location). longest is the longest
// prefix location path among its siblings that reach starts with: it takes every such
// URI from the shorter ones (location / gets nothing when every URI starts with /new/
// and location /new/ exists). Regex and named locations are not decided here: kept.
func reachable(path string, kind parsers.PathKind, reach, longest string) bool {
	if reach == "" {
		return true
	}
	switch kind {
	case parsers.PathPrefix:
		return strings.HasPrefix(path, reach) || path == longest
	case parsers.PathExact:
		return strings.HasPrefix(path, reach)
	}
	return true
}

// locations makes a route of every location (nested ones too) in the innermost level,
// and returns the level's location tree. Locations inside if{} are not valid nginx and
// are not looked at.
//
// reach is the literal start of every URI a server-level rewrite sends to the locations
// ("" for any URI, see serverRewrites): a location that cannot serve such a URI gets no
// route, nor do the locations nested in it.
func (b *builder) locations(h *parsers.Hop, sc scope, reach string) []*parsers.Location {
	var out []*parsers.Location
	longest := ""
	for _, d := range sc[len(sc)-1].ds {
		if d.Name == "location" && d.Block != nil && reach != "" {
			if path, kind := locationMatch(d); kind == parsers.PathPrefix && strings.HasPrefix(reach, path) && len(path) > len(longest) {
				longest = path
			}
		}
	}
	for _, d := range sc[len(sc)-1].ds {
		if d.Name != "location" || d.Block == nil {
			continue
		}
		lsc := sc.with("location", d.Block)
		b.duplicates(lsc[len(lsc)-1].ds)
		b.misplaced("location", lsc[len(lsc)-1].ds)
		path, kind := locationMatch(d)
		loc := &parsers.Location{Path: path, Kind: kind}
		if !reachable(path, kind, reach, longest) {
			// Still in the tree, so that a path it would serve is not given to another
			// location; but no URI reaches it.
			out = append(out, loc)
			continue
		}
		loc.Route = b.route(h, d, lsc)
		loc.Caseless = kind == parsers.PathRegex && (d.Arg(0) == "~*" || strings.HasPrefix(d.Arg(0), "~*"))
		loc.NoRegex = kind == parsers.PathPrefix && (d.Arg(0) == "^~" || strings.HasPrefix(d.Arg(0), "^~"))
		if kind == parsers.PathPrefix && strings.HasSuffix(path, "/") {
			for _, x := range lsc[len(lsc)-1].ds {
				if x.Name == "proxy_pass" || otherPass(x.Name) {
					loc.AutoRedirect = true
				}
			}
		}
		if loc.Route == nil {
			for _, x := range lsc[len(lsc)-1].ds {
				if x.Name == "try_files" && len(x.Args) >= 2 && strings.HasPrefix(x.Arg(len(x.Args)-1), "@") {
					loc.Fallback = x.Arg(len(x.Args) - 1)
				}
			}
		}
		loc.Nested = b.locations(h, lsc, reach)
		out = append(out, loc)
	}
	return out
}

// route makes the route of a location that forwards or answers 2xx (nil otherwise).
func (b *builder) route(h *parsers.Hop, loc *Directive, sc scope) *parsers.Route {
	own := sc[len(sc)-1].ds
	var pass, ret, other, stub *Directive
	for _, d := range own {
		switch {
		case d.Name == "proxy_pass" && pass == nil:
			pass = d
		case d.Name == "return" && ret == nil:
			ret = d
		case d.Name == "stub_status" && stub == nil && (len(d.Args) == 0 || d.Arg(0) == "on"):
			stub = d
		case otherPass(d.Name):
			h.OtherPass = true
			if other == nil {
				other = d
			}
		}
	}
	prefix := ""
	if path, kind := locationMatch(loc); kind == parsers.PathPrefix || kind == parsers.PathExact {
		prefix = path
	}
	if pass != nil || other != nil {
		switch end := locationAnswersAll(own, prefix); {
		case end == nil:
		case end.Name == "return":
			// The return runs in the rewrite phase, before the content handler: it
			// answers every request, and the proxy_pass beside it is never used.
			pass, other, ret = nil, nil, end
		default:
			// A rewrite sends every request this location matches elsewhere (or
			// redirects it): its proxy_pass is never used.
			return nil
		}
	}
	if pass == nil && other == nil {
		// proxy_pass inside if{} or limit_except{} forwards the requests they select,
		// with the location's settings unless the block sets its own: the block is the
		// innermost level of the route's scope. A return (or a rewrite taking every
		// request) outside them still runs after a matched if, unless a break comes
		// first (nginx 1.22.1 on loopback: `if ($arg_x) { proxy_pass ...; } return 403;`
		// answered 403 to ?x=1; with break in the if, the proxy answered).
		if blk := passBlock(own); blk != nil {
			switch end := locationAnswersAll(own, prefix); {
			case end == nil:
				return b.route(h, loc, sc.with(blk.Name, blk.Block))
			case end.Name == "return":
				ret = end // answers every request: the return's case below
			default:
				return nil // a rewrite sends every request elsewhere
			}
		}
	}
	code := 0
	switch {
	case pass != nil:
	case other != nil && timedPass(other.Name) != "":
		return b.passRoute(h, loc, sc, timedPass(other.Name), other)
	case ret != nil:
		var err error
		if code, err = strconv.Atoi(ret.Arg(0)); err != nil || code < 200 || code > 299 {
			return nil
		}
	case stub != nil && !accessLimited(sc):
		// stub_status answers 200 with nginx's own counters, whatever the app does. It
		// runs in the content phase, after allow/deny and auth: a location that limits
		// access may answer a check 403 or 401 instead (a return, in the rewrite phase,
		// is not stopped by them).
		ret, code = stub, 200
	default:
		return nil
	}
	path, kind := locationMatch(loc)
	rt := &carve(&b.routeSlab, 1)[0]
	rt.Hop, rt.Path, rt.PathKind, rt.Pos, rt.Block = h, path, kind, loc.NamePos(), loc.Pos()
	if pass == nil {
		rt.Respond = &parsers.Respond{Status: parsers.Set(code, ret.Pos(), ret.Text()), Pos: ret.Pos(), Text: ret.Text()}
		h.Routes = append(h.Routes, rt)
		return rt
	}
	if len(pass.Args) > 0 {
		rt.ProxyPass = parsers.Set(pass.RawArg(0), pass.Pos(), "")
	}
	rt.ReadTimeout = b.durationIn(sc, "proxy_read_timeout", 60*time.Second)
	rt.ConnectTimeout = b.durationIn(sc, "proxy_connect_timeout", 60*time.Second)
	rt.SendTimeout = b.durationIn(sc, "proxy_send_timeout", 60*time.Second)

	b.retry(rt, sc, "proxy")
	unreadRouteSettings(rt, sc, "proxy")

	rt.HTTPVersion = b.versioned("1.1", "1.0", "nginx default 1.1 (nginx ≥ 1.29.7)",
		"nginx default 1.0 (nginx < 1.29.7)", "nginx default 1.0 (assumed nginx < 1.29.7; 1.1 since 1.29.7)")
	if d, via := sc.lookup("proxy_http_version"); d != nil {
		rt.HTTPVersion = inherited(parsers.Set(d.Arg(0), d.Pos(), d.Text()), via)
		rt.HTTPVersion.Unknown = d.templated()
	}
	if unreadInLocation(sc, "proxy_http_version", false) {
		rt.HTTPVersion.Unknown = true
	}
	rt.ConnectionHeader = b.versioned("", "close", "nginx default: no Connection header (nginx ≥ 1.29.7)",
		"nginx default close (nginx < 1.29.7)", "nginx default close (assumed nginx < 1.29.7; none since 1.29.7)")
	headers, via := sc.lookupArray("proxy_set_header")
	if len(headers) > 0 {
		rt.Headers = carve(&b.headerSlab, len(headers))[:0]
	}
	for _, d := range headers {
		rt.Headers = append(rt.Headers, inherited(parsers.Set(d.argText(0, 1), d.Pos(), d.Text()), via))
		if strings.EqualFold(d.Arg(0), "Connection") {
			rt.ConnectionHeader = b.connectionHeader(d, via)
		}
	}
	if u := unreadInclude(sc, "proxy_set_header"); u.Pos.IsValid() {
		rt.HeadersUnread = &u
	}
	// An explicit Connection header stays unless the include is inside its level (it
	// may set proxy_set_header lines, which replace the inherited list); otherwise the
	// include may add one to the list in effect.
	if unreadInLocation(sc, "proxy_set_header", !rt.ConnectionHeader.Explicit()) {
		rt.ConnectionHeader.Unknown = true
	}
	pages, via := sc.lookupArray("error_page")
	for _, d := range pages {
		if len(d.Args) < 2 {
			continue
		}
		for i := 0; i < len(d.Args)-1; i++ {
			if d.Arg(i) == "502" && rt.FailoverTo == nil {
				to := inherited(parsers.Set(d.Arg(len(d.Args)-1), d.Pos(), d.Text()), via)
				rt.FailoverTo = &to
			}
			if d.Arg(i) == "504" && rt.TimeoutTo == nil {
				to := inherited(parsers.Set(d.Arg(len(d.Args)-1), d.Pos(), d.Text()), via)
				rt.TimeoutTo = &to
			}
		}
	}
	rt.Backend = b.backend(pass, setURL(pass, sc, b.maps))
	rt.Alternatives = b.mapUpstreams(pass)
	rt.LoopsTo = b.loopsToItself(rt, loc, pass, sc)
	h.Routes = append(h.Routes, rt)
	return rt
}

// passBlock returns the first if{} or limit_except{} among a location's own directives
// that holds a proxy_pass, or nil.
func passBlock(own []*Directive) *Directive {
	for _, d := range own {
		if (d.Name == "if" || d.Name == "limit_except") && d.Block != nil {
			for _, x := range Expand(d.Block) {
				if x.Name == "proxy_pass" {
					return d
				}
			}
		}
	}
	return nil
}

// stockName returns the name of the nginx package's stock file an include names, also by
// an absolute path into a conf directory (/etc/nginx/mime.types → mime.types); "" for
// any other file.
func stockName(pat string) string {
	pat = filepath.ToSlash(pat)
	base := path.Base(pat)
	for _, name := range []string{pat, base, "snippets/" + base} {
		if stockFile(name) && (name == pat || strings.HasSuffix(pat, "/"+name)) {
			return name
		}
	}
	return ""
}

// unreadInclude returns the first include of the scope's levels (outermost first) whose
// files were not all read and may set the directive: its value is then not fully known.
// The nginx package's stock files are known not to set proxy_set_header, except
// proxy_params.
func unreadInclude(sc scope, directive string) parsers.Setting[string] {
	for i := range sc {
		for _, d := range sc[i].all("include") {
			if !d.Unread() {
				continue
			}
			if name := stockName(d.Arg(0)); name != "" && !(directive == "proxy_set_header" && name == "proxy_params") {
				continue
			}
			return parsers.Set(d.RawArg(0), d.Pos(), d.Text())
		}
	}
	return parsers.Setting[string]{}
}

// unreadInLocation reports whether an include that was not read, other than the nginx
// package's stock files (none of which sets proxy_http_version or a Connection header),
// sits in one of the route's location levels (location, if, limit_except) where it could
// change the value of directive for the route: a level inside the one whose value is in
// effect, or any when none is (nginx's default); with sameLevel, that level too (an
// array directive's list, which the include's lines join). An include beside proxy_pass holds
// proxy settings more often than not ("include snippets/proxy-keepalive.conf;"), so the
// value is unknown there. Includes at server and http level (conf.d globs, certbot's
// options-ssl-nginx.conf) are left as before: what they hold is rarely a location's
// proxy settings, and treating them alike would silence every route of such a file.
func unreadInLocation(sc scope, directive string, sameLevel bool) bool {
	return unreadIn(sc, directive, sameLevel, "location", "if", "limit_except")
}

// unreadIn is unreadInLocation for the levels of the given kinds.
func unreadIn(sc scope, directive string, sameLevel bool, kinds ...string) bool {
	from := -1
	for i := len(sc) - 1; i >= 0 && from < 0; i-- {
		if sc[i].first(directive) != nil {
			from = i
		}
	}
	if from >= 0 && !sameLevel {
		from++
	}
	for i := max(from, 0); i < len(sc); i++ {
		if !slices.Contains(kinds, sc[i].kind) {
			continue
		}
		for _, d := range sc[i].all("include") {
			if d.Unread() && stockName(d.Arg(0)) == "" {
				return true
			}
		}
	}
	return false
}

// unreadRouteSettings makes the route's timeouts and retry settings unknown where an
// include inside its location that was not read could set them (unreadInLocation): a
// default claimed there may be wrong, and a fix writing the directive into the location
// would be a duplicate nginx refuses (nginx 1.22.1: `"proxy_read_timeout" directive is
// duplicate` in the included file, after proxy_read_timeout was added beside the include).
func unreadRouteSettings(rt *parsers.Route, sc scope, module string) {
	for _, s := range []struct {
		name    string
		unknown *bool
	}{
		{module + "_read_timeout", &rt.ReadTimeout.Unknown},
		{module + "_connect_timeout", &rt.ConnectTimeout.Unknown},
		{module + "_send_timeout", &rt.SendTimeout.Unknown},
		{module + "_next_upstream", &rt.Retry.Conditions.Unknown},
		{module + "_next_upstream_tries", &rt.Retry.Tries.Unknown},
		{module + "_next_upstream_timeout", &rt.Retry.Timeout.Unknown},
	} {
		if unreadInLocation(sc, s.name, false) {
			*s.unknown = true
		}
	}
}

// otherPass reports whether a directive hands requests to an app by a protocol other than
// HTTP proxying, which the model does not follow.
func otherPass(name string) bool {
	switch name {
	case "fastcgi_pass", "uwsgi_pass", "scgi_pass", "grpc_pass", "memcached_pass":
		return true
	}
	return false
}

// versioned returns a default that changed in nginx 1.29.7, saying which version it
// assumes when nginx_version is not configured.
func (b *builder) versioned(newV, oldV, newText, oldText, assumedText string) parsers.Setting[string] {
	switch {
	case b.newer:
		return parsers.Def(newV, newText)
	case b.opts.NginxVersion != "":
		return parsers.Def(oldV, oldText)
	}
	return parsers.Def(oldV, assumedText)
}

func inherited[T any](s parsers.Setting[T], via string) parsers.Setting[T] {
	if via != "" && s.Pos.IsValid() {
		s.Origin = inheritedFrom[via]
		if s.Origin == nil {
			s.Origin = &parsers.Origin{Note: "inherited from " + via + "{}"}
		}
	}
	return s
}

// inheritedFrom holds one shared Origin per level kind: thousands of locations inherit
// from the same http{} and server{} blocks.
var inheritedFrom = map[string]*parsers.Origin{
	"http":     {Note: "inherited from http{}"},
	"server":   {Note: "inherited from server{}"},
	"location": {Note: "inherited from location{}"},
}

// durationIn returns the effective time value of a directive, or nginx's default.
func (b *builder) durationIn(sc scope, name string, def time.Duration) parsers.Duration {
	d, via := sc.lookup(name)
	if d == nil {
		return parsers.Def(def, defaultText(def))
	}
	return b.duration(d, via)
}

// defaultText says where a default came from; the common ones are made once, not for
// each of thousands of routes.
func defaultText(def time.Duration) string {
	switch def {
	case 0:
		return "nginx default 0s"
	case 60 * time.Second:
		return "nginx default 60s"
	case 75 * time.Second:
		return "nginx default 75s"
	}
	return "nginx default " + parsers.Seconds(def)
}

// duration converts a directive's first argument; a bad value is a positioned error and
// an unknown setting.
func (b *builder) duration(d *Directive, via string) parsers.Duration {
	if len(d.Args) == 0 {
		b.errorf(d, d.Pos(), "%s needs a time value", d.Name)
		return parsers.Duration{Pos: d.Pos(), Text: d.Text(), Unknown: true}
	}
	v, err := ParseDuration(d.Arg(0))
	if err != nil {
		b.errorf(d, d.ArgPos(0), "%s: %v", d.Name, err)
		return parsers.Duration{Pos: d.Pos(), Text: d.Text(), Unknown: true}
	}
	return inherited(parsers.Set(v, d.Pos(), d.Text()), via)
}

func (b *builder) integer(d *Directive, i int) parsers.Setting[int] {
	n, err := strconv.Atoi(d.Arg(i))
	if err != nil || n < 0 {
		pos := d.Pos()
		if i < len(d.Args) {
			pos = d.ArgPos(i)
		}
		b.errorf(d, pos, "%s: invalid number %q", d.Name, d.Arg(i))
		return parsers.Setting[int]{Pos: d.Pos(), Text: d.Text(), Unknown: true}
	}
	return parsers.Set(n, d.Pos(), d.Text())
}

// locationMatch splits a location's arguments into the path and its kind. nginx also
// accepts the modifier glued to the path ("=/x", "~\.php$").
func locationMatch(d *Directive) (string, parsers.PathKind) {
	if len(d.Args) >= 2 {
		p := d.Arg(1)
		switch d.Arg(0) {
		case "=":
			return p, parsers.PathExact
		case "~", "~*":
			return p, parsers.PathRegex
		}
		return p, parsers.PathPrefix
	}
	v := d.Arg(0)
	switch {
	case strings.HasPrefix(v, "@"):
		return v, parsers.PathNamed
	case strings.HasPrefix(v, "^~"):
		return v[2:], parsers.PathPrefix
	case strings.HasPrefix(v, "~*"):
		return v[2:], parsers.PathRegex
	case strings.HasPrefix(v, "~"):
		return v[1:], parsers.PathRegex
	case strings.HasPrefix(v, "="):
		return v[1:], parsers.PathExact
	}
	return v, parsers.PathPrefix
}

// Cloudflare's published origin-facing ranges (https://www.cloudflare.com/ips/).
var cloudflareRanges = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"173.245.48.0/20", "103.21.244.0/22", "103.22.200.0/22", "103.31.4.0/22", "141.101.64.0/18",
		"108.162.192.0/18", "190.93.240.0/20", "188.114.96.0/20", "197.234.240.0/22", "198.41.128.0/17",
		"162.158.0.0/15", "104.16.0.0/13", "104.24.0.0/14", "172.64.0.0/13", "131.0.72.0/22",
		"2400:cb00::/32", "2606:4700::/32", "2803:f800::/32", "2405:b500::/32", "2405:8100::/32",
		"2a06:98c0::/29", "2c0f:f248::/32",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// isCloudflare reports whether s (an address or CIDR) lies inside a Cloudflare range.
func isCloudflare(s string) bool {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return false
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	for _, r := range cloudflareRanges {
		if p.Addr().Is4() == r.Addr().Is4() && p.Bits() >= r.Bits() && r.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// edge detects Cloudflare in front of a server: it trusts CF-Connecting-IP, or takes the
// client address from Cloudflare's ranges.
func edge(sc scope) parsers.Setting[string] {
	if d, via := sc.lookup("real_ip_header"); d != nil && strings.EqualFold(d.Arg(0), "CF-Connecting-IP") {
		return inherited(parsers.Set("cloudflare", d.Pos(), d.Text()), via)
	}
	ds, via := sc.lookupArray("set_real_ip_from")
	for _, d := range ds {
		if isCloudflare(d.Arg(0)) {
			return inherited(parsers.Set("cloudflare", d.Pos(), d.Text()), via)
		}
	}
	return parsers.Setting[string]{}
}

// literalHostBeforeURI returns the host of a proxy_pass authority that is a literal
// name without a port followed by a variable that always starts the URI ($request_uri,
// $uri, $document_uri: "/..."), as in http://app$request_uri; false otherwise.
func literalHostBeforeURI(authority string) (string, bool) {
	i := strings.IndexByte(authority, '$')
	if i <= 0 || strings.ContainsAny(authority[:i], ":[") {
		return "", false
	}
	for _, v := range []string{"$request_uri", "$uri", "$document_uri", "${request_uri}", "${uri}", "${document_uri}"} {
		if rest := authority[i:]; strings.HasPrefix(rest, v) {
			if next := rest[len(v):]; next == "" || !isVarChar(next[0]) {
				return authority[:i], true
			}
		}
	}
	return "", false
}

func isVarChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// backend resolves a proxy_pass to an upstream{} of the same tree, or to a literal
// address.
func (b *builder) backend(pass *Directive, url string) *parsers.Backend {
	rest := url
	scheme := ""
	if i := strings.Index(url, "://"); i >= 0 {
		scheme, rest = strings.ToLower(url[:i]), url[i+3:]
	}
	authority := rest
	if strings.HasPrefix(rest, "unix:") {
		// http://unix:/run/app.sock:/uri
		if i := strings.Index(rest[5:], ":"); i >= 0 {
			authority = rest[:5+i]
		}
	} else if i := strings.IndexAny(rest, "/?"); i >= 0 {
		authority = rest[:i]
	}
	if host, ok := literalHostBeforeURI(authority); ok && !strings.Contains(scheme, "$") {
		// proxy_pass http://app$request_uri: the variable is the URI, the host is
		// literal, and nginx looks a host given with variables up among the upstream{}
		// groups first ("the name is searched among the described server groups",
		// ngx_http_proxy_module's proxy_pass).
		if up := b.upstreams[strings.ToLower(host)]; up != nil {
			return b.upstream(up)
		}
		if up := b.allUpstreams[strings.ToLower(host)]; up != nil {
			return b.upstream(up)
		}
	}
	templated := pass.templated() && strings.Contains(authority, "$") && !strings.Contains(scheme, "$") && envOnly(authority)
	if !templated && (strings.Contains(authority, "$") || strings.Contains(scheme, "$") || authority == "") {
		// Resolved at request time: nothing is known about the target.
		be := b.newBackend(BackendAddress, url, pass.Pos(), pass.Pos())
		b.log = append(b.log, event{backend: be})
		return be
	}
	if !strings.Contains(authority, ":") || strings.HasPrefix(authority, "[") && strings.HasSuffix(authority, "]") {
		// nginx matches an upstream{} name only when proxy_pass gives no port.
		if up := b.upstreams[strings.ToLower(authority)]; up != nil {
			return b.upstream(up)
		}
		if up := b.allUpstreams[strings.ToLower(authority)]; up != nil {
			return b.upstream(up)
		}
	}
	if i := strings.LastIndexByte(authority, ':'); i > 0 && !templated && !strings.HasPrefix(authority, "unix:") && !strings.HasPrefix(authority, "[") {
		// proxy_pass http://app:8000 beside upstream app {}: nginx -t refuses it, in
		// either order ("upstream \"app\" may not have port 8000",
		// ngx_http_upstream_add), rather than resolving app as a host.
		if up := b.upstreams[strings.ToLower(authority[:i])]; up != nil {
			b.errorf(pass, pass.ArgPos(0), "upstream %q may not have port %s (nginx -t rejects it): %s gives a port to the name of the upstream{} at %s; to send requests to its servers, drop the port (%s://%s); to reach the host %s, rename or remove that upstream{}",
				authority[:i], authority[i+1:], pass.Name, up.Pos().Short(), scheme, authority[:i], authority)
		}
	}
	defPort := "80"
	if scheme == "https" {
		defPort = "443"
	}
	t := b.target(authority, defPort)
	t.Pos = pass.Pos()
	if templated {
		// proxy_pass http://${BACKEND_HOST}:${BACKEND_PORT} in a template: envsubst
		// makes it a literal address as the container starts.
		templatedTarget(t, authority, defPort, true)
	}
	t.MaxFails = parsers.Def(1, "nginx default max_fails=1")
	t.FailTimeout = parsers.Def(10*time.Second, "nginx default fail_timeout=10s")
	be := b.newBackend(BackendAddress, authority, pass.Pos(), pass.Pos())
	be.Targets = []*parsers.Target{t}
	be.KeepAliveConns = parsers.Def(0, "no upstream keep-alive: proxy_pass names an address, not an upstream{} block")
	be.LBPolicy = parsers.Def("round-robin", "nginx default round-robin")
	be.Passive = parsers.PassiveHealth{
		Enabled:     parsers.Def(true, "nginx default max_fails=1"),
		MaxFails:    t.MaxFails,
		FailTimeout: t.FailTimeout,
	}
	b.log = append(b.log, event{backend: be})
	return be
}

// newBackend allocates a backend.
func (b *builder) newBackend(kind parsers.BackendKind, name string, pos parsers.Pos, block parsers.Pos) *parsers.Backend {
	be := &carve(&b.backendSlab, 1)[0]
	be.Kind, be.Name, be.Pos, be.Block = kind, name, pos, block
	return be
}

// target splits an address as written in proxy_pass or an upstream server line.
func (b *builder) target(addr, defPort string) *parsers.Target {
	t := &carve(&b.targetSlab, 1)[0]
	t.Address = addr
	if strings.HasPrefix(addr, "unix:") {
		t.Unix, t.Local = true, true
		return t
	}
	host, port := addr, defPort
	if h, p, err := net.SplitHostPort(addr); err == nil {
		host, port = h, p
	} else if strings.HasPrefix(addr, "[") && strings.HasSuffix(addr, "]") {
		host = addr[1 : len(addr)-1]
	}
	t.Host, t.Port = host, port
	if ip := net.ParseIP(host); ip != nil {
		t.IP = true
		t.Local = ip.IsLoopback()
	} else {
		t.Local = strings.EqualFold(host, "localhost")
	}
	return t
}

// templatedTarget makes t, an address written with environment references in a
// template (server ${BACKEND_HOST}:${BACKEND_PORT}), unknown until the link step knows
// the environment of the container that renders it (parsers.Target.FillFromEnv). With a
// port required (proxy_pass: without one, the rendered name may be an upstream{}
// block's), an address rendered without one stays unknown.
func templatedTarget(t *parsers.Target, written, defPort string, needPort bool) {
	t.Host, t.Port, t.IP, t.Local, t.Unix = "", "", false, false, false
	t.Env = &parsers.EnvAddress{Written: written, Syntax: parsers.EnvSubst, DefPort: defPort, NeedPort: needPort}
}

// upstream makes (once) the Backend of an upstream{} block.
func (b *builder) upstream(d *Directive) *parsers.Backend {
	b.mu.Lock()
	e := b.entries[d]
	if e == nil {
		e = &upstreamEntry{}
		b.entries[d] = e
	}
	b.mu.Unlock()
	e.once.Do(func() {
		// Built on this goroutine with a log of its own, from this builder's slabs.
		f := *b
		f.log, f.logged = nil, nil
		e.be = f.buildUpstream(d)
		e.log = f.log
		b.backendSlab, b.targetSlab = f.backendSlab, f.targetSlab
	})
	if !b.logged[e] {
		if b.logged == nil {
			b.logged = map[*upstreamEntry]bool{}
		}
		b.logged[e] = true
		b.log = append(b.log, event{upstream: e})
	}
	return e.be
}

func (b *builder) buildUpstream(d *Directive) *parsers.Backend {
	be := b.newBackend(BackendUpstream, d.Arg(0), d.NamePos(), d.Pos())
	b.log = append(b.log, event{backend: be})
	be.KeepAliveConns = parsers.Def(0, "nginx default: upstream keep-alive off (assumed nginx < 1.29.7; 32 connections since 1.29.7)")
	switch {
	case b.newer:
		be.KeepAliveConns = parsers.Def(32, "nginx default keepalive 32 (nginx ≥ 1.29.7)")
	case b.opts.NginxVersion != "":
		be.KeepAliveConns = parsers.Def(0, "nginx default: upstream keep-alive off (nginx < 1.29.7)")
	}
	be.KeepAliveIdle = parsers.Def(60*time.Second, "nginx default 60s")
	be.LBPolicy = parsers.Def("round-robin", "nginx default round-robin")
	b.duplicates(Expand(d.Block))
	luaBalancer := false
	var keepalive *Directive
	for _, x := range Expand(d.Block) {
		switch x.Name {
		case "server":
			if len(x.Args) > 0 {
				be.Targets = append(be.Targets, b.upstreamServer(x))
			}
		case "balancer_by_lua_block", "balancer_by_lua_file", "balancer_by_lua":
			luaBalancer = true
		case "keepalive":
			be.KeepAliveConns = b.integer(x, 0)
			keepalive = x
		case "keepalive_timeout":
			be.KeepAliveIdle = b.duration(x, "")
		case "zone":
			be.Zone = true
		case "least_conn", "ip_hash", "hash", "random", "least_time", "sticky":
			be.LBPolicy = parsers.Set(x.Name, x.Pos(), x.Text())
			if keepalive != nil && !b.newer && x.Name != "sticky" && be.KeepAliveReplaced == nil {
				// Before 1.29.7 keepalive wraps the balancer set so far (its
				// original_init_upstream), and a balancing directive after it sets
				// peer.init_upstream again, dropping the wrapper: nginx -t warns "load
				// balancing method redefined" and no connection is kept (nginx 1.22.1 on
				// loopback: 6 upstream connections for 6 requests; 2 with least_conn
				// first). 1.29.7 wires keepalive once every upstream is read, after any
				// balancer. The keepalive doc: "it is necessary to activate them before
				// the keepalive directive".
				be.KeepAliveReplaced = &parsers.KeepAliveReplaced{Keepalive: be.KeepAliveConns, Balancer: parsers.Set(x.Name, x.Pos(), x.Text())}
				be.KeepAliveConns = parsers.Def(0, x.Name+" after keepalive replaces it (nginx < 1.29.7)")
			}
		}
	}
	unread := false
	for _, x := range Expand(d.Block) {
		unread = unread || x.Name == "include" && x.Unread() && stockName(x.Arg(0)) == ""
	}
	if unread {
		// An include in the block that was not read (outside the linted paths) may add
		// servers and set keepalive or keepalive_timeout: the servers are not all known
		// (single-upstream claimed "a single server" for one written beside such an
		// include), and a keepalive_timeout written into the block could be a duplicate
		// nginx refuses.
		be.Targets = nil
		if !be.KeepAliveIdle.Explicit() {
			be.KeepAliveIdle.Unknown = true
		}
		if !be.KeepAliveConns.Explicit() {
			be.KeepAliveConns.Unknown = true
		}
	}
	if luaBalancer {
		// OpenResty's balancer_by_lua picks every request's peer in Lua
		// (ngx.balancer.set_current_peer); the server lines are a placeholder nginx
		// requires ("server 0.0.0.1; # just an invalid address as a place holder",
		// lua-nginx-module's README): which servers take requests, and how many, is not
		// known.
		be.Targets = nil
		be.LBPolicy = parsers.Set("balancer_by_lua", d.Pos(), "balancer_by_lua")
	}
	be.Passive.Enabled = parsers.Def(true, "nginx default max_fails=1")
	var first, firstOff *parsers.Target
	off := true
	for _, t := range be.Targets {
		if t.Backup {
			continue
		}
		if first == nil {
			first = t
		}
		if t.MaxFails.Explicit() && t.MaxFails.Value == 0 {
			if firstOff == nil {
				firstOff = t
			}
		} else {
			off = false
		}
	}
	if first != nil {
		be.Passive.MaxFails, be.Passive.FailTimeout = first.MaxFails, first.FailTimeout
		if off && firstOff != nil {
			be.Passive.Enabled = parsers.Set(false, firstOff.MaxFails.Pos, firstOff.MaxFails.Text)
		}
	}
	return be
}

// upstreamServer reads "server address [parameters];" inside upstream{}.
func (b *builder) upstreamServer(d *Directive) *parsers.Target {
	t := b.target(d.Arg(0), "80")
	t.Pos = d.Pos()
	if d.templated() && envReference(d.Arg(0)) {
		templatedTarget(t, d.Arg(0), "80", false)
	}
	t.MaxFails = parsers.Def(1, "nginx default max_fails=1")
	t.FailTimeout = parsers.Def(10*time.Second, "nginx default fail_timeout=10s")
	for i := 1; i < len(d.Args); i++ {
		k, v, _ := strings.Cut(d.Arg(i), "=")
		switch k {
		case "backup":
			t.Backup = true
		case "resolve":
			t.Resolve = true
		case "down":
			t.Down = true
		case "max_fails":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				b.errorf(d, d.ArgPos(i), "server %s: invalid max_fails %q", d.Arg(0), v)
				t.MaxFails = parsers.Setting[int]{Pos: d.Pos(), Text: d.Text(), Unknown: true}
				continue
			}
			t.MaxFails = parsers.Set(n, d.Pos(), d.Text())
		case "fail_timeout":
			v2, err := ParseSeconds(v) // nginx counts fail_timeout in seconds
			if err != nil {
				b.errorf(d, d.ArgPos(i), "server %s: fail_timeout: %v", d.Arg(0), err)
				t.FailTimeout = parsers.Duration{Pos: d.Pos(), Text: d.Text(), Unknown: true}
				continue
			}
			t.FailTimeout = parsers.Set(v2, d.Pos(), d.Text())
		}
	}
	return t
}
