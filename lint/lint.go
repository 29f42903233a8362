// Package lint is the driver: the one pipeline behind `no502 lint`, the rules' testdata
// checks (rules/rulestest) and the generator tests. Run discovers the files, parses and
// links them (parsers/load), checks the model (rules.Run), resolves the fixes' edits,
// applies suppressions (lint/suppress), keeps the findings of the files named, and hides
// what the baseline records (lint/baseline). Fix runs it in rounds, applying the edits
// in memory until nothing more changes.
package lint

import (
	"bytes"
	"context"
	"fmt"
	"github.com/no502/no502/lint/fixcheck"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/no502/no502/config"
	"github.com/no502/no502/lint/baseline"
	"github.com/no502/no502/lint/suppress"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/load"
	"github.com/no502/no502/rules"
)

// Options configure a run.
type Options struct {
	// Cwd is the directory paths are taken relative to and shown relative to (default:
	// the process's working directory).
	Cwd string
	// Config is the .no502.yaml to apply. When nil, ConfigPath is read, or else the
	// config nearest the first path linted (see LoadConfig).
	Config     *config.Config
	ConfigPath string
	// Load holds the loader's limits and inputs (MaxFileSize, MaxFiles, Stdin, StdinName,
	// Overlay; Parse's MaxDepth, MaxIncludes, MaxDocuments, MaxDirectives and VarFiles). Run fills in the
	// rest from Cwd and the config.
	Load load.Options
	// NoIgnore reports every finding: suppressions (inline ones and the config's
	// suppress: entries) are not applied, nor reported unused.
	NoIgnore bool
	// Strict refuses inline suppressions (no502:ignore comments, no502.dev/ignore
	// annotations): the findings they cover are reported, and each of them is reported
	// as an inline-suppression finding (an error by default), so the run fails. The
	// config's suppress: entries still apply: they are reviewed in one place.
	Strict bool
	// Select and Ignore are rule IDs and categories (--select, --ignore); they win over
	// the config's rules: section (see applySelection).
	Select, Ignore []string
	// ResolveEdits is ignored: every run computes the byte edits of the fixes that need
	// the files re-read (Kubernetes patches become edits of the manifests), so every
	// output shows the edits --fix writes (issue 16). Kept so that callers that set it
	// still build.
	ResolveEdits bool
	// UnsafeFixes lets Fix apply the fixes marked unsafe (rules.FixUnsafe) too.
	UnsafeFixes bool
	// DiffOnly tells Fix that its caller shows only the changes (lint --diff), not the
	// findings left: the Kubernetes patches of the fixes the run may not write (the unsafe
	// ones, without UnsafeFixes) are then never resolved into edits. Without it the final
	// result's fixes all carry their edits, as a plain lint's do.
	DiffOnly bool
	// PerConfig lints paths that different configs govern (two services of a monorepo,
	// each with its .no502.yaml, named together by pre-commit) in one run per config,
	// each with its own, and merges the results (Run, Fix). Without it such paths are a
	// UsageError (LoadConfig). Ignored with Config or ConfigPath set.
	PerConfig bool
	// split is set by splitByConfig on the runs of a directory it divided among the
	// configs below it: which files each config governs.
	split *split
	// Baseline hides the findings it records (read from BaselinePath, named in the
	// summary). WriteBaseline, when set, records the run's findings in that file first
	// and then applies it.
	Baseline      *baseline.Baseline
	BaselinePath  string
	WriteBaseline string
}

// Result is what a run found: what the output formats print.
type Result struct {
	Findings []rules.Finding
	Errors   []parsers.Diag // files that did not parse
	Notes    []parsers.Diag // things skipped on purpose
	Files    int
	Model    *parsers.Model
	// Known counts the findings hidden because the baseline (Baseline) records them.
	Known    int
	Baseline string
	// Explicit holds the display paths named in named-file mode (load.Result.Explicit);
	// nil when directories were linted. Fix writes only these.
	Explicit map[string]bool
	Roots    []string // load.Result.Roots
	// Config is the .no502.yaml the run applied.
	Config *config.Config
	// Unbudgeted counts the routes whose timeouts could not be checked against a handler
	// budget because none is known (rules.Unbudgeted); the summary says how to declare
	// them.
	Unbudgeted int
	// NothingLinted says why, when the run linted no file at all (an empty directory, no
	// recognised config, a file name no502 does not read); empty otherwise. The CLI
	// prints it on stderr as a warning and exits 0, as ruff does for "no Python files
	// found": a pre-commit hook handed only unrelated files must not fail the commit.
	NothingLinted string
}

