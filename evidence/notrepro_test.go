package evidence

// notReproducible lists the rules no loopback experiment here shows, with why and where
// their claim comes from instead (each rule's page has the full sources). No experiment
// is faked for them.
const notReproducible = `
## Not reproducible on loopback

These rules are about a managed service or an orchestrator that does not run on a single
machine's loopback. Their claims rest on the provider's documentation and source, cited on
each rule's page under "Sources".

| rule | why not here | source |
|---|---|---|
| [` + "`edge-timeout-exceeded`" + `](rules/edge-timeout-exceeded.md) | Cloudflare's proxy read timeout (524) is Cloudflare's edge | Cloudflare connection limits and error 524: https://developers.cloudflare.com/fundamentals/reference/connection-limits/ |
| [` + "`keepalive-race`" + `](rules/keepalive-race.md) behind an AWS ALB | the ALB's idle timeout (60s) is AWS's; the proxy side of the rule is shown above | AWS ALB attributes ("configure the idle timeout of your application to be larger than the idle timeout configured for the load balancer"): https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html |
| [` + "`deregistration-delay-too-short`" + `](rules/deregistration-delay-too-short.md), [` + "`lb-drain-mismatch`" + `](rules/lb-drain-mismatch.md) | target group deregistration is AWS's | AWS target group attributes: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#deregistration-delay |
| [` + "`health-check-disabled`" + `](rules/health-check-disabled.md), [` + "`health-check-slow`" + `](rules/health-check-slow.md), [` + "`health-matcher-accepts-errors`" + `](rules/health-matcher-accepts-errors.md), [` + "`asg-ec2-health-check`" + `](rules/asg-ec2-health-check.md), [` + "`lb-health-answered-by-proxy`" + `](rules/lb-health-answered-by-proxy.md) | ALB target health and Auto Scaling are AWS's (the proxy side of the last one is shown by health-answered-by-proxy above) | AWS target group health checks: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html |
| [` + "`deploy-stops-all-tasks`" + `](rules/deploy-stops-all-tasks.md), [` + "`single-task`" + `](rules/single-task.md) | ECS deployments are AWS's | ECS deployment configuration: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html |
| [` + "`grace-period-too-short`" + `](rules/grace-period-too-short.md), [` + "`readiness-probe-missing`" + `](rules/readiness-probe-missing.md), [` + "`readiness-cannot-fail`" + `](rules/readiness-cannot-fail.md), [` + "`liveness-same-as-readiness`" + `](rules/liveness-same-as-readiness.md), [` + "`probe-slow-detection`" + `](rules/probe-slow-detection.md) | the kubelet's probes and SIGKILL need a cluster (prestop-missing's proxy-side effect is shown above) | Pod lifecycle and probes: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/ |
| [` + "`single-replica`" + `](rules/single-replica.md), [` + "`hpa-min-replicas`" + `](rules/hpa-min-replicas.md), [` + "`pdb-missing`" + `](rules/pdb-missing.md), [` + "`rollout-takes-all-down`" + `](rules/rollout-takes-all-down.md), [` + "`single-instance-on-path`" + `](rules/single-instance-on-path.md) | replica counts, evictions and rollouts are the cluster's (the proxy-side effect of one instance restarting is single-upstream above) | Deployments and disruptions: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/, https://kubernetes.io/docs/concepts/workloads/pods/disruptions/ |
| [` + "`proxy-shutdown-unbounded`" + `](rules/proxy-shutdown-unbounded.md) | the harm is the kubelet's SIGKILL at the end of the pod's grace period, cutting a Caddy that waits forever | Caddy grace_period and Kubernetes pod termination: https://caddyserver.com/docs/caddyfile/options#grace-period, https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination |
| [` + "`health-check-wrong-port`" + `](rules/health-check-wrong-port.md) | the target group's health check and target registration are AWS's | AWS target group health check port ("the default is traffic-port"): https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html |
| [` + "`depends-on-not-healthy`" + `](rules/depends-on-not-healthy.md) | the start order is Docker Compose's, and Docker does not run here | Compose depends_on conditions (service_started by default, service_healthy): https://docs.docker.com/reference/compose-file/services/#depends_on |
| [` + "`unused-suppression`" + `](rules/unused-suppression.md), [` + "`inline-suppression`" + `](rules/inline-suppression.md) | about no502's own comments, not traffic | — |

Not covered yet: keepalive-race against gunicorn's gthread worker. Measured here (five
tries), gunicorn 20.1 with ` + "`--keep-alive 2`" + ` closed idle connections between 2.1s and 2.9s
after the response: its worker checks keep-alive deadlines on a one-second poll tick, so the moment of
the close cannot be aimed at, and an experiment would be flaky. (no502 takes ` + "`--keep-alive`" + `
as the close time, the earlier end, which is the safe side.)
`
