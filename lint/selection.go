package lint

import (
	"fmt"
	"sort"
	"strings"

	"github.com/no502/no502/config"
	"github.com/no502/no502/internal/suggest"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// Rule selection from the command line (--select, --ignore), as ruff does it: a selector
// is a rule ID or a category. With --select, only the rules it names run; --ignore turns
// rules off. When both name a rule, the more specific selector wins (an ID over a
// category), and at the same level --ignore wins. The command line wins over the
// config's rules: section: a rule the config turns off runs when --select names it, and
// a selected rule keeps the severity the config gives it (or its default).

// Categories lists the rule categories, in the order `no502 rules` shows them.
func Categories() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range rules.All() {
		if c := string(r.Category); !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// Selectors lists what --select and --ignore accept: every rule ID and category.
func Selectors() []string {
	var out []string
	for _, r := range rules.All() {
		out = append(out, r.ID)
	}
	return append(out, Categories()...)
}

// CheckSelectors rejects selectors that name no rule and no category, with the closest
// one as a hint; flag names the option for the message.
func CheckSelectors(flag string, sel []string) error {
	known := map[string]bool{}
	all := Selectors()
	for _, s := range all {
		known[s] = true
	}
	for _, s := range sel {
		if !known[s] {
			return &UsageError{fmt.Errorf("%s: unknown rule or category %q%s; `no502 rules` lists them", flag, s, suggest.Hint(s, all))}
		}
	}
	return nil
}

// specificity of the selector in sel that names r: 2 for its ID, 1 for its category,
// 0 for none.
func specificity(r *rules.Rule, sel []string) int {
	best := 0
	for _, s := range sel {
		switch s {
		case r.ID:
			return 2
		case string(r.Category):
			best = 1
		}
	}
	return best
}

// applySelection returns cfg with its rules: severities changed by the selectors. cfg
// itself is not changed (the caller may share it).
func applySelection(cfg *config.Config, sel, ign []string) *config.Config {
	if len(sel) == 0 && len(ign) == 0 {
		return cfg
	}
	out := *cfg
	out.Rules = make(map[string]parsers.Setting[parsers.Severity], len(cfg.Rules))
	for id, s := range cfg.Rules {
		out.Rules[id] = s
	}
	for _, r := range rules.All() {
		s, i := specificity(r, sel), specificity(r, ign)
		switch {
		case i > 0 && i >= s:
			out.Rules[r.ID] = parsers.Set(parsers.Off, parsers.Pos{}, "--ignore")
		case s > 0:
			if o, ok := out.Rules[r.ID]; ok && o.Value == parsers.Off {
				// Turned off in the config, named on the command line: the command
				// line wins, at the rule's default severity.
				out.Rules[r.ID] = parsers.Set(r.Severity, parsers.Pos{}, "--select")
			}
		case len(sel) > 0:
			out.Rules[r.ID] = parsers.Set(parsers.Off, parsers.Pos{}, "not in --select")
		}
	}
	return &out
}

// selectionSummary says which rules a selection leaves on, for tests and messages.
func selectionSummary(cfg *config.Config) string {
	var on []string
	for _, r := range rules.All() {
		if o, ok := cfg.Rules[r.ID]; ok && o.Value == parsers.Off || !ok && r.Severity == parsers.Off {
			continue
		}
		on = append(on, r.ID)
	}
	sort.Strings(on)
	return strings.Join(on, ",")
}
