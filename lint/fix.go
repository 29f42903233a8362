package lint

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/rules"
)

// maxFixRounds bounds the lint-fix-lint loop. A round applies every fix that does not
// overlap one already taken; the next round picks up the ones that did (and any finding
// a fix uncovered).
const maxFixRounds = 10

// maxFixRestarts bounds how often Fix starts over from the files as read, without the
// fixes that did not settle.
const maxFixRestarts = 3

// FixResult is the outcome of Fix: the sources before and after, and the result of
// linting the fixed sources.
type FixResult struct {
	orig, fixed map[string][]byte   // by absolute path: only files some fix changed
	display     map[string]string   // absolute path → path as shown
	fixes       int                 // findings the applied edits fixed (Fix.Covers)
	rounds      int                 // rounds that changed files (each one linted again)
	aliases     map[string]string   // absolute path of a second path to a file → the one fixed
	outside     map[string]string   // display paths not written (links that lead out of the roots, files not named) → why
	named       map[string]bool     // the model fields the applied fixes name (Fix.Settings)
	writes      map[string]bool     // the settings the applied fixes write (Fix.Writes)
	logs        map[string]*editLog // by absolute path: the applied edits, as edits of orig
	changes     []Change            // Changes, once made
	top         parsers.Severity    // the highest severity of the findings applied
	// What the rounds look up again and again, kept for the run: each file's real path
	// (a symlink resolved), and the text of each file by absolute path in the last lint.
	real       map[string]realPath
	srcOf      map[string][]byte
	srcOfModel *parsers.Model
	// UnsafeLeft counts the findings of the last lint whose fix has edits but is unsafe,
	// in a run without --unsafe-fixes: what that flag would write too.
	UnsafeLeft int
	// Final is the lint of the fixed sources: what is left to report. A finding whose
	// fix was not written because it failed its check carries that fix as a snippet
	// saying why.
	Final *Result
}

// Fix lints paths, applies the edits of the reported findings, and lints the result
// again in memory, until a round changes nothing. Nothing is written: Write saves the
// changes, Changes lists them (for a diff). opts.WriteBaseline is not honoured (fix
// first, then record what is left); edits are always resolved.
//
// Every round is checked before it is kept (checkRound): the fixed files must parse as
// well as before, and the model of the fixed files may differ from the model before only
// in the settings the applied fixes name. A fix that fails is found (isolate), kept as a
// snippet saying why, and the round is made again without it; a fix that does not settle
// (its finding comes back, or the rounds run out) is dropped the same way and the run
// starts over without it. Only safe fixes are applied, and unsafe ones too with
// opts.UnsafeFixes.
func Fix(ctx context.Context, paths []string, opts Options) (*FixResult, error) {
	opts, runs, groups, err := splitByConfig(paths, opts)
	if err != nil {
		return nil, err
	}
	if len(runs) > 1 {
		return fixPerConfig(ctx, runs, groups)
	}
	r, err := newFixRunner(paths, opts)
	if err != nil {
		return nil, err
	}
	rejected := map[string]string{} // fix identity → why it is not written
	for restart := 0; restart <= maxFixRestarts; restart++ {
		fr, again, err := fixRounds(ctx, r, rejected)
		if err != nil {
			return nil, err
		}
		if !again {
			if r.resolveWhich != nil && !opts.DiffOnly {
				// The findings left are shown: their fixes carry their edits, as a
				// plain lint's do.
				r.edits.Resolve(fr.Final.Model, fr.Final.Findings)
				dropNoopEdits(fr.Final.Model, fr.Final.Findings)
				inLineEndings(fr.Final.Model, fr.Final.Findings)
				fr.UnsafeLeft = unsafeLeft(fr.Final.Findings, opts.UnsafeFixes) // resolved now
			}
			fr.markRejected(rejected)
			if len(fr.fixed) > 0 {
				// The models of the rounds before the last are garbage now, and the
				// caller writes a diff next: collected here, its memory is reused
				// instead of growing the heap past the rounds' peak (5,000 nginx
				// servers: 240 -> 202 MB peak RSS, docs/benchmarks.md).
				runtime.GC()
			}
			return fr, nil
		}
	}
	return nil, fmt.Errorf("the fixes did not settle after %d attempts: nothing written; please report it with the files", maxFixRestarts+1)
}

