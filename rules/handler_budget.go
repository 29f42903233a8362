package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/no502/no502/config"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/appserver"
)

// A handlerBudget is how long a route's handlers may take, and who said so. A routes:
// entry of .no502.yaml says it for the paths it matches. Where none does, an app server
// that kills a request after an explicit time says it for the routes whose requests it
// answers: gunicorn --timeout on a sync worker, uwsgi --harakiri, request_timeout under
// backends:. A request slower than that fails at the app anyway, so any hop in front
// must wait at least that long, and a load balancer must drain that long. A default
// (gunicorn's 30s) is not such a statement: nobody chose it for these handlers.
type handlerBudget struct {
	// RouteBudget is the routes: entry, or for an app's timeout the route's own path and
	// the timeout as written (its position in the host file).
	RouteBudget
	// app names the app server setting the budget ("gunicorn --timeout 120"); empty for a
	// routes: entry.
	app string
}

func declaredBudget(rb RouteBudget) handlerBudget { return handlerBudget{RouteBudget: rb} }

// fromApp reports whether the budget is an app server's request timeout.
func (b handlerBudget) fromApp() bool { return b.app != "" }

// value is the budget's length.
func (b handlerBudget) value() time.Duration { return b.HandlerTimeout.Value }

// phrase names the budget inside a sentence, with where it was said: "90s handler budget
// for /webhooks/ (.no502.yaml:4)", "120s handler budget from gunicorn --timeout 120
// (deploy.yaml:31)".
func (b handlerBudget) phrase() string {
	if b.fromApp() {
		return fmt.Sprintf("%s handler budget from %s (%s)", parsers.Seconds(b.value()), b.app, b.HandlerTimeout.Pos.Short())
	}
	return fmt.Sprintf("%s handler budget for %s (%s)", parsers.Seconds(b.value()), b.Match, b.HandlerTimeout.Pos.Short())
}

// mayTake says how long requests may run and who said so: "requests under /x may take
// 300s (handler_timeout, .no502.yaml:3)", "gunicorn --timeout 300 (api.yaml:20) lets
// requests under /export/ run 300s".
func (b handlerBudget) mayTake() string {
	if b.fromApp() {
		return fmt.Sprintf("%s (%s) lets requests under %s run %s", b.app, b.HandlerTimeout.Pos.Short(), b.Match, parsers.Seconds(b.value()))
	}
	return fmt.Sprintf("requests under %s may take %s (handler_timeout, %s)", b.Match, parsers.Seconds(b.value()), b.HandlerTimeout.Pos.Short())
}

// runs says how long a request may run, as a clause: "the handler budget for /hooks/ is
// 90s (.no502.yaml:3)", "gunicorn --timeout 120 (api.yaml:20) lets a request run 120s".
func (b handlerBudget) runs() string {
	if b.fromApp() {
		return fmt.Sprintf("%s (%s) lets a request run %s", b.app, b.HandlerTimeout.Pos.Short(), parsers.Seconds(b.value()))
	}
	return fmt.Sprintf("the handler budget for %s is %s (%s)", b.Match, parsers.Seconds(b.value()), b.HandlerTimeout.Pos.Short())
}

// above says what a suggested timeout is above, for fix descriptions.
func (b handlerBudget) above() string {
	if b.fromApp() {
		return fmt.Sprintf("above the %s request timeout of %s", parsers.Seconds(b.value()), b.app)
	}
	return fmt.Sprintf("above the %s handler budget for %s", parsers.Seconds(b.value()), b.Match)
}

// related names the line that set the budget, for a finding's Related list.
func (b handlerBudget) related() Related {
	if b.fromApp() {
		return Related{Pos: b.HandlerTimeout.Pos, Message: "handler budget from " + b.app + " (no routes: entry in .no502.yaml covers the route)"}
	}
	return BudgetRelated(b.RouteBudget)
}

// handlerBudget returns route r's budget: the routes: entry that reaches it
// (config.Config.Budget), else the longest explicit request timeout among the app
// servers its requests reach.
func (p *Pass) handlerBudget(r *parsers.Route) (handlerBudget, bool) {
	if rb, ok := p.budget(r); ok {
		return declaredBudget(rb), true
	}
	b, ok := appBudgetFact.Of(p)[r]
	return b, ok
}

// appBudgetFact: for each route of every hop, the longest explicit request timeout of
// the app servers its requests reach (appBudgetOf); routes that reach none are absent.
var appBudgetFact = &Fact[map[*parsers.Route]handlerBudget]{
	Name: "handler budget each route gets from the app servers behind it",
	Compute: func(p *Pass) map[*parsers.Route]handlerBudget {
		out := map[*parsers.Route]handlerBudget{}
		for _, h := range p.Model.Hops {
			for _, r := range h.Routes {
				if b, ok := appBudgetOf(p, r, map[*parsers.Route]bool{}); ok {
					out[r] = b
				}
			}
		}
		return out
	},
}

// appBudgetOf finds the longest explicit request timeout of the app servers that answer
// route r: those directly behind its backend, and those behind the proxy hops it
// forwards to, through the inner routes r serves (the ones outer-hop-gives-up-first
// compares). seen guards against a chain that loops back.
func appBudgetOf(p *Pass, r *parsers.Route, seen map[*parsers.Route]bool) (handlerBudget, bool) {
	if (r.Backend == nil && r.PassBackend == nil) || r.Respond != nil || seen[r] {
		return handlerBudget{}, false
	}
	seen[r] = true
	var best handlerBudget
	found := false
	consider := func(b handlerBudget) {
		if !found || b.value() > best.value() {
			best, found = b, true
		}
	}
	for _, s := range p.answering(r) {
		if s.hop == nil {
			if req, ok := appRequestTimeout(s); ok {
				req.Pos = p.Model.HostPos(req.Pos)
				consider(handlerBudget{RouteBudget: RouteBudget{Match: routePathOf(r), HandlerTimeout: req}, app: appSource(s, req)})
			}
			continue
		}
		if r.Hop == nil {
			continue
		}
		for _, ir := range s.hop.Routes {
			if ir.Respond != nil || ir.PathKind == parsers.PathNamed || r.Hop.ServingRouteFor(r, config.RoutePrefix(ir)) != r {
				continue
			}
			if b, ok := appBudgetOf(p, ir, seen); ok {
				b.Match = routePathOf(r) // the budget of this route's requests
				consider(b)
			}
		}
	}
	return best, found
}

