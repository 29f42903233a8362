package rules_test

import (
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/caddy"
	"github.com/no502/no502/rules"
)

// findingsOf runs the rules over one Caddyfile and returns the findings of rule id.
func findingsOf(t *testing.T, src, yaml, id string) []rules.Finding {
	t.Helper()
	cfg, err := rules.ParseConfig(".no502.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	m := caddy.Parse([]parsers.Input{{Path: "Caddyfile", Abs: "/fix/Caddyfile", Src: []byte(src)}}, parsers.Options{})
	var out []rules.Finding
	for _, f := range rules.Run(m, cfg) {
		if f.Rule.ID == id {
			out = append(out, f)
		}
	}
	return out
}

const sharedBackend = "(backend) {\n\treverse_proxy app:3000 {\n\t\ttransport http {\n\t\t\tresponse_header_timeout 30s\n\t\t}\n\t}\n}\nexample.com {\n\thandle /api/* {\n\t\timport backend\n\t}\n\thandle /upload/* {\n\t\timport backend\n\t}\n\thandle {\n\t\timport backend\n\t}\n}\n"

// A snippet's reverse_proxy imported by three routes that all have the same budget: each
// route needs the same raise, so the change is made once, in the snippet, by the first
// finding's fix; the others say that fix makes it (session 13). The others' fixes are as
// safe as that one (--fix clears their findings: session 14), carry no edits of their own,
// and each message says what its fix says.
func TestCaddySharedSnippetWrittenOnceWhenEveryRouteNeedsIt(t *testing.T) {
	fs := findingsOf(t, sharedBackend, "routes:\n  - match: /\n    handler_timeout: 90s\n", "read-timeout-below-budget")
	if len(fs) != 3 {
		t.Fatalf("%d findings, want 3 (one per importing route)", len(fs))
	}
	written := 0
	for _, f := range fs {
		switch {
		case len(f.Fix.Edits) > 0:
			written++
			if f.Fix.Safety() != rules.FixSafe || !strings.Contains(f.Fix.Description, "once, in the snippet (backend), for the 3 routes that import it") || f.Fix.Covers() != 3 {
				t.Errorf("written fix: %s %q covers %d", f.Fix.Safety(), f.Fix.Description, f.Fix.Covers())
			}
		case !strings.Contains(f.Fix.Description, "(made by the fix of the first of these 3 findings, at Caddyfile:4: one change in the snippet (backend) for all 3 routes that import it)"):
			t.Errorf("other fix: %q", f.Fix.Description)
		case f.Fix.Safety() != rules.FixSafe || f.Fix.Leader() == nil || f.Fix.Covers() != 1:
			t.Errorf("other fix: %s, leader %v, covers %d; want safe, made by the first", f.Fix.Safety(), f.Fix.Leader() != nil, f.Fix.Covers())
		}
		if strings.Contains(f.Message, "not written") || !strings.Contains(f.Message, upper(f.Fix.Description)) {
			t.Errorf("the message does not say what the fix says:\nmessage: %s\nfix: %s", f.Message, f.Fix.Description)
		}
	}
	if written != 1 {
		t.Errorf("%d fixes carry edits, want 1", written)
	}
}

// A finding not reported (hidden) is not counted among those the written fix clears, and
// a fix made by a hidden finding's fix is not written (session 14).
func TestCaddySharedSnippetHiddenFindings(t *testing.T) {
	yaml := "routes:\n  - match: /\n    handler_timeout: 90s\n"
	fs := findingsOf(t, sharedBackend, yaml, "read-timeout-below-budget")
	shown := []rules.Finding{fs[0], fs[1]} // the third hidden
	rules.DetachHidden(shown)
	if got := shown[0].Fix.Covers(); got != 2 {
		t.Errorf("the written fix covers %d findings, want 2 (the third is not shown)", got)
	}
	fs = findingsOf(t, sharedBackend, yaml, "read-timeout-below-budget")
	shown = fs[1:] // the first, whose fix makes the change, hidden
	rules.DetachHidden(shown)
	for _, f := range shown {
		if f.Fix.Safety() != rules.FixSnippet || f.Fix.Leader() != nil || !strings.Contains(f.Message, "a baseline or a suppression hides it") {
			t.Errorf("%s %q\n%s", f.Fix.Safety(), f.Fix.Description, f.Message)
		}
	}
}

func upper(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// One importing route has a longer budget than the others: the routes need different
// values, so no edit is right for all of them and every fix stays a snippet.
func TestCaddySharedSnippetStaysSnippetWhenRoutesDiffer(t *testing.T) {
	yaml := "routes:\n  - match: /\n    handler_timeout: 90s\n  - match: /upload/\n    handler_timeout: 300s\n"
	for _, f := range findingsOf(t, sharedBackend, yaml, "read-timeout-below-budget") {
		if len(f.Fix.Edits) != 0 || !strings.Contains(f.Fix.Description, "changing it changes every route that imports it") {
			t.Errorf("want a snippet: %+v", f.Fix)
		}
	}
	// A route without a budget has no finding: a raise would change it too.
	yaml = "routes:\n  - match: /api/\n    handler_timeout: 90s\n  - match: /upload/\n    handler_timeout: 90s\n"
	fs := findingsOf(t, sharedBackend, yaml, "read-timeout-below-budget")
	if len(fs) != 2 {
		t.Fatalf("%d findings, want 2", len(fs))
	}
	for _, f := range fs {
		if len(f.Fix.Edits) != 0 {
			t.Errorf("want a snippet (the third route has no budget): %+v", f.Fix)
		}
	}
}
