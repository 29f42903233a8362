package lint

import (
	"context"
	"io/fs"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"testing"

	"github.com/no502/no502/lint/fixcheck"
)

// TestCompiledMatchesWalk holds fixcheck.Diff (compiled plans, walking only what
// differs) to the plain reflect walk, on pairs of models that differ a little (before
// and after --fix --unsafe-fixes) and a lot (every number in every file raised by one):
// the same changes, in the same order, with the same files; and Unexplained to the walk's
// list filtered afterwards.
func TestCompiledMatchesWalk(t *testing.T) {
	dirs := append(testdataDirs(), "../testdata/demo", "../cmd/no502/testdata/fix")
	number := regexp.MustCompile(`\b[0-9]+\b`)
	compared, changes := 0, 0
	for _, dir := range dirs {
		abs, _ := filepath.Abs(dir)
		opts := Options{Cwd: abs, UnsafeFixes: true}
		first, err := Run(context.Background(), nil, opts)
		if err != nil || first.Model == nil {
			continue
		}
		before := fixcheck.Take(first.Model)
		var afters []fixcheck.Snapshot
		if fr, err := Fix(context.Background(), nil, opts); err == nil {
			afters = append(afters, fixcheck.Take(fr.Final.Model))
		}
		overlay := map[string][]byte{}
		for _, f := range first.Model.Files {
			if f.Host != "" || f.Src == nil {
				continue
			}
			src := number.ReplaceAllFunc(f.Src, func(n []byte) []byte {
				v, _ := strconv.Atoi(string(n))
				return []byte(strconv.Itoa(v + 1))
			})
			overlay[absPath(f.Path, abs)] = src
		}
		opts.Load.Overlay = overlay
		if bumped, err := Run(context.Background(), nil, opts); err == nil {
			afters = append(afters, fixcheck.Take(bumped.Model))
		}
		for _, after := range afters {
			got, want := fixcheck.Diff(before, after), fixcheck.DiffReference(before, after)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: the compiled comparison differs from the walk:\ngot  %d changes %v\nwant %d changes %v", dir, len(got), got, len(want), want)
			}
			// Unexplained judges each change as it is met: the same as filtering the
			// walk's list afterwards (here by a rule that keeps about half).
			explained := func(names []string, files map[string]bool) bool { return (len(names)+len(files))%2 == 0 }
			var kept []fixcheck.Change
			for _, c := range want {
				if !explained(c.Fields(), c.Files) {
					kept = append(kept, c)
				}
			}
			if got := fixcheck.Unexplained(before, after, explained); !reflect.DeepEqual(got, kept) {
				t.Errorf("%s: Unexplained keeps other changes than the walk:\ngot  %v\nwant %v", dir, got, kept)
			}
			compared++
			changes += len(want)
		}
	}
	if compared < 300 || changes < 1000 {
		t.Fatalf("only %d model pairs with %d changes compared: the test lost its inputs", compared, changes)
	}
	t.Logf("%d model pairs, %d changes", compared, changes)
}

// testdataDirs lists every directory under rules/testdata (cases and their parents).
func testdataDirs() []string {
	var dirs []string
	filepath.WalkDir("../rules/testdata", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	return dirs
}
