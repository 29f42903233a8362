package output

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// fixContext is how many unchanged lines are shown around a fix's changed lines.
const fixContext = 2

// writeChangedLines prints a Kubernetes fix as the lines it changes, numbered, with a
// line of context each side, instead of its snippet. The snippet of a Kubernetes fix is
// a strategic merge patch: it repeats the object's header (apiVersion, kind, metadata)
// and every key down to the change, which the finding's own header line and excerpt
// already show. Every run resolves the edits (rules.ResolveEdits, in lint.Run);
// it reports false, and prints nothing, for a fix of any other format, one without
// edits, or one whose file is not in the model.
//
// When the edits are in another file than the finding (own), or in several, each file's
// lines are headed by its path.
func writeChangedLines(w io.Writer, m *parsers.Model, own string, fix *rules.Fix, pal palette) bool {
	if m == nil || len(fix.Edits) == 0 {
		return false
	}
	byFile := map[string][]parsers.Edit{}
	var files []string
	for _, e := range fix.Edits {
		f := m.File(e.File)
		if f == nil || f.Format != parsers.FormatK8s || e.Start < 0 || e.End > len(f.Src) || e.Start > e.End {
			return false
		}
		if _, ok := byFile[e.File]; !ok {
			files = append(files, e.File)
		}
		byFile[e.File] = append(byFile[e.File], e)
	}
	bar := pal.blue("|")
	for _, name := range files {
		// Diff only the lines around the edits (with the context), not the whole file:
		// a manifest of many documents has many findings, each with its own fix.
		src := m.File(name).Src
		edits := byFile[name]
		lo, hi := len(src), 0
		for _, e := range edits {
			lo, hi = min(lo, e.Start), max(hi, e.End)
		}
		first := bytes.Count(src[:lo], []byte{'\n'}) // 0-based line of lo
		start := lineStart(src, lo)
		for range fixContext {
			if start > 0 {
				start = lineStart(src, start-1)
				first--
			}
		}
		end := hi
		for range fixContext + 1 {
			if i := bytes.IndexByte(src[end:], '\n'); i >= 0 {
				end += i + 1
			} else {
				end = len(src)
			}
		}
		region := make([]parsers.Edit, len(edits))
		for i, e := range edits {
			e.Start, e.End = e.Start-start, e.End-start
			region[i] = e
		}
		before := string(src[start:end])
		after := string(parsers.ApplyEdits(src[start:end], region))
		if !strings.HasSuffix(before, "\n") {
			// The file's last line has no newline: compare lines, not that newline, or
			// the line would show as removed and added again unchanged.
			before += "\n"
			if !strings.HasSuffix(after, "\n") {
				after += "\n"
			}
		}
		diff, err := udiff.ToUnified("a", "b", before, udiff.Lines(before, after), fixContext)
		if err != nil || diff == "" {
			return false
		}
		hunks := parseHunks(diff)
		for i := range hunks {
			hunks[i].oldStart += first
		}
		if len(files) > 1 || name != own {
			fmt.Fprintf(w, "     %s %s\n", bar, pal.bold(name))
		}
		width := 1
		for _, h := range hunks {
			width = max(width, len(strconv.Itoa(h.end())))
		}
		for i, h := range hunks {
			if i > 0 {
				fmt.Fprintf(w, "     %s %s\n", bar, pal.dim(strings.Repeat(".", width)))
			}
			old := h.oldStart
			for _, ln := range h.lines {
				text := strings.TrimSuffix(ln[1:], "\r")
				switch ln[0] {
				case '-':
					fmt.Fprintf(w, "     %s %*d %s\n", bar, width, old, pal.err("-"+text))
					old++
				case '+':
					fmt.Fprintf(w, "     %s %*s %s\n", bar, width, "", pal.green("+"+text))
				default:
					fmt.Fprintf(w, "     %s %*d %s\n", bar, width, old, " "+text)
					old++
				}
			}
		}
	}
	return true
}

// lineStart is the offset of the start of the line holding off.
func lineStart(src []byte, off int) int {
	return bytes.LastIndexByte(src[:off], '\n') + 1
}

// hunk is one hunk of a unified diff: the first old line and the lines, each starting
// with ' ', '-' or '+'.
type hunk struct {
	oldStart int
	lines    []string
}

func (h hunk) end() int {
	n := h.oldStart
	for _, l := range h.lines {
		if l[0] != '+' {
			n++
		}
	}
	return n
}

// parseHunks reads the hunks of a unified diff made by udiff.ToUnified.
func parseHunks(diff string) []hunk {
	var out []hunk
	for _, line := range strings.Split(strings.TrimSuffix(diff, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, `\`): // "\ No newline at end of file"
		case strings.HasPrefix(line, "@@ -"):
			var h hunk
			fmt.Sscanf(line[len("@@ -"):], "%d", &h.oldStart)
			if h.oldStart == 0 {
				h.oldStart = 1 // an insertion into an empty file
			}
			out = append(out, h)
		case len(out) > 0 && line != "":
			out[len(out)-1].lines = append(out[len(out)-1].lines, line)
		case len(out) > 0:
			out[len(out)-1].lines = append(out[len(out)-1].lines, " ")
		}
		// Before the first hunk: the ---/+++ file header, skipped.
	}
	return out
}

// k8sSnippet drops the object header (apiVersion, kind, metadata) from the snippet of a
// Kubernetes fix that has no edits to show (one that needs a choice no502 cannot make):
// the finding's header line names the object already, and the keys left lead from the
// object's root to the change. Other snippets are returned as they are.
func k8sSnippet(m *parsers.Model, f rules.Finding) string {
	snippet := f.Fix.Snippet
	if m == nil || !strings.HasPrefix(snippet, "apiVersion:") {
		return snippet
	}
	if file := m.File(f.Pos.File); file == nil || file.Format != parsers.FormatK8s {
		return snippet
	}
	var b strings.Builder
	skip := false
	for _, line := range strings.SplitAfter(snippet, "\n") {
		if line == "" {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' && line[0] != '#' {
			key, _, _ := strings.Cut(line, ":")
			skip = key == "apiVersion" || key == "kind" || key == "metadata"
		}
		if !skip {
			b.WriteString(line)
		}
	}
	if strings.TrimSpace(b.String()) == "" {
		return snippet
	}
	return b.String()
}
