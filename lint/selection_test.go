package lint

import (
	"strings"
	"testing"

	"github.com/no502/no502/config"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

func TestApplySelection(t *testing.T) {
	cfg := config.Default()
	cfg.Rules["single-upstream"] = parsers.Set(parsers.Off, parsers.Pos{File: ".no502.yaml", Line: 2}, "single-upstream: off")
	cfg.Rules["single-replica"] = parsers.Set(parsers.Error, parsers.Pos{File: ".no502.yaml", Line: 3}, "single-replica: error")

	if got := applySelection(cfg, nil, nil); got != cfg {
		t.Errorf("no selectors: the config should be used as it is")
	}
	got := applySelection(cfg, []string{"single-upstream", "single-replica"}, nil)
	if s := selectionSummary(got); s != "single-replica,single-upstream" {
		t.Errorf("--select two: %s", s)
	}
	if got.Rules["single-replica"].Value != parsers.Error || got.Rules["single-upstream"].Value != rules.Lookup("single-upstream").Severity {
		t.Errorf("selected rules keep the config's severity, or get their default over off: %v", got.Rules)
	}
	if cfg.Rules["single-upstream"].Value != parsers.Off || len(cfg.Rules) != 2 {
		t.Errorf("applySelection changed the config it was given")
	}
	// Specific beats general; at the same level --ignore wins.
	got = applySelection(cfg, []string{"replicas"}, []string{"single-replica"})
	if s := selectionSummary(got); strings.Contains(s, "single-replica") || !strings.Contains(s, "pdb-missing") {
		t.Errorf("--select replicas --ignore single-replica: %s", s)
	}
	got = applySelection(cfg, []string{"single-replica"}, []string{"replicas"})
	if s := selectionSummary(got); s != "single-replica" {
		t.Errorf("--select single-replica --ignore replicas: %s", s)
	}
	got = applySelection(cfg, []string{"health"}, []string{"health"})
	if s := selectionSummary(got); s != "" {
		t.Errorf("--select health --ignore health: %s", s)
	}
	// --ignore alone leaves the rest as the config has it.
	got = applySelection(cfg, nil, []string{"timeout"})
	if s := selectionSummary(got); strings.Contains(s, "read-timeout-below-budget") || strings.Contains(s, "single-upstream") || !strings.Contains(s, "single-replica") {
		t.Errorf("--ignore timeout: %s", s)
	}
}

func TestCheckSelectors(t *testing.T) {
	if err := CheckSelectors("--select", []string{"timeout", "single-replica"}); err != nil {
		t.Error(err)
	}
	err := CheckSelectors("--ignore", []string{"drian"})
	if err == nil || !strings.Contains(err.Error(), `did you mean "drain"?`) {
		t.Errorf("err = %v", err)
	}
	if _, ok := err.(*UsageError); !ok {
		t.Errorf("an unknown selector is a usage error: %T", err)
	}
}
