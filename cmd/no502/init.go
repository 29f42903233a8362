package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/no502/no502/config"
	"github.com/no502/no502/lint"
	"github.com/no502/no502/parsers"
	"github.com/no502/no502/routes"
)

func init() { subcommands = append(subcommands, newInitCmd) }

func newInitCmd(io.Reader) *cobra.Command {
	var format, budgetFlag string
	var toStdout bool
	cmd := &cobra.Command{
		Use:   "init [PATH...]",
		Short: "List every route with its timeout chain, and write a .no502.yaml with a routes: entry for each",
		Long: `List every path the configs under PATH (default .) serve: nginx locations, Caddy routes,
ALB listener rules, Ingress paths, and what they forward to (proxies, Services, Compose
services, the app server). For each, the timeout chain a request meets, outermost first
(edge → load balancer → proxy → app): how long each layer waits and where that value
comes from (file:line, or the product default that applies).

Then write .no502.yaml in the current directory with a routes: entry per path, commented
out: the file loads as it is and changes no finding until you uncomment an entry and set
its handler_timeout (the slowest response the path must serve). --budget 30s writes
every entry with that handler_timeout instead, so the timeout rules check every route.

init never overwrites a config: when a .no502.yaml already applies to PATH (the one
lint would use) or one is in the current directory, it lists the routes and exits 2
without writing; --stdout prints the file instead of writing it, to copy entries from.`,
		Example: `  no502 init                        # list the routes, write .no502.yaml with entries to fill in
  no502 init --budget 30s deploy/   # every route gets handler_timeout: 30s
  no502 init --stdout               # print the file, write nothing
  no502 init --format json          # the routes and their chains as JSON (docs/cli.md)`,
		RunE: func(cmd *cobra.Command, args []string) error {
			format = strings.ToLower(format) // as lint --format
			switch format {
			case "text", "json":
			default:
				return usagef("unknown --format %q (want text or json)", format)
			}
			if toStdout && format == "json" {
				return usagef("--stdout prints the .no502.yaml; it cannot be combined with --format json")
			}
			if slices.Contains(args, "-") {
				return usagef("init reads files and directories, not standard input (-): the routes it writes are for the paths lint will read")
			}
			var budget time.Duration
			if budgetFlag != "" {
				d, err := time.ParseDuration(budgetFlag)
				if err != nil || d <= 0 {
					return usagef("--budget %q is not a positive duration (write it with a unit, e.g. 30s or 2m)", budgetFlag)
				}
				budget = d
			}
			res, err := lint.Run(cmd.Context(), args, lint.Options{NoIgnore: true})
			if err != nil {
				return lintError(err)
			}
			stderr := cmd.ErrOrStderr()
			for _, d := range res.Errors {
				fmt.Fprintf(stderr, "warning: %s: %s (routes after the error may be missing)\n", d.Pos, d.Message)
			}
			if res.NothingLinted != "" {
				fmt.Fprintln(stderr, "warning: "+res.NothingLinted)
			}
			list := routes.List(res.Model, res.Config)
			if len(list) >= routes.MaxRoutes {
				fmt.Fprintf(stderr, "warning: the listing stops at %d routes: run init on a subdirectory to see the rest\n", routes.MaxRoutes)
			}
			file := initFile(list, budget)
			if toStdout {
				_, err := io.WriteString(cmd.OutOrStdout(), file)
				return err
			}
			if format == "json" {
				err = writeRoutesJSON(cmd.OutOrStdout(), list)
			} else {
				err = writeRoutesTable(cmd.OutOrStdout(), list)
			}
			if err != nil {
				return err
			}
			if len(list) == 0 {
				fmt.Fprintln(stderr, "no502 init: no route found: nothing written (no502 lists nginx locations, Caddy routes, ALB listener rules and Ingress paths that forward to an app)")
				return nil
			}
			if res.Config.Path != "" {
				return usagef("%s already applies to these files: init never overwrites a config. Copy the routes: entries you need from `no502 init --stdout`", res.Config.Path)
			}
			n, err := writeInitFile(config.FileName, file)
			if err != nil {
				return err
			}
			if budget > 0 {
				fmt.Fprintf(stderr, "wrote %s: %s with handler_timeout: %s. Run no502 lint to check every route against it.\n", config.FileName, plural(n, "routes: entry"), parsers.FormatDuration(budget))
			} else {
				fmt.Fprintf(stderr, "wrote %s: %s, commented out. Uncomment each and set its handler_timeout to the slowest response the path must serve, then run no502 lint.\n", config.FileName, plural(n, "routes: entry"))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&budgetFlag, "budget", "", "write every route with this handler_timeout (e.g. 30s) instead of commented-out entries")
	cmd.Flags().BoolVar(&toStdout, "stdout", false, "print the .no502.yaml instead of writing it (and not the table)")
	cmd.Flags().StringVar(&format, "format", "text", "how the routes are listed: text or json")
	_ = cmd.RegisterFlagCompletionFunc("format", fixedValues("text", "json"))
	return cmd
}

// writeInitFile creates path with text and returns the number of routes: entries in it.
// O_EXCL makes "never overwrite" hold even when a file appeared since the config was
// looked for (or is one lint does not read, such as a directory of that name).
func writeInitFile(path, text string) (int, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		abs, _ := filepath.Abs(path)
		return 0, usagef("%s already exists: init never overwrites it. Copy the routes: entries you need from `no502 init --stdout`", abs)
	}
	if err != nil {
		return 0, err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	return strings.Count(text, "- match: "), nil // active or commented out, one per entry
}

// writeRoutesTable prints one block per route: its path, then a line per layer of its
// chain with the timeout and where the value comes from.
func writeRoutesTable(w io.Writer, list []routes.Route) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROUTE\tLAYER\tWHERE\tWAITS\tFROM")
	for _, r := range list {
		path := r.Path
		if r.BudgetOK {
			path += fmt.Sprintf(" (budget %s, %s)", parsers.Seconds(r.Budget.HandlerTimeout.Value), r.Budget.HandlerTimeout.Pos.Short())
		}
		for i, s := range r.Steps {
			if i > 0 {
				path = ""
			}
			waits := s.Value()
			if s.Setting != "" {
				waits = s.Setting + " " + waits
			} else if !s.Timeout.Known() {
				waits = "-"
			}
			where := s.Name
			if s.Pos.IsValid() {
				where += " (" + s.Pos.Short() + ")"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", path, s.Layer, oneLine(where), waits, oneLine(s.Source()))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, plural(len(list), "route"))
	return err
}

// jsonRoute is one route of `no502 init --format json` (docs/cli.md#no502-init).
type jsonRoute struct {
	Path   string      `json:"path"`
	Match  string      `json:"match"`
	Budget *jsonBudget `json:"budget,omitempty"`
	Chain  []jsonStep  `json:"chain"`
}

type jsonBudget struct {
	HandlerTimeout string  `json:"handler_timeout"`
	Seconds        float64 `json:"seconds"`
	Pos            string  `json:"pos"`
}

type jsonStep struct {
	Layer   string   `json:"layer"`
	Name    string   `json:"name"`
	Pos     string   `json:"pos,omitempty"`
	Setting string   `json:"setting,omitempty"`
	Timeout string   `json:"timeout"`           // "30s", "none" (no limit), "?" (unknown)
	Seconds *float64 `json:"seconds,omitempty"` // absent when unknown; 0 means no limit
	Source  string   `json:"source"`
}

func writeRoutesJSON(w io.Writer, list []routes.Route) error {
	out := struct {
		Routes []jsonRoute `json:"routes"`
	}{Routes: []jsonRoute{}}
	for _, r := range list {
		jr := jsonRoute{Path: r.Path, Match: r.Match, Chain: []jsonStep{}}
		if r.BudgetOK {
			jr.Budget = &jsonBudget{HandlerTimeout: parsers.Seconds(r.Budget.HandlerTimeout.Value), Seconds: r.Budget.HandlerTimeout.Value.Seconds(), Pos: r.Budget.HandlerTimeout.Pos.Short()}
		}
		for _, s := range r.Steps {
			js := jsonStep{Layer: string(s.Layer), Name: s.Name, Setting: s.Setting, Timeout: s.Value(), Source: s.Source()}
			if s.Pos.IsValid() {
				js.Pos = s.Pos.Short()
			}
			if s.Timeout.Known() {
				sec := s.Timeout.Value.Seconds()
				js.Seconds = &sec
			}
			jr.Chain = append(jr.Chain, js)
		}
		out.Routes = append(out.Routes, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// maxChainsPerEntry bounds the comments above one entry: a catch-all served by thousands
// of server blocks would bury the entries.
const maxChainsPerEntry = 5

// initFile is the .no502.yaml init writes: a routes: entry per distinct match, each
// after comments giving the chains it covers. Without budget the entries are comments:
// routes: with nothing under it is an empty list, so the file changes nothing until an
// entry is filled in.
func initFile(list []routes.Route, budget time.Duration) string {
	var b strings.Builder
	b.WriteString(`# .no502.yaml, written by no502 init (see no502 init --help).
#
# routes: how long the app may take to answer (handler_timeout), per path prefix. no502
# checks every load balancer and proxy on the way against these budgets. Each entry is a
# path no502 found, after the timeout chain a request on it meets today (outermost first:
# what waits, how long, where that comes from).
`)
	if budget <= 0 {
		b.WriteString(`# Uncomment an entry and set handler_timeout to the slowest response that path must
# serve; an entry left commented out changes nothing.
`)
	}
	b.WriteString("routes:\n")
	var order []string
	chains := map[string][]routes.Route{}
	for _, r := range list {
		if _, ok := chains[r.Match]; !ok {
			order = append(order, r.Match)
		}
		chains[r.Match] = append(chains[r.Match], r)
	}
	for i, match := range order {
		if i > 0 {
			b.WriteString("\n")
		}
		shortest := time.Duration(0)
		for i, r := range chains[match] {
			if i == maxChainsPerEntry {
				fmt.Fprintf(&b, "  # ... and %d more under %s (the table no502 init prints lists them)\n", len(chains[match])-i, match)
				break
			}
			shown := r.Path
			switch {
			case shown == match, match == "":
			case match == "/":
				shown += " (no prefix describes it: the budget for / covers it, and every other route too)"
			default:
				shown += " (the budget for " + match + " covers it)"
			}
			fmt.Fprintf(&b, "  # %s\n", oneLine(shown))
			for _, s := range r.Steps {
				fmt.Fprintf(&b, "  #   %s\n", oneLine(chainLine(s)))
				if s.Timeout.Known() && s.Timeout.Value > 0 && (shortest == 0 || s.Timeout.Value < shortest) {
					shortest = s.Timeout.Value
				}
			}
		}
		switch {
		case match == "":
			b.WriteString("  # (no entry: a match is a path starting with /, and this is not one)\n")
			continue
		case budget > 0:
			fmt.Fprintf(&b, "  - match: %s\n    handler_timeout: %s\n", yamlScalar(match), parsers.FormatDuration(budget))
			continue
		}
		hint := ""
		if shortest > 0 {
			hint = fmt.Sprintf("  # the shortest wait on the way is %s today", parsers.Seconds(shortest))
		}
		fmt.Fprintf(&b, "  # - match: %s\n  #   handler_timeout: ?%s\n", yamlScalar(match), hint)
	}
	return b.String()
}

// chainLine is one step of a chain in a comment: "nginx hooks.example.com /webhooks/:
// proxy_read_timeout 30s (nginx/conf.d/hooks.conf:14)".
func chainLine(s routes.Step) string {
	line := string(s.Layer) + ": " + s.Name
	switch {
	case s.Setting != "":
		line += ": " + s.Setting + " " + s.Value() + " (" + s.Source() + ")"
	case s.Note != "":
		line += " (" + s.Note + ")"
	}
	return line
}

var plainYAML = regexp.MustCompile(`^/[A-Za-z0-9/_.~-]*$`)

// yamlScalar writes a match as YAML: plain when it is a simple path, else double-quoted
// (JSON's quoting is valid YAML).
func yamlScalar(s string) string {
	if plainYAML.MatchString(s) {
		return s
	}
	q, _ := json.Marshal(s)
	return string(q)
}

// oneLine keeps names from the configs on one line of a table or comment.
func oneLine(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ").Replace(s)
}

// plural says "1 route", "3 routes", "2 routes: entries".
func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", what)
	}
	if strings.HasSuffix(what, "entry") {
		return fmt.Sprintf("%d %sentries", n, strings.TrimSuffix(what, "entry"))
	}
	return fmt.Sprintf("%d %ss", n, what)
}
