package lint

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/no502/no502/lint/fixcheck"
	"github.com/no502/no502/parsers"
)

// checker proves a round of fixes before it is kept: it applies them in memory, lints
// the result, and compares the model and the parse errors with those before.
type checker struct {
	r     *runner
	fr    *FixResult
	ctx   context.Context
	snaps map[*Result]fixcheck.Snapshot // the dump of each lint's model, taken once
}

// keep drops the dumps of every lint but rep's (the one the next round starts from):
// a dump holds its model.
func (c *checker) keep(rep *Result) {
	for r := range c.snaps {
		if r != rep {
			delete(c.snaps, r)
		}
	}
}

// snapshot returns the dump of rep's model.
func (c *checker) snapshot(rep *Result) fixcheck.Snapshot {
	if c.snaps == nil {
		c.snaps = map[*Result]fixcheck.Snapshot{}
	}
	s, ok := c.snaps[rep]
	if !ok {
		s = fixcheck.Take(rep.Model)
		c.snaps[rep] = s
	}
	return s
}

// try applies the edits of cands to the current text and lints the result; files holds
// the changed files' new text (by absolute path), applied the edits as applied.
func (c *checker) try(rep *Result, cands []candidate) (next *Result, files map[string][]byte, applied map[string][]parsers.Edit, err error) {
	files, applied = c.fr.apply(rep, cands, c.r.opts.Cwd)
	if len(files) == 0 {
		return rep, files, applied, nil
	}
	// Every file as the lint before read it: the round reads nothing from disk again (a
	// run of thousands of files stats and reads each once), and sees the same text.
	overlay := make(map[string][]byte, len(rep.Model.Files))
	for _, f := range rep.Model.Files {
		if f.Host == "" && !strings.Contains(f.Path, "#") && f.Src != nil {
			if abs := absPath(f.Path, c.r.opts.Cwd); !hasKey(overlay, abs) {
				overlay[abs] = f.Src
			}
		}
	}
	for abs, src := range c.fr.fixed {
		overlay[abs] = src
	}
	for abs, src := range files {
		overlay[abs] = src
	}
	// A file reached by a second path (a link) reads as fixed there too.
	for alias, abs := range c.fr.aliases {
		if src, ok := overlay[abs]; ok {
			overlay[alias] = src
		}
	}
	next, err = c.r.run(c.ctx, overlay)
	return next, files, applied, err
}

// check compares the lint after the fixes cands with the one before. It returns, for
// each fix that may be to blame, why the round cannot be kept: a file no longer parses
// as it did (a new error, such as a directive nginx rejects as a duplicate), or a
// setting changed that no fix editing its object names. Nil: the round is good.
func (c *checker) check(before, after *Result, cands []candidate) map[string]string {
	if after == before {
		return nil
	}
	// The files each fix edits and the model fields the fixes of each file name, by
	// canonical path (a file reached by a link counts as its target).
	canon := map[string]string{}
	canonOf := func(p string) string {
		p = fixcheck.HostFile(p)
		if c, ok := canon[p]; ok {
			return c
		}
		abs := absPath(p, c.r.opts.Cwd)
		if a, ok := c.fr.aliases[abs]; ok {
			abs = a
		}
		canon[p] = abs
		return abs
	}
	candFiles := make([]map[string]bool, len(cands))
	fields := map[string]map[string]bool{}
	for i, cd := range cands {
		candFiles[i] = map[string]bool{}
		settings := cd.finding.Fix.Settings()
		for _, e := range cd.finding.Fix.Edits {
			f := canonOf(e.File)
			candFiles[i][f] = true
			if fields[f] == nil {
				fields[f] = map[string]bool{}
			}
			for _, s := range settings {
				fields[f][s] = true
			}
		}
	}
	bad := map[string]string{}
	blame := func(files map[string]bool, why string) {
		n := 0
		for i, cd := range cands {
			hit := false
			for f := range files {
				if candFiles[i][canonOf(f)] {
					hit = true
					break
				}
			}
			if hit {
				if _, ok := bad[cd.id]; !ok {
					bad[cd.id] = why
				}
				n++
			}
		}
		if n == 0 {
			for _, cd := range cands {
				if _, ok := bad[cd.id]; !ok {
					bad[cd.id] = why
				}
			}
		}
	}
	errs := map[string]int{}
	for _, d := range before.Errors {
		errs[fixcheck.HostFile(d.Pos.File)+"\x00"+d.Message]++
	}
	for _, d := range after.Errors {
		k := fixcheck.HostFile(d.Pos.File) + "\x00" + d.Message
		if errs[k] > 0 {
			errs[k]--
			continue
		}
		blame(map[string]bool{fixcheck.HostFile(d.Pos.File): true}, fmt.Sprintf("the fixed file does not parse: %s: %s", d.Pos.Short(), d.Message))
	}
	// A change is explained when a fix editing a file of its object names one of the
	// fields along its path.
	explained := func(names []string, files map[string]bool) bool {
		for f := range files {
			allowed := fields[canonOf(f)]
			for _, n := range names {
				if allowed[n] {
					return true
				}
			}
		}
		return false
	}
	for _, ch := range fixcheck.Unexplained(c.snapshot(before), c.snapshot(after), explained) {
		blame(ch.Files, "it would also change "+describe(ch))
	}
	if len(bad) == 0 {
		return nil
	}
	return bad
}

// describe says what a change of the model is, for a rejected fix's description.
func describe(ch fixcheck.Change) string {
	return fmt.Sprintf("%s (%s → %s)", ch.Path, short(ch.Before), short(ch.After))
}

func short(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// isolate finds which of the fixes cands break the round (bad lists the suspects the
// whole round's check named): it checks halves of the suspects on their own until
// each culprit is alone, and returns why each culprit fails. Fixes that pass alone are
// not culprits; the round is then tried again without the culprits.
func (c *checker) isolate(rep *Result, cands []candidate, bad map[string]string) (map[string]string, error) {
	var suspects []candidate
	for _, cd := range cands {
		if _, ok := bad[cd.id]; ok {
			suspects = append(suspects, cd)
		}
	}
	sort.SliceStable(suspects, func(i, j int) bool { return suspects[i].id < suspects[j].id })
	culprits := map[string]string{}
	// walk finds the culprits in set; known is why set fails when that is known.
	var walk func(set []candidate, known map[string]string) error
	walk = func(set []candidate, known map[string]string) error {
		if known == nil {
			next, _, _, err := c.try(rep, set)
			if err != nil {
				return err
			}
			if known = c.check(rep, next, set); known == nil {
				return nil
			}
		}
		if len(set) == 1 {
			for id, why := range known {
				culprits[id] = why
			}
			return nil
		}
		if err := walk(set[:len(set)/2], nil); err != nil {
			return err
		}
		return walk(set[len(set)/2:], nil)
	}
	if err := walk(suspects, bad); err != nil {
		return nil, err
	}
	return culprits, nil
}