// answering lists what route r hands its requests to: the proxy hops and app servers
// behind its Backend, or, for a fastcgi_pass route, the php-fpm containers its
// PassBackend reaches (the link step sets its workloads only for php-fpm services).
func (p *Pass) answering(r *parsers.Route) []side {
	if r.Backend != nil {
		out := reachedSides(r, p.behind(r.Backend))
		// The upstream{} blocks a proxy_pass to a map's variable reaches get the
		// requests the map sends there, under this route's timeouts.
		for _, be := range r.Alternatives {
			for _, s := range reachedSides(r.Via(be), p.behind(be)) {
				if !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
		}
		return out
	}
	if r.PassBackend == nil {
		return nil
	}
	var out []side
	for _, w := range r.PassBackend.Workloads {
		for _, c := range w.Containers {
			if c.App != nil && c.App.Name == appserver.PHPFPM {
				out = append(out, side{w: w, c: c})
			}
		}
	}
	return out
}

// appRequestTimeout is the request timeout an app server side was explicitly given, when
// it kills requests after it.
func appRequestTimeout(s side) (parsers.Duration, bool) {
	if s.c == nil || s.c.App == nil {
		return parsers.Duration{}, false
	}
	req := s.c.App.RequestTimeout
	return req, req.Explicit() && req.Value > 0
}

// appSource names the app server setting a budget: "gunicorn --timeout 120", "uwsgi
// --harakiri 60", "request_timeout: 90s under backends:", "php-fpm
// request_terminate_timeout 300s".
func appSource(s side, req parsers.Duration) string {
	if s.c.App.Name == appserver.PHPFPM {
		return "php-fpm request_terminate_timeout " + parsers.Seconds(req.Value)
	}
	if strings.HasPrefix(s.c.App.Note, "declared in ") && strings.HasPrefix(req.Text, "request_timeout:") {
		return req.Text + " under backends:"
	}
	return s.c.App.Name + " " + req.Text
}

func routePathOf(r *parsers.Route) string {
	if r.Path == "" {
		return "/"
	}
	return r.Path
}

// directAppOutwaits reports whether an app server directly behind route r is explicitly
// allowed to run a request longer than r's read timeout: app-timeout-exceeds-proxy's
// finding, which no other rule repeats.
func (p *Pass) directAppOutwaits(r *parsers.Route) bool {
	rt := r.ReadTimeout
	if (r.Backend == nil && r.PassBackend == nil) || !rt.Known() || rt.Value == 0 {
		return false
	}
	for _, s := range p.answering(r) {
		if req, ok := appRequestTimeout(s); ok && s.hop == nil && req.Value > rt.Value {
			return true
		}
	}
	return false
}

// Unbudgeted counts the routes whose timeouts no rule could check against a handler
// budget because none is known: no routes: entry of .no502.yaml reaches them and no app
// server behind them sets an explicit request timeout. Routes that forward nowhere (a
// return, a respond, a static root) and named locations (only internal redirects reach
// them, and routes: cannot name them) need none. Neither does a chain that
// outer-hop-gives-up-first already decides: the outer route it reports and the inner
// route that waits longer. keep says which routes to count (the files named, in a
// partial run); nil counts all. The count is 0 when read-timeout-below-budget is off.
func Unbudgeted(m *parsers.Model, cfg *Config, keep func(parsers.Pos) bool) int {
	if m == nil || cfg == nil {
		return 0
	}
	if sev, ok := cfg.Rules[readTimeoutBelowBudget.ID]; ok && sev.Value == Off {
		return 0
	}
	p := newFacts(m, cfg).pass
	decided := map[*parsers.Route]bool{}
	for _, h := range m.Hops {
		for _, r := range h.Routes {
			if r.Backend == nil {
				continue
			}
			for _, rh := range reachedHopsVia(r) {
				if ir := p.innerWaitsLonger(h, r, rh.hop); ir != nil {
					decided[r], decided[ir] = true, true
				}
			}
		}
	}
	n := 0
	for _, h := range m.Hops {
		for _, r := range h.Routes {
			// A route that proxies (Backend) or hands requests to an app by fastcgi_pass,
			// uwsgi_pass, scgi_pass or grpc_pass (Pass): both have a read timeout that
			// read-timeout-below-budget checks once a budget reaches them.
			if r.Backend == nil && r.Pass == "" || r.Respond != nil || r.PathKind == parsers.PathNamed || decided[r] {
				continue
			}
			if h.Kind == parsers.HopGCEIngress && !r.ReadTimeout.Known() {
				continue // the BackendConfig that sets its timeout is not in the run: a budget would check nothing
			}
			if keep != nil && !keep(m.HostPos(r.Pos)) {
				continue
			}
			if _, ok := cfg.Budget(r); ok {
				continue
			}
			// Not appBudgetFact: a partial run counts a few routes of a large model.
			if _, ok := appBudgetOf(p, r, map[*parsers.Route]bool{}); ok {
				continue
			}
			n++
		}
	}
	return n
}
