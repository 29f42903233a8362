package lint

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/no502/no502/rules"
)

// A --diff run (Options.DiffOnly) never resolves the Kubernetes patches of the fixes it
// may not write, keeps no finding it does not show, and writes the same changes as --fix; a --fix run's final findings carry
// the edits of every fix, the unsafe ones too, as a plain lint's do.
func TestDiffOnlyResolvesWhatItWrites(t *testing.T) {
	dirs := append(testdataDirs(), "../testdata/demo")
	deferred, compared := 0, 0
	for _, dir := range dirs {
		abs, _ := filepath.Abs(dir)
		fix, err := Fix(context.Background(), nil, Options{Cwd: abs})
		if err != nil {
			continue
		}
		diff, err := Fix(context.Background(), nil, Options{Cwd: abs, DiffOnly: true})
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		compared++
		if !reflect.DeepEqual(fix.Changes(), diff.Changes()) || fix.Summary("fixed") != diff.Summary("fixed") {
			t.Errorf("%s: --diff and --fix change different things", dir)
		}
		for i := range fix.Final.Findings {
			f := &fix.Final.Findings[i]
			if f.Fix == nil || f.Fix.Safety() != rules.FixUnsafe {
				continue
			}
			if len(f.Fix.Edits) == 0 {
				t.Errorf("%s: %s %s: --fix shows an unsafe fix without its edits", dir, f.Rule.ID, f.Pos)
			}
		}
		for _, f := range diff.Final.Findings {
			if f.Fix == nil || f.Fix.Safety() != rules.FixSafe || f.Message != "" {
				t.Errorf("%s: %s %s: --diff kept a finding it never shows (slimForDiff)", dir, f.Rule.ID, f.Pos)
			}
		}
		// The first round of a --diff run, before slimForDiff drops what it never
		// shows: the unsafe fixes are there, without their edits.
		r, err := newFixRunner(nil, Options{Cwd: abs, DiffOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		first, err := r.run(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := range first.Findings {
			f := &first.Findings[i]
			if f.Fix != nil && f.Fix.Safety() == rules.FixUnsafe && len(f.Fix.Edits) == 0 {
				deferred++
			}
		}
	}
	if compared < 100 || deferred == 0 {
		t.Fatalf("%d directories compared, %d unsafe patches left unresolved by --diff: the test lost its inputs", compared, deferred)
	}
	t.Logf("%d directories, %d unsafe patches not resolved by --diff", compared, deferred)
}
