package output

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/no502/no502/parsers"
)

// The diff written from a fix run's own edits: applied (by applyUnified, which checks
// every context and removed line, and the JSON edits by parsers.ApplyEdits) it gives the fixed text, and it is the diff
// go-udiff writes for the same edits, byte for byte, but for a hunk with no line on one
// side (go-udiff writes "-N" there, which diff -u reads as one line; diff -u writes
// "-N-1,0").
func TestUnifiedFromEdits(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	words := []string{"a", "b", "server {", "}", "  proxy_read_timeout 60s;", ""}
	text := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(words[rng.Intn(len(words))])
			if i < n-1 || rng.Intn(4) > 0 {
				b.WriteByte('\n')
			}
		}
		return b.String()
	}
	same, zero, joined := 0, 0, 0
	for run := 0; run < 5000; run++ {
		before := text(rng.Intn(30))
		var edits []parsers.Edit
		for k := rng.Intn(6); k > 0; k-- {
			a, b := rng.Intn(len(before)+1), rng.Intn(len(before)+1)
			if a > b {
				a, b = b, a
			}
			if rng.Intn(2) == 0 {
				b = a
			}
			edits = append(edits, parsers.Edit{Start: a, End: b, New: text(rng.Intn(3))})
		}
		edits = parsers.Applied([]byte(before), edits)
		var kept []parsers.Edit
		for _, e := range edits {
			if e.Start != e.End || e.New != "" {
				kept = append(kept, e)
			}
		}
		if len(kept) == 0 {
			continue
		}
		after := string(parsers.ApplyEdits([]byte(before), kept))
		lines := lineEdits(before, kept)
		if got := string(parsers.ApplyEdits([]byte(before), lines)); got != after {
			t.Fatalf("run %d: whole-line edits give %q, want %q", run, got, after)
		}
		for _, e := range lines {
			if e.Start > 0 && before[e.Start-1] != '\n' || e.End < len(before) && e.End > 0 && before[e.End-1] != '\n' {
				t.Fatalf("run %d: %v is not whole lines of %q", run, e, before)
			}
		}
		ours := unifiedDiff("a/f", "b/f", before, lines, 3)
		if ours == "" {
			if after != before {
				t.Fatalf("run %d: no diff for a change", run)
			}
			continue
		}
		if got, err := applyUnified(ours, before); err != nil || got != after {
			t.Fatalf("run %d: the diff does not apply (%v):\n%s\ngives %q, want %q", run, err, ours, got, after)
		}
		var theirs []udiff.Edit
		for _, e := range kept {
			theirs = append(theirs, udiff.Edit{Start: e.Start, End: e.End, New: e.New})
		}
		want, err := udiff.ToUnified("a/f", "b/f", before, theirs, 3)
		if err != nil {
			t.Fatal(err)
		}
		if ours != want {
			if strings.Contains(ours, ",0 ") || strings.Contains(ours, ",0\n") {
				zero++
				continue
			}
			if len(lines) != len(kept) {
				// Two edits on one line (an insertion where a replacement starts):
				// go-udiff prints them unjoined, the added lines before the removed.
				joined++
				continue
			}
			t.Fatalf("run %d: the diff differs from go-udiff's for the same edits:\n%s\ngo-udiff:\n%s", run, ours, want)
		}
		same++
	}
	if same < 2000 {
		t.Fatalf("only %d diffs compared (%d with an empty side, %d with edits joined)", same, zero, joined)
	}
	t.Logf("%d diffs the same as go-udiff's, %d with an empty side, %d with edits joined", same, zero, joined)
}

