package rules

import (
	"fmt"
	"slices"
	"sync"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/caddy"
	"github.com/no502/no502/parsers/terraform"
)

// A Fact is something derived from the model that several rules need: which workloads
// serve traffic, what answers a backend's connections, the handler budget of a route. It
// is computed at most once per Run, when a rule first asks for it (Fact.Of), and shared
// by every rule of the run, as go/analysis shares an analyzer's result through Requires
// and ResultOf. A rule that does not run does not pay for the facts only it needs.
//
// Compute reads the model and the config of its pass, and may ask for other facts (a
// cycle would deadlock); it must not report findings. Its result is read by rules running
// side by side, so nobody may modify it.
type Fact[T any] struct {
	Name    string // what the fact is, for panics and profiles
	Compute func(*Pass) T
}

// Of returns the fact for p's run, computing it if no rule has asked for it yet.
func (f *Fact[T]) Of(p *Pass) T {
	if p.facts == nil {
		return f.Compute(p) // a Pass made outside Run (a test): nothing to share
	}
	c := p.facts.cell(f)
	c.once.Do(func() { c.value = f.Compute(p.facts.pass) })
	return c.value.(T)
}

// facts holds the facts of one Run. Each is computed under its own sync.Once, so rules
// asking for different facts do not wait for each other.
type facts struct {
	pass  *Pass // the model and config, for Compute; reporting from it panics
	mu    sync.Mutex
	cells map[any]*factCell
	// tfEdits keeps the Terraform fixes' edits across the rounds of a fix run (nil:
	// computed each time).
	tfEdits *terraform.EditCache
	// deferTF: tfFix leaves the edits to EditCache.ResolveWhere (EditCache.DeferTerraform).
	deferTF bool
}

type factCell struct {
	once  sync.Once
	value any
}

func newFacts(m *parsers.Model, cfg *Config) *facts {
	fs := &facts{cells: map[any]*factCell{}}
	fs.pass = &Pass{Model: m, Config: cfg, facts: fs, report: func(f Finding) {
		panic(fmt.Sprintf("rules: a fact reported a finding: %s", f.Message))
	}}
	return fs
}

func (fs *facts) cell(key any) *factCell {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	c := fs.cells[key]
	if c == nil {
		c = &factCell{}
		fs.cells[key] = c
	}
	return c
}

