package suggest

import "testing"

func TestClosest(t *testing.T) {
	ids := []string{"single-replica", "single-upstream", "read-timeout-below-budget", "prestop-missing"}
	for _, c := range []struct{ in, want string }{
		{"single-replicas", "single-replica"},
		{"singel-upstream", "single-upstream"},
		{"read-timeout", "read-timeout-below-budget"},
		{"prestop", "prestop-missing"},
		{"Single-Replica", "single-replica"},
		{"zzz", ""},
		{"completely-unrelated-words", ""},
	} {
		if got := Closest(c.in, ids); got != c.want {
			t.Errorf("Closest(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if h := Hint("single-replicas", ids); h != ` (did you mean "single-replica"?)` {
		t.Errorf("Hint = %q", h)
	}
	if h := Hint("nothing-like-it-at-all", ids); h != "" {
		t.Errorf("Hint = %q, want none", h)
	}
}
