package rules

import "github.com/no502/no502/parsers"

// UnusedSuppressionID is the ID of the rule that reports suppressions matching nothing.
const UnusedSuppressionID = "unused-suppression"

// UnusedSuppression is registered so that its findings have a rule (an ID, a severity the
// config can change, a doc page); its Run does nothing: package lint/suppress reports
// for it, after the rules ran.
var UnusedSuppression = &Rule{
	ID:       UnusedSuppressionID,
	Category: Meta,
	Severity: Info,
	Summary:  "A no502:ignore comment or no502.dev/ignore annotation suppresses no finding, or a suppress: entry names no file or object",
	Formats:  []string{parsers.FormatNginx, parsers.FormatCaddy, parsers.FormatTerraform, parsers.FormatK8s, parsers.FormatCompose},
	Run:      func(*Pass) {},
	Doc: `# unused-suppression

A suppression (a ` + "`# no502:ignore rule-id`" + ` comment, a ` + "`no502:ignore-file`" + ` comment or a
` + "`no502.dev/ignore`" + ` annotation) that matches no finding, names a rule that does not exist, or
sits where it is never read (` + "`no502:ignore-file`" + ` below the first comment block of a file);
and an entry of the ` + "`suppress:`" + ` section of ` + "`.no502.yaml`" + ` that names nothing in the
linted tree: a ` + "`path`" + ` glob that matches no file no502 lints, or a ` + "`kind`" + `, ` + "`namespace`" + ` or
` + "`name`" + ` that no Kubernetes object in the files it covers has. That finding points at the
value in ` + "`.no502.yaml`" + `, with the nearest path or value the tree has when one is close.

## Why it matters

A suppression is a decision that one finding is acceptable. Once the config changes, a stale
suppression no longer hides anything today, but it will silently hide the next problem of that
rule on that line or in that file: a health check that can never fail, a single upstream,
a timeout below the handler budget. Those are the 502s no502 exists to catch, so a stale
suppression is reported, as staticcheck and ruff (RUF100) report theirs. The rule sits in
the ` + "`meta`" + ` category: it is about no502's own input, not about a cause of 502s.

A misspelt rule ID is reported the same way: it suppresses nothing. So is a comment that
opens like a suppression no502 does not read (` + "`# NO502:IGNORE`" + `, ` + "`# no502: ignore`" + `,
` + "`# no502:ignore-files`" + `, ` + "`# no502:ignore=rule-id`" + `, a Terraform ` + "`/* */`" + ` comment), so the user learns
why the finding is still there, as ruff reports an invalid ` + "`# noqa`" + `; a comment that only
mentions the marker further on is prose and is not.

## Fix

Remove the suppression, or the rule IDs in it that no longer match (the fix does this for
comments). Rules switched off in ` + "`.no502.yaml`" + ` (or by ` + "`--select`" + ` and ` + "`--ignore`" + `) are not reported as
unused: the suppression may be needed under another config; a bare ` + "`no502:ignore`" + `, which
covers every rule, is not reported while any rule is off. A run in which a file did not parse
reports only rule IDs that do not exist and misplaced comments: the broken file may hold what
makes the findings of the others (the Service in front of a Deployment), and ` + "`--fix`" + ` must not
delete a suppression the next run needs. ` + "`--no-ignore`" + ` shows every finding and reports no
suppression.

A ` + "`suppress:`" + ` entry is judged by what it names, not by the findings it hides: it is written for
whatever a vendored chart or generated manifest holds after its next update, so one that covers
files or objects without a finding today is not stale. One that names nothing is almost always a
typo or a directory that moved, and the findings it was meant for are shown. It is judged only in a
run of the config's whole directory (` + "`no502 lint`" + ` there or in a parent): a run of a subdirectory or
of named files (pre-commit) may not see the file a glob names. A glob naming a directory a
directory run skips (` + "`vendor/`" + `, ` + "`node_modules/`" + `, a hidden one) is not reported: those files are
linted when named, as pre-commit names them. Remove the entry or correct it; there is no fix.

## Sources

- staticcheck: "this linter directive didn't match anything; should it be removed?"
  (https://staticcheck.dev/docs/configuration/#line-based-linter-directives)
- ruff RUF100 unused-noqa (https://docs.astral.sh/ruff/rules/unused-noqa/)
`,
}

func init() { Register(UnusedSuppression) }
