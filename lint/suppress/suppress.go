// Package suppress applies the suppressions written in the linted files: no502:ignore
// comments and no502.dev/ignore annotations, and reports those that suppress nothing
// (the unused-suppression rule, rules.UnusedSuppression).
package suppress

import (
	"fmt"
	"strings"

	"github.com/no502/no502/config"
	"github.com/no502/no502/internal/suggest"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/caddy"
	"github.com/no502/no502/parsers/k8s"
	"github.com/no502/no502/parsers/nginx"
	"github.com/no502/no502/parsers/terraform"
	"github.com/no502/no502/rules"
)

// Suppressions: `# no502:ignore rule-a,rule-b -- reason` on the line before a finding's
// line or at the end of it, `# no502:ignore-file rule-a` in the comment block at the top
// of a file, and the Kubernetes annotation `no502.dev/ignore: "rule-a,rule-b"` on the
// object. They are read from the files' source text after the rules ran, so no parser
// has to keep comments; suppress_scan.go finds them, this file applies them.

// directive kinds.
const (
	dirLine       = iota // applies to one line
	dirFile              // applies to the whole file
	dirAnnotation        // applies to the lines of one YAML document
)

// directive is one suppression found in a file.
type directive struct {
	kind int
	file string      // the real file holding it (the host of an embedded config)
	pos  parsers.Pos // the marker (comment or annotation), for the unused report
	// target is the line a dirLine applies to; first..last the lines of a dirAnnotation.
	target, first, last int
	all                 bool     // names no rule: every rule
	ids                 []string // the rule IDs named, in order
	used                map[string]bool
	misplaced           bool // an ignore-file below the file's top comment block
	// malformed: a comment that opens like a suppression no502 does not read
	// (NO502:IGNORE, "no502: ignore", no502:ignore-files, a /* */ comment); it covers
	// nothing and is reported so the user learns why the finding stays.
	malformed bool
	// For the fix of an unused directive: the offset of the comment opener ('#' or '//')
	// from which the comment is removed when all of it is unused, and the rule-ID list
	// to rewrite when only part is.
	open int
	list parsers.Pos
}

func (d *directive) covers(f rules.Finding) bool {
	if d.misplaced || d.malformed || f.Pos.File != d.file || f.Rule.ID == rules.UnusedSuppressionID {
		return false
	}
	switch d.kind {
	case dirLine:
		if int(f.Pos.Line) != d.target {
			return false
		}
	case dirAnnotation:
		if int(f.Pos.Line) < d.first || int(f.Pos.Line) > d.last {
			return false
		}
	}
	if d.all {
		d.used["*"] = true
		return true
	}
	for _, id := range d.ids {
		if id == f.Rule.ID {
			d.used[id] = true
			return true
		}
	}
	return false
}

// Apply drops the findings a suppression in the linted files covers and returns the
// rest (kept) and a finding of the unused-suppression rule for each suppression that
// covered nothing (unused; empty when that rule is off). With noIgnore every finding is
// kept and nothing is reported. Findings in embedded configs carry host positions, so a
// comment in the ConfigMap's YAML applies to them.
func Apply(m *parsers.Model, cfg *config.Config, fs []rules.Finding, noIgnore bool) (kept, unused []rules.Finding) {
	return apply(m, cfg, fs, noIgnore, nil)
}

// ApplyPartial is Apply for a partial run (named files, as pre-commit runs no502): the
// other files were read only for context, so a suppression that matches nothing here
// may match a finding of the full run. It is not reported, and so --fix never removes
// it; what is wrong whatever the run (a rule ID no rule has, an ignore-file below the
// top comment block) still is.
func ApplyPartial(m *parsers.Model, cfg *config.Config, fs []rules.Finding, noIgnore bool) (kept, unused []rules.Finding) {
	return apply(m, cfg, fs, noIgnore, func(string) bool { return true })
}

// ApplyJudged is Apply for a run whose findings are the full run's in the files judged
// names (as shown), and partial elsewhere: a run of a directory divided among configs (a
// .no502.yaml per service) reads the directory run's context for the files its walk
// found, which are judged as in a directory run; a file named beside the directories is
// not.
func ApplyJudged(m *parsers.Model, cfg *config.Config, fs []rules.Finding, noIgnore bool, judged map[string]bool) (kept, unused []rules.Finding) {
	return apply(m, cfg, fs, noIgnore, func(file string) bool { return !judged[file] })
}

// apply applies the suppressions; partial, when not nil, tells the files whose unused
// suppressions may not be judged (see ApplyPartial).
func apply(m *parsers.Model, cfg *config.Config, fs []rules.Finding, noIgnore bool, partial func(file string) bool) (kept, unused []rules.Finding) {
	if noIgnore || m == nil {
		return fs, nil
	}
	var dirs []*directive
	for _, f := range m.Files {
		if f.Host == "" {
			dirs = append(dirs, scanSuppressions(f)...)
		}
	}
	if len(dirs) == 0 {
		return fs, nil
	}
	for _, f := range fs {
		suppressed := false
		for _, d := range dirs {
			// Every directive that covers the finding counts as used, so a line
			// comment and a file comment for the same rule are not reported as stale.
			if d.covers(f) {
				suppressed = true
			}
		}
		if !suppressed {
			kept = append(kept, f)
		}
	}
	return kept, reportUnused(m, cfg, dirs, partial)
}

