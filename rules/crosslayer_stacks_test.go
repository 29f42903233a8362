package rules_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/config"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/load"
	"github.com/no502/no502/rules"
)

var updateStacks = flag.Bool("update-stacks", false, "rewrite testdata/stacks/*/findings.golden")

// TestStacks lints each multi-file stack under testdata/stacks with its .no502.yaml
// (chain: and backends: included) and compares every finding, its related positions and
// its fix description with the stack's findings.golden. Stacks whose name ends in -ok are
// consistent on every layer and must produce nothing.
func TestStacks(t *testing.T) {
	dirs, _ := filepath.Glob("../testdata/stacks/*")
	if len(dirs) == 0 {
		t.Fatal("no stacks under testdata/stacks")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			got := lintStack(t, dir)
			golden := filepath.Join(dir, "findings.golden")
			if strings.HasSuffix(dir, "-ok") {
				if got != "" {
					t.Fatalf("consistent stack has findings:\n%s", got)
				}
				return
			}
			if *updateStacks {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./rules -run TestStacks -update-stacks)", err)
			}
			if got != string(want) {
				t.Errorf("findings differ from %s (-update-stacks rewrites it)\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

func lintStack(t *testing.T, dir string) string {
	t.Helper()
	cfg := rules.DefaultConfig()
	if p := filepath.Join(dir, config.FileName); fileExists(p) {
		c, err := config.Load(p, config.FileName, rules.Known)
		if err != nil {
			t.Fatal(err)
		}
		cfg = c
	}
	res, err := load.Load([]string{"."}, load.Options{Cwd: dir, Ignored: cfg.Ignored, Parse: cfg.ParseOptions()})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, d := range res.Model.Diags {
		if d.Severity == parsers.Error || strings.Contains(d.Message, "chain:") || strings.Contains(d.Message, "backends:") {
			fmt.Fprintf(&b, "%s\n", d)
		}
	}
	for _, f := range rules.Run(res.Model, cfg) {
		fmt.Fprintf(&b, "%s: %s[%s] %s\n", f.Pos, f.Severity, f.Rule.ID, f.Message)
		for _, r := range f.Related {
			fmt.Fprintf(&b, "  = %s: %s\n", r.Pos.Short(), r.Message)
		}
		if f.Fix != nil {
			fmt.Fprintf(&b, "  fix: %s\n", f.Fix.Description)
			for _, l := range strings.Split(strings.TrimRight(f.Fix.Snippet, "\n"), "\n") {
				fmt.Fprintf(&b, "    | %s\n", l)
			}
		}
	}
	return b.String()
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
