package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/rules"
)

// The README's rule table and docs/rules/*.md are generated from the registry, so they
// cannot drift from `no502 rules` and `no502 explain`. Run go test ./cmd/no502 -update to
// regenerate them after changing a rule.

func ruleTable() string {
	var b strings.Builder
	b.WriteString("| ID | Category | Severity | Formats | Summary |\n|---|---|---|---|---|\n")
	for _, r := range rules.All() {
		fmt.Fprintf(&b, "| [`%s`](docs/rules/%s.md) | %s | %s | %s | %s |\n", r.ID, r.ID, r.Category, r.Severity, strings.Join(r.Formats, ", "), r.Summary)
	}
	return b.String()
}

const tableStart, tableEnd = "<!-- rules:start -->\n", "<!-- rules:end -->"

func TestReadmeRuleTable(t *testing.T) {
	path := "../../README.md"
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	i, j := strings.Index(s, tableStart), strings.Index(s, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q section", tableStart, tableEnd)
	}
	want := s[:i+len(tableStart)] + ruleTable() + s[j:]
	if want != s {
		if *update {
			os.WriteFile(path, []byte(want), 0o644)
			return
		}
		t.Errorf("README.md's rule table is out of date: run go test ./cmd/no502 -update")
	}
}

func TestRuleDocs(t *testing.T) {
	dir := "../../docs/rules"
	seen := map[string]bool{}
	for _, r := range rules.All() {
		name := r.ID + ".md"
		seen[name] = true
		want := strings.TrimSpace(r.Doc) + fmt.Sprintf("\n\nCategory: `%s`. Default severity: `%s`. Formats: %s.\n", r.Category, r.Severity, strings.Join(r.Formats, ", "))
		if !strings.Contains(r.Doc, "## Sources") {
			t.Errorf("%s: the doc must cite its sources under a ## Sources heading", r.ID)
		}
		got, _ := os.ReadFile(filepath.Join(dir, name))
		if string(got) != want {
			if *update {
				os.MkdirAll(dir, 0o755)
				os.WriteFile(filepath.Join(dir, name), []byte(want), 0o644)
				continue
			}
			t.Errorf("docs/rules/%s is out of date: run go test ./cmd/no502 -update", name)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !seen[e.Name()] {
			if *update {
				os.Remove(filepath.Join(dir, e.Name()))
				continue
			}
			t.Errorf("docs/rules/%s documents no registered rule", e.Name())
		}
	}
}
