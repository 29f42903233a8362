package rules

import "github.com/no502/no502/parsers"

// InlineSuppressionID is the ID of the rule that reports, under `no502 lint --strict`,
// every suppression written in the linted files.
const InlineSuppressionID = "inline-suppression"

// InlineSuppression is registered so that its findings have a rule (an ID, a severity, a
// doc page); its Run does nothing: package lint/suppress reports for it, and only when
// the run is strict (lint.Options.Strict).
var InlineSuppression = &Rule{
	ID:       InlineSuppressionID,
	Category: Meta,
	Severity: Error,
	Summary:  "With --strict: a no502:ignore comment or no502.dev/ignore annotation, which strict runs refuse",
	Formats:  []string{parsers.FormatNginx, parsers.FormatCaddy, parsers.FormatTerraform, parsers.FormatK8s, parsers.FormatCompose},
	Run:      func(*Pass) {},
	Doc: `# inline-suppression

Reported only by ` + "`no502 lint --strict`" + `: a ` + "`# no502:ignore`" + ` or ` + "`# no502:ignore-file`" + `
comment, or a ` + "`no502.dev/ignore`" + ` annotation, in a linted file.

## Why it matters

An inline suppression is a decision one author makes in one file, and a reviewer sees it
only if the diff happens to show it. Teams that want every exception reviewed in one place
run CI with ` + "`--strict`" + `: the suppression is not applied (the finding it would hide is
reported as usual), and the suppression itself is reported as an error, so the run fails
until it is removed or the exception moves to the ` + "`suppress:`" + ` section of ` + "`.no502.yaml`" + `,
which ` + "`--strict`" + ` honours.

This follows golangci-lint's nolintlint, which reports ` + "`//nolint`" + ` directives that break
the team's rules, and ruff's PGH004 (blanket-noqa), which reports suppressions as findings
rather than silently ignoring them: the comment is named at its line so that it can be
removed, instead of the run failing with no position.

## Fix

Fix the finding, or remove the comment and add a ` + "`suppress:`" + ` entry (by file glob, or by
Kubernetes kind, namespace and name, optionally for some rules only) to ` + "`.no502.yaml`" + `.
Its severity can be set in the config's ` + "`rules:`" + ` section; ` + "`off`" + ` is not honoured, since
` + "`--strict`" + ` asks for it.

## Example

Bad, with ` + "`no502 lint --strict`" + ` (a finding suppressed in the file itself):

` + "```nginx" + `
upstream app {
    server app-1:8080 max_fails=0;  # no502:ignore dead-upstream-in-rotation
    server app-2:8080;
}
` + "```" + `

Good: the exception lives in ` + "`.no502.yaml`" + `, where a reviewer sees every one:

` + "```yaml" + `
suppress:
  - path: nginx/legacy.conf
    rules: [dead-upstream-in-rotation]
    reason: app-1 is a canary that must keep its share (TICKET-123)
` + "```" + `

## Sources

- golangci-lint nolintlint (https://golangci-lint.run/usage/linters/#nolintlint)
- ruff PGH004 blanket-noqa (https://docs.astral.sh/ruff/rules/blanket-noqa/)
`,
}

func init() { Register(InlineSuppression) }
