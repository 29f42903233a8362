package lint

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/no502/no502/parsers"
)

// maxFixRounds bounds the lint-fix-lint loop. A round applies every fix that does not
// overlap one already taken; the next round picks up the ones that did (and any finding
// a fix uncovered). A fix that does not clear its finding would loop forever without it.
const maxFixRounds = 10

// FixResult is the outcome of Fix: the sources before and after, and the result of
// linting the fixed sources.
type FixResult struct {
	orig, fixed map[string][]byte // by absolute path: only files some fix changed
	display     map[string]string // absolute path → path as shown
	fixes       int               // findings whose edits were applied
	aliases     map[string]string // absolute path of a second path to a file → the one fixed
	outside     map[string]bool   // display paths not written: links that lead out of the roots
	top         parsers.Severity  // the highest severity of the findings applied
	// Final is the lint of the fixed sources: what is left to report.
	Final *Result
}

// Fix lints paths, applies the edits of the reported findings, and lints the result
// again in memory, until a round changes nothing. Nothing is written: Write saves the
// changes, Changes lists them (for a diff). opts.WriteBaseline is not honoured (fix
// first, then record what is left); edits are always resolved.
func Fix(ctx context.Context, paths []string, opts Options) (*FixResult, error) {
	opts.ResolveEdits, opts.WriteBaseline = true, ""
	r, err := newRunner(paths, opts)
	if err != nil {
		return nil, err
	}
	cwd := r.opts.Cwd
	fr := &FixResult{orig: map[string][]byte{}, fixed: map[string][]byte{}, display: map[string]string{}, outside: map[string]bool{}, aliases: map[string]string{}}
	for round := 0; ; round++ {
		var overlay map[string][]byte
		if len(fr.fixed) > 0 {
			overlay = map[string][]byte{}
			for abs, src := range fr.fixed {
				overlay[abs] = src
			}
			// A file reached by a second path (a link) reads as fixed there too.
			for alias, abs := range fr.aliases {
				if src, ok := fr.fixed[abs]; ok {
					overlay[alias] = src
				}
			}
		}
		rep, err := r.run(ctx, overlay)
		if err != nil {
			return nil, err
		}
		fr.Final = rep
		if round == maxFixRounds {
			// A fix that does not clear its finding, applied again each round: writing
			// ten copies of it would be worse than writing nothing.
			return nil, fmt.Errorf("the fixes did not settle after %d rounds (a fix that does not clear its finding): nothing written; please report it with the files", maxFixRounds)
		}
		changed := fr.applyRound(rep, cwd)
		if changed == 0 {
			return fr, nil
		}
	}
}

// applyRound applies, file by file, the edits of every fixable finding of rep that do not
// conflict with those of a finding taken before it, and returns how many findings it
// applied. A finding's edits go in together or not at all.
func (fr *FixResult) applyRound(rep *Result, cwd string) int {
	writable, outside := writableFiles(rep, cwd, fr.aliases)
	taken := map[string]*editSet{} // absolute path → edits accepted this round
	applied := 0
	top := parsers.Off
findings:
	for _, f := range rep.Findings {
		if f.Fix == nil || len(f.Fix.Edits) == 0 || selfOverlapping(f.Fix.Edits) {
			continue
		}
		for _, e := range f.Fix.Edits {
			abs, ok := writable[e.File]
			if !ok {
				if outside[e.File] {
					fr.outside[e.File] = true
				}
				continue findings // an edit outside the files no502 may write
			}
			if taken[abs].conflicts(e) {
				continue findings // the next round, against the fixed source
			}
		}
		for _, e := range f.Fix.Edits {
			abs := writable[e.File]
			if taken[abs] == nil {
				taken[abs] = &editSet{}
			}
			taken[abs].add(e)
		}
		applied++
		top = max(top, f.Severity)
	}
	changed := 0
	for abs, set := range taken {
		src := fr.source(rep, abs, cwd)
		out := parsers.ApplyEdits(src, withLineEndings(src, set.edits))
		if string(out) == string(src) {
			continue
		}
		if _, ok := fr.orig[abs]; !ok {
			fr.orig[abs] = src
			fr.display[abs] = displayPath(cwd, abs)
		}
		fr.fixed[abs] = out
		changed++
	}
	if changed == 0 {
		return 0
	}
	fr.fixes += applied
	fr.top = max(fr.top, top)
	return applied
}

// FixedSeverity is the highest severity among the findings whose fixes Changes holds
// (Off when there are none): `lint --diff` fails only when it reaches --fail-on.
func (fr *FixResult) FixedSeverity() parsers.Severity { return fr.top }

// source returns the current text of a file: the fixed one, else what the lint read.
func (fr *FixResult) source(rep *Result, abs, cwd string) []byte {
	if src, ok := fr.fixed[abs]; ok {
		return src
	}
	for _, f := range rep.Model.Files {
		if f.Host == "" && absPath(f.Path, cwd) == abs {
			return f.Src
		}
	}
	return nil
}

// withLineEndings writes the new lines of edits with the file's own line ending: a file
// whose lines all end in CRLF gets CRLF in what a fix inserts (the rules write "\n").
func withLineEndings(src []byte, edits []parsers.Edit) []parsers.Edit {
	crlf := bytes.Count(src, []byte("\r\n"))
	if crlf == 0 || crlf != bytes.Count(src, []byte("\n")) {
		return edits
	}
	out := make([]parsers.Edit, len(edits))
	for i, e := range edits {
		e.New = strings.ReplaceAll(strings.ReplaceAll(e.New, "\r\n", "\n"), "\n", "\r\n")
		out[i] = e
	}
	return out
}

