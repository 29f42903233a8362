package lint

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// A fix's edits that write what is already there are dropped (the rollout fix's patch sets
// maxSurge: 1 next to the maxUnavailable it changes, and maxSurge is 1 already); a fix whose
// every edit is one keeps them.
func TestNoopEditsDropped(t *testing.T) {
	dir, _ := filepath.Abs("../rules/testdata/k8s-rollout-takes-all-down")
	res, err := Run(context.Background(), nil, Options{Cwd: dir, UnsafeFixes: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range res.Findings {
		if f.Rule.ID != "rollout-takes-all-down" || f.Pos.Line != 125 {
			continue
		}
		found = true
		if len(f.Fix.Edits) != 1 || f.Fix.Edits[0].New != "0" {
			t.Errorf("want the one edit that writes maxUnavailable: 0, got %v", f.Fix.Edits)
		}
	}
	if !found {
		t.Fatal("no rollout-takes-all-down finding at app.yaml:125")
	}

	m := &parsers.Model{Files: []*parsers.File{{Path: "a.conf", Src: []byte("keepalive 5;\n")}}}
	same := parsers.Edit{File: "a.conf", Start: 10, End: 11, New: "5"}
	findings := []rules.Finding{{Fix: &rules.Fix{Edits: []parsers.Edit{same, same}}}}
	dropNoopEdits(m, findings)
	if len(findings[0].Fix.Edits) != 2 {
		t.Errorf("a fix of no-op edits only lost them: %v", findings[0].Fix.Edits)
	}
}
