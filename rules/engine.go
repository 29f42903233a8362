// Package rules is the rule engine (registry, the pass a rule runs in, findings) and the
// rules themselves, one file per concern: timeout, drain, replicas, health. The config
// (.no502.yaml) is package config; the pipeline that runs the rules is package lint.
//
// The shape follows golang.org/x/tools/go/analysis: a Rule is a value with a Run
// function; Run gets a Pass holding the linked model and the config, and calls
// Pass.Report for each finding. A finding carries its position, the other side of a
// cross-layer mismatch (Related) and a suggested fix. What several rules derive from the
// model (what answers a backend, the budget of a route) is a Fact, computed once per Run
// and shared, as an analyzer's result is through Requires and ResultOf (facts.go).
package rules

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/no502/no502/parsers"
)

// Severity of a finding: the model's type (parsers.Severity), so that the config package
// can hold severities without importing rules.
type Severity = parsers.Severity

// Severities, in increasing order.
const (
	Off     = parsers.Off
	Info    = parsers.Info
	Warning = parsers.Warning
	Error   = parsers.Error
)

// ParseSeverity reads "off", "info", "warning" or "error".
func ParseSeverity(s string) (Severity, error) { return parsers.ParseSeverity(s) }

// Category groups rules by the kind of mistake, not by format.
type Category string

// The four categories of 502 causes, and Meta for findings about no502's own
// configuration (a suppression that suppresses nothing), which cause no 502.
const (
	Timeout  Category = "timeout"
	Drain    Category = "drain"
	Replicas Category = "replicas"
	Health   Category = "health"
	Meta     Category = "meta"
)

// Rule is one check.
type Rule struct {
	ID       string // stable kebab-case ID
	Category Category
	Severity Severity // default severity
	Summary  string   // one line, for `no502 rules`
	// Formats the rule reads (for docs): "nginx", "caddy", "terraform", "k8s".
	Formats []string
	// Doc is the rule's page for `no502 explain`: why it causes 502s, the fix, and the
	// sources of every number (markdown).
	Doc string
	Run func(*Pass)
}

// Related is another position a finding refers to: the other side of a cross-layer
// mismatch, the place a value was inherited from, the config entry that set a budget.
type Related struct {
	Pos     parsers.Pos
	Message string
	// RenderedFrom names the Helm template or Kustomize resource the document at Pos was
	// rendered from, when it was (see parsers.Rendered); set by Run.
	RenderedFrom string
}

// Finding is one reported problem.
type Finding struct {
	Rule     *Rule
	Severity Severity
	Pos      parsers.Pos
	Message  string
	Related  []Related
	Fix      *Fix
	// RenderedFrom names the Helm template or Kustomize resource the document at Pos was
	// rendered from (helm template's "# Source:" comment, kustomize's origin annotation):
	// Pos stays in the rendered stream the user linted, and this says which file to
	// change. Set by Run.
	RenderedFrom string
}

// Pass is what a rule's Run receives.
type Pass struct {
	Rule   *Rule
	Model  *parsers.Model
	Config *Config
	report func(Finding)
	facts  *facts // shared by the run's passes (Fact.Of)
}

// Report records a finding. Severity defaults to the rule's (after config overrides);
// a rule may lower it (for example to Info when a version had to be assumed).
func (p *Pass) Report(f Finding) {
	f.Rule = p.Rule
	// A finding is output: it points where the user edits, the host file of config text
	// held in a ConfigMap (suppression comments and the baseline are there too). The
	// model's positions stay in the embedded text.
	f.Pos = p.Model.HostPos(f.Pos)
	if len(f.Related) > 0 {
		rel := make([]Related, len(f.Related))
		for i, r := range f.Related {
			rel[i] = Related{Pos: p.Model.HostPos(r.Pos), Message: r.Message, RenderedFrom: r.RenderedFrom}
		}
		f.Related = rel
	}
	p.report(f)
}

// Reportf reports a finding with no related positions and no fix.
func (p *Pass) Reportf(pos parsers.Pos, format string, args ...any) {
	p.Report(Finding{Pos: pos, Message: fmt.Sprintf(format, args...)})
}

var registry []*Rule

