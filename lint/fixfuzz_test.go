package lint

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/no502/no502/internal/fuzzseed"
	"github.com/no502/no502/internal/hangwatch"
	"github.com/no502/no502/lint/fixcheck"
)

// FuzzFixChangesOnlyNamed runs Fix on a directory of hostile files and checks, against
// the model of the files as read, that the fixed files' model differs only in settings
// the applied fixes name (and that the compiled comparison sees what the plain walk sees), that the fixed files parse as well as before, and that a second
// Fix of the written files changes nothing.
func FuzzFixChangesOnlyNamed(f *testing.F) {
	for _, dir := range []string{"../cmd/no502/testdata/fix", "../testdata/demo", "../rules/testdata/nginx-retry", "../rules/testdata/caddy-retry", "../rules/testdata/k8s-single-replica", "../rules/testdata/xl-alb-nginx-app", "../rules/testdata/nginx-keepalive-old", "../rules/testdata/tf-single-task/trigger"} {
		f.Add(fuzzseed.FromDir(dir))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer hangwatch.Start(len(data))()
		dir := t.TempDir()
		if err := fuzzseed.Write(dir, data); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, ".no502.yaml"), []byte("routes:\n  - match: /\n    handler_timeout: 90s\n"), 0o644)
		opts := Options{Cwd: dir, UnsafeFixes: true}
		// The lint of the files as read (Fix keeps no model but the last round's).
		first, err := Run(context.Background(), nil, opts)
		if err != nil {
			return
		}
		fr, err := Fix(context.Background(), nil, opts)
		if err != nil {
			return // a bad config file, or fixes that do not settle even alone: nothing written
		}
		if len(fr.Final.Errors) > len(first.Errors) {
			t.Fatalf("the fixes made %d parse errors out of %d: %v", len(fr.Final.Errors), len(first.Errors), fr.Final.Errors)
		}
		before, after := fixcheck.Take(first.Model), fixcheck.Take(fr.Final.Model)
		changes := fixcheck.Diff(before, after)
		if want := fixcheck.DiffReference(before, after); !reflect.DeepEqual(changes, want) {
			t.Fatalf("the compiled comparison differs from the walk:\n%v\nwant\n%v", changes, want)
		}
		for _, ch := range changes {
			named := false
			for _, n := range ch.Fields() {
				named = named || fr.named[n]
			}
			if !named {
				t.Fatalf("the fixes changed a setting none of them names: %s", ch)
			}
		}
		if err := fr.Write(); err != nil {
			t.Fatal(err)
		}
		again, err := Fix(context.Background(), nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		if len(again.Changes()) > 0 {
			t.Fatalf("a second fix changes %s again", again.Changes()[0].Path)
		}
	})
}
