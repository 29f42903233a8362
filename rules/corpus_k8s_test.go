package rules_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/k8s"
	"github.com/no502/no502/rules"
)

var updateK8sGolden = flag.Bool("update-k8s-golden", false, "rewrite testdata/k8s-corpus/summary.golden")

const k8sCorpus = "../../shared/corpus/k8s"

// TestK8sCorpusSummary lints the shared corpus of real manifests, one repository at a
// time (files are named owner__repo__path, and objects only link within a project), and
// compares the number of findings per rule with a golden summary that was reviewed by
// hand for false positives (see the notes in the golden file).
func TestK8sCorpusSummary(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(k8sCorpus, "*"))
	if len(files) == 0 {
		if os.Getenv("CI") == "true" {
			t.Fatalf("corpus %s missing", k8sCorpus)
		}
		t.Skipf("corpus %s missing", k8sCorpus)
	}
	repos := map[string][]parsers.Input{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		if !looksLikeManifest(name, b) {
			continue
		}
		parts := strings.SplitN(name, "__", 3)
		repo := parts[0]
		if len(parts) > 1 {
			repo += "/" + parts[1]
		}
		repos[repo] = append(repos[repo], parsers.Input{Path: name, Src: b})
	}
	count := map[string]int{}
	var lines []string
	for repo, in := range repos {
		m := k8s.Parse(in, parsers.Options{})
		for _, f := range rules.Run(m, rules.DefaultConfig()) {
			count[f.Rule.ID]++
			if testing.Verbose() && os.Getenv("K8S_CORPUS_FINDINGS") != "" {
				lines = append(lines, fmt.Sprintf("%s %s %s: %s", repo, f.Pos, f.Rule.ID, f.Message))
			}
		}
		for _, d := range m.Diags {
			count["diag-"+d.Severity.String()]++
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		t.Log(l)
	}
	var ids []string
	for id := range count {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "%s %d\n", id, count[id])
	}
	got := b.String()
	golden := "testdata/k8s-corpus/summary.golden"
	if *updateK8sGolden {
		old, _ := os.ReadFile(golden)
		notes := ""
		if i := strings.Index(string(old), "\n#"); i >= 0 {
			notes = string(old[i+1:])
		}
		if err := os.WriteFile(golden, []byte(got+"\n"+notes), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	w := string(want)
	if i := strings.Index(w, "\n\n"); i >= 0 {
		w = w[:i+1]
	}
	if got != w {
		t.Errorf("corpus summary changed (review the findings, then -update-k8s-golden):\ngot:\n%s\nwant:\n%s", got, w)
	}
}
