package suppress_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/lint/suppress"
	"github.com/no502/no502/parsers/load"
	"github.com/no502/no502/rules"
)

// In a partial run (named files) a suppression of a known rule that matches nothing is
// not reported and gets no removal fix: the full run may use it. A rule ID that no rule
// has is wrong in any run and is still reported, with a fix that removes only that ID.
func TestApplyPartial(t *testing.T) {
	dir := t.TempDir()
	// No finding on line 4 (the upstream has two servers): the single-upstream and
	// read-timeout-below-budget suppressions match nothing here.
	src := "events {}\nhttp {\n    upstream app {\n        # no502:ignore single-upstream,no-such-rule\n        server 10.0.0.1:8080;\n        server 10.0.0.2:8080;\n    }\n    server {\n        listen 80;\n        # no502:ignore\n        location / { proxy_pass http://app; }\n    }\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := load.Load([]string{"nginx.conf"}, load.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	cfg := rules.DefaultConfig()
	fs := rules.Run(res.Model, cfg)

	_, full := suppress.Apply(res.Model, cfg, fs, false)
	eq(t, "full run", full, "unused-suppression@nginx.conf:4", "unused-suppression@nginx.conf:10")

	_, partial := suppress.ApplyPartial(res.Model, cfg, fs, false)
	eq(t, "partial run", partial, "unused-suppression@nginx.conf:4")
	if len(partial) == 1 {
		f := partial[0]
		if strings.Contains(f.Message, "single-upstream` matches no finding") || !strings.Contains(f.Message, "no-such-rule") {
			t.Errorf("message: %s", f.Message)
		}
		if f.Fix == nil || len(f.Fix.Edits) != 1 || f.Fix.Edits[0].New != "single-upstream" {
			t.Errorf("the fix must keep single-upstream and drop only no-such-rule: %+v", f.Fix)
		}
	}
}