// UsageError is a run that could not start because of how it was asked: a bad config
// file, a path that does not exist. The CLI exits 2 on it.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Run lints paths (files or directories; none: "."). The context is checked between
// steps.
func Run(ctx context.Context, paths []string, opts Options) (*Result, error) {
	opts, runs, groups, err := splitByConfig(paths, opts)
	if err != nil {
		return nil, err
	}
	if len(runs) > 1 {
		return runPerConfig(ctx, runs, groups)
	}
	r, err := newRunner(paths, opts)
	if err != nil {
		return nil, err
	}
	return r.run(ctx, nil)
}

// runner holds what every round of a run shares: the resolved options and config.
type runner struct {
	paths   []string
	opts    Options
	cfg     *config.Config
	context []string // the config's context: paths, absolute
	// edits keeps the fixes' edits of earlier rounds of a fix run (Kubernetes merges,
	// Terraform edits): a file no round changed is not merged or formatted again.
	edits rules.EditCache
	// resolveWhich, when set, limits which findings' Kubernetes patches a run resolves
	// (Fix: those it may write); the others are resolved at the end if shown.
	resolveWhich func(*rules.Finding) bool
	// parsed keeps what the parsers read from each file's text in a fix run (the
	// Kubernetes parser's objects): a verifying round decodes only the files a round
	// changed. Nil in a plain lint, which parses once.
	parsed *parsers.ParseCache
}

func newRunner(paths []string, opts Options) (*runner, error) {
	if opts.Cwd == "" {
		cwd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		opts.Cwd = cwd
	}
	if len(paths) == 0 && opts.Load.Stdin == nil {
		paths = []string{"."}
	}
	if opts.Load.Stdin != nil && opts.Load.StdinName != "" {
		// A buffer piped with the path of a file on disk (an editor's unsaved edits) is
		// that file, named, with the buffer in place of the disk's text: it gets the
		// context a named file gets (the Service next to a Deployment), so the editor
		// shows what the pre-commit hook will.
		abs := absPath(opts.Load.StdinName, opts.Cwd)
		if st, err := os.Stat(abs); err == nil && st.Mode().IsRegular() {
			overlay := make(map[string][]byte, len(opts.Load.Overlay)+1)
			for k, v := range opts.Load.Overlay {
				overlay[k] = v
			}
			overlay[abs] = opts.Load.Stdin
			opts.Load.Overlay = overlay
			opts.Load.Stdin = nil
			paths = append(paths, opts.Load.StdinName)
		}
	}
	cfg := opts.Config
	if cfg == nil {
		var err error
		cfgPaths := paths
		if opts.Load.Stdin != nil && opts.Load.StdinName != "" {
			// An editor pipes a new buffer with its path: the config is the one a file
			// there would get (ruff's --stdin-filename does the same).
			cfgPaths = append([]string{filepath.Dir(opts.Load.StdinName)}, paths...)
		}
		if cfg, err = LoadConfig(opts.ConfigPath, opts.Cwd, cfgPaths); err != nil {
			return nil, err
		}
	}
	if err := CheckSelectors("--select", opts.Select); err != nil {
		return nil, err
	}
	if err := CheckSelectors("--ignore", opts.Ignore); err != nil {
		return nil, err
	}
	cfg = applySelection(cfg, opts.Select, opts.Ignore)
	r := &runner{paths: paths, opts: opts, cfg: cfg}
	for _, c := range cfg.Context {
		r.context = append(r.context, c.Abs)
	}
	return r, nil
}

