package nginx

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/no502/no502/parsers"
)

// dumpTree prints everything the parser produces for a file, positions included, so
// two parses can be compared exactly.
func dumpTree(cfg *Config, diags []parsers.Diag) string {
	var b strings.Builder
	var walk func(ds []*Directive, depth int)
	walk = func(ds []*Directive, depth int) {
		for _, d := range ds {
			fmt.Fprintf(&b, "%s%q %v name=%v block=%v/%d\n",
				strings.Repeat("  ", depth), d.Name, d.Pos(), d.NamePos(), d.Block != nil, len(d.Block))
			for i, a := range d.Args {
				fmt.Fprintf(&b, "%s  arg %q raw=%q quoted=%v %v\n", strings.Repeat("  ", depth), d.Arg(i), d.RawArg(i), a.Quoted, d.ArgPos(i))
			}
			walk(d.Block, depth+1)
		}
	}
	walk(cfg.Directives, 0)
	for _, c := range cfg.Comments {
		fmt.Fprintf(&b, "comment %q %v\n", c.Text, c.Pos)
	}
	for _, d := range diags {
		fmt.Fprintf(&b, "diag %s\n", d)
	}
	return b.String()
}

// checkChunked parses src in one piece and in 2, 3 and 5 parts and fails unless the
// results are identical. It reports whether some parts were joined (not given up on).
func checkChunked(t *testing.T, name string, src []byte) bool {
	t.Helper()
	o := parsers.Options{MaxDepth: 50}
	want := dumpTree(parseFile(name, src, o, 1))
	joined := false
	for _, n := range []int{2, 3, 5} {
		cfg, diags := parseFile(name, src, o, n)
		if got := dumpTree(cfg, diags); got != want {
			t.Fatalf("%s in %d parts differs from one piece:\n%s", name, n, firstDiff(got, want))
		}
		probe := &Config{Path: name, Src: src, text: string(src), notUTF8: !utf8.Valid(src)}
		probe.indexLines()
		joined = joined || bytes.IndexByte(src, 0) < 0 && parseChunks(probe, 50, 1<<18, n)
	}
	return joined
}

func TestChunkedParseMatchesSequential(t *testing.T) {
	cases := map[string]string{
		"servers": strings.Repeat("server {\n  listen 80; # port\n  location / {\n    proxy_pass http://a;\n  }\n}\n", 40),
		"http":    "http {\n" + strings.Repeat("  server {\n    listen 80;\n  } # end\n", 30) + "} # end of http\n",
		// Cuts land inside these; the parts must be given up on, not joined wrongly.
		"multi-line string": "a {\n" + strings.Repeat("  b \"x;\ny;\n}\nz\";\n", 30) + "}\n",
		"lua":               "a {\n  content_by_lua_block {\n" + strings.Repeat("    x = \"}\";\n    y();\n", 40) + "  }\n}\n",
		"multi-line args":   strings.Repeat("log_format main\n  a\n  b;\n", 40),
		"unclosed":          "http {\n" + strings.Repeat("  server { listen 80; }\n", 40),
		"stray close":       strings.Repeat("a;\n", 40) + "}\n" + strings.Repeat("b;\n", 40),
		"errors":            strings.Repeat("a \"b\"c;\n", 40),
		"deep":              strings.Repeat("a {\n", 60) + strings.Repeat("}\n", 60),
		"crlf and tabs":     strings.Repeat("server {\r\n\tlisten 80;\r\n}\r\n", 40),
		"bom":               "\xef\xbb\xbf" + strings.Repeat("a;\n", 50),
		"latin-1":           strings.Repeat("a \"caf\xe9 \xa9\xb0\";  # \xe9t\xe9\n", 40),
	}
	joined := 0
	for name, src := range cases {
		if checkChunked(t, name, []byte(src)) {
			joined++
		}
	}
	if joined < 3 {
		t.Errorf("only %d cases were joined from parts; the parallel path is not being exercised", joined)
	}
}

// TestChunkedParseCorpus parses every nginx file of the tests and the corpus in parts.
func TestChunkedParseCorpus(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.conf")
	files = append(files, corpusFiles(t)...)
	if len(files) < 10 {
		t.Fatalf("only %d files", len(files))
	}
	joined := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if checkChunked(t, filepath.Base(f), src) {
			joined++
		}
	}
	t.Logf("%d of %d files joined from parts", joined, len(files))
}
