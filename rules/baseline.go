package rules

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/no502/no502/parsers"
)

// A baseline records the findings a project accepts today, so that CI fails only on new
// ones (`no502 lint --write-baseline F`, then `--baseline F`). Findings are matched by
// fingerprint, not by line number, so that an edit elsewhere in the file that shifts
// lines does not turn old findings into new ones. The SARIF output's partialFingerprints
// use the same function.

// BaselineVersion is the version of the baseline file format.
const BaselineVersion = 1

// Fingerprint identifies a finding by its rule, its file (as the caller names it, with
// forward slashes) and the text of the offending line with its blanks collapsed: stable
// when lines move, changed when the line itself changes.
func Fingerprint(rule, file, lineText string) string {
	h := sha256.Sum256([]byte(rule + "\x00" + file + "\x00" + NormaliseLine(lineText)))
	return hex.EncodeToString(h[:8])
}

// NormaliseLine trims a line and collapses each run of blanks to one space, so that
// re-indenting a block does not change its findings' fingerprints.
func NormaliseLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// LineTexts returns the source line each finding points at ("" when unknown), indexing
// each file's lines once: a big file with thousands of findings is not rescanned for each.
func LineTexts(m *parsers.Model, fs []Finding) []string {
	out := make([]string, len(fs))
	index := map[string][]int{}
	for i, f := range fs {
		file := m.File(f.Pos.File)
		if file == nil || f.Pos.Line < 1 {
			continue
		}
		starts, ok := index[file.Path]
		if !ok {
			starts = []int{0}
			for j, c := range file.Src {
				if c == '\n' {
					starts = append(starts, j+1)
				}
			}
			index[file.Path] = starts
		}
		if int(f.Pos.Line) > len(starts) {
			continue
		}
		start, end := starts[f.Pos.Line-1], len(file.Src)
		if int(f.Pos.Line) < len(starts) {
			end = starts[f.Pos.Line] - 1
		}
		out[i] = string(bytes.TrimRight(file.Src[start:end], "\r"))
	}
	return out
}

// Baseline is the .no502-baseline.json file.
type Baseline struct {
	Version  int             `json:"version"`
	Tool     string          `json:"tool"`
	Findings []BaselineEntry `json:"findings"`
}

// BaselineEntry is one accepted finding, or several identical ones (Count).
type BaselineEntry struct {
	Rule        string `json:"rule"`
	File        string `json:"file"`
	Text        string `json:"text"` // the offending line, normalised: for people reading the file
	Fingerprint string `json:"fingerprint"`
	Count       int    `json:"count"`
}

// BaselineKey is what a finding is matched on: its rule, file and fingerprint.
type BaselineKey struct {
	Rule, File, Text string
}

// NewBaseline records findings, given each one's key (same order). Entries are sorted so
// that rewriting the baseline gives a small diff.
func NewBaseline(keys []BaselineKey) *Baseline {
	counts := map[BaselineKey]int{}
	for _, k := range keys {
		k.Text = NormaliseLine(k.Text)
		counts[k]++
	}
	b := &Baseline{Version: BaselineVersion, Tool: "no502", Findings: []BaselineEntry{}}
	for k, n := range counts {
		b.Findings = append(b.Findings, BaselineEntry{Rule: k.Rule, File: k.File, Text: k.Text,
			Fingerprint: Fingerprint(k.Rule, k.File, k.Text), Count: n})
	}
	sort.Slice(b.Findings, func(i, j int) bool {
		a, c := b.Findings[i], b.Findings[j]
		if a.File != c.File {
			return a.File < c.File
		}
		if a.Rule != c.Rule {
			return a.Rule < c.Rule
		}
		return a.Fingerprint < c.Fingerprint
	})
	return b
}

// Write writes the baseline as indented JSON.
func (b *Baseline) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}

// ReadBaseline parses a baseline file.
func ReadBaseline(r io.Reader) (*Baseline, error) {
	var b Baseline
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("not a no502 baseline: %v", err)
	}
	if b.Version != BaselineVersion {
		return nil, fmt.Errorf("baseline version %d, this no502 reads version %d (rewrite it with --write-baseline)", b.Version, BaselineVersion)
	}
	return &b, nil
}

// Filter returns the findings that are not in the baseline (keys[i] is fs[i]'s key) and
// how many were. Each entry absorbs at most Count findings, so a second copy of an
// accepted mistake is new.
func (b *Baseline) Filter(fs []Finding, keys []BaselineKey) (fresh []Finding, known int) {
	left := map[string]int{}
	for _, e := range b.Findings {
		left[e.Fingerprint] += e.Count
	}
	for i, f := range fs {
		fp := Fingerprint(keys[i].Rule, keys[i].File, keys[i].Text)
		if left[fp] > 0 {
			left[fp]--
			known++
			continue
		}
		fresh = append(fresh, f)
	}
	return fresh, known
}
