package load

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/no502/no502/rules"
)

// BenchmarkLintK8s5000 lints the 5,000-document Kubernetes corpus that
// ../shared/bench/gen-k8s-corpus.go generates (the corpus the peer tools were measured
// on): discovery, reading, parsing, linking and every rule.
func BenchmarkLintK8s5000(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "k8s")
	gen, _ := filepath.Abs("../../../shared/bench/gen-k8s-corpus.go")
	if _, err := os.Stat(gen); err != nil {
		b.Skip("../shared/bench is not here")
	}
	if out, err := exec.Command("go", "run", gen, "-docs", "5000", "-seed", "1", "-out", dir).CombinedOutput(); err != nil {
		b.Fatalf("generating the corpus: %v\n%s", err, out)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Load([]string{dir}, Options{Cwd: dir})
		if err != nil {
			b.Fatal(err)
		}
		rules.Run(res.Model, rules.DefaultConfig())
	}
}
