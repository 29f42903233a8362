package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/no502/no502/rules"
)

func init() {
	subcommands = append(subcommands, newRulesCmd, newExplainCmd, newVersionCmd)
}

func newRulesCmd(io.Reader) *cobra.Command {
	return &cobra.Command{
		Use:   "rules",
		Short: "List every rule: ID, category, default severity, summary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCATEGORY\tSEVERITY\tSUMMARY")
			for _, r := range rules.All() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Category, r.Severity, r.Summary)
			}
			return tw.Flush()
		},
	}
}

func newExplainCmd(io.Reader) *cobra.Command {
	return &cobra.Command{
		Use:   "explain RULE",
		Short: "Print a rule's documentation: why it causes 502s, the fix, the sources",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r := rules.Lookup(args[0])
			if r == nil {
				return usagef("unknown rule %q; `no502 rules` lists them", args[0])
			}
			doc := strings.TrimSpace(r.Doc)
			fmt.Fprintf(cmd.OutOrStdout(), "%s\n\nCategory: %s. Default severity: %s. Formats: %s.\n", doc, r.Category, r.Severity, strings.Join(r.Formats, ", "))
			return nil
		},
	}
}

// version is set at build time with -ldflags "-X main.version=v1.2.3"; otherwise the
// module version from the build info is used.
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func newVersionCmd(io.Reader) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print no502's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "no502 "+versionString())
			return nil
		},
	}
}
