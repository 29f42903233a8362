package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/no502/no502/rules"
)

func init() {
	subcommands = append(subcommands, newRulesCmd, newExplainCmd)
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
