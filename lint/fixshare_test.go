package lint

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// Two fixes that insert different directives at one offset go in together (one round,
// one lint to check it, not two); two that insert the same directive, or a block, or
// into a file that is not lines of directives, wait for the next round.
func TestSharedInsertionOffset(t *testing.T) {
	ins := func(at int, text string) parsers.Edit {
		return parsers.Edit{File: "Caddyfile", Start: at, End: at, New: text}
	}
	for _, tc := range []struct {
		name       string
		a, b       []string
		eb         parsers.Edit
		conflicts  bool
		setEdit    parsers.Edit
		setEditDir []string
	}{
		{name: "different directives", a: []string{"fail_duration"}, b: []string{"lb_try_duration"}, eb: ins(10, "\tlb_try_duration 5s\n")},
		{name: "same directive", a: []string{"fail_duration"}, b: []string{"fail_duration", "health_uri"}, eb: ins(10, "\tfail_duration 10s\n"), conflicts: true},
		{name: "not directive lines", a: []string{"fail_duration"}, b: nil, eb: ins(10, "\ttransport http {\n\t}\n"), conflicts: true},
		{name: "a replacement where one inserts", a: []string{"fail_duration"}, b: []string{"lb_try_duration"}, eb: parsers.Edit{File: "Caddyfile", Start: 10, End: 14, New: "x"}, conflicts: true},
		{name: "an insertion inside a replacement", a: []string{"fail_duration"}, b: []string{"lb_try_duration"}, eb: ins(12, "\tlb_try_duration 5s\n"), setEdit: parsers.Edit{File: "Caddyfile", Start: 10, End: 14, New: "x"}, setEditDir: []string{"fail_duration"}, conflicts: true},
	} {
		s := &editSet{}
		first := ins(10, "\tfail_duration 30s\n")
		if tc.setEdit.End > 0 {
			first = tc.setEdit
		}
		s.add(first, tc.a)
		if got := s.conflicts(tc.eb, tc.b); got != tc.conflicts {
			t.Errorf("%s: conflicts = %v, want %v", tc.name, got, tc.conflicts)
		}
	}

	dir := t.TempDir()
	caddyfile := `:8080 {
	reverse_proxy 10.0.0.1:9000 10.0.0.2:9000 {
		lb_policy least_conn
	}
}
`
	if err := os.WriteFile(filepath.Join(dir, "Caddyfile"), []byte(caddyfile), 0o644); err != nil {
		t.Fatal(err)
	}
	// --unsafe-fixes: without an active health check the retry fix is unsafe (caddy#7546).
	fr, err := Fix(context.Background(), nil, Options{Cwd: dir, UnsafeFixes: true})
	if err != nil {
		t.Fatal(err)
	}
	changes := fr.Changes()
	if len(changes) != 1 {
		t.Fatalf("want one changed file, got %d", len(changes))
	}
	got := string(changes[0].After)
	for _, line := range []string{"fail_duration 30s", "lb_try_duration 5s"} {
		if strings.Count(got, line) != 1 {
			t.Errorf("want %q once in the fixed Caddyfile:\n%s", line, got)
		}
	}
	if fr.fixes != 2 || fr.rounds != 1 {
		t.Errorf("dead-upstream and no-retry fixes: %d fixes in %d rounds, want 2 in 1", fr.fixes, fr.rounds)
	}
}
