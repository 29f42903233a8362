package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/no502/no502/config"
	"github.com/no502/no502/lint/suppress"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/load"
	"github.com/no502/no502/rules"
)

// configGroup is the paths of a run that one .no502.yaml governs.
type configGroup struct {
	config string // absolute path; "" when no config governs them
	paths  []string
}

// configGroups sorts paths by the config that governs each (the one nearest the path:
// its directory, then parents up to the git root, else cwd's), in the order the configs
// are first met. Paths that no config could govern (standard input, a path that does
// not exist, a named file no502 does not read) are in no group: the loader reports or
// skips them.
func configGroups(cwd string, paths []string) []configGroup {
	return configGroupsWith(cwd, paths, nil)
}

// configGroupsWith is configGroups where governor, when it names a path's config
// (absolute path → config), decides instead of the nearest config found on disk.
func configGroupsWith(cwd string, paths []string, governor map[string]string) []configGroup {
	fallback := config.FindConfig("", cwd)
	var groups []configGroup
	index := map[string]int{}    // config → its group
	byDir := map[string]string{} // pre-commit --all-files names thousands of files
	for _, a := range paths {
		if a == "-" {
			continue
		}
		dir := absPath(a, cwd)
		if p, ok := governor[dir]; ok {
			groups = addToGroup(groups, index, p, a)
			continue
		}
		st, err := os.Stat(dir)
		if err != nil {
			continue
		}
		if !st.IsDir() {
			// pre-commit passes every YAML and JSON file: one no502 does not read
			// (a workflow, package.json) has no say in the config.
			if !load.Lintable(dir, maxConfigSniff) {
				continue
			}
			dir = filepath.Dir(dir)
		}
		p, ok := byDir[dir]
		if !ok {
			if p = config.FindConfig("", dir); p == "" {
				p = fallback
			}
			byDir[dir] = p
		}
		groups = addToGroup(groups, index, p, a)
	}
	return groups
}

// addToGroup adds path a to the group of config p, making the group when it is new.
func addToGroup(groups []configGroup, index map[string]int, p, a string) []configGroup {
	i, ok := index[p]
	if !ok {
		i = len(groups)
		index[p] = i
		groups = append(groups, configGroup{config: p})
	}
	groups[i].paths = append(groups[i].paths, a)
	return groups
}

// expandNested replaces each directory among paths under which the walk finds a
// .no502.yaml other than the one that governs the directory (a service's own config in a
// monorepo) by the files a run of the directory would lint, each governed by the config
// nearest it inside the directory (else the directory's): the run is then split by
// config as a pre-commit run naming every file is, so that `no502 lint .` in CI judges
// each file as the hook does. A directory with no such config stays a directory, and so
// does one whose walk has something to report (a directory it cannot read, the file
// limit): its run says so. sp is nil when no directory was split.
func expandNested(cwd string, paths []string, lo load.Options) (out []string, sp *split) {
	fallback := config.FindConfig("", cwd)
	maxSize := lo.MaxFileSize
	if maxSize <= 0 {
		maxSize = 10 << 20
	}
	named := map[string]bool{}
	for _, a := range paths {
		if st, err := os.Stat(absPath(a, cwd)); err == nil && !st.IsDir() {
			named[absPath(a, cwd)] = true
		}
	}
	for _, a := range paths {
		dir := absPath(a, cwd)
		st, err := os.Stat(dir)
		if err != nil || !st.IsDir() {
			out = append(out, a)
			continue
		}
		own := config.FindConfig("", dir)
		if own == "" {
			own = fallback
		}
		files, configs, ok := load.Discover([]string{dir}, load.Options{Cwd: cwd, MaxFiles: lo.MaxFiles})
		nested := map[string]bool{} // directory → it holds a config of its own
		for _, c := range configs {
			if c != own {
				nested[filepath.Dir(c)] = true
			}
		}
		if !ok || len(nested) == 0 {
			out = append(out, a)
			continue
		}
		if sp == nil {
			sp = &split{own: map[string]string{}, nested: map[string]bool{}, governor: map[string]string{}}
		}
		sp.own[dir] = own
		for d := range nested {
			sp.nested[d] = true
		}
		var expanded []string
		for _, f := range files {
			if named[f] || !load.WalkLintable(f, maxSize) {
				continue
			}
			named[f] = true
			sp.governor[f], _ = sp.nearest(f)
			expanded = append(expanded, f)
		}
		if len(expanded) == 0 {
			delete(sp.own, dir)
			out = append(out, a)
			continue
		}
		out = append(out, expanded...)
		sp.walked = append(sp.walked, dir)
	}
	if sp != nil && len(sp.walked) == 0 {
		sp = nil
	}
	return out, sp
}

// split is how splitByConfig divided the directories it was given among their configs.
type split struct {
	walked   []string          // the directories replaced by their files
	own      map[string]string // each walked directory → the config that governs it
	nested   map[string]bool   // directories inside them that hold a config of their own
	governor map[string]string // each file a walk found → its config
	claimed  map[string]bool   // every file some run names (absolute paths)
}

