// Package routes lists the paths a deployment serves, each with the timeout chain a
// request on it meets: the edge in front, the load balancers and proxies on the way, and
// the app server at the end, with how long each waits and where that value comes from
// (a file and line, or the product default).
//
// It reads the linked model (parsers.Model after the link step) and the config; every
// value is the one the parsers computed (inheritance, defaults, Terraform variables) and
// the rules compare, so the listing shows what the rules see. `no502 init` prints it and
// writes a routes: entry per path.
package routes

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/no502/no502/config"
	"github.com/no502/no502/parsers"
)

// Layer says what a step of a chain is.
type Layer string

// Layers, outermost first.
const (
	LayerEdge         Layer = "edge"          // Cloudflare in front
	LayerLoadBalancer Layer = "load balancer" // an ALB, NLB, classic ELB, or the ALB of an Ingress
	LayerProxy        Layer = "proxy"         // nginx, Caddy, ingress-nginx, a Gateway
	LayerApp          Layer = "app"           // the app server, or what the model knows of the upstream
)

// Route is one path a request can take through the deployment.
type Route struct {
	// Path is the most specific path of the chain: the innermost route's when it is
	// narrower than the outer ones (an ALB forwarding / to nginx's location /api/ gives
	// /api/). For a regex route it is the regex as written ("~ \.php$").
	Path string
	// Match is the routes: match of .no502.yaml whose budget reaches every route of the
	// chain: Path, or for a regex the literal start of an anchored regex, else "/" (see
	// config.Config.Budget). Empty when no match can reach it: a path that does not
	// start with / (an Ingress path left as a template placeholder).
	Match string
	// Steps are the chain, outermost first. The last steps are LayerApp ones, one per app
	// server that answers (usually one), or one saying the app is not in the files.
	Steps []Step
	// Budget is the handler budget the config gives the path now (config.Config.Budget
	// of the innermost route); BudgetOK is false without one.
	Budget   config.RouteBudget
	BudgetOK bool
}

// Step is one layer of a chain and how long it waits for the layer behind it.
type Step struct {
	Layer Layer
	// Name says which hop, route or app it is: "nginx hooks.example.com location
	// /webhooks/", "ALB aws_lb.web rule /api/", "gunicorn in Deployment api".
	Name string
	// Pos is where the hop's route (or the app's command) is defined, in the file the user
	// edits (embedded configs are mapped to their host file).
	Pos parsers.Pos
	// Setting is the name of the timeout as the user would write it
	// ("proxy_read_timeout", "idle_timeout", "--timeout"); empty when the step has none.
	Setting string
	// Timeout is its effective value: explicit (Pos in the host file), a product
	// default (Default names it), or unknown.
	Timeout parsers.Duration
	// Note says what the model could not follow ("the app behind fastcgi_pass is not
	// in the files").
	Note string

	// Hop and Route are the model's hop and route for a load balancer or proxy step.
	Hop   *parsers.Hop
	Route *parsers.Route
}

// Source says where the step's timeout comes from: "nginx/conf.d/hooks.conf:14",
// "nginx default 60s", or "unknown".
func (s Step) Source() string {
	t := s.Timeout
	switch {
	case t.Explicit():
		src := t.Pos.Short()
		if n := t.ViaNote(); n != "" {
			src += ", " + n
		}
		return src
	case t.IsDefault():
		return t.Default
	}
	if s.Note != "" {
		return s.Note
	}
	return "unknown"
}

// Value prints the step's timeout: "30s", "none" for a layer that waits without limit
// (Caddy's default), "?" when it cannot be known.
func (s Step) Value() string {
	if !s.Timeout.Known() {
		return "?"
	}
	if s.Timeout.Value == 0 {
		return "none"
	}
	return parsers.Seconds(s.Timeout.Value)
}

// MaxRoutes bounds the listing: a proxy with thousands of server blocks behind a load
// balancer would otherwise multiply into a table no one reads. List returns at most this
// many.
const MaxRoutes = 10000

