package rules

import (
	"sync/atomic"
	"testing"

	"github.com/no502/no502/parsers"
)

// A fact is computed once per Run however many rules ask, and each Run computes its own.
func TestFactComputedOncePerRun(t *testing.T) {
	var computed atomic.Int32
	count := &Fact[int]{Name: "test", Compute: func(p *Pass) int {
		computed.Add(1)
		return len(p.Model.Hops)
	}}
	// needs asks for another fact, as an analyzer's Requires does.
	needs := &Fact[int]{Name: "test2", Compute: func(p *Pass) int { return count.Of(p) + 1 }}
	m := &parsers.Model{Hops: []*parsers.Hop{{}, {}}}
	for run := 1; run <= 2; run++ {
		fs := newFacts(m, &Config{})
		for range 3 {
			p := &Pass{Model: m, Config: &Config{}, facts: fs}
			if got := needs.Of(p); got != 3 {
				t.Fatalf("needs = %d, want 3", got)
			}
			if got := count.Of(p); got != 2 {
				t.Fatalf("count = %d, want 2", got)
			}
		}
		if got := computed.Load(); got != int32(run) {
			t.Errorf("after run %d the fact was computed %d times", run, got)
		}
	}
}
