package baseline_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/lint/baseline"
	"github.com/no502/no502/rules"
)

// lintFiles writes files into a temporary directory and lints it as no502 lint does.
func lintFiles(t *testing.T, files map[string]string) []rules.Finding {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := lint.Run(context.Background(), nil, lint.Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	return res.Findings
}

// ids lists "rule@file:line" for findings, sorted.
func ids(fs []rules.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule.ID+"@"+f.Pos.Short())
	}
	sort.Strings(out)
	return out
}

// An nginx upstream with one IP server: single-upstream on the server line (5).
const nginxBad = `events {}
http {
    upstream app {
        # comment
        server 10.0.0.1:8080;%s
    }
    server {
        listen 80;
        location / { proxy_pass http://app; }
    }
}
`

func nginxDoc(eol string) string { return strings.Replace(nginxBad, "%s", eol, 1) }

func TestFingerprintStable(t *testing.T) {
	a := baseline.Fingerprint("single-upstream", "nginx.conf", "    server 10.0.0.1:8080;")
	if b := baseline.Fingerprint("single-upstream", "nginx.conf", "\tserver  10.0.0.1:8080; "); a != b {
		t.Errorf("re-indenting changed the fingerprint: %s %s", a, b)
	}
	for _, other := range []string{
		baseline.Fingerprint("single-upstream", "nginx.conf", "server 10.0.0.2:8080;"),
		baseline.Fingerprint("single-upstream", "other.conf", "server 10.0.0.1:8080;"),
		baseline.Fingerprint("dead-upstream-in-rotation", "nginx.conf", "server 10.0.0.1:8080;"),
	} {
		if other == a {
			t.Errorf("different findings share fingerprint %s", a)
		}
	}
}

func TestBaseline(t *testing.T) {
	// Lint, record, then shift every line down by inserting a comment at the top: the
	// old finding stays known; a second bad upstream is new.
	fs := lintFiles(t, map[string]string{"nginx.conf": nginxDoc("")})
	if len(fs) != 1 {
		t.Fatalf("want one finding, got %v", ids(fs))
	}
	keysOf := func(src string, fs []rules.Finding) []baseline.Key {
		var keys []baseline.Key
		lines := strings.Split(src, "\n")
		for _, f := range fs {
			keys = append(keys, baseline.Key{Rule: f.Rule.ID, File: f.Pos.File, Text: lines[f.Pos.Line-1]})
		}
		return keys
	}
	b := baseline.New(keysOf(nginxDoc(""), fs))
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		t.Fatal(err)
	}
	b2, err := baseline.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(b2.Findings) != 1 || b2.Findings[0].Text != "server 10.0.0.1:8080;" || b2.Findings[0].Count != 1 {
		t.Fatalf("round trip: %+v", b2.Findings)
	}

	shifted := "# a new comment\n# and another\n" + nginxDoc("")
	fs = lintFiles(t, map[string]string{"nginx.conf": shifted})
	fresh, known := b2.Filter(fs, keysOf(shifted, fs))
	if len(fresh) != 0 || known != 1 {
		t.Errorf("after a line shift: %d new, %d known; want 0, 1", len(fresh), known)
	}

	second := strings.Replace(shifted, "    server {\n", "    upstream other { server 10.0.0.1:8080; }\n    server {\n        location /o { proxy_pass http://other; }\n", 1)
	fs = lintFiles(t, map[string]string{"nginx.conf": second})
	fresh, known = b2.Filter(fs, keysOf(second, fs))
	if len(fresh) != 1 || known != 1 {
		t.Errorf("a second copy of an accepted mistake: %d new (%v), %d known; want 1, 1", len(fresh), ids(fresh), known)
	}

	for _, bad := range []string{`{"version": 9, "tool": "no502", "findings": []}`, `[]`, `{"version":1,"bogus":1}`} {
		if _, err := baseline.Read(strings.NewReader(bad)); err == nil {
			t.Errorf("ReadBaseline(%s): want an error", bad)
		}
	}
}
