package rules

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/no502/no502/parsers"
)

// The ECS checks of rules whose concern Kubernetes and Compose share: a container
// healthCheck that cannot fail (readiness-cannot-fail).

const ecsHealthSources = `- ECS container health check (command CMD or CMD-SHELL; interval 30s, timeout 5s,
  retries 3): https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_HealthCheck.html
- The load balancer routes by its target group's health check; ECS replaces a task that
  fails either: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/healthcheck.html
- dependsOn condition HEALTHY: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDependency.html
`

func init() {
	alsoFormat(readinessCannotFail, parsers.FormatTerraform, "ECS", "Amazon ECS", runHealthCannotFailECS,
		"a container healthCheck that cannot fail (info)", `
An ECS container `+"`healthCheck`"+` (in `+"`container_definitions`"+` of `+"`aws_ecs_task_definition`"+`, or of a
terraform-aws-modules/ecs service) whose command always succeeds (`+"`[\"CMD-SHELL\", \"exit 0\"]`"+`,
`+"`[\"CMD\", \"true\"]`"+`, `+"`echo ok`"+`, or a check followed by `+"`|| exit 0`"+` or `+"`|| true`"+`) makes ECS call
the container HEALTHY when the app cannot answer. It is reported for the containers a
load balancer sends traffic to, as **info**: the load balancer routes by its target
group's own health check, which still takes a broken task out of rotation (and makes ECS
replace it), so requests through it are not affected. What reads container health is
misled: a container that `+"`dependsOn`"+` it with condition `+"`HEALTHY`"+` starts, and, for a service
registered in them (`+"`service_registries`"+`, a `+"`service`"+` block of `+"`service_connect_configuration`"+`),
Cloud Map or Service Connect keep routing other services to it. A check that can fail (`+"`curl -f ...`"+`,
`+"`wget -q --spider ...`"+`, a check program of its own) is not reported.

**Fix (ECS):** a command that fails when the app cannot serve, e.g.
`+"`[\"CMD-SHELL\", \"curl -f http://localhost:8000/health || exit 1\"]`"+` (a snippet).
`, ecsHealthSources)
}

func runHealthCannotFailECS(p *Pass) {
	for _, w := range tfWorkloads(p.Model, parsers.ECSService) {
		if !w.Served {
			continue
		}
		for _, c := range w.Containers {
			hc := c.Liveness
			if hc == nil || hc.Handler != "exec" {
				continue
			}
			script, fixed, ok := composeHealthCannotFail(hc.Command)
			if !ok {
				continue
			}
			if fixed == "" {
				fixed = fmt.Sprintf("curl -f http://localhost:%s/ || exit 1", healthPort(c))
			}
			// Cloud Map and Service Connect route by container health only for a service
			// registered in them; one written with neither has dependsOn alone.
			readers := "a container that dependsOn it with condition HEALTHY starts"
			switch d := w.Discovery; {
			case d.Unknown:
				readers += ", and Cloud Map or Service Connect, where the service is registered, keep sending other services' requests to it, which get 502/503"
			case d.Value != "":
				verb := "keeps"
				if strings.Contains(d.Value, " and ") {
					verb = "keep"
				}
				readers += ", and " + d.Value + " " + verb + " sending other services' requests to it, which get 502/503"
			}
			p.Report(Finding{
				Pos:      hc.Pos,
				Severity: Info,
				Message: fmt.Sprintf("healthCheck of container %s of %s runs `%s`, which always succeeds: ECS calls the container HEALTHY when the app cannot answer. Requests through %s are not affected (it routes by its own health check, which still takes a broken task out), but what reads container health is misled: %s. Make the check fail when the app cannot serve.",
					c.Name, w.Name, script, backendList(p.servedBy(w)), readers),
				Fix: &Fix{
					Description: "a health check that can fail (point it at the app's health endpoint)",
					Snippet:     "healthCheck = {\n  command = [\"CMD-SHELL\", " + strconv.Quote(fixed) + "]\n}\n",
				},
			})
		}
	}
}
