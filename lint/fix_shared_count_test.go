package lint_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/lint/baseline"
	"github.com/no502/no502/rules"
)

const sharedOnceCaddyfile = "(backend) {\n\treverse_proxy app:3000 {\n\t\ttransport http {\n\t\t\tresponse_header_timeout 30s\n\t\t}\n\t}\n}\na.example.com {\n\thandle /api/* {\n\t\timport backend\n\t}\n\thandle {\n\t\timport backend\n\t}\n}\nb.example.com {\n\timport backend\n}\n"

const sharedOnceBudget = "routes:\n  - match: /\n    handler_timeout: 90s\n"

// One edit in a snippet three routes import clears the three routes' findings: the
// summary counts three findings fixed, as ruff counts a diagnostic whose edits an earlier
// fix already made (its fix loop counts it although no edit is left to apply), and the
// plain lint says so before: the three fixes are safe, the first carries the one edit and
// the others name it. --diff and --fix agree, and the edits of the JSON are made once
// (session 14).
func TestFixSharedOnceCountsEveryFindingItClears(t *testing.T) {
	files := map[string]string{"Caddyfile": sharedOnceCaddyfile, ".no502.yaml": sharedOnceBudget}
	fr, after := fixDir(t, files, false)
	if got, want := fr.Summary("fixed"), "fixed 3 findings in 1 file: Caddyfile"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
	if len(fr.Final.Findings) != 0 {
		t.Errorf("%d findings left, want 0", len(fr.Final.Findings))
	}
	if !strings.Contains(after["Caddyfile"], "response_header_timeout 100s") {
		t.Errorf("--fix wrote:\n%s", after["Caddyfile"])
	}

	dir := t.TempDir()
	for name, src := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644)
	}
	diff, err := lint.Fix(context.Background(), nil, lint.Options{Cwd: dir, DiffOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := diff.Summary("would fix"), "would fix 3 findings in 1 file: Caddyfile"; got != want {
		t.Errorf("--diff summary %q, want %q", got, want)
	}
	cs := diff.Changes()
	if len(cs) != 1 || string(cs[0].After) != after["Caddyfile"] || len(cs[0].Edits) != 1 {
		t.Errorf("--diff: %d changes, want the one edit --fix makes", len(cs))
	}

	rep, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir, ResolveEdits: true})
	if err != nil {
		t.Fatal(err)
	}
	withEdits := 0
	for _, f := range rep.Findings {
		if f.Fix.Safety() != rules.FixSafe {
			t.Errorf("%s: fix %s, want safe (--fix clears it): %s", f.Pos, f.Fix.Safety(), f.Fix.Description)
		}
		if len(f.Fix.Edits) > 0 {
			withEdits++
		}
		if strings.Contains(f.Message, "not written") {
			t.Errorf("the message says the fix is not written, the fix is %s: %s", f.Fix.Safety(), f.Message)
		}
	}
	if len(rep.Findings) != 3 || withEdits != 1 {
		t.Errorf("%d findings, %d with edits; want 3, 1 (the edit is made once)", len(rep.Findings), withEdits)
	}
}

// The first finding, whose fix makes the change, hidden by a baseline that records one
// of the three: --fix writes no hidden finding's fix, so the two others say theirs is
// not written, and nothing is written.
func TestFixSharedOnceLeaderHidden(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Caddyfile"), []byte(sharedOnceCaddyfile), 0o644)
	os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte(sharedOnceBudget), 0o644)
	bl := filepath.Join(dir, "baseline.json")
	if _, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir, WriteBaseline: bl}); err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(bl)
	os.WriteFile(bl, []byte(strings.Replace(string(text), `"count": 3`, `"count": 1`, 1)), 0o644)
	b, err := baseline.ReadFile(bl)
	if err != nil {
		t.Fatal(err)
	}
	opts := lint.Options{Cwd: dir, Baseline: b, BaselinePath: bl, ResolveEdits: true}
	rep, err := lint.Run(context.Background(), nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 2 {
		t.Fatalf("%d findings shown, want 2 (one hidden by the baseline)", len(rep.Findings))
	}
	for _, f := range rep.Findings {
		if f.Fix.Safety() != rules.FixSnippet || !strings.Contains(f.Fix.Description, "a baseline or a suppression hides it") || !strings.Contains(f.Message, "a baseline or a suppression hides it") {
			t.Errorf("%s: fix %s %q\nmessage %s", f.Pos, f.Fix.Safety(), f.Fix.Description, f.Message)
		}
	}
	fr, err := lint.Fix(context.Background(), nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := fr.Summary("fixed"); got != "nothing to fix" {
		t.Errorf("summary %q, want nothing to fix", got)
	}
}
