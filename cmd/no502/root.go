package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/no502/no502/internal/suggest"
)

// Exit codes (DESIGN.md): 0 clean, 1 findings at or above --fail-on or files that did
// not parse, 2 bad usage or a bad config file.
const (
	exitClean    = 0
	exitFindings = 1
	exitUsage    = 2
)

// usageError marks an error caused by how no502 was invoked; it exits 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// exitError carries an exit code out of a command without printing anything more.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// generateCmd is the parent of every generator; each generator file adds itself in init.
var generateCmd = &cobra.Command{
	Use:   "generate",
	Short: "Print correct config blocks from scratch (nginx-location, caddy-route, alb-target-group, k8s-workload)",
	Args:  cobra.NoArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		return usagef("generate needs a generator: %s", generatorNames(cmd))
	},
}

func generatorNames(cmd *cobra.Command) string {
	var s string
	for i, c := range cmd.Commands() {
		if i > 0 {
			s += ", "
		}
		s += c.Name()
	}
	return s
}

// subcommands lists constructors for the top-level commands other than generate.
var subcommands []func(stdin io.Reader) *cobra.Command

func newRoot(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "no502",
		Short:         "Find the config mistakes that cause 502 and 504 errors, and write the fix",
		SilenceUsage:  true,
		SilenceErrors: true,
		// --version prints what `no502 version` prints.
		Version: currentVersion().String(),
	}
	root.SetVersionTemplate("no502 {{.Version}}\n")
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError{flagHint(c, err)} })
	for _, mk := range subcommands {
		root.AddCommand(mk(stdin))
	}
	root.AddCommand(generateCmd)
	return root
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return exitClean
	}
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if msg := err.Error(); strings.HasPrefix(msg, "unknown command ") {
		// Cobra's own hint is a paragraph ("Did you mean this?" and a list); one line,
		// as the other usage errors.
		err = usageError{errors.New(commandHint(root, msg))}
	}
	// A config file with several problems reports each on its own line.
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(stderr, "no502: "+line)
	}
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		return exitUsage
	}
	return exitFindings
}

// isCobraUsage recognises cobra's own argument errors (unknown command, wrong arg count).
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "accepts ", "requires at least", "requires at most", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// otherLintersFlags are flags of ruff, golangci-lint and eslint that no502 spells
// differently: someone coming from them types these first.
var otherLintersFlags = map[string]string{
	"disable":       "ignore",  // golangci-lint
	"enable":        "select",  // golangci-lint
	"extend-select": "select",  // ruff
	"output-format": "format",  // ruff
	"out-format":    "format",  // golangci-lint v1
	"output-file":   "output",  // ruff, eslint
	"severity":      "fail-on", // hadolint's --failure-threshold, eslint's --max-warnings
	"f":             "format",  // eslint -f
	"c":             "config",  // eslint, yamllint -c
	// The generators' request budget: "--timeout" read as --edge-timeout by spelling.
	"timeout": "handler-timeout",
}

// flagHint adds the flag meant to an unknown flag error: the one other linters name so,
// or the nearest by spelling among the command's flags.
func flagHint(c *cobra.Command, err error) error {
	msg := err.Error()
	var name string
	switch {
	case strings.HasPrefix(msg, "unknown flag: --"):
		name = strings.TrimPrefix(msg, "unknown flag: --")
	case strings.HasPrefix(msg, "unknown shorthand flag: '"):
		name = strings.TrimPrefix(msg, "unknown shorthand flag: '")
		if i := strings.IndexByte(name, '\''); i >= 0 {
			name = name[:i]
		}
	default:
		return err
	}
	want := ""
	if alt, ok := otherLintersFlags[name]; ok && c.Flags().Lookup(alt) != nil {
		want = alt
	} else if len(name) > 1 {
		var names []string
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden {
				names = append(names, f.Name)
			}
		})
		want = suggest.Closest(name, names)
	}
	if want == "" {
		return err
	}
	return fmt.Errorf("%s (did you mean --%s?)", msg, want)
}

// commandHint is cobra's unknown command error on one line, with the nearest command.
func commandHint(root *cobra.Command, msg string) string {
	first := strings.SplitN(msg, "\n", 2)[0]
	var names []string
	for _, c := range root.Commands() {
		if !c.Hidden {
			names = append(names, c.Name())
		}
	}
	var name, parent string
	if _, err := fmt.Sscanf(first, "unknown command %q for %q", &name, &parent); err == nil {
		// A subcommand's unknown command ("no502 generate nginx") is hinted among its
		// own commands (nginx-location), not the root's.
		if c, _, err := root.Find(strings.Fields(parent)[1:]); err == nil && c != root {
			names = names[:0]
			for _, sub := range c.Commands() {
				if !sub.Hidden {
					names = append(names, sub.Name())
				}
			}
			if h := suggest.Hint(name, names); h != "" {
				return first + h
			}
			return first + "; it has " + strings.Join(names, ", ")
		}
	} else if _, err := fmt.Sscanf(first, "unknown command %q", &name); err != nil {
		return first
	}
	return first + suggest.Hint(name, names)
}
