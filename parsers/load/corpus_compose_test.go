package load

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// composeTree rebuilds the repositories of the corpus's compose folder (flattened into
// owner__repo__path names) under a temporary directory from MANIFEST.tsv, so that compose
// files sit beside the nginx configs and Caddyfiles they mount, as in their repositories.
// It returns the directory, the compose files' paths in it, and all files' paths.
func composeTree(t *testing.T) (dir string, composeFiles, all []string) {
	root := "../../../shared/corpus"
	f, err := os.Open(filepath.Join(root, "MANIFEST.tsv"))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("../shared/corpus is missing")
		}
		t.Skip("../shared/corpus is not here")
	}
	defer f.Close()
	dir = t.TempDir()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 4 || cols[0] != "compose" {
			continue
		}
		src, err := os.ReadFile(filepath.Join(root, "compose", cols[1]))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, cols[2], filepath.FromSlash(cols[3]))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, src, 0o644); err != nil {
			t.Fatal(err)
		}
		all = append(all, dst)
		if ext := filepath.Ext(dst); ext == ".yml" || ext == ".yaml" {
			composeFiles = append(composeFiles, dst)
		}
	}
	if len(composeFiles) == 0 {
		t.Fatal("no compose rows in MANIFEST.tsv")
	}
	sort.Strings(composeFiles)
	sort.Strings(all)
	return dir, composeFiles, all
}

// composeRejected are the corpus files docker compose refuses too (a negative fixture).
var composeRejected = map[string]bool{"compose-spec/compose-go/loader/testdata/compose-depends-on-cycle.yaml": true}

// TestCorpusCompose loads every file of the corpus's compose folder through the loader,
// each named on the command line as a user would pass it (compose files under names
// docker compose does not pick by itself are meant for -f): every compose file is read as
// one (never as a Kubernetes manifest) and none has an error but the fixture docker
// compose refuses; proxy configs mounted by a service are linked to it. The findings of
// the Compose checks are logged (go test -v) for review.
func TestCorpusCompose(t *testing.T) {
	dir, files, all := composeTree(t)
	res, err := Load(all, Options{Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	read := map[string]bool{}
	for _, f := range res.Model.Files {
		if f.Format == parsers.FormatCompose {
			read[f.Path] = true
		}
	}
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		if !read[filepath.ToSlash(rel)] {
			t.Errorf("%s was not read as a compose file", rel)
		}
	}
	failed := map[string]bool{}
	for _, d := range res.Model.Diags {
		if strings.Contains(d.Message, "internal error") {
			t.Errorf("parser panic: %s", d)
		}
		if fmt.Sprint(d.Severity) == "error" || testing.Verbose() {
			t.Logf("diag %s", d)
		}
		if fmt.Sprint(d.Severity) == "error" && (strings.HasSuffix(d.Pos.File, ".yaml") || strings.HasSuffix(d.Pos.File, ".yml")) {
			failed[d.Pos.File] = true
			if !composeRejected[d.Pos.File] {
				t.Errorf("%s", d)
			}
		}
	}
	for f := range composeRejected {
		if !failed[f] {
			t.Errorf("%s: want the error docker compose reports", f)
		}
	}
	linked := 0
	for _, h := range res.Model.Hops {
		if h.Workload != nil && h.Workload.Format == parsers.FormatCompose {
			linked++
			t.Logf("hop %s %s runs in service %s", h.Kind, h.Pos.Short(), h.Workload.Name)
		}
	}
	if linked == 0 {
		t.Error("no proxy config of the corpus was linked to the service mounting it")
	}
	for _, f := range rules.Run(res.Model, rules.DefaultConfig()) {
		for _, format := range f.Rule.Formats {
			if format == parsers.FormatCompose {
				t.Logf("%s: %s[%s] %s", f.Pos, f.Severity, f.Rule.ID, f.Message)
				break
			}
		}
	}
}
