package nginx

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/no502/no502/parsers"
)

// within fails the test when f runs longer than d (d times raceSlowdown under the race
// detector, whose overhead is not what these limits are about).
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	d *= raceSlowdown
	done := make(chan struct{})
	start := time.Now()
	go func() { f(); close(done) }()
	select {
	case <-done:
		t.Logf("took %v", time.Since(start))
	case <-time.After(d):
		t.Fatalf("did not finish in %v", d)
	}
}

func TestHostileDeepNesting(t *testing.T) {
	src := []byte(strings.Repeat("a {", 100000) + strings.Repeat("}", 100000))
	within(t, 5*time.Second, func() {
		cfg, diags := ParseFile("deep.conf", src)
		if len(diags) != 1 || diags[0].Pos.Line != 1 || diags[0].Pos.Col != 1+3*500 || !strings.Contains(diags[0].Message, "nested deeper than 500 levels") {
			t.Errorf("diags = %v", diags)
		}
		checkBounds(t, "deep", src, cfg, diags)
		// The model builder walks the partial tree without trouble.
		Parse([]parsers.Input{{Path: "deep.conf", Abs: "/x/deep.conf", Src: src}}, parsers.Options{})
	})
	// A custom limit.
	_, diags := ParseFile("d.conf", []byte("a { b { c { } } }"), parsers.Options{MaxDepth: 2})
	if len(diags) != 1 || diags[0].Pos.Col != 9 {
		t.Errorf("custom depth: %v", diags)
	}
}

func TestHostileHugeFile(t *testing.T) {
	if testing.Short() {
		t.Skip("50 MB input")
	}
	var b bytes.Buffer
	b.WriteString("http {\n")
	for b.Len() < 50<<20 {
		b.WriteString("  server {\n    listen 80;\n    server_name a.example.com;\n    location / { proxy_pass http://10.0.0.1:8080; proxy_read_timeout 30s; }\n  }\n")
	}
	b.WriteString("}\n")
	src := b.Bytes()
	within(t, 30*time.Second, func() {
		cfg, diags := ParseFile("huge.conf", src)
		if len(cfg.Directives) != 1 {
			t.Errorf("top-level directives = %d", len(cfg.Directives))
		}
		// More directives than the cap: parsing stops with one positioned error.
		if len(diags) != 1 || !strings.Contains(diags[0].Message, "too many directives") {
			t.Errorf("diags = %v", diags)
		}
	})
	// Pathological single-token and comment-only inputs are linear too.
	within(t, 10*time.Second, func() {
		ParseFile("word.conf", bytes.Repeat([]byte("x"), 20<<20))
		ParseFile("comment.conf", bytes.Repeat([]byte("#"), 20<<20))
		ParseFile("braces.conf", bytes.Repeat([]byte("}"), 5<<20))
		ParseFile("semis.conf", bytes.Repeat([]byte(";"), 5<<20))
		ParseFile("quote.conf", append([]byte{'"'}, bytes.Repeat([]byte("\\a"), 5<<20)...))
		ParseFile("lua.conf", append([]byte("content_by_lua_block {"), bytes.Repeat([]byte("{[[ --"), 1<<20)...))
	})
}

func TestHostileErrorFlood(t *testing.T) {
	// A million errors would be useless and slow: parsing stops after maxErrors.
	src := bytes.Repeat([]byte("}\n"), 1<<20)
	within(t, 10*time.Second, func() {
		_, diags := ParseFile("close.conf", src)
		if len(diags) != maxErrors+1 || !strings.Contains(diags[maxErrors].Message, "too many errors") {
			t.Errorf("%d diags, last %v", len(diags), diags[len(diags)-1])
		}
	})
}

func TestHostileBinaryAndCycle(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"nginx.conf": "http {\n  include bin.conf;\n  include loop.conf;\n}\n",
		"bin.conf":   "ok 1;\n\x00\x00\xff\xfe",
		"loop.conf":  "include loop.conf;\n",
	})
	abs := filepath.Join(dir, "nginx.conf")
	src, _ := os.ReadFile(abs)
	m := Parse([]parsers.Input{{Path: "nginx.conf", Abs: abs, Src: src}}, parsers.Options{Roots: []string{dir}})
	got := diagStrings(m.Diags)
	if !strings.Contains(got, "2:1 error binary file (a NUL byte)") || !strings.Contains(got, "1:1 error include cycle:") {
		t.Errorf("diags:\n%s", got)
	}
	for _, d := range m.Diags {
		if !d.Pos.IsValid() {
			t.Errorf("unpositioned diag %s", d)
		}
	}
}
