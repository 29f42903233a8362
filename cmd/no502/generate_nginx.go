package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/no502/no502/generators/app"
	gnginx "github.com/no502/no502/generators/nginx"
)

func init() { generateCmd.AddCommand(newGenerateNginxCmd()) }

func newGenerateNginxCmd() *cobra.Command {
	var o gnginx.LocationOptions
	cmd := &cobra.Command{
		Use:   "nginx-location --path PREFIX --upstream URL [--handler-timeout D] [--app NAME | --app-keepalive D] [--edge cloudflare|none] [--nginx-version V]",
		Short: "Print an nginx location (and upstream) block that no502 lints clean",
		Long: `Print an nginx location block, and the upstream block it proxies to, with a read
timeout above the handler budget, upstream keep-alive wired for the nginx version, a short
connect timeout and retries that never re-send a POST nor a request that ran past the read
timeout (proxy_next_upstream_timeout); an https:// upstream gets SNI
(proxy_ssl_server_name, proxy_ssl_name), which nginx does not send by default. --path is a
literal location prefix (a trailing /* is dropped). An upstream whose addresses change (an
AWS load balancer's or an Azure public IP's DNS name) is refused: an upstream block
resolves it once, and resolving it per request needs your DNS server. The block needs
nginx 1.9.13 or later. When the budget cannot fit behind the
edge (e.g. 150s behind Cloudflare's 120s), it says so and prints the "acknowledge fast,
queue the work" alternative instead of an impossible timeout.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			defer resetFlags(cmd)
			if o.Path == "" || o.Upstream == "" {
				return usagef("generate nginx-location needs --path and --upstream")
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
			loc, err := gnginx.GenerateLocation(o)
			if err != nil {
				return usagef("%v", err)
			}
			for _, n := range loc.Notes {
				fmt.Fprintln(cmd.ErrOrStderr(), "no502: note: "+n)
			}
			fmt.Fprint(cmd.OutOrStdout(), loc.Text)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Path, "path", "", "location prefix, e.g. /webhooks/")
	f.StringVar(&o.Upstream, "upstream", "", "the app, e.g. http://app:8080, https://api.example.com or unix:/run/app.sock")
	f.DurationVar(&o.HandlerTimeout, "handler-timeout", 0, "how long the app may take for these requests, e.g. 90s")
	f.StringVar(&o.Edge, "edge", "none", "edge proxy in front: cloudflare or none")
	f.DurationVar(&o.EdgeTimeout, "edge-timeout", 120*time.Second, "the edge's proxy read timeout")
	f.StringVar(&o.NginxVersion, "nginx-version", "", "nginx version the block is for, e.g. 1.28.0 (default: any nginx since 1.15.3)")
	addAppFlags(f, &o.App, &o.AppKeepAlive)
	return cmd
}

// refuseExplicitZero refuses an explicit 0 for duration flags whose unset value is 0:
// the generator would silently use its default (k8s-workload's --prestop 0s wrote a 10s
// sleep; nginx-location's --handler-timeout 0s wrote nginx's 60s default with the comment
// "the handler budget was not given").
func refuseExplicitZero(cmd *cobra.Command, names ...string) error {
	for _, name := range names {
		if fl := cmd.Flags().Lookup(name); fl != nil && fl.Changed && fl.Value.String() == "0s" {
			return usagef("--%s 0s: give a positive duration, or leave the flag out for its default", name)
		}
	}
	return nil
}

// addAppFlags adds the flags that say which app server sits behind a generated proxy
// block, so that its upstream keep-alive stays below the app's (shared by the nginx and
// Caddy generators, with the same names).
func addAppFlags(f *pflag.FlagSet, name *string, keepAlive *time.Duration) {
	f.StringVar(name, "app", "", "the app server behind the upstream: "+strings.Join(app.Names(), ", ")+" (its default keep-alive is used)")
	f.DurationVar(keepAlive, "app-keepalive", 0, "the app's idle keep-alive, e.g. 30s (wins over --app)")
}
