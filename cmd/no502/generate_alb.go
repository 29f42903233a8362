package main

import (
	"fmt"

	"github.com/spf13/cobra"

	gtf "github.com/no502/no502/generators/terraform"
)

func init() { generateCmd.AddCommand(newGenerateALBCmd()) }

func newGenerateALBCmd() *cobra.Command {
	var o gtf.TargetGroupOptions
	cmd := &cobra.Command{
		Use:   "alb-target-group --name NAME --port PORT --health-path PATH [--handler-timeout D] [--path PATTERN]",
		Short: "Print an aws_lb_target_group (and listener rule) that no502 lints clean",
		Long: `Print a Terraform aws_lb_target_group whose deregistration_delay outlasts the handler
budget, whose health check counts only 200 as healthy and takes a dead target out within
30s (timeout below interval), and, with --path, the aws_lb_listener_rule that forwards that
path to it. The output is formatted as terraform fmt would.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			defer resetFlags(cmd)
			if cmd.Flags().Changed("port") && o.Port == 0 {
				return usagef("--port 0: must be 1-65535")
			}
			if o.Name == "" || o.Port == 0 || o.HealthPath == "" {
				return usagef("generate alb-target-group needs --name, --port and --health-path")
			}
			if err := refuseExplicitZero(cmd, "handler-timeout"); err != nil {
				return err
			}
			out, err := gtf.GenerateTargetGroup(o)
			if err != nil {
				return usagef("%v", err)
			}
			// Say what was guessed, as the other generators do: without a budget the
			// deregistration delay is a default, not a number that covers the app.
			if o.HandlerTimeout == 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "no502: note: no --handler-timeout: deregistration_delay %d assumes requests finish within %ds; pass --handler-timeout with the slowest request's budget to size it (and the load balancer's idle_timeout)\n", gtf.DefaultDeregistrationDelay, gtf.DefaultDeregistrationDelay)
			}
			fmt.Fprint(cmd.OutOrStdout(), out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Name, "name", "", "target group name, e.g. hooks")
	f.IntVar(&o.Port, "port", 0, "the app's port, e.g. 8080")
	f.StringVar(&o.HealthPath, "health-path", "", "the app's health endpoint, e.g. /healthz")
	f.DurationVar(&o.HandlerTimeout, "handler-timeout", 0, "how long the app may take for a request, e.g. 90s")
	f.StringVar(&o.Path, "path", "", "also print a listener rule forwarding this path pattern, e.g. /hooks/*")
	f.StringVar(&o.VPCIDExpr, "vpc-id-expr", "var.vpc_id", "HCL reference for the VPC id")
	f.StringVar(&o.ListenerARNExpr, "listener-arn-expr", "var.listener_arn", "HCL reference for the listener the rule attaches to")
	return cmd
}
