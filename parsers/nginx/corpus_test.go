package nginx

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/no502/no502/parsers"
)

const corpusDir = "../../../shared/corpus/nginx"

func corpusFiles(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(corpusDir, "*"))
	if len(files) == 0 {
		missingCorpus(t)
	}
	return files
}

// missingCorpus skips a test that needs the shared corpus of real configs, which sits
// beside the repository (../shared/corpus) on the project's machines and in CI but not in a
// plain clone; under CI=true its absence is a failure.
func missingCorpus(t testing.TB) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("corpus %s is missing (CI=true)", corpusDir)
	}
	t.Skipf("corpus %s is not here (a plain clone has no ../shared); skipping", corpusDir)
}

func hasError(ds []parsers.Diag) bool {
	for _, d := range ds {
		if d.Severity == parsers.Error {
			return true
		}
	}
	return false
}

// minCorpusPassRate is the share of corpus files that parse without an error, as
// measured when this test was written, minus a small margin. The failures are real
// nginx syntax errors (templates, truncated test data, deliberately broken files).
const minCorpusPassRate = 0.96

func TestCorpus(t *testing.T) {
	files := corpusFiles(t)
	ok := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		done := make(chan []parsers.Diag, 1)
		go func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic: %v", name, r)
					done <- nil
				}
			}()
			cfg, diags := ParseFile(name, src)
			checkBounds(t, name, src, cfg, diags)
			// The model builder must not panic on any file either.
			m := Parse([]parsers.Input{{Path: name, Abs: "/corpus/" + name, Src: src}}, parsers.Options{Roots: []string{"/corpus"}})
			_ = m
			done <- diags
		}()
		select {
		case diags := <-done:
			if !hasError(diags) {
				ok++
			} else {
				for _, d := range diags {
					if d.Severity == parsers.Error {
						t.Logf("rejected: %s", d)
						break
					}
				}
			}
		case <-time.After(5 * raceSlowdown * time.Second):
			t.Fatalf("%s: parse did not finish in %v", name, 5*raceSlowdown*time.Second)
		}
	}
	rate := float64(ok) / float64(len(files))
	t.Logf("corpus: %d/%d files parse without error (%.1f%%)", ok, len(files), 100*rate)
	if rate < minCorpusPassRate {
		t.Errorf("corpus pass rate %.3f is below %.3f", rate, minCorpusPassRate)
	}
}