// The facts the rules share. Each is a pure function of the model (and the config), and
// each was computed by several rules, or per item in a loop over the whole model, before.
var (
	// servedK8sFact: the Kubernetes workloads a Service routes traffic to (k8sWorkloads),
	// the workloads every Kubernetes rule looks at.
	servedK8sFact = &Fact[[]*parsers.Workload]{
		Name:    "Kubernetes workloads that serve traffic",
		Compute: func(p *Pass) []*parsers.Workload { return k8sWorkloads(p.Model) },
	}
	// edgeK8sFact: the Kubernetes workloads served only as an edge proxy on the nodes'
	// ports 80 and 443 (k8sEdgeProxies).
	edgeK8sFact = &Fact[[]*parsers.Workload]{
		Name:    "Kubernetes edge proxies on the nodes' ports",
		Compute: func(p *Pass) []*parsers.Workload { return k8sEdgeProxies(servedK8sFact.Of(p), p.Model) },
	}
	// servingFact: the containers of each workload with Services that receive their
	// traffic (Workload.ServingContainers), less those only Prometheus or the API server
	// calls (withoutScrapeOnly).
	servingFact = &Fact[map[*parsers.Workload][]*parsers.Container]{
		Name: "containers serving each workload's Services",
		Compute: func(p *Pass) map[*parsers.Workload][]*parsers.Container {
			out := make(map[*parsers.Workload][]*parsers.Container, len(p.Model.Workloads))
			routed := routedServices(p.Model)
			for _, w := range p.Model.Workloads {
				if len(w.Services) > 0 {
					out[w] = withoutScrapeOnly(w, w.ServingContainers(), routed)
				}
			}
			return out
		},
	}
	// behindFact: what answers the connections of each backend a route forwards to: its
	// proxy hops and the app servers of its workloads (sidesOf). Requires servingFact.
	behindFact = &Fact[map[*parsers.Backend][]side]{
		Name: "what answers each backend",
		Compute: func(p *Pass) map[*parsers.Backend][]side {
			out := map[*parsers.Backend][]side{}
			for _, h := range p.Model.Hops {
				for _, r := range h.Routes {
					if be := r.Backend; be != nil {
						if _, ok := out[be]; !ok {
							out[be] = sidesOf(p, be)
						}
					}
				}
			}
			return out
		},
	}
	// routeBudgetFact: the handler budget of each route of every hop, where the config's
	// routes: reach it (config.Config.Budget). Empty without routes:.
	routeBudgetFact = &Fact[map[*parsers.Route]routeBudget]{
		Name: "handler budget of each route",
		Compute: func(p *Pass) map[*parsers.Route]routeBudget {
			out := map[*parsers.Route]routeBudget{}
			if len(p.Config.Routes) == 0 {
				return out
			}
			for _, h := range p.Model.Hops {
				for _, r := range h.Routes {
					rb, ok := p.Config.Budget(r)
					out[r] = routeBudget{rb, ok}
				}
			}
			return out
		},
	}
	// backendBudgetFact: the largest handler budget among the routes that forward to each
	// backend: their routes: entries, or, when none reaches any of them, the app servers'
	// explicit request timeouts (appBudgetFact). Requires routeBudgetFact.
	backendBudgetFact = &Fact[map[*parsers.Backend]handlerBudget]{
		Name: "handler budget of each backend",
		Compute: func(p *Pass) map[*parsers.Backend]handlerBudget {
			out := map[*parsers.Backend]handlerBudget{}
			routes := routeBudgetFact.Of(p)
			for _, h := range p.Model.Hops {
				for _, r := range h.Routes {
					rb := routes[r]
					if !rb.ok || r.Backend == nil {
						continue
					}
					if best, found := out[r.Backend]; !found || rb.HandlerTimeout.Value > best.value() {
						out[r.Backend] = declaredBudget(rb.RouteBudget)
					}
				}
			}
			apps := appBudgetFact.Of(p)
			fromApps := map[*parsers.Backend]handlerBudget{}
			for _, h := range p.Model.Hops {
				for _, r := range h.Routes {
					b, ok := apps[r]
					if !ok || r.Backend == nil {
						continue
					}
					if _, declared := out[r.Backend]; declared {
						continue // the declared budget wins
					}
					if best, found := fromApps[r.Backend]; !found || b.value() > best.value() {
						fromApps[r.Backend] = b
					}
				}
			}
			for be, b := range fromApps {
				out[be] = b
			}
			// The target groups of a blue/green pair take each other's routes, one
			// deployment after the other (Backend.Swaps): each gets the largest budget of
			// the pair, declared budgets first.
			swapped := map[*parsers.Backend]handlerBudget{}
			for _, be := range p.Model.Backends {
				for _, other := range be.Swaps {
					b, ok := out[other]
					if !ok {
						continue
					}
					cur, found := swapped[be]
					if !found {
						cur, found = out[be]
					}
					if !found || !b.fromApp() && cur.fromApp() || b.fromApp() == cur.fromApp() && b.value() > cur.value() {
						swapped[be] = b
					}
				}
			}
			for be, b := range swapped {
				out[be] = b
			}
			return out
		},
	}
	// registeredFact: the backends (target groups) each workload is registered in, in the
	// model's order.
	registeredFact = &Fact[map[*parsers.Workload][]*parsers.Backend]{
		Name: "backends each workload is registered in",
		Compute: func(p *Pass) map[*parsers.Workload][]*parsers.Backend {
			out := map[*parsers.Workload][]*parsers.Backend{}
			for _, be := range p.Model.Backends {
				for i, w := range be.Workloads {
					if !slices.Contains(be.Workloads[:i], w) {
						out[w] = append(out[w], be)
					}
				}
			}
			return out
		},
	}
	// caddyTreesFact: the syntax trees of the Caddyfiles fixes re-read, parsed once per
	// run (syntaxTrees) and dropped with it.
	caddyTreesFact = &Fact[*syntaxTrees]{
		Name:    "Caddyfile syntax trees",
		Compute: func(*Pass) *syntaxTrees { return &syntaxTrees{caddy: map[*parsers.File]*caddy.File{}} },
	}
	// caddyJSONFact: the Caddy files that are JSON configs. caddy.IsJSONConfig reads the
	// whole document, and rules ask per route and per fix.
	caddyJSONFact = &Fact[map[*parsers.File]bool]{
		Name: "Caddy JSON configs",
		Compute: func(p *Pass) map[*parsers.File]bool {
			out := map[*parsers.File]bool{}
			for _, f := range p.Model.Files {
				if f.Format == parsers.FormatCaddy && caddy.IsJSONConfig(f.Src) {
					out[f] = true
				}
			}
			return out
		},
	}
)

// serving returns the containers of w that receive its Services' traffic.
func (p *Pass) serving(w *parsers.Workload) []*parsers.Container {
	if cs, ok := servingFact.Of(p)[w]; ok {
		return cs
	}
	return w.ServingContainers()
}

// behind returns what serves be: its proxy hops, then the app servers of its workloads
// that run no such hop.
func (p *Pass) behind(be *parsers.Backend) []side {
	if s, ok := behindFact.Of(p)[be]; ok {
		return s
	}
	return sidesOf(p, be)
}

// routeBudget is a route's entry in routeBudgetFact: its budget, if it has one.
type routeBudget struct {
	RouteBudget
	ok bool
}

// budget returns the handler budget that applies to route r (config.Config.Budget).
func (p *Pass) budget(r *parsers.Route) (RouteBudget, bool) {
	if len(p.Config.Routes) == 0 {
		return RouteBudget{}, false
	}
	if rb, ok := routeBudgetFact.Of(p)[r]; ok {
		return rb.RouteBudget, rb.ok
	}
	return p.Config.Budget(r) // not a route of the model's hops
}

// backendBudget is the largest handler budget among the routes that forward to be.
func (p *Pass) backendBudget(be *parsers.Backend) (handlerBudget, bool) {
	rb, ok := backendBudgetFact.Of(p)[be]
	return rb, ok
}

// servedBy lists the target groups a workload is registered in.
func (p *Pass) servedBy(w *parsers.Workload) []*parsers.Backend {
	return registeredFact.Of(p)[w]
}
