package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	gcaddy "github.com/no502/no502/generators/caddy"
)

func init() { generateCmd.AddCommand(newGenerateCaddyCmd()) }

func newGenerateCaddyCmd() *cobra.Command {
	var o gcaddy.RouteOptions
	cmd := &cobra.Command{
		Use:   "caddy-route --path MATCHER --upstream ADDR [--upstream ADDR ...] [--handler-timeout D] [--health-path PATH] [--app NAME | --app-keepalive D] [--edge cloudflare|none] [--site ADDRESS]",
		Short: "Print a Caddy reverse_proxy block that no502 lints clean",
		Long: `Print a Caddyfile reverse_proxy block with retries on another upstream
(lb_try_duration), a short dial timeout and a response_header_timeout above the handler
budget. --health-path adds active checks on the app's health endpoint; there is no default
path, because a check on a path the app does not serve (404) takes every upstream out of
rotation and Caddy answers 503 to every request. No passive checks (fail_duration): Caddy
counts a request past response_header_timeout as a failure and takes the upstream out, so a
few slow requests (or a blip of one upstream) become 503 for every request. By default it
prints the bare route, to paste into an existing site block; --site ADDRESS wraps it in a
site block preceded by a global options block that bounds shutdown (grace_period,
shutdown_delay), ready for caddy adapt. When the budget cannot fit behind the edge (e.g.
150s behind Cloudflare's 120s), it says so and prints the "acknowledge fast, queue the work"
alternative instead of an impossible timeout.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// generateCmd is shared by every run in a process (tests run many): put
			// the flags back to their defaults afterwards so no value leaks into the
			// next run.
			defer resetFlags(cmd)
			if o.Path == "" || len(o.Upstreams) == 0 {
				return usagef("generate caddy-route needs --path and at least one --upstream")
			}
			if o.HandlerTimeout < 0 {
				return usagef("--handler-timeout must not be negative")
			}
			if err := refuseExplicitZero(cmd, "handler-timeout", "app-keepalive"); err != nil {
				return err
			}
			// The edge's timeout means nothing without the edge: refuse it rather than
			// print a block that silently ignores it.
			if cmd.Flags().Changed("edge-timeout") && o.Edge != "cloudflare" {
				return usagef("--edge-timeout needs --edge cloudflare")
			}
			if cmd.Flags().Changed("edge-timeout") && o.EdgeTimeout <= 0 {
				return usagef("--edge-timeout must be positive, got %s", o.EdgeTimeout)
			}
			r, err := gcaddy.GenerateRoute(o)
			if err != nil {
				return usagef("%v", err)
			}
			for _, n := range r.Notes {
				fmt.Fprintln(cmd.ErrOrStderr(), "no502: note: "+n)
			}
			fmt.Fprint(cmd.OutOrStdout(), r.Text)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Path, "path", "", "Caddy path matcher, e.g. '/webhooks/*'")
	f.StringArrayVar(&o.Upstreams, "upstream", nil, "an app instance, e.g. app-1:8080 (repeat for each)")
	f.DurationVar(&o.HandlerTimeout, "handler-timeout", 0, "how long the app may take for these requests, e.g. 90s")
	f.StringVar(&o.Edge, "edge", "none", "edge proxy in front: cloudflare or none")
	f.DurationVar(&o.EdgeTimeout, "edge-timeout", 120*time.Second, "the edge's proxy read timeout")
	f.StringVar(&o.HealthPath, "health-path", "", "the app's health endpoint for active checks, e.g. /healthz (default: none)")
	// --health-uri was this flag's name before every generator said --health-path.
	f.StringVar(&o.HealthPath, "health-uri", "", "")
	_ = f.MarkDeprecated("health-uri", "use --health-path")
	f.StringVar(&o.Site, "site", "", "wrap the route in a site block with this address (e.g. example.com or :8080)")
	addAppFlags(f, &o.App, &o.AppKeepAlive)
	return cmd
}

// resetFlags sets every flag of cmd back to its default and marks it unset.
func resetFlags(cmd *cobra.Command) {
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			sv.Replace(nil)
		} else {
			f.Value.Set(f.DefValue)
		}
		f.Changed = false
	})
}
