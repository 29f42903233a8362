package nginx

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/no502/no502/internal/hangwatch"
	"github.com/no502/no502/parsers"
)

func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.conf")
	if files, err := filepath.Glob(filepath.Join(corpusDir, "*")); err == nil && len(files) > 0 {
		for i := 0; i < len(files); i += 25 {
			seeds = append(seeds, files[i])
		}
	}
	for _, s := range seeds {
		if src, err := os.ReadFile(s); err == nil {
			f.Add(src)
		}
	}
	for _, s := range []string{"", "a;", "{", "}", "a {", "a \"", "x_by_lua_block {", "a ${b} {c;}", "a '\\", "#"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		defer hangwatch.Start(len(src))()
		// Parsing is linear: a small input that takes long is a bug worth keeping.
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("%d-byte input took %v", len(src), d)
			}
		}()
		cfg, diags := ParseFile("f.conf", src, parsers.Options{MaxDepth: 50})
		checkBounds(t, "f.conf", src, cfg, diags)
		// Parsing in parts (as large files are) gives exactly the one-piece tree.
		checkChunked(t, "f.conf", src)
		m := Parse([]parsers.Input{{Path: "f.conf", Abs: "/fuzz/f.conf", Src: src}}, parsers.Options{Roots: []string{"/fuzz"}, MaxDepth: 50})
		for _, d := range m.Diags {
			if d.Pos.File == "f.conf" && (int(d.Pos.Offset) > len(src) || int(d.Pos.EndOffset) > len(src)) {
				t.Fatalf("model diag out of bounds: %s", d)
			}
		}
		for _, h := range m.Hops {
			if h.Block.End() > len(src) || h.Block.Start() > h.Block.End() {
				t.Fatalf("hop block out of bounds: %+v", h.Block)
			}
			for _, r := range h.Routes {
				if r.Block.End() > len(src) || r.Block.Start() > r.Block.End() {
					t.Fatalf("route block out of bounds: %+v", r.Block)
				}
			}
		}
	})
}