// scope is the share of the split that the run of the config shown as cfgPath reports
// (own: its files as shown), with the files the other configs govern.
func (sp *split) scope(own map[string]bool, cfgPath, cwd string) *suppress.Scope {
	sc := &suppress.Scope{Own: own, Others: map[string]string{}}
	for abs, g := range sp.governor {
		if name := configName(g, cwd); g != "" && name != cfgPath {
			sc.Others[abs] = name
		}
	}
	return sc
}

// walkedFiles are the files the walks of the split found, as shown.
func (sp *split) walkedFiles(cwd string) map[string]bool {
	out := make(map[string]bool, len(sp.governor))
	for abs := range sp.governor {
		out[displayPath(cwd, abs)] = true
	}
	return out
}

// nearest returns the config that governs abs in the split: the nearest directory
// holding one inside a walked directory, else that directory's own; ok is false when abs
// lies in no walked directory.
func (sp *split) nearest(abs string) (cfg string, ok bool) {
	var root string
	for _, w := range sp.walked {
		if abs == w || strings.HasPrefix(abs, w+string(filepath.Separator)) {
			root = w
			break
		}
	}
	if root == "" {
		for w := range sp.own {
			if strings.HasPrefix(abs, w+string(filepath.Separator)) {
				root = w
				break
			}
		}
	}
	if root == "" {
		return "", false
	}
	for d := filepath.Dir(abs); ; d = filepath.Dir(d) {
		if sp.nested[d] {
			return filepath.Join(d, config.FileName), true
		}
		if d == root || filepath.Dir(d) == d {
			return sp.own[root], true
		}
	}
}

// claimSplitFiles adds to the files a run of a split directory reports (res.Explicit)
// those its config governs that no run names: the files its named ones include (an nginx
// include, a Caddy import, whatever config governs the directory they sit in) and the
// other files of the directory read along (an nginx.conf a Compose service mounts under
// any name). A directory run reports findings in those; without this, no run of the
// split would. cfgPath is the run's config (absolute; "" when none governs it).
func claimSplitFiles(res *load.Result, sp *split, cfgPath, cwd string) {
	if sp == nil || res.Explicit == nil {
		return
	}
	byPath := map[string]*parsers.File{}
	for _, f := range res.Model.Files {
		if f.Host == "" {
			byPath[f.Path] = f
		}
	}
	// owner is the config of the file a chain of includes starts from.
	owner := func(f *parsers.File) (string, bool) {
		for seen := 0; f.IncludedBy != nil && seen < len(byPath); seen++ {
			parent := byPath[f.IncludedBy.File]
			if parent == nil {
				break
			}
			f = parent
		}
		abs := absPath(f.Path, cwd)
		if g, ok := sp.governor[abs]; ok {
			return g, true
		}
		if res.Explicit[f.Path] {
			return cfgPath, true // a file this run names (not found by the walk)
		}
		return sp.nearest(abs)
	}
	for path, f := range byPath {
		if res.Explicit[path] || sp.claimed[absPath(path, cwd)] {
			continue
		}
		if g, ok := owner(f); ok && g == cfgPath {
			res.Explicit[path] = true
		}
	}
}

// splitByConfig returns the runs a lint of paths makes when Options.PerConfig is set: the
// options and paths of one run per config that governs some of them, when there are
// several. With one config it returns opts naming it, so that it is not looked for again
// (pre-commit names thousands of files, each sniffed), and no runs; without PerConfig, an
// explicit config, standard input, or no path a config could govern, opts as they are.
// The paths in no group (see configGroups) go with the first. Groups that overlap (a
// directory of one holds a path of another, which would then be linted twice, by both
// configs) are a UsageError.
func splitByConfig(paths []string, opts Options) (Options, []Options, [][]string, error) {
	if !opts.PerConfig || opts.Config != nil || opts.ConfigPath != "" || opts.Load.Stdin != nil {
		return opts, nil, nil, nil
	}
	cwd := opts.Cwd
	if cwd == "" {
		var err error
		if cwd, err = os.Getwd(); err != nil {
			return opts, nil, nil, err
		}
	}
	paths, sp := expandNested(cwd, paths, opts.Load)
	var governor map[string]string
	if sp != nil {
		governor = sp.governor
		sp.claimed = map[string]bool{}
		for _, p := range paths {
			sp.claimed[absPath(p, cwd)] = true
		}
	}
	groups := configGroupsWith(cwd, paths, governor)
	if len(groups) == 0 {
		return opts, nil, nil, nil
	}
	grouped := map[string]bool{}
	for _, g := range groups {
		for _, p := range g.paths {
			grouped[p] = true
		}
	}
	for _, p := range paths {
		if !grouped[p] {
			groups[0].paths = append(groups[0].paths, p)
		}
	}
	for i, a := range groups {
		for _, b := range groups[i+1:] {
			if x, y, ok := overlapping(cwd, a.paths, b.paths); ok {
				return opts, nil, nil, &UsageError{fmt.Errorf("%s and %s are governed by different configs (%s, %s) and one holds the other: a run reads each file with one .no502.yaml, so lint them in separate runs, or name the config with --config",
					x, y, configName(a.config, cwd), configName(b.config, cwd))}
			}
		}
	}
	var runs []Options
	var runPaths [][]string
	for _, g := range groups {
		o := opts
		o.Cwd, o.PerConfig = cwd, false
		o.split = sp
		if sp != nil {
			o.Load.Walked = sp.walked
		}
		if g.config == "" {
			o.Config = config.Default()
		} else {
			o.ConfigPath = g.config
		}
		runs = append(runs, o)
		runPaths = append(runPaths, g.paths)
	}
	if len(runs) == 1 {
		return runs[0], nil, nil, nil // one config governs them all: found once
	}
	return opts, runs, runPaths, nil
}

