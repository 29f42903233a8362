package caddy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/no502/no502/internal/hangwatch"
	"github.com/no502/no502/parsers"
)

// FuzzParse feeds arbitrary text to the lexer, the parser and the model builder: nothing
// may panic or hang, and every token's offsets must cut its raw text out of the source.
//
//	go test ./parsers/caddy -run '^$' -fuzz FuzzParse -fuzztime 60s
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"",
		"{\n\tgrace_period 10s\n}\nexample.com {\n\treverse_proxy /a/* a:1 b:2 {\n\t\tlb_try_duration 5s\n\t}\n}\n",
		"(snip) {\n\trespond {args[0]} {args[:]}\n}\na {\n\timport snip 200 x\n}\n",
		"a {\n\trespond <<EOF\n\thi\n\tEOF 200\n}\n",
		"a, b,\n c {\n\t@m path /x\n\thandle_path /p/* {\n\t\treverse_proxy @m `x` \"y\\\"z\" \\\n\t\t  {$U:u:1}\n\t}\n}\n",
		"localhost\nrespond /health 200\n",
		"}}}{{{\n\"\n",
		"a {\n\timport a\n}\n",
		":80 {\n\t@a host a.b *.c.d 1.2.3.4 {$H} *\n\thandle @a {\n\t\treverse_proxy w:1\n\t}\n\t@b {\n\t\thost x.y\n\t\tnot host z\n\t\tpath /p/*\n\t}\n\thandle @b {\n\t\trespond 204\n\t}\n\thandle {\n\t\trespond \"up\" 200\n\t}\n}\n",
	} {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob(filepath.Join(corpusDir, "caddy", "*reverse_proxy*.caddyfile"))
	for i, p := range files {
		if i >= 20 {
			break
		}
		if src, err := os.ReadFile(p); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		defer hangwatch.Start(len(src))()
		toks, comments, _ := Lex("Caddyfile", src)
		for _, tk := range toks {
			if tk.Pos.Offset < 0 || int(tk.Pos.EndOffset) > len(src) || tk.Pos.Offset > tk.Pos.EndOffset {
				t.Fatalf("token %q: bad offsets %d-%d (len %d)", tk.Raw, tk.Pos.Offset, tk.Pos.EndOffset, len(src))
			}
			if string(src[tk.Pos.Offset:tk.Pos.EndOffset]) != tk.Raw {
				t.Fatalf("token raw %q != src %q", tk.Raw, src[tk.Pos.Offset:tk.Pos.EndOffset])
			}
			if tk.Pos.Line < 1 || tk.Pos.Col < 1 {
				t.Fatalf("token %q at %d:%d", tk.Raw, tk.Pos.Line, tk.Pos.Col)
			}
		}
		for _, c := range comments {
			if int(c.Pos.EndOffset) > len(src) {
				t.Fatalf("comment past end")
			}
		}
		// The model builder follows no files here: imports resolve inside a root that
		// does not exist, so they are reported, never read.
		Parse([]parsers.Input{{Path: "Caddyfile", Abs: "/nonexistent-fuzz/Caddyfile", Src: src}},
			parsers.Options{Roots: []string{"/nonexistent-fuzz"}, MaxDepth: 50, MaxIncludes: 50})
	})
}
