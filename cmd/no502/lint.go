package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/no502/no502/config"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/load"
	"github.com/no502/no502/rules"
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
	stdinName   string
	output      string
	noIgnore    bool
	baseline    string
	writeBase   string
	cpuProfile  string
	memProfile  string
	fix         bool
	diff        bool
}

func newLintCmd(stdin io.Reader) *cobra.Command {
	var f lintFlags
	cmd := &cobra.Command{
		Use:   "lint [PATH...]",
		Short: "Find the config mistakes that cause 502/504 errors (default path: .)",
		Long: `Lint nginx, Caddy, Terraform and Kubernetes configs under the given files or
directories (default: the current directory) for the causes of 502 and 504 errors.
Directories are walked honouring .gitignore, skipping hidden directories, vendor/ and
node_modules/. Use - to read one file from standard input (name it with --stdin-filename).

--fix applies every reported finding's fix that is an edit (some fixes are only snippets:
the change needs a choice no502 cannot make) and lints again, until nothing more can be
fixed; it writes only the files linted (in named-file mode, only those named). --diff
prints the same changes as a unified diff and writes nothing.

Exit status: 0 when nothing at or above --fail-on was found and every file parsed; 1 when
findings at or above --fail-on were found or a file failed to parse (with --diff: when
there is something to fix); 2 on bad usage or a bad config file.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runLint(cmd, stdin, args, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.format, "format", "text", "output format: "+strings.Join(formatNames(), ", "))
	fl.StringVar(&f.config, "config", "", "config file (default: .no502.yaml in the current directory or a parent up to the git root)")
	fl.StringVar(&f.failOn, "fail-on", "warning", "exit 1 on findings at or above this severity: error, warning, info, never")
	fl.BoolVar(&f.noColor, "no-color", false, "never colour the output (NO_COLOR is honoured too)")
	fl.StringArrayVar(&f.varFiles, "var-file", nil, "Terraform variable file to evaluate with (repeatable)")
	fl.Int64Var(&f.maxFileSize, "max-file-size", 10<<20, "skip files larger than this many bytes")
	fl.IntVar(&f.maxFiles, "max-files", 100000, "stop discovering after this many files")
	fl.IntVar(&f.maxDepth, "max-depth", 500, "deepest block nesting read in an nginx or Caddy file")
	fl.IntVar(&f.maxIncludes, "max-includes", 1000, "most files one nginx include or Caddy import tree may pull in")
	fl.IntVar(&f.maxDocs, "max-documents", 10000, "most YAML documents read from one file")
	fl.StringVar(&f.stdinName, "stdin-filename", "", "the file name to report for input read from - (stdin)")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to this file; the summary line still goes to the terminal")
	fl.BoolVar(&f.noIgnore, "no-ignore", false, "show every finding: ignore no502:ignore comments and no502.dev/ignore annotations")
	fl.StringVar(&f.baseline, "baseline", "", "report only findings not recorded in this baseline file")
	fl.StringVar(&f.writeBase, "write-baseline", "", "record today's findings in this baseline file (then lint with --baseline FILE)")
	fl.BoolVar(&f.fix, "fix", false, "apply the fixes that are edits to the linted files, then report what is left")
	fl.BoolVar(&f.diff, "diff", false, "print the changes --fix would make as a unified diff; write nothing (exit 1 when there are some)")
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
	format, ok := formatters[f.format]
	if !ok {
		return usagef("unknown --format %q (want %s)", f.format, strings.Join(formatNames(), ", "))
	}
	failOn := rules.Off
	switch f.failOn {
	case "never":
		failOn = rules.Off
	default:
		sev, err := rules.ParseSeverity(f.failOn)
		if err != nil || sev == rules.Off {
			return usagef("unknown --fail-on %q (want error, warning, info or never)", f.failOn)
		}
		failOn = sev
	}
	cwd, err := os.Getwd()
	if err != nil {
		return err
	}
	if len(args) == 0 {
		args = []string{"."}
	}
	cfg, err := loadConfig(f.config, cwd, args)
	if err != nil {
		return err
	}
	opts := load.Options{
		Cwd:         cwd,
		Ignored:     cfg.Ignored,
		MaxFileSize: f.maxFileSize,
		MaxFiles:    f.maxFiles,
		Parse:       cfg.ParseOptions(),
	}
	for name, v := range map[string]int{"max-depth": f.maxDepth, "max-includes": f.maxIncludes, "max-documents": f.maxDocs, "max-files": f.maxFiles} {
		if v < 1 {
			return usagef("--%s must be at least 1, got %d", name, v)
		}
	}
	if f.maxFileSize < 1 || f.maxFileSize > math.MaxInt32 {
		// Positions are 32-bit (parsers.Pos).
		return usagef("--max-file-size must be between 1 and %d bytes, got %d", math.MaxInt32, f.maxFileSize)
	}
	opts.Parse.MaxDepth, opts.Parse.MaxIncludes, opts.Parse.MaxDocuments = f.maxDepth, f.maxIncludes, f.maxDocs
	for _, vf := range f.varFiles {
		abs, _ := filepath.Abs(vf)
		if _, err := os.Stat(abs); err != nil {
			return usagef("--var-file %s: %v", vf, err)
		}
		opts.Parse.VarFiles = append(opts.Parse.VarFiles, abs)
	}
	var paths []string
	for _, a := range args {
		if a == "-" {
			src, err := io.ReadAll(io.LimitReader(stdin, f.maxFileSize+1))
			if err != nil {
				return fmt.Errorf("reading stdin: %v", err)
			}
			opts.Stdin = src
			opts.StdinName = f.stdinName
			if opts.StdinName == "" {
				return usagef("reading from - needs --stdin-filename, so no502 knows the file's format")
			}
			continue
		}
		paths = append(paths, a)
	}
	if f.baseline != "" && f.writeBase != "" {
		return usagef("--baseline and --write-baseline cannot be used together")
	}
	var base *rules.Baseline
	if f.baseline != "" {
		if base, err = readBaseline(f.baseline); err != nil {
			return usagef("--baseline %s: %v", f.baseline, err)
		}
	}
	var context []string
	for _, c := range cfg.Context {
		context = append(context, c.Abs)
	}
	if f.fix || f.diff {
		switch {
		case f.fix && f.diff:
			return usagef("--fix and --diff cannot be used together: --diff shows what --fix would write")
		case opts.Stdin != nil:
			return usagef("--fix and --diff work on files, not on - (standard input)")
		case f.writeBase != "":
			return usagef("--write-baseline cannot be used with --fix or --diff: fix first, then record what is left")
		}
	}
	// lintOnce runs the pipeline once; --fix and --diff run it again on the fixed sources
	// (overlay, by absolute path) before writing or showing anything.
	lintOnce := func(overlay map[string][]byte) (*report, error) {
		o := opts
		o.Overlay = overlay
		res, err := loadWithContext(paths, o, context...)
		if err != nil {
			return nil, usagef("%v", err)
		}
		// The parsers' syntax trees are garbage now and the model is what stays.
		// Collecting here lets rules and output reuse that memory instead of growing the
		// heap: on a large tree fresh pages from the OS cost more than the collection
		// (docs/benchmarks.md).
		runtime.GC()
		findings := rules.Run(res.Model, cfg)
		if f.fix || f.diff {
			rules.ResolveEdits(res.Model, findings) // Kubernetes patches as edits
		}
		kept, unused := rules.Suppress(res.Model, cfg, findings, f.noIgnore)
		findings = kept // in order: rules.Run sorts
		if len(unused) > 0 {
			findings = append(findings, unused...)
			rules.SortFindings(findings)
		}
		rep := newReport(res, findings)
		if f.writeBase != "" {
			if base, err = writeBaseline(f.writeBase, cwd, rep); err != nil {
				return nil, err
			}
			f.baseline = f.writeBase
		}
		if base != nil {
			applyBaseline(rep, base, f.baseline, cwd)
		}
		return rep, nil
	}
	var rep *report
	fixed := ""
	if f.fix || f.diff {
		var fr *fixRun
		if fr, err = fixLoop(lintOnce, cwd); err != nil {
			return err
		}
		if f.diff {
			return showDiff(out, cmd.ErrOrStderr(), fr, useColor(out, f.noColor))
		}
		if err := fr.write(); err != nil {
			return err
		}
		fixed, rep = fr.summary("fixed"), fr.final
	} else if rep, err = lintOnce(nil); err != nil {
		return err
	}
	oo := outputOptions{color: useColor(out, f.noColor), failOn: failOn}
	if f.output != "" {
		// The report goes to the file; the terminal still gets the one-line summary,
		// so a CI log says what happened.
		file, err := os.Create(f.output)
		if err != nil {
			return usagef("--output: %v", err)
		}
		oo.color = false
		err = writeBuffered(file, rep, oo, format)
		if cerr := file.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s: %v", f.output, err)
		}
		fmt.Fprintln(out, summaryLine(rep))
	} else if err := writeBuffered(out, rep, oo, format); err != nil {
		return err
	}
	if fixed != "" {
		// On stderr, so that --format json on stdout stays one JSON document.
		fmt.Fprintln(cmd.ErrOrStderr(), fixed)
	}
	if len(rep.Errors) > 0 {
		return exitError{exitFindings}
	}
	if failOn != rules.Off {
		for _, fd := range rep.Findings {
			if fd.Severity >= failOn {
				return exitError{exitFindings}
			}
		}
	}
	return nil
}

// loadConfig finds and parses .no502.yaml; a bad one is a usage error (exit 2). Without
// --config, the config nearest the first path linted wins (its directory, then parents up
// to the git root), then the current directory's: `no502 lint services/hooks` uses
// services/hooks/.no502.yaml, as ruff finds the pyproject.toml of the files it checks.
func loadConfig(explicit, cwd string, args []string) (*config.Config, error) {
	path := ""
	if explicit == "" {
		for _, a := range args {
			if a == "-" {
				continue
			}
			dir := a
			if st, err := os.Stat(a); err == nil && !st.IsDir() {
				dir = filepath.Dir(a)
			}
			path = config.FindConfig("", dir)
			break
		}
	}
	if path == "" {
		path = config.FindConfig(explicit, cwd)
	}
	if path == "" {
		return config.Default(), nil
	}
	display := path
	if rel, err := filepath.Rel(cwd, path); err == nil && !strings.HasPrefix(rel, "..") {
		display = rel
	}
	cfg, err := config.Load(path, display, rules.Known)
	if err != nil {
		return nil, usageError{err}
	}
	return cfg, nil
}

// report is what the output formats print.
type report struct {
	Findings []rules.Finding
	Errors   []parsers.Diag // files that did not parse
	Notes    []parsers.Diag // things skipped on purpose
	Files    int
	Model    *parsers.Model
	// Known counts the findings hidden because the baseline (Baseline) records them.
	Known    int
	Baseline string
	// Explicit holds the display paths named on the command line in named-file mode
	// (load.Result.Explicit); nil when directories were linted. --fix writes only these.
	Explicit map[string]bool
	Roots    []string // load.Result.Roots
}

func newReport(res *load.Result, findings []rules.Finding) *report {
	r := &report{Files: res.Files, Model: res.Model, Findings: findings, Explicit: res.Explicit, Roots: res.Roots}
	if res.Explicit != nil {
		r.Findings = nil
		for _, f := range findings {
			if concerns(f, res.Explicit) {
				r.Findings = append(r.Findings, f)
			}
		}
	}
	for _, d := range res.Model.Diags {
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

// writeBuffered runs a formatter through a buffer: formatters write line by line, and
// unbuffered each line was a system call (15,000 findings took half a second to print).
func writeBuffered(w io.Writer, rep *report, oo outputOptions, format func(io.Writer, *report, outputOptions) error) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if err := format(bw, rep, oo); err != nil {
		return err
	}
	return bw.Flush()
}

// concerns reports whether a finding is about one of the files named on the command
// line: its own position, or the other side of a cross-layer finding.
func concerns(f rules.Finding, files map[string]bool) bool {
	if files[f.Pos.File] {
		return true
	}
	for _, r := range f.Related {
		if files[r.Pos.File] {
			return true
		}
	}
	return false
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
