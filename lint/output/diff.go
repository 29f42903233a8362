package output

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/parsers"
)

// WriteDiff prints changes as a unified diff (git apply and patch take it). With colour,
// removed lines are red and added ones green, as git diff shows them on a terminal.
func WriteDiff(w io.Writer, changes []lint.Change, colored bool) error {
	p := newPalette(colored)
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, c := range changes {
		name := filepath.ToSlash(c.Path)
		from, to := diffName("a/"+name), diffName("b/"+name)
		var diff string
		if c.Edits != nil {
			before := string(c.Before) // once: a copy of a large file costs more than its diff
			diff = unifiedDiff(from, to, before, lineEdits(before, c.Edits), 3)
		} else {
			diff = udiff.Unified(from, to, string(c.Before), string(c.After))
		}
		if !colored {
			bw.WriteString(diff)
			continue
		}
		for _, line := range strings.SplitAfter(diff, "\n") {
			text := strings.TrimSuffix(line, "\n")
			switch {
			case strings.HasPrefix(line, "--- "), strings.HasPrefix(line, "+++ "):
				text = p.bold(text)
			case strings.HasPrefix(line, "@@"):
				text = p.info(text)
			case strings.HasPrefix(line, "-"):
				text = p.err(text)
			case strings.HasPrefix(line, "+"):
				text = p.green(text)
			}
			bw.WriteString(text)
			if strings.HasSuffix(line, "\n") {
				bw.WriteByte('\n')
			}
		}
	}
	return bw.Flush()
}

// diffName writes a file name for a "---" or "+++" line as git diff does (diff.c,
// quote_c_style and the tab after a name with a space), which git apply and GNU patch
// read back: a name holding a double quote, a backslash or a control character is
// C-quoted ("a/tab\tx.conf"), and a name holding a space ends with a tab, since patch
// otherwise ends the name at the space. Other bytes (UTF-8 included) stay as they are.
func diffName(name string) string {
	if strings.IndexFunc(name, func(r rune) bool { return r == '"' || r == '\\' || r < 0x20 || r == 0x7f }) >= 0 {
		var b strings.Builder
		b.WriteByte('"')
		for i := 0; i < len(name); i++ {
			switch c := name[i]; c {
			case '"', '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case '\t':
				b.WriteString(`\t`)
			case '\n':
				b.WriteString(`\n`)
			default:
				if c < 0x20 || c == 0x7f {
					fmt.Fprintf(&b, `\%03o`, c)
				} else {
					b.WriteByte(c)
				}
			}
		}
		b.WriteByte('"')
		name = b.String()
	}
	if strings.Contains(name, " ") {
		name += "\t"
	}
	return name
}

// The JSON form of `lint --diff --format json` (docs/json.md): the edits that turn each
// file's text into the fixed one, whole lines each, in file order. Offsets are bytes
// into the original text; lines and columns are 1-based, columns in characters (as in
// the findings), end exclusive. WriteDiffJSON writes it edit by edit; the tests read it
// back with these types.
type jsonDiff struct {
	Version int            `json:"version"`
	Files   []jsonDiffFile `json:"files"`
}

type jsonDiffFile struct {
	File  string     `json:"file"`
	Edits []jsonEdit `json:"edits"`
}

type jsonEdit struct {
	Line        int    `json:"line"`
	Column      int    `json:"column"`
	EndLine     int    `json:"end_line"`
	EndColumn   int    `json:"end_column"`
	StartOffset int    `json:"start_offset"`
	EndOffset   int    `json:"end_offset"`
	NewText     string `json:"new_text"`
}

// WriteDiffJSON prints changes as JSON edits per file, indented by two spaces as
// encoding/json's Encoder with SetIndent("", "  ") writes it. It is written edit by edit:
// the Encoder builds the whole document and then an indented copy of it, which for a
// diff of thousands of edits was most of the memory --diff used after the fixes.
func WriteDiffJSON(w io.Writer, changes []lint.Change) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("{\n  \"version\": 1,\n  \"files\": [")
	for i, c := range changes {
		if i > 0 {
			bw.WriteByte(',')
		}
		before := string(c.Before)
		var edits []parsers.Edit
		if c.Edits != nil {
			edits = lineEdits(before, c.Edits)
		} else {
			for _, e := range udiff.Lines(before, string(c.After)) {
				edits = append(edits, parsers.Edit{Start: e.Start, End: e.End, New: e.New})
			}
		}
		bw.WriteString("\n    {\n      \"file\": ")
		writeJSONString(bw, filepath.ToSlash(c.Path))
		bw.WriteString(",\n      \"edits\": [")
		lc := newLineCounter(before)
		for j, e := range edits {
			if j > 0 {
				bw.WriteByte(',')
			}
			l, col := lc.lineCol(e.Start)
			el, ec := lc.lineCol(e.End)
			bw.WriteString("\n        {")
			for k, f := range [...]struct {
				name string
				n    int
			}{{"line", l}, {"column", col}, {"end_line", el}, {"end_column", ec}, {"start_offset", e.Start}, {"end_offset", e.End}} {
				if k > 0 {
					bw.WriteByte(',')
				}
				bw.WriteString("\n          \"" + f.name + "\": " + strconv.Itoa(f.n))
			}
			bw.WriteString(",\n          \"new_text\": ")
			writeJSONString(bw, e.New)
			bw.WriteString("\n        }")
		}
		if len(edits) > 0 {
			bw.WriteString("\n      ")
		}
		bw.WriteString("]\n    }")
	}
	if len(changes) > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]\n}\n")
	return bw.Flush()
}

// writeJSONString writes s as encoding/json does (HTML characters escaped).
func writeJSONString(w *bufio.Writer, s string) {
	b, _ := json.Marshal(s)
	w.Write(b)
}