// newFixRunner is the runner of Fix's rounds.
func newFixRunner(paths []string, opts Options) (*runner, error) {
	opts.ResolveEdits, opts.WriteBaseline = true, ""
	r, err := newRunner(paths, opts)
	if err != nil {
		return nil, err
	}
	// The Terraform fixes' edits are worked out with the Kubernetes patches, after the
	// rules, for the fixes the rounds may write; the rounds write no unsafe fix without
	// UnsafeFixes, and theirs are resolved only if the final result is shown (Fix).
	r.edits.DeferTerraform = true
	r.parsed = &parsers.ParseCache{}
	if !opts.UnsafeFixes {
		r.resolveWhich = func(f *rules.Finding) bool { return f.Fix.Safety() != rules.FixUnsafe }
	}
	return r, nil
}

// candidate is a fix a round may apply: the finding that carries it and its identity,
// which stays the same from round to round while the fix is the same.
type candidate struct {
	id      string
	finding *rules.Finding
}

// fixID names a finding's fix across rounds: positions move as other fixes apply, the
// rule, file, description and corrected text do not.
func fixID(f *rules.Finding) string {
	return f.Rule.ID + "\x00" + f.Pos.File + "\x00" + f.Fix.Description + "\x00" + f.Fix.Snippet
}

// chainID names every fix of a rule in one file: the fixes that still go on after every
// round are dropped by it (their identity changes each round).
func chainID(f *rules.Finding) string {
	return "chain\x00" + f.Rule.ID + "\x00" + f.Pos.File
}

// rejectedWhy says why a finding's fix is not written, if it is rejected.
func rejectedWhy(rejected map[string]string, f *rules.Finding) (string, bool) {
	if why, ok := rejected[fixID(f)]; ok {
		return why, true
	}
	why, ok := rejected[chainID(f)]
	return why, ok
}

// fixRounds runs the rounds from the files as read. It returns again when a fix did not
// settle: it is in rejected now, and the run must start over without it.
func fixRounds(ctx context.Context, r *runner, rejected map[string]string) (fr *FixResult, again bool, err error) {
	fr = &FixResult{orig: map[string][]byte{}, fixed: map[string][]byte{}, logs: map[string]*editLog{}, display: map[string]string{}, outside: map[string]string{}, aliases: map[string]string{}, named: map[string]bool{}, writes: map[string]bool{}, real: map[string]realPath{}}
	rep, err := r.run(ctx, nil)
	if err != nil {
		return nil, false, err
	}
	applied := map[string]bool{}
	chk := &checker{r: r, fr: fr, ctx: ctx}
	for round := 0; ; round++ {
		fr.Final = rep
		fr.UnsafeLeft = unsafeLeft(rep.Findings, r.opts.UnsafeFixes)
		var unsafe []rules.Finding
		if r.opts.DiffOnly {
			unsafe = unsafeWritable(rep.Findings, fr.UnsafeLeft)
			slimForDiff(rep, r.opts.UnsafeFixes)
		}
		cands := fr.pick(rep, r.opts.Cwd, rejected, r.opts.UnsafeFixes)
		if len(cands) == 0 {
			if len(unsafe) > 0 {
				// lint --diff leaves the unsafe fixes unresolved (it shows none of
				// them), but its summary counts them: resolving may make one a
				// snippet (a Terraform JSON file, a flow-style YAML obstacle), so
				// they are resolved for the count, as --fix resolves them to show.
				r.edits.Resolve(rep.Model, unsafe)
				fr.UnsafeLeft = unsafeLeft(unsafe, false)
			}
			return fr, false, nil
		}
		for _, c := range cands {
			if applied[c.id] || round == maxFixRounds {
				// Applied before and back again (it does not clear its finding, or
				// another fix undoes it), or still going after every round: writing it
				// again and again would be worse than not writing it.
				rejected[c.id] = "it does not settle: its finding comes back after it is applied"
				again = true
			}
			if round == maxFixRounds {
				// Still going after every round, with a new fix each time: the fixes
				// of the rounds before had other identities, and the run must not
				// start over with them and stop one round short. Every fix of the
				// rule in that file is dropped.
				rejected[chainID(c.finding)] = "it does not settle: its finding comes back after it is applied"
			}
		}
		if again {
			return nil, true, nil
		}
		for len(cands) > 0 {
			next, files, edits, err := chk.try(rep, cands)
			if err != nil {
				return nil, false, err
			}
			bad := chk.check(rep, next, cands)
			if len(bad) == 0 {
				for abs, src := range files {
					if _, ok := fr.orig[abs]; !ok {
						fr.orig[abs] = fr.source(rep, abs, r.opts.Cwd)
						fr.display[abs] = displayPath(r.opts.Cwd, abs)
						fr.logs[abs] = newEditLog(len(fr.orig[abs]))
					}
					fr.fixed[abs] = src
					fr.logs[abs].apply(edits[abs])
				}
				for _, c := range cands {
					applied[c.id] = true
					for _, s := range c.finding.Fix.Settings() {
						fr.named[s] = true
					}
					for _, s := range c.finding.Fix.Writes() {
						fr.writes[s] = true
					}
				}
				if len(files) > 0 {
					fr.rounds++
					for _, c := range cands {
						// A fix that writes a shared directive's change once clears the
						// findings of every route that imports it: each is fixed.
						fr.fixes += c.finding.Fix.Covers()
						fr.top = max(fr.top, c.finding.Severity)
					}
				}
				rep = next
				chk.keep(rep)
				if len(files) == 0 {
					fr.Final = rep
					return fr, false, nil
				}
				break
			}
			culprits, err := chk.isolate(rep, cands, bad)
			if err != nil {
				return nil, false, err
			}
			chk.keep(rep)
			var keep []candidate
			for _, c := range cands {
				if why, ok := culprits[c.id]; ok {
					rejected[c.id] = why
				} else {
					keep = append(keep, c)
				}
			}
			if len(keep) == len(cands) {
				// No single fix to blame (they fail only together): keep none.
				for _, c := range cands {
					rejected[c.id] = "it conflicts with another fix of the same run"
				}
				keep = nil
			}
			cands = keep
		}
	}
}

