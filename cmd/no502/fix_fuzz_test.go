package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/internal/fuzzseed"
	"github.com/no502/no502/internal/hangwatch"
)

// FuzzFix runs lint --fix on a directory of hostile files. The fixes must converge (a
// round that undoes another would run into the round limit), must not make a file that
// parsed stop parsing, and must leave nothing for --diff to show.
func FuzzFix(f *testing.F) {
	for _, dir := range []string{"testdata/fix", "../../testdata/demo", "../../rules/testdata/nginx-retry", "../../rules/testdata/caddy-retry", "../../rules/testdata/tf-health-matcher-accepts-errors/trigger", "../../rules/testdata/k8s-single-replica", "../../rules/testdata/xl-alb-nginx-app", "../../testdata/stacks/nginx-configmap-node", "../../rules/testdata/k8s-pdb-missing"} {
		f.Add(fuzzseed.FromDir(dir))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer hangwatch.Start(len(data))()
		dir := t.TempDir()
		if err := fuzzseed.Write(dir, data); err != nil {
			t.Fatal(err)
		}
		// Budgets make the timeout rules propose fixes.
		os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte("routes:\n  - match: /\n    handler_timeout: 90s\n"), 0o644)

		before := lintJSON(t, dir)
		var out, errb bytes.Buffer
		if code := run([]string{"lint", "--fix", "--format", "json", "--fail-on", "never", dir}, strings.NewReader(""), &out, &errb); code == 2 {
			t.Fatalf("--fix: exit 2: %s", errb.String())
		}
		if strings.Contains(errb.String(), "rounds") {
			t.Fatalf("fixes did not converge: %s", errb.String())
		}
		after := lintJSON(t, dir)
		if after > before {
			t.Fatalf("--fix made %d parse errors out of %d: %s", after, before, errb.String())
		}
		// Nothing left to show. The exit is 0, or 1 when a file does not parse: --diff
		// fails the run for a file it could not look at, as lint does.
		var diff, derr bytes.Buffer
		code := run([]string{"lint", "--diff", "--fail-on", "never", dir}, strings.NewReader(""), &diff, &derr)
		if diff.Len() > 0 || code == 2 || code == 1 && after == 0 {
			t.Fatalf("--diff after --fix: exit %d, %s\n%s", code, derr.String(), diff.String())
		}
	})
}

// lintJSON lints dir and returns how many errors (files that did not parse) it reports.
func lintJSON(t *testing.T, dir string) int {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run([]string{"lint", "--format", "json", "--fail-on", "never", dir}, strings.NewReader(""), &out, &errb); code == 2 {
		t.Fatalf("lint: exit 2: %s", errb.String())
	}
	var rep struct {
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("lint --format json: %v\n%s", err, out.String())
	}
	return len(rep.Errors)
}