// Register adds rules to the registry. Rule files call it from init.
func Register(rs ...*Rule) {
	for _, r := range rs {
		for _, old := range registry {
			if old.ID == r.ID {
				panic("rules: duplicate rule ID " + r.ID)
			}
		}
		registry = append(registry, r)
	}
}

// All returns every registered rule, sorted by category then ID.
func All() []*Rule {
	out := append([]*Rule(nil), registry...)
	order := map[Category]int{Timeout: 0, Drain: 1, Replicas: 2, Health: 3, Meta: 4}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Category != out[j].Category {
			return order[out[i].Category] < order[out[j].Category]
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Lookup finds a rule by ID.
func Lookup(id string) *Rule {
	for _, r := range registry {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// Run runs every enabled rule over the model and returns the findings, sorted by file,
// line, column and rule.
func Run(m *parsers.Model, cfg *Config) []Finding {
	return RunCached(m, cfg, nil)
}

// RunCached is Run with the fixes' edits of earlier runs reused where the files they
// change have the same text (the Terraform edits; c.Resolve does the same for the
// Kubernetes patches): the rounds of a fix run re-lint files most of which no round
// changed. A nil c caches nothing.
func RunCached(m *parsers.Model, cfg *Config, c *EditCache) []Finding {
	if cfg == nil {
		cfg = &Config{}
	}
	var enabled []*Rule
	for _, r := range All() {
		if sev, ok := cfg.Rules[r.ID]; !ok && r.Severity != Off || ok && sev.Value != Off {
			enabled = append(enabled, r)
		}
	}
	// Rules only read the model, so they run side by side; each keeps its own findings,
	// joined in rule order so the result does not depend on scheduling.
	found := make([][]Finding, len(enabled))
	facts := newFacts(m, cfg)
	if c != nil {
		facts.tfEdits, facts.deferTF = &c.terraform, c.DeferTerraform
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := min(runtime.GOMAXPROCS(0), len(enabled)); w > 0; w-- {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(enabled); i = int(next.Add(1) - 1) {
				found[i] = runRule(enabled[i], m, cfg, facts)
			}
		}()
	}
	wg.Wait()
	n := 0
	for _, fs := range found {
		n += len(fs)
	}
	out := make([]Finding, 0, n)
	for _, fs := range found {
		out = append(out, fs...)
	}
	SortFindings(out)
	out = dedup(out)
	writeSharedOnce(out)
	guardHostPorts(m, out)
	guardBarePods(out)
	guardSharedText(m, out)
	guardOverlays(m, out)
	guardKustomizePatches(m, out)
	lowerOperatorTools(m, cfg, out)
	attributeRendered(m, out)
	return out
}

// runRule runs one rule and returns its findings at their final severities.
func runRule(r *Rule, m *parsers.Model, cfg *Config, facts *facts) []Finding {
	sev := r.Severity
	o, override := cfg.Rules[r.ID]
	if override {
		sev = o.Value
	}
	var out []Finding
	pass := &Pass{Rule: r, Model: m, Config: cfg, facts: facts}
	pass.report = func(f Finding) {
		if f.Severity == Off || override {
			// The user's severity wins over a rule's own lowering.
			f.Severity = sev
		}
		out = append(out, f)
	}
	r.Run(pass)
	return out
}

// SortFindings orders findings by file, line, column, then rule ID.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Pos.File != b.Pos.File {
			return a.Pos.File < b.Pos.File
		}
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		return a.Rule.ID < b.Rule.ID
	})
}

// dedup drops findings identical in rule, position and message (one directive reached
// through two includes is still one problem).
// Dedup drops the repeats of a finding (same rule, position and message) from fs, sorted
// or not, keeping the first: the runs of a split lint may each report a file they both
// read (an include two services' configs share).
func Dedup(fs []Finding) []Finding { return dedup(fs) }

func dedup(fs []Finding) []Finding {
	type key struct {
		rule, file, msg string
		line, col       int
	}
	seen := make(map[key]bool, len(fs))
	out := fs[:0]
	for _, f := range fs {
		k := key{f.Rule.ID, f.Pos.File, f.Message, int(f.Pos.Line), int(f.Pos.Col)}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	return out
}
