package rules

import "testing"

// TestCDNSendsElsewhere: an ordered cache behavior takes every request under a path when
// its pattern ends in "*" and the rest matches a beginning of the path; CloudFront
// patterns may omit the leading slash.
func TestCDNSendsElsewhere(t *testing.T) {
	cases := []struct {
		path     string
		patterns []string
		want     bool
	}{
		{"/exports/", []string{"/exports/*"}, true},
		{"/exports/", []string{"exports/*"}, true},
		{"/exports/daily/", []string{"/exports*"}, true},
		{"/exports/", []string{"*"}, true},
		{"/", []string{"/*"}, true},
		{"/", []string{"/static/*"}, false},
		{"/exports/", []string{"/static/*", "*.jpg"}, false},
		{"/exports/", []string{"/exports/*.csv"}, false},
		{"/exports/", []string{"/ex?orts/*"}, true},
		{"/exports/", []string{"/*/daily/*"}, false},
		{"/exports/daily/", []string{"/*/daily/*"}, true},
		{"/exports/", []string{"/e*s/*"}, true},
		{"/api/", []string{"/api/v2/*"}, false},
		{"/api/*", []string{"/api/*"}, true},
		{"/exports/", nil, false},
	}
	for _, c := range cases {
		if got := cdnSendsElsewhere(c.path, c.patterns); got != c.want {
			t.Errorf("cdnSendsElsewhere(%q, %q) = %v, want %v", c.path, c.patterns, got, c.want)
		}
	}
}
