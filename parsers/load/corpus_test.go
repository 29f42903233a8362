package load

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// corpusFloor is the share of each format's corpus files that must parse without an
// error. The files that fail are ones the product itself rejects (templates with
// placeholders, truncated or deliberately broken test fixtures, non-UTF-8 text); a drop
// below these numbers is a parser regression.
var corpusFloor = map[string]float64{
	"nginx":     0.97,  // 235 of 240 when measured
	"caddy":     0.99,  // 410 of 412
	"k8s":       0.995, // 1361 of 1362
	"terraform": 0.99,  // 114 of 114
}

// TestCorpusGate lints each format's corpus directory through the whole pipeline (every
// rule included) within a time bound, and checks that no parser panicked and that the
// parse success rate has not dropped.
func TestCorpusGate(t *testing.T) {
	root := "../../../shared/corpus"
	if _, err := os.Stat(root); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("../shared/corpus is missing")
		}
		t.Skip("../shared/corpus is not here")
	}
	for format, floor := range corpusFloor {
		t.Run(format, func(t *testing.T) {
			dir := filepath.Join(root, format)
			start := time.Now()
			res, err := Load([]string{dir}, Options{Cwd: dir})
			if err != nil {
				t.Fatal(err)
			}
			rules.Run(res.Model, rules.DefaultConfig())
			if d := time.Since(start); d > 60*time.Second {
				t.Errorf("linting the %s corpus took %s", format, d)
			}
			failed := map[string]bool{}
			for _, d := range res.Model.Diags {
				if strings.Contains(d.Message, "internal error") {
					t.Errorf("parser panic: %s", d)
				}
				// Corpus files are fragments of repositories: an include of a file the
				// corpus did not copy is reported, as it should be, but is no parse failure.
				if d.Severity == parsers.Error && !strings.Contains(d.Message, "file not found") {
					failed[d.Pos.File] = true
				}
			}
			total := 0
			for _, f := range res.Model.Files {
				if f.IncludedBy == nil && f.Host == "" {
					total++
				}
			}
			if total == 0 {
				t.Fatalf("no %s files were read", format)
			}
			ok := total - len(failed)
			rate := float64(ok) / float64(total)
			t.Logf("%s: %d of %d files parse (%.1f%%)", format, ok, total, 100*rate)
			fmt.Fprintf(os.Stderr, "corpus %-9s %4d/%4d files parse (%.1f%%)\n", format, ok, total, 100*rate)
			if rate < floor {
				t.Errorf("%s parse rate %.3f dropped below %.2f", format, rate, floor)
			}
		})
	}
}

// The loader never follows a symlinked directory, so a link loop cannot hang it.
func TestSymlinkLoop(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "a"), 0o755)
	os.WriteFile(filepath.Join(dir, "a", "nginx.conf"), []byte("events {}\n"), 0o644)
	if err := os.Symlink("..", filepath.Join(dir, "a", "loop")); err != nil {
		t.Skip(err)
	}
	res, err := Load([]string{dir}, Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 1 {
		t.Errorf("read %d files, want 1", res.Files)
	}
}

// Hostile and odd files are notes or positioned errors, and the rest is still linted.
func TestHostileFilesDoNotStopTheRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("good/nginx.conf", []byte("events {}\nhttp { upstream u { server 10.0.0.1:80; } server { location / { proxy_pass http://u; } } }\n"))
	write("bin/nginx.conf", []byte("\x00\x01\x02ELF"))
	write("latin1/app.yaml", []byte("apiVersion: v1\nkind: Service\nmetadata:\n  name: caf\xe9\n"))
	write("big/nginx.conf", make([]byte, 2<<20))
	write("deep/nginx.conf", []byte(strings.Repeat("a {", 100000)))
	write("unreadable/nginx.conf", []byte("events {}\n"))
	os.Chmod(filepath.Join(dir, "unreadable/nginx.conf"), 0)
	res, err := Load([]string{dir}, Options{Cwd: dir, MaxFileSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	findings := rules.Run(res.Model, rules.DefaultConfig())
	if len(findings) == 0 {
		t.Error("the good file was not linted")
	}
	byFile := map[string][]parsers.Diag{}
	for _, d := range res.Model.Diags {
		byFile[d.Pos.File] = append(byFile[d.Pos.File], d)
	}
	for _, f := range []string{"bin/nginx.conf", "latin1/app.yaml", "big/nginx.conf", "deep/nginx.conf"} {
		if len(byFile[f]) == 0 {
			t.Errorf("%s: want a note or error, got none", f)
		}
	}
	if os.Geteuid() != 0 && len(byFile["unreadable/nginx.conf"]) == 0 {
		t.Error("an unreadable file must be an error")
	}
}
