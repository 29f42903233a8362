package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
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

// internalCite matches the short keys of the project's internal notes of sources
// (NGX-P:3735, CF-524, K8S-CORE, ...): a reader of the docs cannot follow them.
var internalCite = regexp.MustCompile(`\b(NGX128-P|NGX-[A-Z]+|ING-[A-Z]+|CDY-[A-Z]+|TRF-[A-Z]+|HAP-[A-Z]+|LBC-[A-Z]+|TF-TG(go)?|GCE-[A-Z]+|K8S-(CORE|APPS)|CF-(CL|524)|AWS-[A-Z]+|GUN|UVI|PUMA)(:\d+)?\b`)

// mdLink matches a Markdown link's target.
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// The README, docs/ and every rule's doc (what `explain` prints) stand on their own: no
// link or reference leaves the repository, except full URLs.
func TestDocsSelfContained(t *testing.T) {
	root, _ := filepath.Abs("../..")
	for _, r := range rules.All() {
		if strings.Contains(r.Doc, "../") || strings.Contains(r.Doc, "defaults.md") {
			t.Errorf("%s: the doc points outside the repository", r.ID)
		}
		if m := internalCite.FindString(r.Doc); m != "" {
			t.Errorf("%s: the doc cites %q, an internal key; cite the public URL", r.ID, m)
		}
	}
	files := []string{filepath.Join(root, "README.md")}
	filepath.WalkDir(filepath.Join(root, "docs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".md") {
			files = append(files, p)
		}
		return nil
	})
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		for _, bad := range []string{"../shared", "DESIGN.md", "defaults.md"} {
			if strings.Contains(string(src), bad) {
				t.Errorf("%s mentions %s, which is outside the repository", rel, bad)
			}
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(src), -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			p := filepath.Join(filepath.Dir(f), target)
			if r, err := filepath.Rel(root, p); err != nil || strings.HasPrefix(r, "..") {
				t.Errorf("%s links to %s, outside the repository", rel, m[1])
			} else if _, err := os.Stat(p); err != nil {
				t.Errorf("%s links to %s, which does not exist", rel, m[1])
			}
		}
	}
}