// FixedSeverity is the highest severity among the findings whose fixes were applied:
// what --diff compares with --fail-on.
func (fr *FixResult) FixedSeverity() parsers.Severity { return fr.top }

// FixedDirectives lists the settings the applied fixes write, as the configs write them
// ("proxy_read_timeout"), sorted: what a real tool's view of the fixed files may differ in.
func FixedDirectives(fr *FixResult) []string {
	var out []string
	for s := range fr.writes {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// markRejected turns the fixes of the final findings that were not written because they
// failed their check into snippets saying why.
func (fr *FixResult) markRejected(rejected map[string]string) {
	if fr.Final == nil || len(rejected) == 0 {
		return
	}
	for i := range fr.Final.Findings {
		f := &fr.Final.Findings[i]
		if f.Fix == nil {
			continue
		}
		if why, ok := rejectedWhy(rejected, f); ok {
			f.Fix.Reject(why)
		}
	}
	for i := range fr.Final.Findings {
		fr.Final.Findings[i].Fix.FollowRejected()
	}
}

// slimForDiff drops from rep what lint --diff never shows: the findings whose fixes the
// run may not write (no fix, a snippet, an unsafe fix without UnsafeFixes), and the
// messages and related positions of the others (a fix's identity, edits and severity
// are all the rounds use of it). The round's findings stay alive until the fixed text
// is checked, next to two models: on 5,000 nginx servers they were 15,000 findings and
// 16 MB of the peak (docs/benchmarks.md).
func slimForDiff(rep *Result, unsafe bool) {
	kept := rep.Findings[:0]
	for _, f := range rep.Findings {
		if !mayWrite(&f, unsafe) {
			continue
		}
		f.Message, f.Related = "", nil
		kept = append(kept, f)
	}
	clear(rep.Findings[len(kept):])
	rep.Findings = kept
}

// unsafeWritable copies the findings unsafeLeft counts (n of them) out of fs.
func unsafeWritable(fs []rules.Finding, n int) []rules.Finding {
	if n == 0 {
		return nil
	}
	out := make([]rules.Finding, 0, n)
	for i := range fs {
		if f := fs[i].Fix; f != nil && f.Safety() == rules.FixUnsafe && f.Writable() {
			out = append(out, fs[i])
		}
	}
	return out
}

// unsafeLeft counts the findings whose fix is unsafe and writable (FixResult.UnsafeLeft);
// 0 when the run writes unsafe fixes.
func unsafeLeft(fs []rules.Finding, unsafe bool) int {
	n := 0
	for i := range fs {
		if f := fs[i].Fix; !unsafe && f != nil && f.Safety() == rules.FixUnsafe && f.Writable() {
			n++
		}
	}
	return n
}

// mayWrite reports whether a run may write f's fix: it has edits, and it is safe (or
// unsafe, with unsafe set).
func mayWrite(f *rules.Finding, unsafe bool) bool {
	if f.Fix == nil || len(f.Fix.Edits) == 0 {
		return false
	}
	switch f.Fix.Safety() {
	case rules.FixSnippet:
		return false
	case rules.FixUnsafe:
		return unsafe
	}
	return true
}

// pick returns the fixable findings of rep whose edits may be written and do not
// conflict with those of a finding taken before it. A finding's edits go in together or
// not at all.
func (fr *FixResult) pick(rep *Result, cwd string, rejected map[string]string, unsafe bool) []candidate {
	writable, outside := fr.writableFiles(rep, cwd, fr.aliases)
	taken := map[string]*editSet{} // absolute path → edits accepted this round
	formats := map[string]string{} // display path → format, for directiveLines
	for _, f := range rep.Model.Files {
		formats[f.Path] = f.Format
	}
	var out []candidate
findings:
	for i := range rep.Findings {
		f := &rep.Findings[i]
		if !mayWrite(f, unsafe) || selfOverlapping(f.Fix.Edits) {
			continue
		}
		id := fixID(f)
		if _, ok := rejectedWhy(rejected, f); ok {
			continue
		}
		lines := directiveLines(f, formats)
		for _, e := range f.Fix.Edits {
			abs, ok := writable[e.File]
			if !ok {
				if why, ok := outside[e.File]; ok {
					fr.outside[e.File] = why
				}
				continue findings // an edit outside the files no502 may write
			}
			if taken[abs].conflicts(e, lines) {
				continue findings // the next round, against the fixed source
			}
		}
		for _, e := range f.Fix.Edits {
			abs := writable[e.File]
			if taken[abs] == nil {
				taken[abs] = &editSet{}
			}
			taken[abs].add(e, lines)
		}
		out = append(out, candidate{id: id, finding: f})
	}
	return out
}

// apply returns the text of every file the edits of cands change (by absolute path),
// applied to the current text, and the edits as applied (parsers.Applied).
func (fr *FixResult) apply(rep *Result, cands []candidate, cwd string) (map[string][]byte, map[string][]parsers.Edit) {
	writable, _ := fr.writableFiles(rep, cwd, map[string]string{})
	byFile := map[string][]parsers.Edit{}
	for _, c := range cands {
		for _, e := range c.finding.Fix.Edits {
			abs := writable[e.File]
			byFile[abs] = append(byFile[abs], e)
		}
	}
	out, applied := map[string][]byte{}, map[string][]parsers.Edit{}
	for abs, edits := range byFile {
		src := fr.source(rep, abs, cwd)
		es := parsers.Applied(src, withLineEndings(src, edits))
		fixed := parsers.ApplyEdits(src, es)
		if string(fixed) != string(src) {
			out[abs], applied[abs] = fixed, es
		}
	}
	return out, applied
}

// source returns the current text of a file: the fixed one, else what the lint read.
func (fr *FixResult) source(rep *Result, abs, cwd string) []byte {
	if src, ok := fr.fixed[abs]; ok {
		return src
	}
	if fr.srcOfModel != rep.Model || fr.srcOf == nil {
		// Indexed once per lint: looking each file up in the model's list was quadratic
		// on a run that fixes hundreds of files among thousands.
		fr.srcOf, fr.srcOfModel = map[string][]byte{}, rep.Model
		for _, f := range rep.Model.Files {
			if f.Host != "" {
				continue
			}
			if a := absPath(f.Path, cwd); !hasKey(fr.srcOf, a) {
				fr.srcOf[a] = f.Src
			}
		}
	}
	return fr.srcOf[abs]
}

func hasKey(m map[string][]byte, k string) bool {
	_, ok := m[k]
	return ok
}

// realPath is a file's path with symbolic links resolved, or why it cannot be.
type realPath struct {
	path string
	err  error
}

// evalSymlinks is filepath.EvalSymlinks, once per path for the whole run: the files do
// not move while the fixes are computed, and every round asks for each file again.
func (fr *FixResult) evalSymlinks(p string) (string, error) {
	if fr.real == nil {
		fr.real = map[string]realPath{}
	}
	r, ok := fr.real[p]
	if !ok {
		r.path, r.err = filepath.EvalSymlinks(p)
		fr.real[p] = r
	}
	return r.path, r.err
}

// withLineEndings writes the new lines of edits with the file's own line ending: a file
// whose lines all end in CRLF gets CRLF in what a fix inserts (the rules write "\n").
func withLineEndings(src []byte, edits []parsers.Edit) []parsers.Edit {
	if !allCRLF(src) {
		return edits
	}
	out := make([]parsers.Edit, len(edits))
	for i, e := range edits {
		e.New = strings.ReplaceAll(strings.ReplaceAll(e.New, "\r\n", "\n"), "\n", "\r\n")
		out[i] = e
	}
	return out
}

// allCRLF reports whether every line of src ends in CRLF (and there is one).
func allCRLF(src []byte) bool {
	crlf := bytes.Count(src, []byte("\r\n"))
	return crlf > 0 && crlf == bytes.Count(src, []byte("\n"))
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

// directiveLines returns the settings a finding's fix writes when each of its edits only
// inserts whole directive lines (no block, no brace) into an nginx config or a Caddyfile;
// nil otherwise. Two such fixes that write different settings may insert at one offset in
// the same round: either order of the lines is the same config (a directive's place
// among its siblings does not matter when no sibling has its name), so nothing is left
// to guess and the round after it is saved. Kubernetes, Terraform and Caddy JSON edits
// are not lines of directives, and keep one insertion per offset.
func directiveLines(f *rules.Finding, formats map[string]string) []string {
	writes := f.Fix.Writes()
	if len(writes) == 0 {
		return nil
	}
	for _, e := range f.Fix.Edits {
		format := formats[e.File]
		if format != parsers.FormatNginx && format != parsers.FormatCaddy || strings.HasSuffix(e.File, ".json") {
			return nil
		}
		if e.Start != e.End || !strings.HasSuffix(e.New, "\n") || strings.ContainsAny(e.New, "{}") {
			return nil
		}
	}
	return writes
}

// sharable reports whether two fixes' insertions at one offset may go in together: both
// insert directive lines only, and no setting is written by both.
func sharable(a, b []string) bool {
	if a == nil || b == nil {
		return false
	}
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return false
			}
		}
	}
	return true
}

