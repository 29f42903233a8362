// Package baseline records the findings a project accepts today, so that CI fails only on
// new ones (`no502 lint --write-baseline F`, then `--baseline F`).
package baseline

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// Findings are matched by
// fingerprint, not by line number, so that an edit elsewhere in the file that shifts
// lines does not turn old findings into new ones. The SARIF output's partialFingerprints
// use the same function.

// Version is the version of the baseline file format.
const Version = 1

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
func LineTexts(m *parsers.Model, fs []rules.Finding) []string {
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
	Version  int     `json:"version"`
	Tool     string  `json:"tool"`
	Findings []Entry `json:"findings"`
}

// Entry is one accepted finding, or several identical ones (Count).
type Entry struct {
	Rule        string `json:"rule"`
	File        string `json:"file"`
	Text        string `json:"text"` // the offending line, normalised: for people reading the file
	Fingerprint string `json:"fingerprint"`
	Count       int    `json:"count"`
}

// Key is what a finding is matched on: its rule, file and fingerprint.
type Key struct {
	Rule, File, Text string
}

// New records findings, given each one's key (same order). Entries are sorted so
// that rewriting the baseline gives a small diff.
func New(keys []Key) *Baseline {
	counts := map[Key]int{}
	for _, k := range keys {
		k.Text = NormaliseLine(k.Text)
		counts[k]++
	}
	b := &Baseline{Version: Version, Tool: "no502", Findings: []Entry{}}
	for k, n := range counts {
		b.Findings = append(b.Findings, Entry{Rule: k.Rule, File: k.File, Text: k.Text,
			Fingerprint: Fingerprint(k.Rule, k.File, k.Text), Count: n})
	}
	sortEntries(b.Findings)
	return b
}

func sortEntries(es []Entry) {
	sort.Slice(es, func(i, j int) bool {
		a, c := es[i], es[j]
		if a.File != c.File {
			return a.File < c.File
		}
		if a.Rule != c.Rule {
			return a.Rule < c.Rule
		}
		return a.Fingerprint < c.Fingerprint
	})
}

// Write writes the baseline as indented JSON.
func (b *Baseline) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}

// Read parses a baseline file.
func Read(r io.Reader) (*Baseline, error) {
	var b Baseline
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("not a no502 baseline: %v", err)
	}
	if b.Version != Version {
		return nil, fmt.Errorf("baseline version %d, this no502 reads version %d (rewrite it with --write-baseline)", b.Version, Version)
	}
	return &b, nil
}

// Filter returns the findings that are not in the baseline (keys[i] is fs[i]'s key) and
// how many were. Each entry absorbs at most Count findings, so a second copy of an
// accepted mistake is new.
func (b *Baseline) Filter(fs []rules.Finding, keys []Key) (fresh []rules.Finding, known int) {
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

// Baselines name files relative to the baseline file's own directory, so the same
// baseline works whether no502 runs from the repository root or from a subdirectory.

// Keys returns each finding's key for the baseline file at path (relative to cwd).
func Keys(m *parsers.Model, fs []rules.Finding, path, cwd string) []Key {
	texts := LineTexts(m, fs)
	keys := make([]Key, len(fs))
	for i, f := range fs {
		keys[i] = Key{Rule: f.Rule.ID, File: EntryFile(f.Pos.File, path, cwd), Text: texts[i]}
	}
	return keys
}

// EntryFile is how the baseline file at path (relative to cwd) names file (as shown,
// relative to cwd): relative to the baseline's directory, with slashes.
func EntryFile(file, path, cwd string) string {
	if rel, err := filepath.Rel(filepath.Dir(absPath(path, cwd)), absPath(file, cwd)); err == nil {
		return filepath.ToSlash(rel)
	}
	return file
}

func absPath(p, cwd string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(cwd, filepath.FromSlash(p))
}

// ReadFile reads a baseline file.
func ReadFile(path string) (*Baseline, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f)
}

// WriteFile records keys in the baseline file path and returns the baseline. The
// entries of the baseline already there that keep says the run did not judge (another
// file, a rule that did not run), and whose file still exists, are kept: a run over some
// files (named ones, a subdirectory) or some rules (--select) rewrites their entries,
// not the others'.
func WriteFile(path string, keys []Key, keep func(e Entry) bool) (*Baseline, error) {
	b := New(keys)
	if old, err := ReadFile(path); err == nil && keep != nil {
		dir := filepath.Dir(path)
		n := len(b.Findings)
		for _, e := range old.Findings {
			if !keep(e) {
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(e.File))); err != nil {
				continue
			}
			b.Findings = append(b.Findings, e)
		}
		if len(b.Findings) > n {
			sortEntries(b.Findings)
		}
	}
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return nil, err
	}
	return b, nil
}