// selfOverlapping reports whether a finding's own edits overlap (one inside another):
// ApplyEdits would drop one of them, so the finding would be applied in part. Insertions
// at one offset, and an insertion where a replacement starts, are in order, not overlaps.
func selfOverlapping(edits []parsers.Edit) bool {
	byFile := map[string][]parsers.Edit{}
	for _, e := range edits {
		byFile[e.File] = append(byFile[e.File], e)
	}
	for _, es := range byFile {
		sort.SliceStable(es, func(i, j int) bool {
			if es[i].Start != es[j].Start {
				return es[i].Start < es[j].Start
			}
			return es[i].End < es[j].End
		})
		for i := 1; i < len(es); i++ {
			if es[i].Start < es[i-1].End {
				return true
			}
		}
	}
	return false
}

// conflict reports whether two edits touch the same bytes, or insert at the same offset
// (whose order would be a guess).
func conflict(a, b parsers.Edit) bool {
	return a.Start == b.Start || a.Start < b.End && b.Start < a.End
}

// editSet holds one file's accepted edits sorted by Start. Accepted edits never conflict,
// so their ranges are disjoint and ordered: an edit can only conflict with its neighbours
// in that order. (A file of 5,000 servers gets thousands of edits in one round; checking
// each against all was quadratic.)
type editSet struct{ edits []parsers.Edit }

func (s *editSet) conflicts(e parsers.Edit) bool {
	if s == nil {
		return false
	}
	i := sort.Search(len(s.edits), func(i int) bool { return s.edits[i].Start >= e.Start })
	return i < len(s.edits) && conflict(e, s.edits[i]) || i > 0 && conflict(e, s.edits[i-1])
}

// add inserts e after the edits that start where it does: one finding's inserts at one
// offset go in the order the rule gave them.
func (s *editSet) add(e parsers.Edit) {
	i := sort.Search(len(s.edits), func(i int) bool { return s.edits[i].Start > e.Start })
	s.edits = append(s.edits, parsers.Edit{})
	copy(s.edits[i+1:], s.edits[i:])
	s.edits[i] = e
}

// writableFiles maps the display path of each file a fix may change to its absolute path:
// the files the lint read from disk (not text embedded in another file, not standard
// input), and in named-file mode only the files named. A fix that edits anything else
// (.no502.yaml, a file read only for context) is not applied. A symbolic link is written
// through only when its target lies inside the linted directories (sites-enabled/x →
// ../sites-available/x); one that leads elsewhere is left alone and said on stderr.
func writableFiles(rep *Result, cwd string, aliases map[string]string) (writable map[string]string, outside map[string]bool) {
	var roots []string
	for _, r := range rep.Roots {
		if real, err := filepath.EvalSymlinks(r); err == nil {
			roots = append(roots, real)
		}
	}
	inside := parsers.Options{Roots: roots}
	writable, outside = map[string]string{}, map[string]bool{}
	// A file reached by two paths (itself and a link to it) is written through one only,
	// the first in file order: both carry the same findings and the same edits.
	seen := map[string]string{} // real path → absolute path written through
	for _, f := range rep.Model.Files {
		if f.Host != "" || strings.Contains(f.Path, "#") {
			continue
		}
		if rep.Explicit != nil && !rep.Explicit[f.Path] {
			continue
		}
		abs := absPath(f.Path, cwd)
		real, err := filepath.EvalSymlinks(abs)
		if err != nil || len(roots) > 0 && !inside.Within(real) {
			outside[f.Path] = true
			continue
		}
		if first, ok := seen[real]; ok {
			if first != abs {
				aliases[abs] = first
			}
			continue
		}
		seen[real] = abs
		writable[f.Path] = abs
	}
	return writable, outside
}

// Write saves every changed file in place, keeping its mode.
func (fr *FixResult) Write() error {
	for _, abs := range fr.paths() {
		file, err := os.OpenFile(abs, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return fmt.Errorf("--fix: %v", err)
		}
		_, err = file.Write(fr.fixed[abs])
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("--fix: writing %s: %v", fr.display[abs], err)
		}
	}
	return nil
}

// paths returns the changed files' absolute paths in the order of their display paths.
func (fr *FixResult) paths() []string {
	var ps []string
	for abs := range fr.fixed {
		ps = append(ps, abs)
	}
	sort.Slice(ps, func(i, j int) bool { return fr.show(ps[i]) < fr.show(ps[j]) })
	return ps
}

func (fr *FixResult) show(abs string) string {
	if d, ok := fr.display[abs]; ok {
		return d
	}
	return abs
}

// Summary says what was (or would be) fixed: "fixed 3 findings in 2 files: a.conf, b.tf",
// and which files were not touched because they link out of the linted directories.
func (fr *FixResult) Summary(verb string) string {
	msg := "nothing to fix"
	if len(fr.fixed) > 0 {
		var names []string
		for _, abs := range fr.paths() {
			names = append(names, fr.show(abs))
		}
		msg = fmt.Sprintf("%s %s in %s: %s", verb, plural(fr.fixes, "finding"), plural(len(fr.fixed), "file"), strings.Join(names, ", "))
	}
	if len(fr.outside) > 0 {
		var names []string
		for p := range fr.outside {
			names = append(names, p)
		}
		sort.Strings(names)
		msg += fmt.Sprintf("\nnot fixed: %s (outside the linted directories, or a link that leads there)", strings.Join(names, ", "))
	}
	return msg
}

// Change is one file a fix changed: its path as shown, and its text before and after.
type Change struct {
	Path          string
	Before, After []byte
}

// Changes lists the changed files in the order of their display paths.
func (fr *FixResult) Changes() []Change {
	var out []Change
	for _, abs := range fr.paths() {
		out = append(out, Change{Path: fr.show(abs), Before: fr.orig[abs], After: fr.fixed[abs]})
	}
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
