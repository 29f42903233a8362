package output

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/parsers"
)

// Every fixable testdata case: the edits a fix run reports (Change.Edits), the unified
// diff written from them and the JSON edits each turn the files as read into the files
// --fix writes.
func TestDiffOfFixRuns(t *testing.T) {
	var dirs []string
	filepath.WalkDir("../../rules/testdata", func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	dirs = append(dirs, "../../testdata/demo", "../../cmd/no502/testdata/fix")
	files := 0
	for _, dir := range dirs {
		abs, _ := filepath.Abs(dir)
		fr, err := lint.Fix(context.Background(), nil, lint.Options{Cwd: abs, UnsafeFixes: true})
		if err != nil {
			continue
		}
		changes := fr.Changes()
		for _, c := range changes {
			files++
			if got := parsers.ApplyEdits(c.Before, c.Edits); !bytes.Equal(got, c.After) {
				t.Errorf("%s/%s: the reported edits give other text than --fix writes", dir, c.Path)
			}
			var diff strings.Builder
			if err := WriteDiff(&diff, []lint.Change{c}, false); err != nil {
				t.Fatal(err)
			}
			if got, err := applyUnified(diff.String(), string(c.Before)); err != nil || got != string(c.After) {
				t.Errorf("%s/%s: the diff does not give what --fix writes (%v):\n%s", dir, c.Path, err, diff.String())
			}
		}
		var out bytes.Buffer
		if err := WriteDiffJSON(&out, changes); err != nil {
			t.Fatal(err)
		}
		if want := referenceDiffJSON(t, changes); out.String() != want {
			t.Errorf("%s: the JSON diff is not what encoding/json writes:\n%s\nwant:\n%s", dir, out.String(), want)
		}
		var doc jsonDiff
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		for i, f := range doc.Files {
			var edits []parsers.Edit
			before := string(changes[i].Before)
			for _, e := range f.Edits {
				edits = append(edits, parsers.Edit{Start: e.StartOffset, End: e.EndOffset, New: e.NewText})
				l, c := lineCol(before, e.StartOffset)
				el, ec := lineCol(before, e.EndOffset)
				if l != e.Line || c != e.Column || el != e.EndLine || ec != e.EndColumn {
					t.Errorf("%s/%s: edit at %d:%d-%d:%d, its offsets are at %d:%d-%d:%d", dir, f.File, e.Line, e.Column, e.EndLine, e.EndColumn, l, c, el, ec)
				}
			}
			if got := parsers.ApplyEdits(changes[i].Before, edits); !bytes.Equal(got, changes[i].After) {
				t.Errorf("%s/%s: the JSON edits give other text than --fix writes", dir, f.File)
			}
		}
	}
	if files < 100 {
		t.Fatalf("only %d fixed files: the test lost its inputs", files)
	}
	t.Logf("%d fixed files", files)
}

// lineCol is the 1-based line and character column of a byte offset in s, counted from
// the start (the reference lineCounter is held to).
func lineCol(s string, off int) (int, int) {
	off = min(off, len(s))
	start := strings.LastIndexByte(s[:off], '\n') + 1
	return strings.Count(s[:off], "\n") + 1, utf8.RuneCountInString(s[start:off]) + 1
}

// referenceDiffJSON writes the JSON diff of changes with encoding/json, indented.
func referenceDiffJSON(t *testing.T, changes []lint.Change) string {
	doc := jsonDiff{Version: 1, Files: []jsonDiffFile{}}
	for _, c := range changes {
		before := string(c.Before)
		f := jsonDiffFile{File: filepath.ToSlash(c.Path), Edits: []jsonEdit{}}
		for _, e := range lineEdits(before, c.Edits) {
			l, col := lineCol(before, e.Start)
			el, ec := lineCol(before, e.End)
			f.Edits = append(f.Edits, jsonEdit{Line: l, Column: col, EndLine: el, EndColumn: ec, StartOffset: e.Start, EndOffset: e.End, NewText: e.New})
		}
		doc.Files = append(doc.Files, f)
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestDiffJSONEmpty: no change is an empty list of files, as encoding/json writes it.
func TestDiffJSONEmpty(t *testing.T) {
	var out bytes.Buffer
	if err := WriteDiffJSON(&out, nil); err != nil {
		t.Fatal(err)
	}
	if want := referenceDiffJSON(t, nil); out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	changes := []lint.Change{{Path: "a<b>&.conf", Before: []byte("a\n"), After: []byte("a\n<b>\n"), Edits: []parsers.Edit{{Start: 2, End: 2, New: "<b>\n"}}}}
	out.Reset()
	if err := WriteDiffJSON(&out, changes); err != nil {
		t.Fatal(err)
	}
	if want := referenceDiffJSON(t, changes); out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}
