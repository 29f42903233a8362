package output

import (
	"fmt"
	"io"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/rules"
)

// writeConcise prints one line per finding, `file:line:col: severity[rule] message`, as
// ruff's and golangci-lint's concise formats do (editors' problem matchers and grep read
// it): no source excerpt, no related positions, no fix. Parse errors and notes get one
// line each too, and the summary line ends the report.
func writeConcise(w io.Writer, r *lint.Result, o Options) error {
	pal := newPalette(o.Color)
	for _, d := range r.Errors {
		fmt.Fprintf(w, "%s: %s %s\n", pal.bold(d.Pos.String()), pal.err("error:"), d.Message)
	}
	for _, f := range r.Findings {
		fmt.Fprintf(w, "%s: %s%s %s%s\n", pal.bold(f.Pos.String()), pal.severity(f.Severity), pal.bold("["+f.Rule.ID+"]"), f.Message, renderedNote(f))
	}
	for _, d := range r.Notes {
		fmt.Fprintf(w, "%s: %s %s\n", pal.bold(d.Pos.String()), pal.info("note:"), d.Message)
	}
	fmt.Fprintln(w, SummaryLine(r))
	return nil
}

// renderedNote ends a one-line finding with the template (or Kustomize resource) its
// document was rendered from, when it was: " (rendered from chart/templates/x.yaml)".
func renderedNote(f rules.Finding) string {
	if f.RenderedFrom == "" {
		return ""
	}
	return " (rendered from " + f.RenderedFrom + ")"
}