// run runs the pipeline once; overlay replaces files' contents (by absolute path), for
// the rounds of Fix.
func (r *runner) run(ctx context.Context, overlay map[string][]byte) (*Result, error) {
	o := r.opts.Load
	o.Cwd = r.opts.Cwd
	o.Ignored = r.cfg.Ignored
	if len(overlay) > 0 {
		// The fixed text wins over the caller's overlay (unsaved buffers, say).
		merged := make(map[string][]byte, len(o.Overlay)+len(overlay))
		for abs, src := range o.Overlay {
			merged[abs] = src
		}
		for abs, src := range overlay {
			merged[abs] = src
		}
		o.Overlay = merged
	}
	limits := o.Parse
	o.Parse = r.cfg.ParseOptions()
	o.Parse.MaxDepth, o.Parse.MaxIncludes, o.Parse.MaxDocuments = limits.MaxDepth, limits.MaxIncludes, limits.MaxDocuments
	o.Parse.MaxDirectives = limits.MaxDirectives
	o.Parse.VarFiles = limits.VarFiles
	o.Parse.Cache = r.parsed
	res, err := loadWithContext(r.paths, o, r.cfg, r.context...)
	if err != nil {
		return nil, &UsageError{err}
	}
	claimSplitFiles(res, r.opts.split, r.opts.ConfigPath, r.opts.Cwd)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The parsers' syntax trees are garbage now and the model is what stays. Collecting
	// here lets rules and output reuse that memory instead of growing the heap: on a
	// large tree fresh pages from the OS cost more than the collection
	// (docs/benchmarks.md). A partial run (files named) parses a handful of files:
	// there the collection would cost more than it saves.
	if res.Explicit == nil {
		runtime.GC()
	}
	findings := rules.RunCached(res.Model, r.cfg, &r.edits)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.edits.ResolveWhere(res.Model, findings, r.resolveWhich) // Kubernetes patches as edits
	dropNoopEdits(res.Model, findings)
	inLineEndings(res.Model, findings)
	refuseInConfigErrors(res.Model, findings)
	if !r.opts.NoIgnore {
		findings = suppress.ApplyConfig(res.Model, r.cfg, findings, r.opts.Cwd)
	}
	var kept, unused []rules.Finding
	switch {
	case r.opts.Strict:
		kept, unused = suppress.Strict(res.Model, r.cfg, findings)
	case res.Explicit != nil && r.opts.split == nil:
		// Named files: whether a suppression matches nothing is a property of the whole
		// tree, which a partial run does not lint (see suppress.ApplyPartial). A run of a
		// directory divided among configs is not partial in the files its walk found:
		// they are judged with the context the directory run reads, and a suppression
		// unused in them is unused (those of other runs' files are dropped with their
		// findings).
		kept, unused = suppress.ApplyPartial(res.Model, r.cfg, findings, r.opts.NoIgnore)
	case res.Explicit != nil:
		kept, unused = suppress.ApplyJudged(res.Model, r.cfg, findings, r.opts.NoIgnore, r.opts.split.walkedFiles(r.opts.Cwd))
	default:
		kept, unused = suppress.Apply(res.Model, r.cfg, findings, r.opts.NoIgnore)
	}
	findings = kept // in order: rules.Run sorts
	if !r.opts.NoIgnore && res.Explicit == nil && res.Files > 0 && coversDir(res.Roots, r.cfg.Dir()) {
		// suppress: entries that name nothing; judged only when the run covers the
		// config's directory (see suppress.UnusedConfig).
		unused = append(unused, suppress.UnusedConfig(res.Model, r.cfg, r.opts.Cwd, nil)...)
	} else if !r.opts.NoIgnore && r.opts.split != nil && res.Files > 0 {
		// A run of a directory divided among configs covers its config's share of it.
		unused = append(unused, suppress.UnusedConfig(res.Model, r.cfg, r.opts.Cwd, r.opts.split.scope(res.Explicit, r.cfg.Path, r.opts.Cwd))...)
	}
	if len(unused) > 0 {
		findings = append(findings, unused...)
		rules.SortFindings(findings)
	}
	out := newResult(res, findings)
	out.Config = r.cfg
	if res.Explicit == nil {
		out.Notes = append(out.Notes, unreadConfigs(res.Configs, r.cfg, r.opts.Cwd)...)
		sortDiags(out.Notes)
	}
	var named func(parsers.Pos) bool
	if res.Explicit != nil {
		named = func(pos parsers.Pos) bool { return res.Explicit[pos.File] }
	}
	out.Unbudgeted = rules.Unbudgeted(res.Model, r.cfg, named)
	if out.Files == 0 && len(out.Errors) == 0 {
		out.NothingLinted = nothingLinted(r.paths, r.opts.Cwd)
		if r.opts.Load.Stdin != nil && len(r.paths) == 0 {
			out.NothingLinted = stdinNothingLinted(r.opts.Load.Stdin, r.opts.Load.StdinName)
		}
	}
	base, basePath := r.opts.Baseline, r.opts.BaselinePath
	if r.opts.WriteBaseline != "" {
		basePath = r.opts.WriteBaseline
		keys := baseline.Keys(out.Model, out.Findings, basePath, r.opts.Cwd)
		// The files whose findings this run reports (a partial run: the named ones),
		// except those that did not parse (their findings are unknown), have their
		// entries rewritten by this run, for the rules it ran; the other entries stay
		// as they were.
		judged := map[string]bool{}
		for _, f := range res.Model.Files {
			if f.Host == "" && (res.Explicit == nil || res.Explicit[f.Path]) {
				judged[baseline.EntryFile(f.Path, basePath, r.opts.Cwd)] = true
			}
		}
		for _, d := range out.Errors {
			delete(judged, baseline.EntryFile(d.Pos.File, basePath, r.opts.Cwd))
		}
		keep := func(e baseline.Entry) bool {
			if !judged[e.File] {
				return true
			}
			// A rule that did not run (--select, --ignore, rules: off) judged nothing.
			o, set := r.cfg.Rules[e.Rule]
			return set && o.Value == parsers.Off
		}
		if base, err = baseline.WriteFile(absPath(basePath, r.opts.Cwd), keys, keep); err != nil {
			return nil, fmt.Errorf("--write-baseline: %v", err)
		}
	}
	if base != nil {
		keys := baseline.Keys(out.Model, out.Findings, basePath, r.opts.Cwd)
		out.Findings, out.Known = base.Filter(out.Findings, keys)
		out.Baseline = basePath
	}
	rules.DetachHidden(out.Findings)
	return out, nil
}

