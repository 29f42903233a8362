package output

import (
	"strings"
	"testing"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

func TestGitHubEscaping(t *testing.T) {
	if got := ghData("50% done\r\nnext"); got != "50%25 done%0D%0Anext" {
		t.Errorf("ghData: %q", got)
	}
	if got := ghProp("a,b: c%"); got != "a%2Cb%3A c%25" {
		t.Errorf("ghProp: %q", got)
	}
}

// TestGitHubAnnotationLimit: GitHub turns at most 10 workflow commands of each level of
// one step into annotations (actions/toolkit docs/problem-matchers.md, "Limitations");
// the rest stay in the log. When a run prints more, the log says so, so a pull request
// that shows 10 warnings is not taken for one that has 10.
func TestGitHubAnnotationLimit(t *testing.T) {
	rule := &rules.Rule{ID: "single-upstream", Category: rules.Replicas, Severity: rules.Warning}
	result := func(warnings, infos int) *lint.Result {
		r := &lint.Result{Files: 1}
		for i := 0; i < warnings+infos; i++ {
			sev := rules.Warning
			if i >= warnings {
				sev = rules.Info
			}
			r.Findings = append(r.Findings, rules.Finding{Rule: rule, Severity: sev, Message: "m",
				Pos: parsers.Pos{File: "nginx.conf", Line: int32(i + 1), Col: 1}})
		}
		return r
	}
	var out strings.Builder
	if err := writeGitHub(&out, result(10, 3), Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "annotations") {
		t.Errorf("10 warnings and 3 notices fit, yet:\n%s", out.String())
	}
	out.Reset()
	if err := writeGitHub(&out, result(12, 11), Options{}); err != nil {
		t.Fatal(err)
	}
	want := "GitHub shows the first 10 annotations of each level in a step: 2 warnings and 1 notice are only in this log"
	if !strings.Contains(out.String(), want) {
		t.Errorf("no limit note %q in:\n%s", want, out.String())
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); !strings.HasPrefix(lines[len(lines)-1], "23 findings") {
		t.Errorf("the summary line is not last:\n%s", out.String())
	}
}