// editSet holds one file's accepted edits sorted by Start. Accepted edits never conflict,
// so their ranges are disjoint and ordered (insertions that share an offset aside, which
// are sharable): an edit can only conflict with its neighbours in that order. (A file of
// 5,000 servers gets thousands of edits in one round; checking each against all was
// quadratic.)
type editSet struct {
	edits []parsers.Edit
	lines [][]string // directiveLines of each edit's fix
}

func (s *editSet) conflicts(e parsers.Edit, lines []string) bool {
	if s == nil {
		return false
	}
	i := sort.Search(len(s.edits), func(i int) bool { return s.edits[i].Start >= e.Start })
	if i > 0 && conflict(e, s.edits[i-1]) {
		return true
	}
	for j := i; j < len(s.edits) && (s.edits[j].Start == e.Start || s.edits[j].Start < e.End); j++ {
		o := s.edits[j]
		if e.Start == e.End && o.Start == o.End && o.Start == e.Start && sharable(lines, s.lines[j]) {
			continue
		}
		if conflict(e, o) {
			return true
		}
	}
	return false
}

// add inserts e after the edits that start where it does: one finding's inserts at one
// offset go in the order the rule gave them, and two findings' in the order they were
// taken.
func (s *editSet) add(e parsers.Edit, lines []string) {
	i := sort.Search(len(s.edits), func(i int) bool { return s.edits[i].Start > e.Start })
	s.edits = append(s.edits, parsers.Edit{})
	copy(s.edits[i+1:], s.edits[i:])
	s.edits[i] = e
	s.lines = append(s.lines, nil)
	copy(s.lines[i+1:], s.lines[i:])
	s.lines[i] = lines
}