// List returns the chains of m, in the order of the outermost hops' positions and their
// routes. Routes that answer themselves (nginx return, Caddy respond), named locations
// (only internal redirects reach them) and routes that forward nothing are left out:
// no request on them waits for an app.
func List(m *parsers.Model, cfg *config.Config) []Route {
	if cfg == nil {
		cfg = config.Default()
	}
	l := &lister{m: m, cfg: cfg, onPath: map[*parsers.Hop]bool{}, walked: map[*parsers.Route]bool{}}
	entries := l.entries()
	for _, h := range entries {
		for _, r := range h.Routes {
			if forwards(r) {
				l.walk(nil, h, r, routePath(r), requestPrefix(r))
			}
		}
	}
	// Routes of a proxy behind another that no outer route forwards to (an ALB sending
	// only /api/* to nginx, whose /admin/ is reached some other way): listed from that
	// proxy on, so that every route the files define has its entry.
	entry := make(map[*parsers.Hop]bool, len(entries))
	for _, h := range entries {
		entry[h] = true
	}
	for _, h := range l.sorted(l.m.Hops) {
		if entry[h] {
			continue
		}
		for _, r := range h.Routes {
			if forwards(r) && !l.walked[r] {
				l.walk(nil, h, r, routePath(r), requestPrefix(r))
			}
		}
	}
	return l.out
}

type lister struct {
	m      *parsers.Model
	cfg    *config.Config
	onPath map[*parsers.Hop]bool // the hops of the chain being walked, against loops
	walked map[*parsers.Route]bool
	out    []Route
}

// entries are the hops no other hop forwards to, in the order of their positions: where
// requests come in. When every hop is behind another (a loop in declared chains), all
// of them are.
func (l *lister) entries() []*parsers.Hop {
	inner := map[*parsers.Hop]bool{}
	for _, h := range l.m.Hops {
		for _, r := range h.Routes {
			for _, be := range backends(r) {
				for _, ih := range r.Via(be).ReachedHops() {
					if ih != h {
						inner[ih] = true
					}
				}
			}
		}
	}
	var out []*parsers.Hop
	for _, h := range l.m.Hops {
		if !inner[h] {
			out = append(out, h)
		}
	}
	if len(out) == 0 {
		out = append(out, l.m.Hops...)
	}
	return l.sorted(out)
}

// sorted returns hops in the order of their positions (the files by name, then offsets).
func (l *lister) sorted(hops []*parsers.Hop) []*parsers.Hop {
	out := slices.Clone(hops)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := l.m.HostPos(out[i].Pos), l.m.HostPos(out[j].Pos)
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Offset < b.Offset
	})
	return out
}

// walk follows route r of hop h to the app. show is the chain's path as listed, at the
// path prefix of its requests (the routes: match that reaches it).
func (l *lister) walk(prefix []Step, h *parsers.Hop, r *parsers.Route, show, at string) {
	if len(l.out) >= MaxRoutes {
		return
	}
	l.walked[r] = true
	steps := append(append([]Step(nil), prefix...), l.hopStep(h, r))
	if r.Backend == nil {
		l.emit(show, at, append(steps, Step{Layer: LayerApp, Name: passName(r, l.passDirective(r)), Note: "the app behind " + l.passDirective(r) + " is not in the model"}))
		return
	}
	l.onPath[h] = true
	defer delete(l.onPath, h)
	for _, be := range backends(r) {
		via := steps
		if be != r.Backend {
			// A chain through an upstream{} the route's map sends requests to: the
			// proxy step says which (its timeout is the route's own).
			via = slices.Clone(steps)
			last := &via[len(via)-1]
			last.Name += " via upstream " + be.Name + " (map of " + mapPass(r) + ")"
		} else if len(r.Alternatives) > 0 && len(be.Hops) == 0 && len(be.AppContainers(nil)) == 0 {
			// The map's variable address itself: nothing is known of it, and the
			// route is listed through its upstreams.
			continue
		}
		l.follow(via, h, r, be, show, at)
	}
}