// applyUnified applies a unified diff of one file to before, as patch does without fuzz:
// every context and removed line must be there, where the hunk header says.
func applyUnified(diff, before string) (string, error) {
	old := splitLines(before)
	var out []string
	next := 0 // the next line of old not yet copied
	lines := splitLines(diff)
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(l, "--- ") || strings.HasPrefix(l, "+++ ") {
			continue
		}
		var from, fromCount, to, toCount int
		if !strings.HasPrefix(l, "@@ ") {
			return "", fmt.Errorf("line %d: want a hunk header, got %q", i+1, l)
		}
		if err := parseRange(strings.Fields(l)[1], &from, &fromCount); err != nil {
			return "", err
		}
		if err := parseRange(strings.Fields(l)[2], &to, &toCount); err != nil {
			return "", err
		}
		start := from - 1
		if fromCount == 0 {
			start = from // diff -u names the line before an empty range
		}
		if start < next || start > len(old) {
			return "", fmt.Errorf("%s: starts at line %d, after line %d", l, start+1, next)
		}
		out = append(out, old[next:start]...)
		if len(out) != to-1 && !(toCount == 0 && len(out) == to) {
			return "", fmt.Errorf("%s: the new text is at line %d there", l, len(out)+1)
		}
		next = start
		seenFrom, seenTo := 0, 0
		for i+1 < len(lines) && seenFrom+seenTo < fromCount+toCount && !strings.HasPrefix(lines[i+1], "@@ ") {
			i++
			l := lines[i]
			text := l[1:]
			if i+1 < len(lines) && lines[i+1] == "\\ No newline at end of file\n" {
				text = strings.TrimSuffix(text, "\n")
				i++
			}
			switch l[0] {
			case ' ', '-':
				if next >= len(old) || old[next] != text {
					return "", fmt.Errorf("line %d of the old text is not %q", next+1, text)
				}
				next++
				seenFrom++
				if l[0] == ' ' {
					out = append(out, text)
					seenTo++
				}
			case '+':
				out = append(out, text)
				seenTo++
			default:
				return "", fmt.Errorf("a hunk line %q", l)
			}
		}
		if seenFrom != fromCount || seenTo != toCount {
			return "", fmt.Errorf("a hunk of %d/%d lines has %d/%d", fromCount, toCount, seenFrom, seenTo)
		}
	}
	out = append(out, old[next:]...)
	return strings.Join(out, ""), nil
}

func parseRange(s string, start, count *int) error {
	s = s[1:]
	*count = 1
	if a, b, ok := strings.Cut(s, ","); ok {
		s = a
		n, err := strconv.Atoi(b)
		if err != nil {
			return err
		}
		*count = n
	}
	n, err := strconv.Atoi(s)
	*start = n
	return err
}

// FuzzUnifiedFromEdits: for any text and edits, the whole-line edits and the unified diff
// written from them turn the text into what the edits give.
func FuzzUnifiedFromEdits(f *testing.F) {
	f.Add("a\nb\nc\n", []byte{1, 2, 3, 4, 5, 6})
	f.Add("server {\n  listen 80;\n}", []byte{9, 0, 0, 200, 7})
	f.Add("", []byte{0, 0, 1})
	f.Fuzz(func(t *testing.T, before string, ops []byte) {
		if len(before) > 4096 || len(ops) > 64 {
			return
		}
		// Each edit takes three bytes: where it starts, how far it reaches, what it writes.
		var edits []parsers.Edit
		texts := []string{"", "x", "\n", "y\n", "z\nw", "}\n"}
		for i := 0; i+2 < len(ops); i += 3 {
			start := int(ops[i]) * (len(before) + 1) / 256
			end := min(start+int(ops[i+1])%8, len(before))
			edits = append(edits, parsers.Edit{Start: start, End: end, New: texts[int(ops[i+2])%len(texts)]})
		}
		edits = parsers.Applied([]byte(before), edits)
		var kept []parsers.Edit
		for _, e := range edits {
			if e.Start != e.End || e.New != "" {
				kept = append(kept, e)
			}
		}
		after := string(parsers.ApplyEdits([]byte(before), kept))
		lines := lineEdits(before, kept)
		if got := string(parsers.ApplyEdits([]byte(before), lines)); got != after {
			t.Fatalf("whole-line edits give %q, want %q", got, after)
		}
		diff := unifiedDiff("a/f", "b/f", before, lines, 3)
		if diff == "" {
			if len(lines) > 0 {
				t.Fatalf("no diff for %v", lines)
			}
			return
		}
		if got, err := applyUnified(diff, before); err != nil || got != after {
			t.Fatalf("the diff does not apply (%v):\n%s\ngives %q, want %q", err, diff, got, after)
		}
	})
}
