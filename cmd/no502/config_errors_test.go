package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/no502/no502/config"
	"github.com/no502/no502/lint"
)

// TestConfigRuleCategories: config cannot import rules, so it keeps its own list of the
// categories, for the message below; it must be the registry's.
func TestConfigRuleCategories(t *testing.T) {
	got, want := slices.Sorted(slices.Values(config.RuleCategories)), slices.Sorted(slices.Values(lint.Categories()))
	if !slices.Equal(got, want) {
		t.Errorf("config.RuleCategories = %v, the registry's categories are %v", got, want)
	}
}

// TestConfigCategoryIsNotARule: `rules: {timeout: off}` (as --ignore timeout takes it)
// was "unknown rule "timeout" (did you mean "app-timeout-exceeds-proxy"?)", a hint that
// turns one rule off instead of the category. It is named as a category, positioned,
// exit 2, in rules: and in suppress: entries.
func TestConfigCategoryIsNotARule(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte("events {}\nhttp { server { location / { return 200; } } }\n"), 0o644)
	for _, c := range []struct{ config, want string }{
		{"rules:\n  timeout: off\n", `.no502.yaml:2:3: "timeout" is a category; rules: takes rule IDs: list the rules of the category (` + "`no502 rules`" + ` shows each rule's category), or use --ignore timeout on the command line`},
		{"suppress:\n  - path: x\n    rules: [drain]\n", `.no502.yaml:3:13: "drain" is a category; suppress.rules takes rule IDs`},
		{"rules:\n  timeuot: off\n", `unknown rule "timeuot"`},
	} {
		os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte(c.config), 0o644)
		out, stderr, code := runIn(t, dir, "", "lint", ".")
		if code != 2 || out != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, want 2 with %q\nstderr: %s", c.config, code, c.want, stderr)
		}
	}
}
