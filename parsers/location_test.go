package parsers

import "testing"

// TestLocate checks the location search against nginx's order: exact, longest prefix
// (its nested locations first), then regexes in config order unless ^~.
func TestLocate(t *testing.T) {
	loc := func(path string, kind PathKind) *Location {
		return &Location{Path: path, Kind: kind}
	}
	root := loc("/", PathPrefix)
	api := loc("/api/", PathPrefix)
	api.AutoRedirect = true
	apiRe := loc(`\.json$`, PathRegex)
	api.Nested = []*Location{apiRe}
	static := loc("/static/", PathPrefix)
	static.NoRegex = true
	exact := loc("/healthz", PathExact)
	img := loc(`\.(png|JPG)$`, PathRegex)
	img.Caseless = true
	pcre := loc(`^/(?!x)y`, PathRegex)
	ls := &Locations{Top: []*Location{root, api, static, exact, img, pcre}}
	for _, tc := range []struct {
		path string
		want *Location
		ok   bool
	}{
		{"/healthz", exact, true},
		{"/healthz/x", nil, false}, // / then the regexes: the lookahead cannot be evaluated
		{"/api/a.json", apiRe, true},
		{"/api/a.png", img, true},
		{"/api/a", nil, false},
		{"/api", nil, true}, // 301 to /api/
		{"/static/a.png", static, true},
		{"/a.jpg?x=1", img, true},
	} {
		got, ok := ls.Locate(tc.path)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Locate(%q) = %v, %v; want %v, %v", tc.path, got, ok, tc.want, tc.ok)
		}
	}
}

func TestRegexExamples(t *testing.T) {
	for expr, want := range map[string][]string{
		`^/webhooks/(github|gitlab)$`: {"/webhooks/github", "/webhooks/gitlab"},
		`^/(webhooks)/z$`:             {"/webhooks/z"},
		`^/webhooks/[0-9]+$`:          {"/webhooks/0"},
		`\.php$`:                      {".php"},
	} {
		got := RegexExamples(expr, false)
		if len(got) != len(want) {
			t.Errorf("RegexExamples(%q) = %q, want %q", expr, got, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("RegexExamples(%q) = %q, want %q", expr, got, want)
			}
		}
	}
}
