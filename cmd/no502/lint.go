package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/lint/baseline"
	"github.com/no502/no502/lint/output"
	"github.com/no502/no502/parsers"
)

func init() { subcommands = append(subcommands, newLintCmd) }

type lintFlags struct {
	format      string
	config      string
	failOn      string
	noColor     bool
	varFiles    []string
	maxFileSize int64
	maxFiles    int
	maxDepth    int
	maxIncludes int
	maxDocs     int
	maxDirs     int
	stdinName   string
	output      string
	reports     []string
	noIgnore    bool
	baseline    string
	writeBase   string
	cpuProfile  string
	memProfile  string
	fix         bool
	diff        bool
	selectRules []string
	ignoreRules []string
	strict      bool
	showFixes   bool
	noShowFixes bool
	statistics  bool
	unsafeFixes bool
}

func newLintCmd(stdin io.Reader) *cobra.Command {
	var f lintFlags
	cmd := &cobra.Command{
		Use:   "lint [PATH...]",
		Short: "Find the config mistakes that cause 502/504 errors (default path: .)",
		Long: `Lint nginx, Caddy, Terraform, Kubernetes and Docker Compose configs under the given files or
directories (default: the current directory) for the causes of 502 and 504 errors.
Directories are walked honouring .gitignore, skipping hidden directories, vendor/ and
node_modules/ (a directory named here is read even when .gitignore excludes it). Use - to
read one file from standard input (name it with --stdin-filename).

--fix applies the safe fixes of the reported findings (with --unsafe-fixes also those
that change behaviour a user may rely on; some fixes are only snippets: the change needs a
choice no502 cannot make) and lints again, until nothing more can be fixed; it writes
only the files linted (in named-file mode, only those named). --diff prints the same
changes as a unified diff and writes nothing.

--select and --ignore take rule IDs and categories (comma-separated or repeated); they
win over the rules: section of .no502.yaml. --strict refuses inline suppressions: the
findings they cover are reported, and each no502:ignore comment or no502.dev/ignore
annotation is reported as an inline-suppression error (the suppress: section of
.no502.yaml still applies).

Exit status: 0 when nothing at or above --fail-on was found and every file parsed; 1 when
findings at or above --fail-on were found (with --diff: when the diff fixes a finding at or
above --fail-on), a file failed to parse or a limit kept a file from being linted; 2 on bad
usage or a bad config file. A run that lints nothing says so on stderr and exits 0.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLint(cmd, stdin, args, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "text", "output format: "+strings.Join(output.Names(), ", "))
	fl.StringVar(&f.config, "config", "", "config file for every path linted (default: each path's nearest .no502.yaml, next to it or in a parent up to the git root, else the current directory's or a parent's; paths that different configs govern, and the files of a directory with services' configs below it, are linted in one run per config)")
	fl.StringVar(&f.failOn, "fail-on", "warning", "exit 1 on findings at or above this severity: error, warning, info, never")
	fl.BoolVar(&f.noColor, "no-color", false, "never colour the output (NO_COLOR is honoured too)")
	fl.StringArrayVar(&f.varFiles, "var-file", nil, "Terraform variable file to evaluate with (repeatable)")
	fl.Int64Var(&f.maxFileSize, "max-file-size", 10<<20, "files larger than this many bytes are not linted (an error)")
	fl.IntVar(&f.maxFiles, "max-files", 100000, "stop discovering after this many files")
	fl.IntVar(&f.maxDepth, "max-depth", 500, "deepest block nesting read in an nginx or Caddy file")
	fl.IntVar(&f.maxIncludes, "max-includes", 1000, "most files (and Caddy snippets) one nginx include or Caddy import tree may pull in, each counted once")
	fl.IntVar(&f.maxDocs, "max-documents", 10000, "most YAML documents read from one file")
	fl.IntVar(&f.maxDirs, "max-directives", 1<<18, "most directives one nginx or Caddy config may hold, includes and imports expanded")
	fl.StringVar(&f.stdinName, "stdin-filename", "", "the file name to report for input read from - (stdin)")
	fl.StringVarP(&f.output, "output", "o", "", "write the report (or --diff's diff) to this file, creating its directories; the summary line still goes to the terminal")
	fl.StringArrayVar(&f.reports, "report", nil, "also write the report in another format to a file, as FORMAT:PATH (repeatable; e.g. --format github --report sarif:no502.sarif annotates a pull request and uploads to code scanning from one run)")
	fl.BoolVar(&f.noIgnore, "no-ignore", false, "show every finding: ignore no502:ignore comments, no502.dev/ignore annotations and the suppress: entries of .no502.yaml")
	fl.StringVar(&f.baseline, "baseline", "", "report only findings not recorded in this baseline file")
	fl.StringVar(&f.writeBase, "write-baseline", "", "record today's findings in this baseline file (then lint with --baseline FILE)")
	fl.BoolVar(&f.fix, "fix", false, "apply the safe fixes (with --unsafe-fixes, the unsafe ones too) to the linted files, then report what is left")
	fl.BoolVar(&f.unsafeFixes, "unsafe-fixes", false, "with --fix or --diff, also apply the fixes marked unsafe (they change behaviour a user may rely on: more replicas, a longer grace period); with --format sarif, also list them in SARIF's fixes")
	fl.BoolVar(&f.diff, "diff", false, "print the changes --fix would make as a unified diff (JSON edits with --format json); write nothing (exit 1 when they fix a finding at or above --fail-on, or a file was not linted)")
	fl.StringSliceVar(&f.selectRules, "select", nil, "run only these rules and categories (IDs or categories, comma-separated; overrides .no502.yaml's rules:)")
	fl.StringSliceVar(&f.ignoreRules, "ignore", nil, "do not run these rules and categories (IDs or categories, comma-separated; overrides .no502.yaml's rules:)")
	fl.BoolVar(&f.strict, "strict", false, "refuse inline suppressions: report the findings they hide and report each no502:ignore comment and no502.dev/ignore annotation as an error")
	fl.BoolVar(&f.showFixes, "show-fixes", true, "show each fix's snippet (Kubernetes: the changed lines) in the text output")
	fl.BoolVar(&f.noShowFixes, "no-show-fixes", false, "leave the fix snippets out of the text output (the fix's one-line description stays)")
	fl.BoolVar(&f.statistics, "statistics", false, "print how many findings each rule reported, most frequent first, instead of the findings (a table with --format text or concise, a list with json)")
	_ = cmd.RegisterFlagCompletionFunc("format", fixedValues(output.Names()...))
	_ = cmd.RegisterFlagCompletionFunc("fail-on", fixedValues("error", "warning", "info", "never"))
	_ = cmd.RegisterFlagCompletionFunc("select", completeSelectors)
	_ = cmd.RegisterFlagCompletionFunc("ignore", completeSelectors)
	// For measuring no502 itself (docs/benchmarks.md); hidden from --help.
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file")
	fl.StringVar(&f.memProfile, "memprofile", "", "write a heap profile (allocations) at the end of the run to this file")
	_ = fl.MarkHidden("cpuprofile")
	_ = fl.MarkHidden("memprofile")
	return cmd
}

func runLint(cmd *cobra.Command, stdin io.Reader, args []string, f lintFlags) (err error) {
	stop, err := startProfiles(f.cpuProfile, f.memProfile)
	if err != nil {
		return usagef("%v", err)
	}
	defer func() {
		if perr := stop(); err == nil && perr != nil {
			err = perr
		}
	}()
	out := cmd.OutOrStdout()
	// Names in any case, as severities always were (--fail-on WARNING).
	f.format, f.failOn = strings.ToLower(f.format), strings.ToLower(f.failOn)
	format, ok := output.Lookup(f.format)
	if !ok {
		return usagef("unknown --format %q (want %s)", f.format, strings.Join(output.Names(), ", "))
	}
	failOn := parsers.Off
	if f.failOn != "never" {
		sev, err := parsers.ParseSeverity(f.failOn)
		if err != nil || sev == parsers.Off {
			return usagef("unknown --fail-on %q (want error, warning, info or never)", f.failOn)
		}
		failOn = sev
	}
	if f.statistics && f.format != "text" && f.format != "concise" && f.format != "json" {
		return usagef("--statistics prints a table (--format text or concise) or a JSON list (--format json), not %s", f.format)
	}
	if f.diff && f.format != "text" && f.format != "concise" && f.format != "json" {
		return usagef("--diff prints a unified diff (--format text or concise) or JSON edits (--format json), not %s", f.format)
	}
	if f.diff && f.statistics {
		return usagef("--statistics counts findings; it cannot be used with --diff")
	}
	reports, err := parseReports(f)
	if err != nil {
		return err
	}
	opts, paths, err := lintOptions(stdin, args, f)
	if err != nil {
		return err
	}
	// Opened before the run, as --output is, and closed after it: a path no502 cannot
	// write is a usage error before --fix writes anything.
	for i := range reports {
		file, oerr := openReport(reports[i].path)
		if oerr != nil {
			return usagef("--report %s: %v", reports[i].path, oerr)
		}
		reports[i].file = file
		defer func(r extraReport) {
			var ee exitError
			if cerr := r.file.close(err); cerr != nil && (err == nil || errors.As(err, &ee)) {
				err = fmt.Errorf("writing %s: %v", r.path, cerr)
			}
		}(reports[i])
	}
	if f.output != "" {
		// Opened before the run: an --output no502 cannot write is a usage error before
		// --fix writes anything (it was found after, with the files changed and the
		// report lost).
		report, oerr := openReport(f.output)
		if oerr != nil {
			return usagef("--output: %v", oerr)
		}
		defer func() {
			// A report that could not be written fails the run (exit 1), also one with
			// findings: exit 1 alone would not say the report is missing.
			var ee exitError
			if cerr := report.close(err); cerr != nil && (err == nil || errors.As(err, &ee)) {
				err = fmt.Errorf("writing %s: %v", f.output, cerr)
			}
		}()
		out = report
	}
	var res *lint.Result
	fixed := ""
	if f.fix || f.diff {
		opts.DiffOnly = f.diff // --diff shows the changes, not the findings left
		fr, err := lint.Fix(cmd.Context(), paths, opts)
		if err != nil {
			return lintError(err)
		}
		if f.diff {
			if f.format == "json" {
				err = output.WriteDiffJSON(out, fr.Changes())
			} else {
				err = output.WriteDiff(out, fr.Changes(), f.output == "" && output.UseColor(out, f.noColor))
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.ErrOrStderr(), fr.Summary("would fix")+unsafeHint(fr.UnsafeLeft, "--diff"))
			if fr.Final != nil && fr.Final.NothingLinted != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning: "+fr.Final.NothingLinted)
			}
			// A file that did not parse, or that a limit kept out, was not looked at:
			// "nothing to fix" must not pass for it, as a plain lint does not.
			if fr.Final != nil && len(fr.Final.Errors) > 0 {
				for _, d := range fr.Final.Errors {
					fmt.Fprintln(cmd.ErrOrStderr(), d.String())
				}
				return exitError{exitFindings}
			}
			// Something to fix, as a CI check wants: but only a fix of a finding that
			// would fail a plain lint run counts (docs/cli.md).
			if len(fr.Changes()) > 0 && failOn != parsers.Off && fr.FixedSeverity() >= failOn {
				return exitError{exitFindings}
			}
			return nil
		}
		if err := fr.Write(); err != nil {
			return err
		}
		fixed, res = fr.Summary("fixed")+unsafeHint(fr.UnsafeLeft, "--fix"), fr.Final
	} else if res, err = lint.Run(cmd.Context(), paths, opts); err != nil {
		return lintError(err)
	}
	code, _ := output.ExitStatus(res, failOn)
	oo := output.Options{Color: f.output == "" && output.UseColor(out, f.noColor), FailOn: failOn, ToolVersion: versionString(), HideFixes: hideFixes(f), UnsafeFixes: f.unsafeFixes, ExitCode: &code}
	if f.statistics {
		format = output.FormatterFunc(func(w io.Writer, r *lint.Result, _ output.Options) error {
			return output.WriteStatistics(w, r, f.format == "json")
		})
	}
	if err := output.Write(out, format, res, oo); err != nil {
		return err
	}
	for _, r := range reports {
		ro := oo
		ro.Color = false
		if err := output.Write(r.file, r.format, res, ro); err != nil {
			return fmt.Errorf("writing %s: %v", r.path, err)
		}
	}
	if f.output != "" {
		// The report went to the file; the terminal still gets the one-line summary,
		// so a CI log says what happened.
		fmt.Fprintln(cmd.OutOrStdout(), output.SummaryLine(res))
	}
	if fixed != "" {
		// On stderr, so that --format json on stdout stays one JSON document.
		fmt.Fprintln(cmd.ErrOrStderr(), fixed)
	}
	if res.NothingLinted != "" {
		fmt.Fprintln(cmd.ErrOrStderr(), "warning: "+res.NothingLinted)
	}
	if code != exitClean {
		return exitError{code}
	}
	return nil
}

// extraReport is one --report: a format and the file it is written to.
type extraReport struct {
	path   string
	format output.Formatter
	file   *reportFile
}

// parseReports reads the --report flags (FORMAT:PATH). A report goes to a file, never
// to standard output (the main report is there), and two reports never share a file.
func parseReports(f lintFlags) ([]extraReport, error) {
	if len(f.reports) == 0 {
		return nil, nil
	}
	switch {
	case f.diff:
		return nil, usagef("--report writes findings; --diff prints changes (use --output for the diff)")
	case f.statistics:
		return nil, usagef("--report writes findings; it cannot be used with --statistics")
	}
	seen := map[string]string{}
	if f.output != "" {
		seen[filepath.Clean(f.output)] = "--output"
	}
	var out []extraReport
	for _, r := range f.reports {
		name, path, ok := strings.Cut(r, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" || path == "" {
			return nil, usagef("--report %q: want FORMAT:PATH, e.g. sarif:no502.sarif", r)
		}
		format, known := output.Lookup(name)
		if !known {
			return nil, usagef("--report %q: unknown format %q (want %s)", r, name, strings.Join(output.Names(), ", "))
		}
		if path == "-" {
			return nil, usagef("--report %q: a report goes to a file; the main report (--format) is the one on standard output", r)
		}
		if other, dup := seen[filepath.Clean(path)]; dup {
			return nil, usagef("--report %q: %s writes %s already", r, other, path)
		}
		seen[filepath.Clean(path)] = "--report " + r
		out = append(out, extraReport{path: path, format: format})
	}
	return out, nil
}

// lintOptions turns the flags into lint.Options and the paths to lint, reading standard
// input for "-".
func lintOptions(stdin io.Reader, args []string, f lintFlags) (lint.Options, []string, error) {
	var opts lint.Options
	cwd, err := os.Getwd()
	if err != nil {
		return opts, nil, err
	}
	if len(args) == 0 {
		args = []string{"."}
	}
	opts.Cwd, opts.ConfigPath, opts.NoIgnore = cwd, f.config, f.noIgnore
	// A monorepo with a .no502.yaml per service, named together by pre-commit: each
	// file is judged by its own service's config, as ruff judges each file by its own.
	opts.PerConfig = true
	opts.Select, opts.Ignore, opts.Strict = trimSelectors(f.selectRules), trimSelectors(f.ignoreRules), f.strict
	for name, v := range map[string]int{"max-depth": f.maxDepth, "max-includes": f.maxIncludes, "max-documents": f.maxDocs, "max-files": f.maxFiles, "max-directives": f.maxDirs} {
		opts.UnsafeFixes = f.unsafeFixes
		if v < 1 {
			return opts, nil, usagef("--%s must be at least 1, got %d", name, v)
		}
	}
	if f.maxFileSize < 1 || f.maxFileSize > math.MaxInt32 {
		// Positions are 32-bit (parsers.Pos).
		return opts, nil, usagef("--max-file-size must be between 1 and %d bytes, got %d", math.MaxInt32, f.maxFileSize)
	}
	opts.Load.MaxFileSize, opts.Load.MaxFiles = f.maxFileSize, f.maxFiles
	opts.Load.Parse.MaxDepth, opts.Load.Parse.MaxIncludes, opts.Load.Parse.MaxDocuments = f.maxDepth, f.maxIncludes, f.maxDocs
	opts.Load.Parse.MaxDirectives = f.maxDirs
	for _, vf := range f.varFiles {
		// An empty value (--var-file "$VARS" with VARS unset in CI) named the current
		// directory, which the loader then reported as "a FIFO or a device".
		if vf == "" {
			return opts, nil, usagef("--var-file: empty path; name a .tfvars or .tfvars.json file")
		}
		abs, _ := filepath.Abs(vf)
		st, err := os.Stat(abs)
		if err != nil {
			return opts, nil, usagef("--var-file %s: %v", vf, err)
		}
		if st.IsDir() {
			return opts, nil, usagef("--var-file %s is a directory; name a .tfvars or .tfvars.json file", vf)
		}
		opts.Load.Parse.VarFiles = append(opts.Load.Parse.VarFiles, abs)
	}
	// --stdin-filename names what - reads. Without - it was ignored and the paths (or
	// the current directory) were linted from disk: an editor set up as for ruff
	// (--stdin-filename FILE, the buffer piped in) got the findings of every file on
	// disk and none of the buffer's.
	if f.stdinName != "" && !slices.Contains(args, "-") {
		return opts, nil, usagef("--stdin-filename names the input read from -: add - as the path (no502 lint --stdin-filename %s -)", f.stdinName)
	}
	var paths []string
	for _, a := range args {
		if a == "-" {
			src, err := io.ReadAll(io.LimitReader(stdin, f.maxFileSize+1))
			if err != nil {
				return opts, nil, fmt.Errorf("reading stdin: %v", err)
			}
			opts.Load.Stdin = src
			opts.Load.StdinName = f.stdinName
			if opts.Load.StdinName == "" {
				return opts, nil, usagef("reading from - needs --stdin-filename, so no502 knows the file's format")
			}
			continue
		}
		paths = append(paths, a)
	}
	if f.baseline != "" && f.writeBase != "" {
		return opts, nil, usagef("--baseline and --write-baseline cannot be used together")
	}
	if f.baseline != "" {
		b, err := baseline.ReadFile(f.baseline)
		if errors.Is(err, fs.ErrNotExist) {
			// The first run of a CI step that reads a baseline nobody wrote yet: say
			// how to write it (golangci-lint's new-from-rev and ruff's noqa have no
			// file to miss; the baseline has to be recorded once).
			return opts, nil, usagef("--baseline %s: no such file; record today's findings in it first with no502 lint --write-baseline %s", f.baseline, f.baseline)
		}
		if err != nil {
			return opts, nil, usagef("--baseline %s: %v", f.baseline, err)
		}
		opts.Baseline, opts.BaselinePath = b, f.baseline
	}
	opts.WriteBaseline = f.writeBase
	if f.fix || f.diff {
		switch {
		case f.fix && f.diff:
			return opts, nil, usagef("--fix and --diff cannot be used together: --diff shows what --fix would write")
		case opts.Load.Stdin != nil:
			return opts, nil, usagef("--fix and --diff work on files, not on - (standard input)")
		case f.writeBase != "":
			return opts, nil, usagef("--write-baseline cannot be used with --fix or --diff: fix first, then record what is left")
		}
	}
	return opts, paths, nil
}

// lintError gives a run that could not start (a bad config, a missing path) exit
// status 2.
func lintError(err error) error {
	var ue *lint.UsageError
	if errors.As(err, &ue) {
		return usageError{ue.Err}
	}
	return err
}

// hideFixes is --no-show-fixes (or --show-fixes=false).
func hideFixes(f lintFlags) bool { return f.noShowFixes || !f.showFixes }

// reportFile is the file --output names, opened before the run.
type reportFile struct {
	f       *os.File
	created bool // it did not exist: a run that does not start removes it
	written bool
}

// openReport opens path for the report, creating the directories it names (a fresh
// checkout has no reports/ directory; ruff's --output-file creates it too). It
// truncates at the first write: a run that fails to start (a bad config) leaves an old
// report as it was, and a new one is not left behind empty.
func openReport(path string) (*reportFile, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
	}
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	return &reportFile{f: f, created: os.IsNotExist(statErr)}, nil
}

func (r *reportFile) Write(p []byte) (int, error) {
	if !r.written {
		r.written = true
		if err := r.f.Truncate(0); err != nil {
			return 0, err
		}
	}
	return r.f.Write(p)
}

// close closes the file after a run that ended with runErr. A run that did not start
// (a usage error, a bad config) leaves no new file behind and an old one as it was; a
// run that wrote nothing (a --diff with nothing to fix) leaves an empty file, which a
// CI step may expect to find.
func (r *reportFile) close(runErr error) error {
	var ee exitError
	ran := runErr == nil || errors.As(runErr, &ee)
	if !r.written && ran {
		if err := r.f.Truncate(0); err != nil {
			r.f.Close()
			return err
		}
	}
	err := r.f.Close()
	if !r.written && !ran && r.created {
		_ = os.Remove(r.f.Name())
	}
	return err
}

// trimSelectors drops the blanks around each selector and the empty ones: a quoted list
// written with spaces ("single-replica, prestop-missing") is one a user means.
func trimSelectors(sel []string) []string {
	var out []string
	for _, s := range sel {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// unsafeHint tells a --fix or --diff run without --unsafe-fixes how many of the findings
// left have a fix it did not write because it is unsafe (n, FixResult.UnsafeLeft), as
// ruff counts its "hidden fixes": "nothing to fix" alone would hide that the flag writes
// them.
func unsafeHint(n int, mode string) string {
	if n == 0 {
		return ""
	}
	what, them := fmt.Sprintf("%d findings left have unsafe fixes (they change behaviour you may rely on, such as replicas or a grace period)", n), "them"
	if n == 1 {
		what, them = "1 finding left has an unsafe fix (it changes behaviour you may rely on, such as replicas or a grace period)", "it"
	}
	if mode == "--diff" {
		return "\n" + what + ": --diff --unsafe-fixes shows " + them + " too"
	}
	return "\n" + what + ": review " + them + " and run --fix --unsafe-fixes to write " + them
}
