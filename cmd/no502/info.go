package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/no502/no502/internal/suggest"
	"github.com/no502/no502/lint/output"
	"github.com/no502/no502/rules"
)

func init() {
	subcommands = append(subcommands, newRulesCmd, newExplainCmd)
}

func newRulesCmd(io.Reader) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List every rule: ID, category, default severity, summary (--format json: also formats and doc URL)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			format = strings.ToLower(format) // as lint --format
			switch format {
			case "text":
			case "json":
				return writeRulesJSON(cmd.OutOrStdout())
			default:
				return usagef("unknown --format %q (want text or json)", format)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCATEGORY\tSEVERITY\tSUMMARY")
			for _, r := range rules.All() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Category, r.Severity, r.Summary)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	_ = cmd.RegisterFlagCompletionFunc("format", fixedValues("text", "json"))
	return cmd
}

// jsonRule is one rule in `no502 rules --format json` (docs/json.md).
type jsonRule struct {
	ID       string   `json:"id"`
	Category string   `json:"category"`
	Severity string   `json:"severity"`
	Formats  []string `json:"formats"`
	Summary  string   `json:"summary"`
	DocURL   string   `json:"doc_url"`
}

func writeRulesJSON(w io.Writer) error {
	out := []jsonRule{}
	for _, r := range rules.All() {
		out = append(out, jsonRule{ID: r.ID, Category: string(r.Category), Severity: r.Severity.String(),
			Formats: append([]string{}, r.Formats...), Summary: r.Summary, DocURL: output.RuleDocURL(r.ID)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func newExplainCmd(io.Reader) *cobra.Command {
	return &cobra.Command{
		Use:   "explain RULE",
		Short: "Print a rule's documentation: why it causes 502s, the fix, the sources",
		Args: func(cmd *cobra.Command, args []string) error {
			// cobra's "accepts 1 arg(s), received 0" says nothing of what to give.
			if len(args) != 1 {
				return usagef("explain takes one rule ID, e.g. no502 explain single-replica (got %d); `no502 rules` lists them", len(args))
			}
			return nil
		},
		ValidArgsFunction: completeRuleIDs,
		RunE: func(cmd *cobra.Command, args []string) error {
			r := rules.Lookup(args[0])
			if r == nil {
				var ids []string
				for _, r := range rules.All() {
					ids = append(ids, r.ID)
				}
				return usagef("unknown rule %q%s; `no502 rules` lists them", args[0], suggest.Hint(args[0], ids))
			}
			doc := strings.TrimSpace(r.Doc)
			fmt.Fprintf(cmd.OutOrStdout(), "%s\n\nCategory: %s. Default severity: %s. Formats: %s.\n", doc, r.Category, r.Severity, strings.Join(r.Formats, ", "))
			return nil
		},
	}
}
