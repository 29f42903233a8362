package output

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/parsers"
)

// TestDiffColour: on a terminal the diff is coloured; without the escapes it is the same
// diff as the plain one.
func TestDiffColour(t *testing.T) {
	changes := []lint.Change{{Path: "a.conf", Before: []byte("a\nb\n"), After: []byte("a\nc\n")}}
	var plain, coloured bytes.Buffer
	WriteDiff(&plain, changes, false)
	WriteDiff(&coloured, changes, true)
	if !strings.Contains(coloured.String(), "\x1b[") {
		t.Fatalf("no colour:\n%q", coloured.String())
	}
	if got := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(coloured.String(), ""); got != plain.String() {
		t.Errorf("coloured diff without escapes:\n%s\nplain:\n%s", got, plain.String())
	}
}

// TestDiffHunkHeaders: every hunk's new start line is its old start plus what the hunks
// before it added, so that patch and git apply place it without an offset. go-udiff
// v0.4.1 got the start of a hunk after one that changed no line count wrong (fixed in
// v0.4.2): the new start lagged by the lines between two hunks.
func TestDiffHunkHeaders(t *testing.T) {
	var before, after strings.Builder
	for i := 1; i <= 47; i++ {
		line := fmt.Sprintf("line %d\n", i)
		before.WriteString(line)
		switch i {
		case 18, 25:
			line = fmt.Sprintf("changed %d\n", i)
		case 35:
			line = "changed 35\n"
		}
		after.WriteString(line)
	}
	var out strings.Builder
	if err := WriteDiff(&out, []lint.Change{{Path: "f", Before: []byte(before.String()), After: []byte(after.String())}}, false); err != nil {
		t.Fatal(err)
	}
	delta := 0
	for _, l := range strings.Split(out.String(), "\n") {
		var os, oc, ns, nc int
		if _, err := fmt.Sscanf(l, "@@ -%d,%d +%d,%d @@", &os, &oc, &ns, &nc); err != nil {
			continue
		}
		if ns != os+delta {
			t.Errorf("%s: new start %d, want %d\n%s", l, ns, os+delta, out.String())
		}
		delta += nc - oc
	}
}

// TestDiffFileNames: a file name with a space, a tab, a quote or a backslash is written
// as git diff writes it (git's diff.c: a name that needs it C-quoted, "a/x\ty", and a tab
// after a name with a space), so that git apply and patch find the file: a bare
// "--- a/my dir/x.conf" ends the name at the space for patch, and a tab in it ends it
// for both.
func TestDiffFileNames(t *testing.T) {
	for name, want := range map[string]string{
		"nginx.conf":        "--- a/nginx.conf\n+++ b/nginx.conf\n",
		"my dir/wéb x.conf": "--- a/my dir/wéb x.conf\t\n+++ b/my dir/wéb x.conf\t\n",
		"tab\tx.conf":       "--- \"a/tab\\tx.conf\"\n+++ \"b/tab\\tx.conf\"\n",
		`q"uo\te d.conf`:    "--- \"a/q\\\"uo\\\\te d.conf\"\t\n+++ \"b/q\\\"uo\\\\te d.conf\"\t\n",
		"new\nline.conf":    "--- \"a/new\\nline.conf\"\n+++ \"b/new\\nline.conf\"\n",
	} {
		for _, edits := range [][]parsers.Edit{{{File: name, Start: 2, End: 4, New: "c\n"}}, nil} {
			var out strings.Builder
			c := lint.Change{Path: name, Before: []byte("a\nb\n"), After: []byte("a\nc\n"), Edits: edits}
			if err := WriteDiff(&out, []lint.Change{c}, false); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(out.String(), want) {
				t.Errorf("%q (edits %v):\n%s\nwant the header\n%s", name, edits != nil, out.String(), want)
			}
		}
	}
	git, err := exec.LookPath("git")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("git is not installed (CI=true: .ci/run installs it); git apply must accept the diff")
		}
		t.Skip("git is not installed; the headers are checked above")
	}
	dir := t.TempDir()
	names := []string{"my dir/wéb x.conf", "tab\tx.conf", `q"uo\te d.conf`, "plain.conf"}
	var changes []lint.Change
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("a\nb\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		changes = append(changes, lint.Change{Path: n, Before: []byte("a\nb\n"), Edits: []parsers.Edit{{File: n, Start: 2, End: 4, New: "c\n"}}})
	}
	var diff strings.Builder
	if err := WriteDiff(&diff, changes, false); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(git, "apply", "--unsafe-paths", "-")
	cmd.Dir, cmd.Stdin = dir, strings.NewReader(diff.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git apply: %v\n%s\n%s", err, out, diff.String())
	}
	for _, n := range names {
		if got, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n))); string(got) != "a\nc\n" {
			t.Errorf("%q after git apply: %q", n, got)
		}
	}
	if patch, err := exec.LookPath("patch"); err == nil {
		cmd := exec.Command(patch, "-p1", "-R")
		cmd.Dir, cmd.Stdin = dir, strings.NewReader(diff.String())
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("patch -R: %v\n%s", err, out)
		}
		for _, n := range names {
			if got, _ := os.ReadFile(filepath.Join(dir, filepath.FromSlash(n))); string(got) != "a\nb\n" {
				t.Errorf("%q after patch -R: %q", n, got)
			}
		}
	}
}