// writableFiles maps the display path of each file a fix may change to its absolute path:
// the files the lint read from disk (not text embedded in another file, not standard
// input), and in named-file mode only the files named. A fix that edits anything else
// (.no502.yaml, a file read only for context) is not applied. A symbolic link is written
// through only when its target lies inside the linted directories (sites-enabled/x →
// ../sites-available/x); one that leads elsewhere is left alone and said on stderr.
func (fr *FixResult) writableFiles(rep *Result, cwd string, aliases map[string]string) (writable map[string]string, outside map[string]string) {
	var roots []string
	for _, r := range rep.Roots {
		if real, err := fr.evalSymlinks(r); err == nil {
			roots = append(roots, real)
		}
	}
	inside := parsers.Options{Roots: roots}
	writable, outside = map[string]string{}, map[string]string{}
	// A file reached by two paths (itself and a link to it) is written through one only,
	// the first in file order: both carry the same findings and the same edits.
	seen := map[string]string{} // real path → absolute path written through
	for _, f := range rep.Model.Files {
		if f.Host != "" || strings.Contains(f.Path, "#") {
			continue
		}
		if rep.Explicit != nil && !rep.Explicit[f.Path] {
			// Read for context: a fix of a named file's finding may edit it (an include
			// only that location reads), and the summary says it was not written.
			outside[f.Path] = notNamed
			continue
		}
		abs := absPath(f.Path, cwd)
		real, err := fr.evalSymlinks(abs)
		if err != nil || len(roots) > 0 && !inside.Within(real) {
			outside[f.Path] = outsideRoots
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

// Why a file a fix edits is not written (FixResult.outside), as the summary says it.
const (
	outsideRoots = "outside the linted directories, or a link that leads there"
	notNamed     = "not named: --fix writes only the files named; name it too"
)

// Summary says what was (or would be) fixed: "fixed 3 findings in 2 files: a.conf, b.tf",
// and which files were not touched because they link out of the linted directories or
// were not named.
func (fr *FixResult) Summary(verb string) string {
	msg := "nothing to fix"
	if len(fr.fixed) > 0 {
		var names []string
		for _, abs := range fr.paths() {
			names = append(names, fr.show(abs))
		}
		msg = fmt.Sprintf("%s %s in %s: %s", verb, plural(fr.fixes, "finding"), plural(len(fr.fixed), "file"), strings.Join(names, ", "))
		msg += keptCommentsNote(fr.KeptComments())
	}
	for _, why := range []string{outsideRoots, notNamed} {
		var names []string
		for p, w := range fr.outside {
			if w == why {
				names = append(names, p)
			}
		}
		if len(names) > 0 {
			sort.Strings(names)
			msg += fmt.Sprintf("\nnot fixed: %s (%s)", strings.Join(names, ", "), why)
		}
	}
	return msg
}

// Change is one file a fix changed: its path as shown, and its text before and after.
type Change struct {
	Path          string
	Before, After []byte
	// Edits turn Before into After: the fixes' edits as applied, in order, in Before's
	// offsets (File is Path).
	Edits []parsers.Edit
}

// Changes lists the changed files in the order of their display paths. The list is made
// once (a diff of thousands of edits is composed from the rounds' edits) and shared.
func (fr *FixResult) Changes() []Change {
	if fr.changes != nil {
		return fr.changes
	}
	out := []Change{}
	for _, abs := range fr.paths() {
		c := Change{Path: fr.show(abs), Before: fr.orig[abs], After: fr.fixed[abs]}
		if l := fr.logs[abs]; l != nil {
			c.Edits = l.edits(c.Before)
			for i := range c.Edits {
				c.Edits[i].File = c.Path
			}
		}
		out = append(out, c)
	}
	fr.changes = out
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
