package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/no502/no502/lint"
	"github.com/no502/no502/rules"
)

// Shell completion: cobra's own `no502 completion bash|zsh|fish|powershell` prints the
// script; these functions give it what to offer for no502's arguments and flag values.

// completeRuleIDs offers rule IDs (explain).
func completeRuleIDs(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, r := range rules.All() {
		if strings.HasPrefix(r.ID, toComplete) {
			out = append(out, cobra.CompletionWithDesc(r.ID, r.Summary))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeSelectors offers rule IDs and categories for --select and --ignore, after the
// comma-separated ones already typed.
func completeSelectors(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	prefix, word := "", toComplete
	if i := strings.LastIndexByte(toComplete, ','); i >= 0 {
		prefix, word = toComplete[:i+1], toComplete[i+1:]
	}
	var out []cobra.Completion
	for _, s := range lint.Selectors() {
		if strings.HasPrefix(s, word) {
			out = append(out, prefix+s)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// fixedValues offers a flag's possible values.
func fixedValues(values ...string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, v := range values {
			if strings.HasPrefix(v, toComplete) {
				out = append(out, v)
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