// follow lists the chains of route r of hop h through be: r's Backend, or an upstream{}
// of its map (Route.Alternatives). steps end with h's step for r.
func (l *lister) follow(steps []Step, h *parsers.Hop, r *parsers.Route, be *parsers.Backend, show, at string) {
	for _, ih := range r.Via(be).ReachedHops() {
		if l.onPath[ih] {
			continue // the proxy calling itself (or a loop of declared chains)
		}
		served := ih.ServingRoute(at)
		// The inner hop's routes narrower than at that r forwards to: each is a path of
		// its own (an ALB's / in front of nginx's /api/ and /webhooks/).
		var narrower []*parsers.Route
		for _, ir := range ih.Routes {
			if ir != served && forwards(ir) && forwardsTo(h, r, ir, at) {
				narrower = append(narrower, ir)
			}
		}
		switch {
		case served != nil && forwards(served):
			l.walk(steps, ih, served, show, at)
		case served == nil && len(narrower) == 0:
			l.emit(show, at, append(steps, Step{Layer: LayerProxy, Name: hopName(ih), Pos: l.m.HostPos(ih.Pos), Note: "no route of " + ih.Kind.Label() + " serves " + at}))
		}
		for _, ir := range narrower {
			l.walk(steps, ih, ir, routePath(ir), requestPrefix(ir))
		}
	}
	apps := be.AppContainers(nil)
	if len(apps) == 0 {
		if len(be.Hops) == 0 {
			l.emit(show, at, append(steps, Step{Layer: LayerApp, Name: backendName(be), Pos: l.m.HostPos(be.Pos), Note: "the app is not in the files"}))
		}
		return
	}
	for _, a := range apps {
		app := a.Container.App
		t := app.RequestTimeout
		if t.Explicit() {
			t.Pos = l.m.HostPos(t.Pos)
		}
		note := ""
		if !t.Known() {
			note = "no request timeout known"
			if app.Note != "" {
				note += " (" + app.Note + ")"
			}
		}
		steps = append(steps, Step{Layer: LayerApp, Name: app.Name + " in " + workloadName(a.Workload), Pos: l.m.HostPos(appPos(a)), Setting: "request timeout", Timeout: t, Note: note})
	}
	l.emit(show, at, steps)
}

// backends are what route r forwards to: its Backend, then the upstream{} blocks its
// map{} (or split_clients) sends requests to (Route.Alternatives), as the rules read
// them (outer-hop-gives-up-first, no-retry-on-failure).
func backends(r *parsers.Route) []*parsers.Backend {
	if r.Backend == nil {
		return nil
	}
	return append([]*parsers.Backend{r.Backend}, r.Alternatives...)
}

// mapPass names the directive of a route whose map picks the upstream: "proxy_pass
// http://$backend".
func mapPass(r *parsers.Route) string {
	if r.Backend != nil && r.Backend.Name != "" {
		return "proxy_pass " + r.Backend.Name
	}
	return "proxy_pass"
}

// forwardsTo reports whether route r of hop h forwards the requests of inner route ir
// (of a hop behind r) under at: ir's path prefix lies under at and the outer hop's route
// for it is r, as outer-hop-gives-up-first decides. An unanchored regex (location ~
// \.php$) counts as under /.
func forwardsTo(h *parsers.Hop, r, ir *parsers.Route, at string) bool {
	p := requestPrefix(ir)
	return strings.HasPrefix(p, at) && h.ServingRoute(p) == r
}

func (l *lister) emit(show, at string, steps []Step) {
	if len(l.out) >= MaxRoutes {
		return
	}
	// Cloudflare in front of any hop of the chain (edge: cloudflare, or a signal such as
	// nginx's real_ip_header CF-Connecting-IP behind an ALB) is in front of all of it.
	for _, s := range steps {
		if s.Hop == nil {
			continue
		}
		if edge, ok := l.cfg.EdgeFor(s.Hop); ok {
			t := l.cfg.EdgeTimeout
			if t.Explicit() {
				t.Pos = l.m.HostPos(t.Pos)
			}
			steps = append([]Step{{Layer: LayerEdge, Name: "Cloudflare (" + edge.Text + ")", Pos: l.m.HostPos(edge.Pos), Setting: "edge_timeout", Timeout: t}}, steps...)
			break
		}
	}
	rt := Route{Path: show, Match: at, Steps: steps}
	if !strings.HasPrefix(at, "/") {
		rt.Match = "" // a template placeholder ("<html-path>"): no match reaches it
	}
	// The innermost route is the most specific: its budget is the path's (an outer
	// catch-all is reached by the budgets of every path it forwards).
	for i := len(steps) - 1; i >= 0; i-- {
		if r := steps[i].Route; r != nil {
			rt.Budget, rt.BudgetOK = l.cfg.Budget(r)
			break
		}
	}
	l.out = append(l.out, rt)
}

