package output

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/rules"
)

// RuleCount is one row of `lint --statistics`: how many findings a rule reported.
type RuleCount struct {
	Rule     string `json:"rule"`
	Category string `json:"category"`
	Severity string `json:"severity"`
	Count    int    `json:"count"`
	// Fixable counts the findings `lint --fix` writes (a safe fix with edits);
	// UnsafeFixable those only `lint --fix --unsafe-fixes` writes.
	Fixable       int `json:"fixable"`
	UnsafeFixable int `json:"unsafe_fixable"`
}

// Statistics counts the findings per rule, most frequent first, then by rule ID, as
// ruff --statistics does. Severity is the highest a finding of the rule has.
func Statistics(r *lint.Result) []RuleCount {
	idx := map[string]int{}
	var out []RuleCount
	for _, f := range r.Findings {
		i, ok := idx[f.Rule.ID]
		if !ok {
			i = len(out)
			idx[f.Rule.ID] = i
			out = append(out, RuleCount{Rule: f.Rule.ID, Category: string(f.Rule.Category), Severity: f.Severity.String()})
		}
		c := &out[i]
		c.Count++
		if f.Fix != nil && len(f.Fix.Edits) > 0 {
			switch f.Fix.Safety() {
			case rules.FixSafe:
				c.Fixable++
			case rules.FixUnsafe:
				c.UnsafeFixable++
			}
		}
		if sev := f.Severity.String(); severityRank(sev) > severityRank(c.Severity) {
			c.Severity = sev
		}
	}
	slices.SortFunc(out, func(a, b RuleCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Rule, b.Rule))
	})
	return out
}

func severityRank(s string) int {
	switch s {
	case "error":
		return 3
	case "warning":
		return 2
	}
	return 1
}

// WriteStatistics prints Statistics: a table (count, rule, severity, [*] when some are
// fixed by --fix, [-] when some are fixed only with --unsafe-fixes) ending with the
// summary line, or, with asJSON, a JSON list.
func WriteStatistics(w io.Writer, r *lint.Result, asJSON bool) error {
	stats := Statistics(r)
	if asJSON {
		if stats == nil {
			stats = []RuleCount{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(stats)
	}
	countW, ruleW := 1, 1
	for _, s := range stats {
		countW, ruleW = max(countW, len(fmt.Sprint(s.Count))), max(ruleW, len(s.Rule))
	}
	fixable, unsafe := false, false
	for _, s := range stats {
		mark := "   "
		switch {
		case s.Fixable > 0:
			mark, fixable = "[*]", true
		case s.UnsafeFixable > 0:
			mark, unsafe = "[-]", true
		}
		if _, err := fmt.Fprintf(w, "%*d  %s %-*s  %s\n", countW, s.Count, mark, ruleW, s.Rule, s.Severity); err != nil {
			return err
		}
	}
	if fixable {
		fmt.Fprintln(w, "[*] some findings of the rule can be fixed with --fix")
	}
	if unsafe {
		fmt.Fprintln(w, "[-] some findings of the rule can be fixed with --fix --unsafe-fixes")
	}
	_, err := fmt.Fprintln(w, SummaryLine(r))
	return err
}