// coversDir reports whether one of the directories linted (absolute) is dir or a parent
// of it.
func coversDir(roots []string, dir string) bool {
	if dir == "" {
		return false
	}
	for _, r := range roots {
		if rel, err := filepath.Rel(r, dir); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// refuseInConfigErrors keeps as snippets the fixes that would edit a file with a config
// error, as ruff writes no fix in a file with a syntax error: the syntax tree around an
// error is the parser's recovery, not what the tool reads, and the real tool rejects the
// file whatever the fix does. Once the error is mended, the next run writes the fix. A
// plain lint says so too, so that JSON, SARIF and --fix agree.
func refuseInConfigErrors(m *parsers.Model, findings []rules.Finding) {
	broken := map[string]parsers.Diag{}
	for _, d := range m.Diags {
		if d.Severity != parsers.Error {
			continue
		}
		if f := fixcheck.HostFile(d.Pos.File); broken[f].Message == "" {
			broken[f] = d
		}
	}
	if len(broken) == 0 {
		return
	}
	for i := range findings {
		fix := findings[i].Fix
		if fix == nil {
			continue
		}
		for _, e := range fix.Edits {
			if d, ok := broken[fixcheck.HostFile(e.File)]; ok {
				fix.Reject(fmt.Sprintf("the file has a config error at %s; mend it first", d.Pos.Short()))
				break
			}
		}
	}
}

// dropNoopEdits drops the edits that write what is already there (a patch that sets
// maxSurge: 1 where it is 1, next to the value it changes): they change no text, but
// JSON and SARIF would list them and a round would keep their bytes from other fixes.
// A fix whose every edit is one keeps them, so that it still reads as a fix.
func dropNoopEdits(m *parsers.Model, findings []rules.Finding) {
	var src map[string][]byte // by path, for the files with edits
	for i := range findings {
		fix := findings[i].Fix
		if fix == nil || len(fix.Edits) < 2 {
			continue
		}
		if src == nil {
			src = map[string][]byte{}
			for _, f := range m.Files {
				if _, ok := src[f.Path]; !ok {
					src[f.Path] = f.Src
				}
			}
		}
		noop := func(e parsers.Edit) bool {
			b, ok := src[e.File]
			return ok && e.Start >= 0 && e.Start <= e.End && e.End <= len(b) && string(b[e.Start:e.End]) == e.New
		}
		n := 0
		for _, e := range fix.Edits {
			if noop(e) {
				n++
			}
		}
		if n == 0 || n == len(fix.Edits) {
			continue
		}
		kept := make([]parsers.Edit, 0, len(fix.Edits)-n)
		for _, e := range fix.Edits {
			if !noop(e) {
				kept = append(kept, e)
			}
		}
		fix.Edits = kept
	}
}

// inLineEndings writes the new lines of every fix's edits with the line ending of the
// file they go into (withLineEndings), so that what the outputs show is what --fix
// writes.
func inLineEndings(m *parsers.Model, findings []rules.Finding) {
	var crlf map[string]bool // by path, for the files with edits
	for i := range findings {
		fix := findings[i].Fix
		if fix == nil || len(fix.Edits) == 0 {
			continue
		}
		if crlf == nil {
			crlf = map[string]bool{}
			for _, f := range m.Files {
				if _, ok := crlf[f.Path]; !ok {
					crlf[f.Path] = allCRLF(f.Src)
				}
			}
		}
		for j, e := range fix.Edits {
			if crlf[e.File] {
				fix.Edits[j] = withLineEndings([]byte("\r\n"), []parsers.Edit{e})[0]
			}
		}
	}
}

// newResult keeps, in named-file mode, only the findings and diagnostics positioned in
// the files named, and splits the diagnostics into errors and notes.
func newResult(res *load.Result, findings []rules.Finding) *Result {
	r := &Result{Files: res.Files, Model: res.Model, Findings: findings, Explicit: res.Explicit, Roots: res.Roots}
	if res.Explicit != nil {
		r.Findings = nil
		for _, f := range findings {
			if res.Explicit[f.Pos.File] {
				r.Findings = append(r.Findings, f)
			}
		}
	}
	for _, d := range res.Model.Diags {
		if res.Explicit != nil && !res.Explicit[d.Pos.File] {
			// A context file's parse error or note: it was read to link the named
			// files, not linted (a broken unrelated file does not fail the run).
			continue
		}
		if d.Severity == parsers.Error {
			r.Errors = append(r.Errors, d)
		} else {
			r.Notes = append(r.Notes, d)
		}
	}
	sortDiags(r.Errors)
	sortDiags(r.Notes)
	return r
}

// stdinNothingLinted explains a run of standard input alone that linted nothing. An empty
// stream is worth saying: `helm template ... | no502 lint -` reads one when the render
// failed, and the run passes.
func stdinNothingLinted(src []byte, name string) string {
	if len(bytes.TrimSpace(src)) == 0 {
		return "nothing linted: standard input (" + name + ") is empty"
	}
	return "nothing linted: standard input (" + name + ") is not a config no502 reads (nginx, Caddy, Terraform, Kubernetes or Docker Compose)"
}

// nothingLinted explains a run that linted no file.
func nothingLinted(paths []string, cwd string) string {
	var files, dirs []string
	for _, p := range paths {
		if st, err := os.Stat(absPath(p, cwd)); err == nil && st.IsDir() {
			dirs = append(dirs, p)
		} else {
			files = append(files, p)
		}
	}
	const formats = "nginx, Caddy, Terraform, Kubernetes or Docker Compose"
	var parts []string
	if len(files) > 0 {
		what := "is not a config no502 reads"
		if len(files) > 1 {
			what = "are not configs no502 reads"
		}
		shown := files
		if len(shown) > 3 {
			shown = append(shown[:3:3], fmt.Sprintf("and %d more", len(files)-3))
		}
		parts = append(parts, fmt.Sprintf("%s %s (%s)", strings.Join(shown, ", "), what, formats))
	}
	if len(dirs) > 0 {
		parts = append(parts, fmt.Sprintf("no %s config found in %s", formats, strings.Join(dirs, ", ")))
	}
	return "nothing linted: " + strings.Join(parts, "; ")
}

func sortDiags(ds []parsers.Diag) {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// LoadConfig finds and parses .no502.yaml; a bad one is a UsageError. Without explicit,
// the config nearest the first path linted wins (its directory, then parents up to the
// git root), then cwd's: `no502 lint services/hooks` uses services/hooks/.no502.yaml, as
// ruff finds the pyproject.toml of the files it checks. Relative paths are taken from
// cwd.
//
// A run reads one config, so paths that different configs govern (two services of a
// monorepo, each with its .no502.yaml, named together by pre-commit) are a UsageError:
// the first path's config would judge the others' files with budgets, rules: and
// suppress: entries written for another service, and the result would depend on the
// order of the arguments.
func LoadConfig(explicit, cwd string, paths []string) (*config.Config, error) {
	path := ""
	if explicit == "" {
		groups := configGroups(cwd, paths)
		if len(groups) > 1 {
			a, b := groups[0], groups[1]
			return nil, &UsageError{fmt.Errorf("%s and %s are governed by different configs (%s, %s): a run reads one .no502.yaml, so lint them in separate runs, or name the config with --config",
				a.paths[0], b.paths[0], configName(a.config, cwd), configName(b.config, cwd))}
		}
		if len(groups) == 1 {
			path = groups[0].config
		}
	}
	if path == "" {
		path = config.FindConfig(explicit, cwd)
	}
	if path == "" {
		return config.Default(), nil
	}
	display := configName(path, cwd)
	cfg, err := config.Load(absPath(path, cwd), display, rules.Known, ruleIDs()...)
	if err != nil {
		return nil, &UsageError{err}
	}
	return cfg, nil
}

// unreadConfigs notes the .no502.yaml files a directory run walked past without reading
// them (a service's own config below the one in use): one run reads one config, and a
// budget, rules: or suppress: entry that silently does not apply is a finding lost or a
// suppression ignored. A note, as ruff's nested configs are not: no502 has no per-file
// config.
func unreadConfigs(found []string, cfg *config.Config, cwd string) []parsers.Diag {
	var out []parsers.Diag
	for _, abs := range found {
		dir := filepath.Dir(abs)
		if cfg != nil && dir == cfg.Dir() {
			continue
		}
		using := "none"
		if cfg != nil && cfg.Path != "" {
			using = cfg.Path
		}
		out = append(out, parsers.Notef(parsers.Pos{File: configName(abs, cwd), Line: 1, Col: 1},
			"not read: one run reads one .no502.yaml (this run: %s); lint %s on its own, or name this file with --config, to apply it",
			using, configName(dir, cwd)))
	}
	return out
}

// maxConfigSniff bounds what LoadConfig reads of a named file to tell whether it is a
// config (the loader's default --max-file-size).
const maxConfigSniff = 10 << 20

// configName is how messages name a config file: relative to cwd when it is below it,
// "no .no502.yaml" for none.
func configName(path, cwd string) string {
	if path == "" {
		return "no .no502.yaml"
	}
	if rel, err := filepath.Rel(cwd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

func absPath(p, cwd string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(cwd, filepath.FromSlash(p))
}

func ruleIDs() []string {
	var ids []string
	for _, r := range rules.All() {
		ids = append(ids, r.ID)
	}
	return ids
}