func (l *lister) hopStep(h *parsers.Hop, r *parsers.Route) Step {
	layer := LayerProxy
	switch h.Kind {
	case parsers.HopALB, parsers.HopNLB, parsers.HopCLB, parsers.HopALBIngress, parsers.HopGCEIngress:
		layer = LayerLoadBalancer
	case parsers.HopCloudflare:
		layer = LayerEdge
	}
	t := r.ReadTimeout
	if t.Explicit() {
		t.Pos = l.m.HostPos(t.Pos)
	}
	pos := r.Pos
	if !pos.IsValid() {
		pos = h.Pos
	}
	name := hopName(h)
	if p := routePath(r); r.PathKind == parsers.PathRegex || p != "/" || len(h.Routes) > 1 {
		name += " " + p
	}
	return Step{Layer: layer, Name: name, Pos: l.m.HostPos(pos), Setting: h.ReadTimeoutName(r), Timeout: t, Hop: h, Route: r}
}

// requestPrefix is the path prefix of the requests r serves (config.RoutePrefix), "/"
// for a route whose path is empty.
func requestPrefix(r *parsers.Route) string {
	if p := config.RoutePrefix(r); p != "" {
		return p
	}
	return "/"
}

// forwards reports whether a request on r waits for something behind the hop.
func forwards(r *parsers.Route) bool {
	return r.Respond == nil && r.PathKind != parsers.PathNamed && (r.Backend != nil || r.Pass != "")
}

// routePath is how a route's path is shown and matched: "/" for an empty one, "= /x"
// is shown as /x (the match reaches it), a regex as written with its ~.
func routePath(r *parsers.Route) string {
	switch {
	case r.PathKind == parsers.PathRegex && r.Path == "":
		return "path_regexp" // Caddy's: its pattern is not kept
	case r.PathKind == parsers.PathRegex:
		return "~ " + r.Path
	case r.Path == "":
		return "/"
	}
	return r.Path
}

func hopName(h *parsers.Hop) string {
	if h.Name == "" {
		return h.Kind.Label()
	}
	return h.Kind.Label() + " " + h.Name
}

func passName(r *parsers.Route, directive string) string {
	name := r.Pass
	switch r.Pass {
	case "fastcgi":
		name = "FastCGI"
	case "uwsgi":
		name = "uwsgi"
	case "scgi":
		name = "SCGI"
	case "grpc":
		name = "gRPC"
	}
	return name + " app (" + directive + ")"
}

// passDirective is the directive that hands r's requests on: nginx's fastcgi_pass (uwsgi_pass,
// ...), Caddy's php_fastcgi, or a Caddy reverse_proxy whose transport is fastcgi (written
// so in a Caddyfile, or a JSON config's reverse_proxy handler with the fastcgi protocol,
// which is what php_fastcgi adapts to): the route's own source tells them apart.
func (l *lister) passDirective(r *parsers.Route) string {
	if r.Hop != nil && r.Hop.Kind == parsers.HopCaddy && r.Pass == "fastcgi" {
		if src := l.srcAt(r.Pos); src != nil && !bytes.HasPrefix(src, []byte("php_fastcgi")) {
			return "reverse_proxy with transport fastcgi"
		}
		return "php_fastcgi"
	}
	return r.Pass + "_pass"
}

// srcAt is the source text from p on, nil when the model does not hold p's file.
func (l *lister) srcAt(p parsers.Pos) []byte {
	for _, f := range l.m.Files {
		if f.Path == p.File {
			if p.Offset < 0 || int(p.Offset) >= len(f.Src) {
				return nil
			}
			return f.Src[p.Offset:]
		}
	}
	return nil
}

func backendName(be *parsers.Backend) string {
	switch be.Kind {
	case parsers.BackendNginxUpstream:
		return "upstream " + be.Name
	case parsers.BackendTargetGroup:
		return "target group " + be.Name
	case parsers.BackendK8sService:
		return "Service " + be.Name
	}
	return "upstream " + be.Name
}

func workloadName(w *parsers.Workload) string {
	if w.Kind == parsers.KindComposeService {
		return "Compose service " + w.Name
	}
	return fmt.Sprintf("%s %s", w.Kind, w.Name)
}

func appPos(a parsers.AppContainer) parsers.Pos {
	if p := a.Container.App.Pos; p.IsValid() {
		return p
	}
	if a.Container.Pos.IsValid() {
		return a.Container.Pos
	}
	return a.Workload.Pos
}
