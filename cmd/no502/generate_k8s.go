package main

import (
	"fmt"

	"github.com/spf13/cobra"

	gk8s "github.com/no502/no502/generators/k8s"
)

func init() { generateCmd.AddCommand(newGenerateK8sCmd()) }

func newGenerateK8sCmd() *cobra.Command {
	var o gk8s.WorkloadOptions
	cmd := &cobra.Command{
		Use:   "k8s-workload --name NAME --image IMAGE --port N --health-path PATH [--handler-timeout D] [--app gunicorn|uvicorn|node --app-module M]",
		Short: "Print a Kubernetes Deployment, Service and PodDisruptionBudget that no502 lints clean",
		Long: `Print a Deployment, a Service and a PodDisruptionBudget for an HTTP app: two replicas
that roll one at a time (maxUnavailable 0, maxSurge 1), a preStop delay so endpoints drop
a terminating pod before it stops serving, terminationGracePeriodSeconds covering the
delay plus the handler budget, a readiness probe on --health-path separate from a TCP
liveness probe, and (with --app gunicorn or uvicorn) a command line whose keep-alive
outlives the proxy's idle connections (--proxy-idle, default 60s: ALB, nginx and
ingress-nginx) and (gunicorn) whose graceful timeout matches the budget; uvicorn gets no
--timeout-graceful-shutdown, which versions before 0.22 refuse: it waits for the requests
in flight, within the grace period.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			defer resetFlags(cmd)
			if err := refuseExplicitZero(cmd, "prestop", "proxy-idle", "handler-timeout"); err != nil {
				return err
			}
			// 0 is also the generator's unset value for replicas: --replicas 0 wrote 2.
			if cmd.Flags().Changed("replicas") && o.Replicas == 0 {
				return usagef("--replicas 0: must be at least 2 (with one, every rollout, node drain and crash is an outage)")
			}
			w, err := gk8s.GenerateWorkload(o)
			if err != nil {
				return usagef("%v", err)
			}
			for _, n := range w.Notes {
				fmt.Fprintln(cmd.ErrOrStderr(), "no502: note: "+n)
			}
			fmt.Fprint(cmd.OutOrStdout(), w.Text)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Name, "name", "", "name of the Deployment, Service and PodDisruptionBudget")
	f.StringVar(&o.Namespace, "namespace", "", "namespace (default: none written; kubectl -n decides)")
	f.StringVar(&o.Image, "image", "", "container image")
	f.IntVar(&o.Port, "port", 0, "the port the app listens on")
	f.StringVar(&o.HealthPath, "health-path", "", "the app's readiness endpoint, e.g. /ready")
	f.DurationVar(&o.HandlerTimeout, "handler-timeout", 0, "how long the slowest request may take, e.g. 90s (default: 30s assumed)")
	f.StringVar(&o.App, "app", "", "the app server: gunicorn, uvicorn or node (gunicorn and uvicorn get a command line)")
	f.StringVar(&o.AppModule, "app-module", "", "the application gunicorn or uvicorn loads, e.g. main:app")
	f.IntVar(&o.Replicas, "replicas", 2, "replicas (at least 2)")
	f.DurationVar(&o.ProxyIdle, "proxy-idle", 0, "how long the proxy or load balancer in front keeps idle connections (default 60s)")
	f.DurationVar(&o.PreStop, "prestop", 0, "how long a terminating pod keeps serving while endpoints drop it (default 10s)")
	f.BoolVar(&o.PreStopExec, "prestop-exec", false, "write the preStop delay as exec: sleep (any Kubernetes version; needs sleep in the image) instead of the sleep action (1.30+)")
	return cmd
}
