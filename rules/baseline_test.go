package rules_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/no502/no502/rules"
)

func TestFingerprintStable(t *testing.T) {
	a := rules.Fingerprint("single-upstream", "nginx.conf", "    server 10.0.0.1:8080;")
	if b := rules.Fingerprint("single-upstream", "nginx.conf", "\tserver  10.0.0.1:8080; "); a != b {
		t.Errorf("re-indenting changed the fingerprint: %s %s", a, b)
	}
	for _, other := range []string{
		rules.Fingerprint("single-upstream", "nginx.conf", "server 10.0.0.2:8080;"),
		rules.Fingerprint("single-upstream", "other.conf", "server 10.0.0.1:8080;"),
		rules.Fingerprint("dead-upstream-in-rotation", "nginx.conf", "server 10.0.0.1:8080;"),
	} {
		if other == a {
			t.Errorf("different findings share fingerprint %s", a)
		}
	}
}

func TestBaseline(t *testing.T) {
	// Lint, record, then shift every line down by inserting a comment at the top: the
	// old finding stays known; a second bad upstream is new.
	_, fs, _ := lintFiles(t, map[string]string{"nginx.conf": nginxDoc("")}, false)
	if len(fs) != 1 {
		t.Fatalf("want one finding, got %v", ids(fs))
	}
	keysOf := func(src string, fs []rules.Finding) []rules.BaselineKey {
		var keys []rules.BaselineKey
		lines := strings.Split(src, "\n")
		for _, f := range fs {
			keys = append(keys, rules.BaselineKey{Rule: f.Rule.ID, File: f.Pos.File, Text: lines[f.Pos.Line-1]})
		}
		return keys
	}
	b := rules.NewBaseline(keysOf(nginxDoc(""), fs))
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		t.Fatal(err)
	}
	b2, err := rules.ReadBaseline(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(b2.Findings) != 1 || b2.Findings[0].Text != "server 10.0.0.1:8080;" || b2.Findings[0].Count != 1 {
		t.Fatalf("round trip: %+v", b2.Findings)
	}

	shifted := "# a new comment\n# and another\n" + nginxDoc("")
	_, fs, _ = lintFiles(t, map[string]string{"nginx.conf": shifted}, false)
	fresh, known := b2.Filter(fs, keysOf(shifted, fs))
	if len(fresh) != 0 || known != 1 {
		t.Errorf("after a line shift: %d new, %d known; want 0, 1", len(fresh), known)
	}

	second := strings.Replace(shifted, "    server {\n", "    upstream other { server 10.0.0.1:8080; }\n    server {\n        location /o { proxy_pass http://other; }\n", 1)
	_, fs, _ = lintFiles(t, map[string]string{"nginx.conf": second}, false)
	fresh, known = b2.Filter(fs, keysOf(second, fs))
	if len(fresh) != 1 || known != 1 {
		t.Errorf("a second copy of an accepted mistake: %d new (%v), %d known; want 1, 1", len(fresh), ids(fresh), known)
	}

	for _, bad := range []string{`{"version": 9, "tool": "no502", "findings": []}`, `[]`, `{"version":1,"bogus":1}`} {
		if _, err := rules.ReadBaseline(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadBaseline(%s): want an error", bad)
		}
	}
}
