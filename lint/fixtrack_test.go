package lint

import (
	"math/rand"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/no502/no502/parsers"
)

// The log's edits applied to the original give what the rounds' edits gave, over rounds
// of random edits that cut, replace and delete earlier insertions too; they never cut a
// character and never overlap.
func TestEditLogComposesRounds(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []string{"a", "b", "\n", "{", "}", ";", "é", "ü"}
	word := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		return b.String()
	}
	for run := 0; run < 3000; run++ {
		orig := []byte(word(rng.Intn(40)))
		log := newEditLog(len(orig))
		cur := orig
		for round := 0; round < 1+rng.Intn(4); round++ {
			var edits []parsers.Edit
			for k := rng.Intn(5); k > 0; k-- {
				a, b := runeStart(cur, rng.Intn(len(cur)+1)), runeStart(cur, rng.Intn(len(cur)+1))
				if a > b {
					a, b = b, a
				}
				if rng.Intn(3) == 0 {
					b = a // an insertion
				}
				edits = append(edits, parsers.Edit{Start: a, End: b, New: word(rng.Intn(6))})
			}
			applied := parsers.Applied(cur, edits)
			cur = parsers.ApplyEdits(cur, edits)
			log.apply(applied)
		}
		composed := log.edits(orig)
		if got := parsers.ApplyEdits(orig, composed); string(got) != string(cur) {
			t.Fatalf("run %d: %q with %v gives %q, want %q", run, orig, composed, got, cur)
		}
		for i, e := range composed {
			if e.Start == e.End && e.New == "" {
				t.Fatalf("run %d: an empty edit %v", run, e)
			}
			if e.Start < len(orig) && !utf8.RuneStart(orig[e.Start]) || e.End < len(orig) && !utf8.RuneStart(orig[e.End]) {
				t.Fatalf("run %d: %v cuts a character of %q", run, e, orig)
			}
			if i > 0 && e.Start < composed[i-1].End {
				t.Fatalf("run %d: edits out of order: %v", run, composed)
			}
		}
	}
}

// runeStart moves off back to the start of the character it is in.
func runeStart(b []byte, off int) int {
	for off > 0 && off < len(b) && !utf8.RuneStart(b[off]) {
		off--
	}
	return off
}

// FuzzEditLog: rounds of edits recorded in the log compose into edits of the original
// that give the same text, in order, without cutting a character.
func FuzzEditLog(f *testing.F) {
	f.Add("a\nb\n{}\n", []byte{1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add("é\nü\n", []byte{200, 1, 2, 0, 3, 4})
	f.Fuzz(func(t *testing.T, orig string, ops []byte) {
		if len(orig) > 4096 || len(ops) > 90 || !utf8.ValidString(orig) {
			return // the parsers reject files that are not UTF-8
		}
		texts := []string{"", "x", "\n", "é", "ab\n", orig[:min(3, len(orig))]}
		log := newEditLog(len(orig))
		cur := []byte(orig)
		// Three rounds of up to five edits; each edit takes three bytes.
		for round := 0; round < 3; round++ {
			var edits []parsers.Edit
			for i := round * 15; i+2 < len(ops) && i < (round+1)*15; i += 3 {
				start := runeStart(cur, int(ops[i])*(len(cur)+1)/256)
				end := runeStart(cur, min(start+int(ops[i+1])%6, len(cur)))
				if end < start {
					end = start
				}
				edits = append(edits, parsers.Edit{Start: start, End: end, New: texts[int(ops[i+2])%len(texts)]})
			}
			applied := parsers.Applied(cur, edits)
			cur = parsers.ApplyEdits(cur, applied)
			log.apply(applied)
		}
		composed := log.edits([]byte(orig))
		if got := parsers.ApplyEdits([]byte(orig), composed); string(got) != string(cur) {
			t.Fatalf("%q with %v gives %q, want %q", orig, composed, got, cur)
		}
		for i, e := range composed {
			if e.Start == e.End && e.New == "" || i > 0 && e.Start < composed[i-1].End {
				t.Fatalf("edits %v", composed)
			}
			if e.Start < len(orig) && !utf8.RuneStart(orig[e.Start]) || e.End < len(orig) && !utf8.RuneStart(orig[e.End]) {
				t.Fatalf("%v cuts a character of %q", e, orig)
			}
		}
	})
}
