package rules

import (
	"fmt"
	"strings"

	"github.com/no502/no502/parsers"
)

// sharedOnce is what a fix of a directive several routes share keeps of its edits while
// it is a snippet: written there, the change reaches every route that imports it, which
// is right only when each of those routes needs exactly this change.
type sharedOnce struct {
	routes int    // the routes the directive makes (one per import)
	where  string // "the snippet (backend)", or the imported file
	base   string // the description before the reason it is not written
	edits  []parsers.Edit
}

// shareAmong records f's edits and description before guess makes it a snippet: f edits a
// directive that makes routes routes, in where.
func (f *Fix) shareAmong(routes int, where string) {
	f.shared = &sharedOnce{routes: routes, where: where, base: f.Description, edits: append([]parsers.Edit(nil), f.Edits...)}
}

// writeSharedOnce writes once the fix of a shared directive (a Caddy snippet or file
// imported by several routes) when every route it makes has a finding of the same rule
// whose fix is these same edits: each route then needs this change, and no route gets a
// change it was not found to need. The first finding's fix carries the edits; the
// others say it writes them, so that the edits a client reads per finding (JSON, SARIF)
// are each made once. A route with no finding (no budget, or one its timeout already
// meets) or with another value keeps every fix a snippet. lint --fix checks the result
// as any fix: every route's model may change only in the setting the fix names.
func writeSharedOnce(findings []Finding) {
	type key struct{ rule, edits string }
	groups := map[key][]*Finding{}
	var order []key
	for i := range findings {
		f := &findings[i]
		if f.Fix == nil || f.Fix.shared == nil {
			continue
		}
		k := key{f.Rule.ID, editsKey(f.Fix.shared.edits)}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], f)
	}
	for _, k := range order {
		fs := groups[k]
		first := fs[0]
		sh := first.Fix.shared
		if len(fs) != sh.routes {
			continue
		}
		setDescription(first, fmt.Sprintf("%s (once, in %s, for the %d routes that import it: each has this finding)", sh.base, sh.where, sh.routes))
		first.Fix.Edits = append([]parsers.Edit(nil), sh.edits...)
		first.Fix.manual = false
		first.Fix.covers = sh.routes
		for _, f := range fs[1:] {
			// Fixed by the first finding's edits, as ruff counts a diagnostic whose edits
			// an earlier fix already made: as safe as that fix, with no edits of its own.
			setDescription(f, fmt.Sprintf("%s (made by the fix of the first of these %d findings, at %s: one change in %s for all %d routes that import it)", sh.base, sh.routes, first.Pos.Short(), sh.where, sh.routes))
			f.Fix.leader = first.Fix
		}
	}
}

// setDescription gives f's fix a new description, and the message that quotes the old
// one (read-timeout-below-budget ends with it) the new one, so that the two agree.
func setDescription(f *Finding, desc string) {
	old := f.Fix.Description
	if old != "" {
		if strings.Contains(f.Message, old) {
			f.Message = strings.Replace(f.Message, old, desc, 1)
		} else if up := upperFirst(old); strings.Contains(f.Message, up) {
			f.Message = strings.Replace(f.Message, up, upperFirst(desc), 1)
		}
	}
	f.Fix.Description = desc
}

// Covers counts the findings whose problem the fix's edits clear: 1, or, for the fix that
// writes a shared directive's change once, every finding that change clears (the others
// carry no edits and name this one). lint --fix counts them all as fixed.
func (f *Fix) Covers() int {
	if f == nil {
		return 0
	}
	return max(f.covers, 1)
}

// Leader is the fix of another finding whose edits make this fix's change (a shared
// directive written once), or nil.
func (f *Fix) Leader() *Fix {
	if f == nil {
		return nil
	}
	return f.leader
}

// FollowRejected turns a fix that another finding's fix makes (Leader) into a snippet
// saying so when that fix is not written: lint --fix calls it after rejecting fixes.
func (f *Fix) FollowRejected() {
	if f == nil || f.leader == nil || f.leader.Safety() != FixSnippet {
		return
	}
	f.leader = nil
	f.Description = withReason(f.Description, "that fix is not written either; its finding says why")
}

// editsKey is a text that two sets of edits share only when they are the same edits.
func editsKey(edits []parsers.Edit) string {
	var b strings.Builder
	for _, e := range edits {
		fmt.Fprintf(&b, "%s\x00%d\x00%d\x00%s\x01", e.File, e.Start, e.End, e.New)
	}
	return b.String()
}

// DetachHidden turns into snippets the fixes whose change another finding's fix makes
// (Leader) when that finding is not among findings: a baseline or a suppression hides it,
// and lint --fix writes no hidden finding's fix. Called on the findings a run reports.
func DetachHidden(findings []Finding) {
	live := map[*Fix]bool{}
	for i := range findings {
		if findings[i].Fix != nil {
			live[findings[i].Fix] = true
		}
	}
	shown := map[*Fix]int{} // a written fix → the findings shown whose change it makes
	for i := range findings {
		f := findings[i].Fix
		switch {
		case f == nil || f.leader == nil:
		case !live[f.leader]:
			f.leader = nil
			setDescription(&findings[i], withReason(f.Description, "that finding is not reported (a baseline or a suppression hides it), and --fix writes no hidden finding's fix"))
		default:
			shown[f.leader]++
		}
	}
	for i := range findings {
		// A hidden finding is not counted as fixed: the summary counts what the
		// report shows.
		if f := findings[i].Fix; f != nil && f.covers > 0 {
			f.covers = 1 + shown[f]
		}
	}
}
