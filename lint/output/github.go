package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// GitHub Actions workflow commands: each finding becomes an annotation on the pull
// request's diff (https://docs.github.com/actions/reference/workflow-commands-for-github-actions).

func init() { register("github", writeGitHub) }

// ghAnnotationsPerLevel is how many workflow commands of one level (error, warning,
// notice) GitHub turns into annotations in one step; it keeps the rest in the log only
// (actions/toolkit docs/problem-matchers.md, "Limitations": 10 of each level per step,
// 50 per job).
const ghAnnotationsPerLevel = 10

func writeGitHub(w io.Writer, r *lint.Result, _ Options) error {
	// The runner takes a relative file= as relative to the repository's root
	// (GITHUB_WORKSPACE): actions/runner's IssueCommandExtension rewrites only an
	// absolute path under the workspace. A step run in a subdirectory
	// (working-directory: deploy) put every annotation on a file that does not exist;
	// names are written relative to the workspace when the file is under it, as the
	// gitlab format does with CI_PROJECT_DIR.
	toRepo := repoPaths("GITHUB_WORKSPACE")
	count := map[string]int{"error": len(r.Errors)}
	for _, d := range r.Errors {
		fmt.Fprintf(w, "::error %s::%s\n", ghProps(ghPos(d.Pos, toRepo), "no502: config error"), ghData(d.Message))
	}
	for _, f := range r.Findings {
		level := "notice"
		switch f.Severity {
		case rules.Error:
			level = "error"
		case rules.Warning:
			level = "warning"
		}
		count[level]++
		// One line per annotation: the message, which already names the fix. The related
		// positions and the fix snippet are in the text and SARIF output; on a pull
		// request's diff a multi-line annotation buries the code it points at.
		fmt.Fprintf(w, "::%s %s::%s\n", level, ghProps(ghPos(f.Pos, toRepo), "no502 "+f.Rule.ID), ghData(f.Message+renderedNote(f)))
	}
	// Lines that are not commands are plain log output. A pull request showing 10
	// warnings must not pass for one that has 10: say what GitHub left out.
	var over []string
	hidden := 0
	for _, level := range []string{"error", "warning", "notice"} {
		if n := count[level] - ghAnnotationsPerLevel; n > 0 {
			over = append(over, plural(n, level))
			hidden += n
		}
	}
	if len(over) > 0 {
		verb := "are"
		if hidden == 1 {
			verb = "is"
		}
		fmt.Fprintf(w, "GitHub shows the first %d annotations of each level in a step: %s %s only in this log (upload SARIF to code scanning, or run --format text, to see every finding on its line).\n",
			ghAnnotationsPerLevel, joinAnd(over), verb)
	}
	fmt.Fprintln(w, SummaryLine(r))
	return nil
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(parts []string) string {
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// ghPos is p with its file named as the runner finds it.
func ghPos(p parsers.Pos, toRepo func(string) string) parsers.Pos {
	if p.File != "" {
		p.File = toRepo(p.File)
	}
	return p
}

func ghProps(p parsers.Pos, title string) string {
	var parts []string
	if p.File != "" {
		parts = append(parts, "file="+ghProp(p.File))
	}
	if p.Line > 0 {
		parts = append(parts, fmt.Sprintf("line=%d", p.Line))
		if p.Col > 0 {
			parts = append(parts, fmt.Sprintf("col=%d", p.Col))
		}
		if p.EndLine >= p.Line {
			parts = append(parts, fmt.Sprintf("endLine=%d", p.EndLine))
			// GitHub reads endColumn only on single-line annotations.
			if p.EndLine == p.Line && p.EndCol > 0 {
				parts = append(parts, fmt.Sprintf("endColumn=%d", p.EndCol))
			}
		}
	}
	parts = append(parts, "title="+ghProp(title))
	return strings.Join(parts, ",")
}

// The replacers are made once: building one per message cost more than the run's whole
// parse on 15,000 findings (a Replacer is safe for concurrent use).
var (
	dataEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// ghData escapes a command's message as the runner requires: %, CR and LF.
func ghData(s string) string { return dataEscaper.Replace(s) }

// ghProp escapes a property value: the message escapes plus : and , which separate
// properties.
func ghProp(s string) string { return propEscaper.Replace(s) }
