package nginx

import (
	"os"
	"testing"

	"github.com/no502/no502/parsers"
)

// The nginx parser alone, on a file named by NGINX_BENCH_FILE, e.g. the 5,000-server
// corpus the whole-program benchmark generates:
//
//	go test ./parsers/load -run '^$' -bench LintNginx5000 -benchtime 1x
//	NGINX_BENCH_FILE=$TMPDIR/no502-bench/nginx-5000/nginx.conf go test ./parsers/nginx -run '^$' -bench . -benchmem
func benchFile(b *testing.B) []byte {
	path := os.Getenv("NGINX_BENCH_FILE")
	if path == "" {
		b.Skip("set NGINX_BENCH_FILE to a generated nginx.conf")
	}
	src, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	return src
}

// BenchmarkParseFile: lexing and the syntax tree (in parts on every CPU for a large file).
func BenchmarkParseFile(b *testing.B) {
	src := benchFile(b)
	for b.Loop() {
		ParseFile("nginx.conf", src, parsers.Options{})
	}
}

// BenchmarkParseFileOnePiece: the same file parsed on one goroutine.
func BenchmarkParseFileOnePiece(b *testing.B) {
	src := benchFile(b)
	for b.Loop() {
		parseFile("nginx.conf", src, parsers.Options{}, 1)
	}
}

// BenchmarkParse: the tree and the model (inheritance, defaults, backends).
func BenchmarkParse(b *testing.B) {
	src := benchFile(b)
	in := []parsers.Input{{Path: "nginx.conf", Abs: "/bench/nginx.conf", Src: src}}
	for b.Loop() {
		Parse(in, parsers.Options{Roots: []string{"/bench"}})
	}
}
