package k8s

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/no502/no502/parsers"
)

// BenchmarkParse parses a generated corpus when K8S_BENCH_DIR names one, e.g.
// go run ../shared/bench/gen-k8s-corpus.go -docs 5000 -seed 1 -out /tmp/k8s5000
// K8S_BENCH_DIR=/tmp/k8s5000 go test ./parsers/k8s -bench Parse -benchmem
func BenchmarkParse(b *testing.B) {
	dir := os.Getenv("K8S_BENCH_DIR")
	if dir == "" {
		b.Skip("set K8S_BENCH_DIR to a generated corpus")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	var in []parsers.Input
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		in = append(in, parsers.Input{Path: filepath.Base(f), Src: src})
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Parse(in, parsers.Options{})
	}
}
