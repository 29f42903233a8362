package lint_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/no502/no502/lint"
)

// BenchmarkNamedFileK8s5000: a pre-commit run naming one manifest in a directory of
// 5,000 Kubernetes documents (1,250 files, ../shared/bench's generator, cached in
// $TMPDIR/no502-bench like parsers/load's benchmarks). The target is under 30 ms
// (issue 17; docs/benchmarks.md):
//
//	go test ./lint -run '^$' -bench NamedFile -benchmem
func BenchmarkNamedFileK8s5000(b *testing.B) {
	dir := k8sCorpus(b, 5000)
	named := "app-00640.yaml" // 3 findings in the full run
	b.ReportAllocs()
	b.ResetTimer()
	findings := 0
	for i := 0; i < b.N; i++ {
		res, err := lint.Run(context.Background(), []string{named}, lint.Options{Cwd: dir})
		if err != nil {
			b.Fatal(err)
		}
		findings = len(res.Findings)
		if res.Files != 1 {
			b.Fatalf("%d files linted", res.Files)
		}
	}
	b.ReportMetric(float64(findings), "findings")
}

func k8sCorpus(b *testing.B, docs int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "no502-bench", fmt.Sprintf("k8s-%d", docs))
	if _, err := os.Stat(filepath.Join(dir, ".done")); err == nil {
		return dir
	}
	gen, _ := filepath.Abs("../../shared/bench/gen-k8s-corpus.go")
	if _, err := os.Stat(gen); err != nil {
		b.Skip("../shared/bench is not here")
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	if out, err := exec.Command("go", "run", gen, "-docs", fmt.Sprint(docs), "-seed", "1", "-out", dir).CombinedOutput(); err != nil {
		b.Skipf("generating the corpus: %v: %s", err, out)
	}
	os.WriteFile(filepath.Join(dir, ".done"), nil, 0o644)
	return dir
}

// The cost of --diff against a plain lint on the benchmark corpora (issue 16 item 7:
// within 1.5x). The corpora are the ones parsers/load's benchmarks generate into
// $TMPDIR/no502-bench (k8s-10000 here too); the benchmarks skip the ones not there.
//
//	go test ./lint -run '^$' -bench 'Lint|Fix' -benchmem -benchtime 3x
func BenchmarkLintK8s10000(b *testing.B)  { benchLint(b, k8sCorpus(b, 10000), false) }
func BenchmarkFixK8s10000(b *testing.B)   { benchLint(b, k8sCorpus(b, 10000), true) }
func BenchmarkLintNginx5000(b *testing.B) { benchLint(b, cachedCorpus(b, "nginx-5000"), false) }
func BenchmarkFixNginx5000(b *testing.B)  { benchLint(b, cachedCorpus(b, "nginx-5000"), true) }
func BenchmarkLintCaddy1000(b *testing.B) { benchLint(b, cachedCorpus(b, "caddy-1000"), false) }
func BenchmarkFixCaddy1000(b *testing.B)  { benchLint(b, cachedCorpus(b, "caddy-1000"), true) }
func BenchmarkLintTerraform1000(b *testing.B) {
	benchLint(b, cachedCorpus(b, "terraform-1000"), false)
}
func BenchmarkFixTerraform1000(b *testing.B) { benchLint(b, cachedCorpus(b, "terraform-1000"), true) }

func benchLint(b *testing.B, dir string, fix bool) {
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if fix {
			fr, err := lint.Fix(context.Background(), []string{dir}, lint.Options{Cwd: dir})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(fr.Changes())), "files-fixed")
			continue
		}
		res, err := lint.Run(context.Background(), []string{dir}, lint.Options{Cwd: dir})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(res.Findings)), "findings")
	}
}

// cachedCorpus returns a corpus parsers/load's benchmarks generated, or skips.
func cachedCorpus(b *testing.B, name string) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "no502-bench", name)
	if _, err := os.Stat(filepath.Join(dir, ".done")); err != nil {
		b.Skipf("%s is not generated: run go test ./parsers/load -run '^$' -bench . once", dir)
	}
	return dir
}
