package main

import (
	"encoding/json"
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
	examples := ruleExamples(t)
	seen := map[string]bool{}
	for _, r := range rules.All() {
		name := r.ID + ".md"
		seen[name] = true
		doc := strings.TrimSpace(r.Doc)
		if ex, ok := examples[r.ID]; ok {
			// The example goes before the sources, which end the page.
			i := strings.Index(doc, "\n## Sources")
			if i < 0 {
				i = len(doc)
			}
			doc = doc[:i] + "\n" + exampleSection(t, r.ID, ex) + doc[i:]
		} else if !strings.Contains(doc, "\n## Example") {
			// A rule that reports only under a flag the testdata runner does not pass
			// (--strict) writes its example in its doc, next to a test of its own.
			t.Errorf("%s has no example: add a bad and a good case to %s", r.ID, examplesIndex)
		}
		want := doc + fmt.Sprintf("\n\nCategory: `%s`. Default severity: `%s`. Formats: %s.\n", r.Category, r.Severity, strings.Join(r.Formats, ", "))
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
		if strings.Contains(r.Doc, "../shared") || strings.Contains(r.Doc, "../../") || strings.Contains(r.Doc, "defaults.md") {
			t.Errorf("%s: the doc points outside the repository", r.ID)
		}
		// A relative link in a rule's doc is read from its page, docs/rules/<id>.md
		// (docs/evidence.md is ../evidence.md): it must name a file of the repository.
		for _, m := range mdLink.FindAllStringSubmatch(r.Doc, -1) {
			target := strings.SplitN(m[1], "#", 2)[0]
			if target == "" || strings.Contains(target, "://") {
				continue
			}
			if _, err := os.Stat(filepath.Join(root, "docs", "rules", target)); err != nil {
				t.Errorf("%s: the doc links %s, which is not a file of the repository", r.ID, m[1])
			}
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

// ruleExample names two test cases under rules/testdata: one that gets the rule's finding
// and a near miss that gets none.
type ruleExample struct{ bad, good string }

const examplesIndex = "../../rules/testdata/examples.txt"

// ruleExamples reads rules/testdata/examples.txt: "rule bad good" per line.
func ruleExamples(t *testing.T) map[string]ruleExample {
	src, err := os.ReadFile(examplesIndex)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]ruleExample{}
	for i, line := range strings.Split(string(src), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) != 3 {
			t.Fatalf("%s:%d: want \"rule bad good\", got %q", examplesIndex, i+1, line)
		}
		if rules.Lookup(f[0]) == nil {
			t.Errorf("%s:%d: no rule %s", examplesIndex, i+1, f[0])
		}
		if _, dup := out[f[0]]; dup {
			t.Errorf("%s:%d: %s listed twice", examplesIndex, i+1, f[0])
		}
		out[f[0]] = ruleExample{f[1], f[2]}
	}
	return out
}

// wantComment matches rulestest's want comment at the end of a line.
var wantComment = regexp.MustCompile(`\s*(?:#|//)\s*want((?:\s+"[^"]+")+)\s*$`)

// maxExampleLines keeps the examples readable (all files of a case together; a
// cross-layer case needs two or three): a longer case is a test, not an example.
const maxExampleLines = 100

// exampleCase renders one case's files (sorted; .no502.yaml first, as the context) with
// the want comments removed, and returns the lines that want rule, as "file:line".
func exampleCase(t *testing.T, id, dir string) (text string, hits []string, wants int) {
	root := filepath.Join("../../rules/testdata", dir)
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("%s: %s: %v", examplesIndex, id, err)
	}
	var b strings.Builder
	lines := 0
	for _, e := range entries { // os.ReadDir sorts by name: .no502.yaml comes first
		if !e.Type().IsRegular() {
			continue
		}
		src, err := os.ReadFile(filepath.Join(root, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		var body []string
		for i, line := range strings.Split(strings.TrimRight(string(src), "\n"), "\n") {
			if m := wantComment.FindStringSubmatch(line); m != nil {
				wants++
				if strings.Contains(m[1], `"`+id+`"`) {
					hits = append(hits, fmt.Sprintf("`%s` line %d", e.Name(), i+1))
				}
				line = line[:len(line)-len(m[0])]
			}
			body = append(body, line)
		}
		lines += len(body)
		fmt.Fprintf(&b, "`%s`:\n\n```%s\n%s\n```\n\n", e.Name(), fenceLang(e.Name()), strings.Join(body, "\n"))
	}
	if lines > maxExampleLines {
		t.Errorf("%s: %s: case %s has %d lines; an example should have at most %d", examplesIndex, id, dir, lines, maxExampleLines)
	}
	return b.String(), hits, wants
}

func fenceLang(name string) string {
	switch {
	case strings.HasSuffix(name, ".tf"), strings.HasSuffix(name, ".tfvars"):
		return "hcl"
	case strings.HasSuffix(name, ".yaml"), strings.HasSuffix(name, ".yml"):
		return "yaml"
	case strings.HasSuffix(name, ".conf"):
		return "nginx"
	case strings.HasPrefix(name, "Caddyfile"):
		return "caddyfile"
	}
	return "text"
}

// exampleSection is the "## Example" of a rule page: the bad case, where no502 reports
// it, and the near miss.
func exampleSection(t *testing.T, id string, ex ruleExample) string {
	bad, hits, _ := exampleCase(t, id, ex.bad)
	good, _, goodWants := exampleCase(t, id, ex.good)
	if len(hits) == 0 {
		t.Errorf("%s: %s: the bad case %s has no want %q", examplesIndex, id, ex.bad, id)
	}
	if goodWants > 0 {
		t.Errorf("%s: %s: the good case %s expects findings; a near miss gets none", examplesIndex, id, ex.good)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Example\n\nno502 reports `%s` on %s of this configuration; %s:\n\n%s", id, strings.Join(hits, ", "), exampleFixSafety(t, id, ex.bad), bad)
	fmt.Fprintf(&b, "and nothing on this one:\n\n%s", good)
	fmt.Fprintf(&b, "Both are test cases (`rules/testdata/%s`, `rules/testdata/%s`): `go test ./rules` checks that no502 reports exactly this.\n", ex.bad, ex.good)
	return b.String()
}

// exampleFixSafety says what lint --fix does with the fixes of rule id's findings in a
// test case, as the JSON output gives their safety: a reader of the page learns whether
// --fix writes it.
func exampleFixSafety(t *testing.T, id, dir string) string {
	root, _ := filepath.Abs(filepath.Join("../../rules/testdata", dir))
	out, errOut, code := runIn(t, root, "", "lint", "--format", "json", "--fail-on", "never", ".")
	if code != 0 {
		t.Fatalf("%s: lint %s: exit %d: %s", id, dir, code, errOut)
	}
	var rep struct {
		Findings []struct {
			Rule string `json:"rule"`
			Fix  *struct {
				Safety string `json:"safety"`
			} `json:"fix"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var levels []string
	for _, f := range rep.Findings {
		level := "none"
		if f.Rule != id {
			continue
		}
		if f.Fix != nil {
			level = f.Fix.Safety
		}
		if !seen[level] {
			seen[level] = true
			levels = append(levels, level)
		}
	}
	say := map[string]string{
		"safe":    "safe, written by `lint --fix`",
		"unsafe":  "unsafe, written only by `lint --fix --unsafe-fixes`",
		"snippet": "a snippet, never written by `lint --fix`",
		"none":    "missing",
	}
	if len(levels) == 1 {
		if levels[0] == "none" {
			return "it has no fix"
		}
		return "its fix is " + say[levels[0]]
	}
	var parts []string
	for _, l := range levels {
		parts = append(parts, say[l])
	}
	return "one fix is " + strings.Join(parts, "; another is ")
}

// The output the docs show is the output no502 prints: every finding the README and
// docs/helm-kustomize.md quote (a message cut short with "..." matches up to there), and
// docs/cli.md's `--statistics` example, whole.
func TestDocExamples(t *testing.T) {
	root, _ := filepath.Abs("../..")
	demo, _, _ := runIn(t, root, "", "lint", "--no-color", "testdata/demo")
	helm, err := os.ReadFile("testdata/rendered/helm-template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rendered, _, _ := runIn(t, root, string(helm), "lint", "--no-color", "--stdin-filename", "web.yaml", "-")
	for _, doc := range []struct{ file, prefix, out string }{
		{"README.md", "testdata/demo/", demo},
		{"docs/helm-kustomize.md", "web.yaml:", rendered},
	} {
		src, err := os.ReadFile(filepath.Join(root, doc.file))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, block := range fencedBlocks(string(src), "text") {
			if !strings.HasPrefix(block, doc.prefix) {
				continue
			}
			n++
			want := block
			if first, _, _ := strings.Cut(block, "\n"); strings.HasSuffix(first, "...") {
				// A shortened message: the rest of the block follows it in the output.
				head, rest, _ := strings.Cut(block, "...\n")
				i := strings.Index(doc.out, head)
				if i < 0 {
					t.Errorf("%s: the output has no finding starting %q", doc.file, head)
					continue
				}
				if rest != "" && !strings.Contains(doc.out[i:], "\n"+rest) {
					t.Errorf("%s: the finding %q is not followed by\n%s\nin the output:\n%s", doc.file, head, rest, doc.out[i:])
				}
				continue
			}
			if !strings.Contains(doc.out, want) {
				t.Errorf("%s shows output no502 does not print:\n%s\n--- the output:\n%s", doc.file, want, doc.out)
			}
		}
		if n == 0 {
			t.Errorf("%s: no example output starting %q found", doc.file, doc.prefix)
		}
	}

	src, err := os.ReadFile(filepath.Join(root, "docs/cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	const cmd = "$ no502 lint --statistics testdata/demo\n"
	found := false
	for _, block := range fencedBlocks(string(src), "text") {
		if !strings.HasPrefix(block, cmd) {
			continue
		}
		found = true
		out, errOut, _ := runIn(t, root, "", "lint", "--no-color", "--statistics", "testdata/demo")
		if got := out + errOut; got != strings.TrimPrefix(block, cmd) {
			t.Errorf("docs/cli.md's --statistics example is not the output:\n%s", got)
		}
	}
	if !found {
		t.Errorf("docs/cli.md: no %q example", strings.TrimSpace(cmd))
	}
}

// fencedBlocks returns the text of the Markdown code blocks of the given language, with
// their common indentation removed and a final newline.
func fencedBlocks(src, lang string) []string {
	var out []string
	lines := strings.Split(src, "\n")
	for i := 0; i < len(lines); i++ {
		open := strings.TrimLeft(lines[i], " ")
		if open != "```"+lang {
			continue
		}
		indent := len(lines[i]) - len(open)
		var b strings.Builder
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			l := lines[i]
			if len(l) >= indent && strings.TrimSpace(l[:indent]) == "" {
				l = l[indent:]
			}
			b.WriteString(l + "\n")
		}
		out = append(out, b.String())
	}
	return out
}
