package evidence

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Every bad config is one the real no502 CLI flags, and every fixed config is what its
// lint --fix writes (or, where the fix is a snippet, the snippet applied by hand). The
// CLI runs as a subprocess, built once from this module.

var (
	buildOnce sync.Once
	no502Bin  string
	buildErr  error
	buildDir  string
)

func no502(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "no502-evidence-bin")
		if err != nil {
			buildErr = err
			return
		}
		buildDir = dir
		no502Bin = filepath.Join(dir, "no502")
		cmd := exec.Command("go", "build", "-o", no502Bin, "./cmd/no502")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = &buildError{err, string(out)}
		}
	})
	if buildErr != nil {
		t.Fatalf("building no502: %v", buildErr)
	}
	return no502Bin
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// Finding is one finding of lint --format json.
type Finding struct {
	Rule    string `json:"rule"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Message string `json:"message"`
	Fix     *struct {
		Description string `json:"description"`
		Snippet     string `json:"snippet"`
	} `json:"fix"`
}

// Files is a config directory: relative path -> content.
type Files map[string]string

func (fs Files) write(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range fs {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Lint runs no502 lint --format json on the files and returns the findings.
func Lint(t testing.TB, fs Files) []Finding {
	t.Helper()
	return lintDir(t, fs.write(t))
}

func lintDir(t testing.TB, dir string) []Finding {
	t.Helper()
	cmd := exec.Command(no502(t), "lint", "--format", "json", "--fail-on", "never", ".")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("no502 lint: %v\n%s", err, stderr.String())
	}
	var rep struct {
		Findings []Finding `json:"findings"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("no502 lint output: %v\n%s", err, out)
	}
	return rep.Findings
}

// Fix runs no502 lint --fix on a copy of the files and returns them as fixed.
func Fix(t testing.TB, fs Files) Files {
	t.Helper()
	dir := fs.write(t)
	// --unsafe-fixes: the experiments measure every fix no502 can write, the ones that
	// change behaviour a user may rely on (more replicas, a preStop sleep) included.
	cmd := exec.Command(no502(t), "lint", "--fix", "--unsafe-fixes", "--fail-on", "never", ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("no502 lint --fix: %v\n%s", err, out)
	}
	fixed := Files{}
	for name := range fs {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		fixed[name] = string(b)
	}
	return fixed
}

// findingsOf returns the findings of rule in file.
func findingsOf(fs []Finding, rule, file string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Rule == rule && (file == "" || f.File == file) {
			out = append(out, f)
		}
	}
	return out
}

// MustFlag asserts that no502 reports rule on the files and returns the first finding.
func MustFlag(t testing.TB, fs Files, rule, file string) Finding {
	t.Helper()
	got := findingsOf(Lint(t, fs), rule, file)
	if len(got) == 0 {
		t.Fatalf("the bad config is not flagged by %s in %s", rule, file)
	}
	return got[0]
}

// MustBeClean asserts that no502 does not report rule on the files.
func MustBeClean(t testing.TB, fs Files, rule, file string) {
	t.Helper()
	if got := findingsOf(Lint(t, fs), rule, file); len(got) > 0 {
		t.Fatalf("the fixed config is still flagged by %s: %s", rule, got[0].Message)
	}
}

// diffLines returns the lines of fixed that are not in bad: the fix, for the report.
func diffLines(bad, fixed string) string {
	have := map[string]int{}
	for _, l := range strings.Split(bad, "\n") {
		have[l]++
	}
	var out []string
	for _, l := range strings.Split(fixed, "\n") {
		if have[l] > 0 {
			have[l]--
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