// reportUnused makes the unused-suppression findings. In a partial run only rule IDs
// that no rule has are reported: a known rule matching nothing may match in the full run.
func reportUnused(m *parsers.Model, cfg *config.Config, dirs []*directive, partialIn func(file string) bool) []rules.Finding {
	if cfg == nil {
		cfg = config.Default()
	}
	sev := unusedSeverity(cfg)
	if sev == parsers.Off {
		return nil
	}
	// A file that did not parse produced no findings, so its suppressions matched
	// nothing for a reason that has nothing to do with them.
	broken := map[string]bool{}
	for _, d := range m.Diags {
		if d.Severity == parsers.Error {
			broken[d.Pos.File] = true
		}
	}
	// Nor can the files that did parse be judged: the broken one may hold what makes
	// their findings (the Service in front of a Deployment, the upstream behind a
	// proxy), so a suppression matching nothing may match once it parses, and --fix
	// would delete it. Such a run is partial: only what is wrong in any run is reported.
	allPartial := len(broken) > 0
	// A bare no502:ignore covers the rules switched off too: it may match one of their
	// findings in a run where they are on.
	someOff := false
	for _, r := range rules.All() {
		if o, set := cfg.Rules[r.ID]; set && o.Value == parsers.Off || !set && r.Severity == parsers.Off {
			someOff = true
			break
		}
	}
	var out []rules.Finding
	for _, d := range dirs {
		if broken[d.file] {
			continue
		}
		partial := allPartial || partialIn != nil && partialIn(d.file)
		f := rules.Finding{Rule: rules.UnusedSuppression, Severity: sev, Pos: d.pos}
		name := directiveName(d)
		switch {
		case d.malformed:
			f.Message = fmt.Sprintf("%s is not a suppression no502 reads, so it hides nothing: write `no502:ignore RULE-ID` (lower case, no space around the colon) in a `#` comment%s at the end of the line or on the line above, or `no502:ignore-file RULE-ID` at the top of the file.",
				"`"+strings.TrimSpace(string(m.File(d.file).Src[d.pos.Offset:d.pos.EndOffset]))+"`", slashes(m, d.file))
			out = append(out, f)
			continue
		case d.misplaced:
			f.Message = fmt.Sprintf("%s is read only in the comment block at the top of a file; here it suppresses nothing. Move it to the top of %s%s.",
				name, d.file, annotationHint(m, d.file))
			out = append(out, f)
			continue
		case d.all:
			if d.used["*"] || partial || someOff {
				continue
			}
			f.Message = fmt.Sprintf("%s suppresses every rule but matches no finding %s: remove it, or it will hide the next problem here.", name, scopeText(d))
			f.Fix = removalFix(m, d, nil)
			out = append(out, f)
			continue
		}
		var unknown, stale, keep []string
		for _, id := range d.ids {
			switch r := rules.Lookup(id); {
			case r == nil:
				unknown = append(unknown, id)
			case d.used[id], partial:
				keep = append(keep, id)
			case disabled(cfg, id):
				// Switched off in .no502.yaml: the suppression may matter under
				// another config, so it is not called stale.
				keep = append(keep, id)
			default:
				stale = append(stale, id)
			}
		}
		if len(unknown)+len(stale) == 0 {
			continue
		}
		var parts []string
		if len(unknown) > 0 {
			parts = append(parts, fmt.Sprintf("names %s, which no rule has (%ssee no502 rules)", quoteList(unknown), didYouMean(unknown)))
		}
		if len(stale) > 0 {
			parts = append(parts, fmt.Sprintf("%s matches no finding %s", quoteList(stale), scopeText(d)))
		}
		action := "remove it"
		if len(keep) > 0 {
			action = "remove " + quoteList(append(unknown, stale...)) + " from it"
		}
		f.Message = fmt.Sprintf("%s %s: %s, or it will hide the next problem here.", name, strings.Join(parts, " and "), action)
		f.Fix = removalFix(m, d, keep)
		out = append(out, f)
	}
	return out
}

func disabled(cfg *config.Config, id string) bool {
	o, ok := cfg.Rules[id]
	return ok && o.Value == parsers.Off
}

// didYouMean is "did you mean `x`? " for the unknown IDs that are near a rule's ID (a
// typo), or "".
func didYouMean(unknown []string) string {
	var ids, near []string
	for _, r := range rules.All() {
		ids = append(ids, r.ID)
	}
	for _, id := range unknown {
		if c := suggest.Closest(id, ids); c != "" {
			near = append(near, c)
		}
	}
	if len(near) == 0 {
		return ""
	}
	return "did you mean " + quoteList(near) + "? "
}

