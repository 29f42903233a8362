// Package rulestest runs rules over testdata directories whose files say, next to each
// line, which findings that line must get — as golang.org/x/tools/go/analysis/analysistest
// does with `// want`. A comment `# want "rule-id"` (or `// want "rule-id"` in HCL) at the
// end of a line expects a finding of that rule on that line; `want "a" "b"` expects
// two. `want "error"` expects a parse error. Every finding must be wanted and every want
// must be found. A format with no comments (JSON) lists its wants in a file named
// want.txt beside it instead: lines `caddy.json:12 want "rule-id"` (see wantFile).
package rulestest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

var wantRE = regexp.MustCompile(`(?:#|//)\s*want((?:\s+"[^"]+")+)\s*$`)
var quoted = regexp.MustCompile(`"([^"]+)"`)

// Lint lints dir exactly as `no502 lint --fix` reads it (lint.Run: its .no502.yaml,
// context files, edit resolution, suppressions) and returns the model and the findings
// reported, so a testdata file can show a no502:ignore comment silencing a finding (and
// an unused one being reported).
func Lint(t testing.TB, dir string) (*parsers.Model, []rules.Finding) {
	t.Helper()
	res, err := lint.Run(context.Background(), []string{"."}, lint.Options{Cwd: dir, ResolveEdits: true})
	if err != nil {
		t.Fatalf("lint %s: %v", dir, err)
	}
	return res.Model, res.Findings
}

// Run lints dir and checks the findings against the want comments of its files.
func Run(t *testing.T, dir string) []rules.Finding {
	t.Helper()
	m, findings := Lint(t, dir)
	want := map[string][]string{} // "file:line" → rule IDs
	for _, f := range m.Files {
		if f.Host != "" {
			continue
		}
		for i, line := range strings.Split(string(f.Src), "\n") {
			mm := wantRE.FindStringSubmatch(line)
			if mm == nil {
				continue
			}
			for _, q := range quoted.FindAllStringSubmatch(mm[1], -1) {
				k := fmt.Sprintf("%s:%d", f.Path, i+1)
				want[k] = append(want[k], q[1])
			}
		}
	}
	for k, ids := range wantFile(t, dir) {
		want[k] = append(want[k], ids...)
	}
	got := map[string][]string{}
	msgs := map[string][]string{}
	for _, f := range findings {
		k := fmt.Sprintf("%s:%d", f.Pos.File, f.Pos.Line)
		got[k] = append(got[k], f.Rule.ID)
		msgs[k] = append(msgs[k], f.Rule.ID+": "+f.Message)
	}
	for _, d := range m.Diags {
		if d.Severity == parsers.Error {
			k := fmt.Sprintf("%s:%d", d.Pos.File, d.Pos.Line)
			got[k] = append(got[k], "error")
			msgs[k] = append(msgs[k], "error: "+d.Message)
		}
	}
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, k := range sorted {
		w, g := count(want[k]), count(got[k])
		for id, n := range g {
			if w[id] < n {
				t.Errorf("%s/%s: unexpected %s finding: %s", dir, k, id, strings.Join(msgs[k], "; "))
			}
		}
		for id, n := range w {
			if g[id] < n {
				t.Errorf("%s/%s: want %s finding, got none (got: %v)", dir, k, id, msgs[k])
			}
		}
	}
	return findings
}

func count(ids []string) map[string]int {
	m := map[string]int{}
	for _, id := range ids {
		m[id]++
	}
	return m
}

var wantLine = regexp.MustCompile(`^(\S+:\d+)\s+want((?:\s+"[^"]+")+)\s*$`)

// wantFile reads dir/want.txt, the wants of files that cannot hold comments: one
// `path:line want "rule-id" ...` per line, path relative to dir; blank lines and lines
// starting with # are skipped.
func wantFile(t *testing.T, dir string) map[string][]string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(dir, "want.txt"))
	if err != nil {
		return nil
	}
	out := map[string][]string{}
	for i, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		mm := wantLine.FindStringSubmatch(line)
		if mm == nil {
			t.Fatalf("%s/want.txt:%d: want `path:line want \"rule-id\"`, got %q", dir, i+1, line)
		}
		for _, q := range quoted.FindAllStringSubmatch(mm[2], -1) {
			out[mm[1]] = append(out[mm[1]], q[1])
		}
	}
	return out
}