// overlapping finds a path of as and one of bs where one is a directory holding the other
// (or both are the same).
func overlapping(cwd string, as, bs []string) (string, string, bool) {
	isDir := func(abs string) bool {
		st, err := os.Stat(abs)
		return err == nil && st.IsDir()
	}
	holds := func(dir, p string) bool {
		rel, err := filepath.Rel(dir, p)
		return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
	}
	for _, a := range as {
		absA := absPath(a, cwd)
		for _, b := range bs {
			absB := absPath(b, cwd)
			if absA == absB || isDir(absA) && holds(absA, absB) || isDir(absB) && holds(absB, absA) {
				return a, b, true
			}
		}
	}
	return "", "", false
}

// runPerConfig lints each group of paths with its own config and merges the results.
func runPerConfig(ctx context.Context, runs []Options, paths [][]string) (*Result, error) {
	var rs []*Result
	for i, o := range runs {
		r, err := Run(ctx, paths[i], o)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return mergeResults(rs), nil
}

// mergeResults is one result of the runs of several configs: their findings, errors and
// notes in order, their counts summed, their models side by side (the outputs read the
// files' text from the model). Groups do not overlap (splitByConfig), so no file is
// linted twice; a note about a file read by two runs (for context) is kept once.
func mergeResults(rs []*Result) *Result {
	out := &Result{Model: &parsers.Model{}, Config: rs[0].Config, Baseline: rs[0].Baseline}
	explicit := map[string]bool{}
	allNamed := true
	seenDiag := map[parsers.Diag]bool{}
	addDiags := func(to *[]parsers.Diag, ds []parsers.Diag) {
		for _, d := range ds {
			if !seenDiag[d] {
				seenDiag[d] = true
				*to = append(*to, d)
			}
		}
	}
	var nothing []string
	for _, r := range rs {
		out.Findings = append(out.Findings, r.Findings...)
		addDiags(&out.Errors, r.Errors)
		addDiags(&out.Notes, r.Notes)
		out.Files += r.Files
		out.Known += r.Known
		out.Unbudgeted += r.Unbudgeted
		out.Model.Merge(r.Model)
		out.Roots = append(out.Roots, r.Roots...)
		if r.Explicit == nil {
			allNamed = false
		}
		for p := range r.Explicit {
			explicit[p] = true
		}
		if r.NothingLinted != "" {
			nothing = append(nothing, r.NothingLinted)
		}
	}
	if allNamed {
		out.Explicit = explicit
	}
	if len(nothing) == len(rs) {
		out.NothingLinted = nothing[0]
	}
	rules.SortFindings(out.Findings)
	out.Findings = rules.Dedup(out.Findings)
	sortDiags(out.Errors)
	sortDiags(out.Notes)
	return out
}

// fixPerConfig fixes each group of paths with its own config and merges the results. Two
// groups whose fixes edit the same file (an include both read) are a UsageError: the
// file would be written twice, each time from its text as read.
func fixPerConfig(ctx context.Context, runs []Options, paths [][]string) (*FixResult, error) {
	var out *FixResult
	var finals []*Result
	by := map[string]int{} // changed file → the run that changed it
	for i, o := range runs {
		fr, err := Fix(ctx, paths[i], o)
		if err != nil {
			return nil, err
		}
		finals = append(finals, fr.Final)
		if out == nil {
			out = fr
			for abs := range fr.fixed {
				by[abs] = i
			}
			continue
		}
		for abs, src := range fr.fixed {
			if j, ok := by[abs]; ok {
				return nil, &UsageError{fmt.Errorf("--fix: %s is edited by the fixes of files two configs govern (%s, %s): fix them in separate runs",
					fr.show(abs), configName(runs[j].ConfigPath, runs[j].Cwd), configName(o.ConfigPath, o.Cwd))}
			}
			by[abs] = i
			out.fixed[abs] = src
			out.orig[abs] = fr.orig[abs]
			out.logs[abs] = fr.logs[abs]
			out.display[abs] = fr.display[abs]
		}
		for k, v := range fr.outside {
			out.outside[k] = v
		}
		for k := range fr.named {
			out.named[k] = true
		}
		for k := range fr.writes {
			out.writes[k] = true
		}
		out.fixes += fr.fixes
		out.rounds += fr.rounds
		out.top = max(out.top, fr.top)
	}
	out.changes = nil
	out.Final = mergeResults(finals)
	return out, nil
}