// slashes names Terraform's other line comment.
func slashes(m *parsers.Model, file string) string {
	if f := m.File(file); f != nil && f.Format == parsers.FormatTerraform {
		return " (or `//`)"
	}
	return ""
}

func directiveName(d *directive) string {
	switch d.kind {
	case dirFile:
		return "no502:ignore-file"
	case dirAnnotation:
		return "annotation no502.dev/ignore"
	}
	return "no502:ignore"
}

func scopeText(d *directive) string {
	switch d.kind {
	case dirFile:
		return "in this file"
	case dirAnnotation:
		return fmt.Sprintf("in this object (lines %d-%d)", d.first, d.last)
	}
	if d.target == 0 {
		return "(no line follows it)"
	}
	return fmt.Sprintf("on line %d", d.target)
}

// annotationHint points Kubernetes users at the annotation, the one way to cover an
// object (or the config embedded in a ConfigMap) without a comment at the top.
func annotationHint(m *parsers.Model, file string) string {
	if f := m.File(file); f != nil && f.Format == parsers.FormatK8s {
		return ", or annotate the object with no502.dev/ignore"
	}
	return ""
}

func quoteList(ids []string) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = "`" + id + "`"
	}
	return strings.Join(q, ", ")
}

// removalFix deletes a wholly unused comment directive, or rewrites its rule list to keep,
// by the comment edits of the file's format: they refuse a '#' that is not a comment of
// that format (text in a string, a heredoc, a block scalar), and there is no fix then.
// Annotations get no edits: removing a map entry can leave an empty annotations: key
// whose meaning the user should decide.
func removalFix(m *parsers.Model, d *directive, keep []string) *rules.Fix {
	f := m.File(d.file)
	if f == nil || d.kind == dirAnnotation {
		return nil
	}
	desc := "remove the unused " + directiveName(d)
	e, ok := removeComment(f, d.open)
	if len(keep) > 0 {
		desc = "keep only " + quoteList(keep) + " in the " + directiveName(d)
		e, ok = replaceInComment(f, d.list, strings.Join(keep, ","))
	}
	if !ok {
		return nil
	}
	// The snippet is the line as it will read (empty when the line goes away).
	snippet := parsers.EditedLine(f.Src, e)
	return &rules.Fix{Description: desc, Snippet: strings.TrimRight(snippet, " \t") + "\n", Edits: []parsers.Edit{e}}
}

// removeComment removes the comment of f opened at byte from, in f's format.
func removeComment(f *parsers.File, from int) (parsers.Edit, bool) {
	switch f.Format {
	case parsers.FormatNginx:
		return nginx.RemoveComment(f, from)
	case parsers.FormatCaddy:
		return caddy.RemoveComment(f, from)
	case parsers.FormatTerraform:
		return terraform.RemoveComment(f, from)
	case parsers.FormatK8s:
		return k8s.RemoveComment(f, from)
	}
	return parsers.Edit{}, false
}

// replaceInComment replaces the bytes r of a comment of f, in f's format.
func replaceInComment(f *parsers.File, r parsers.Pos, text string) (parsers.Edit, bool) {
	switch f.Format {
	case parsers.FormatNginx:
		return nginx.ReplaceInComment(f, r, text)
	case parsers.FormatCaddy:
		return caddy.ReplaceInComment(f, r, text)
	case parsers.FormatTerraform:
		return terraform.ReplaceInComment(f, r, text)
	case parsers.FormatK8s:
		return k8s.ReplaceInComment(f, r, text)
	}
	return parsers.Edit{}, false
}

// Strict is Apply for a strict run: no suppression in the files is applied, so every
// finding is kept, and each suppression is reported as an inline-suppression finding.
// Its severity is the config's for that rule, or the rule's default (error); the run
// asked for strictness, so an "off" in the config is not honoured.
func Strict(m *parsers.Model, cfg *config.Config, fs []rules.Finding) (kept, refused []rules.Finding) {
	if m == nil {
		return fs, nil
	}
	sev := rules.InlineSuppression.Severity
	if cfg != nil {
		if o, ok := cfg.Rules[rules.InlineSuppressionID]; ok && o.Value != parsers.Off && o.Pos.IsValid() {
			sev = o.Value
		}
	}
	for _, f := range m.Files {
		if f.Host != "" {
			continue
		}
		for _, d := range scanSuppressions(f) {
			if d.malformed {
				continue // suppresses nothing, so there is nothing to refuse
			}
			what := "every rule"
			if !d.all {
				what = quoteList(d.ids)
			}
			refused = append(refused, rules.Finding{
				Rule: rules.InlineSuppression, Severity: sev, Pos: d.pos,
				Message: fmt.Sprintf("%s (for %s) is not allowed with --strict: the findings it would hide are reported. Fix them, or move the exception to the suppress: section of .no502.yaml.", directiveName(d), what),
			})
		}
	}
	return fs, refused
}
