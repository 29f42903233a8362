package rules

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/no502/no502/parsers"
	"github.com/no502/no502/parsers/terraform"
)

var singleTask = &Rule{
	ID:       "single-task",
	Category: Replicas,
	Severity: Warning,
	Summary:  "An ECS service or autoscaling group behind a load balancer can run a single task or instance",
	Formats:  []string{"terraform"},
	Doc: `# single-task

An ECS service with ` + "`desired_count = 1`" + ` (or an autoscaling floor ` + "`min_capacity = 1`" + `), or an
autoscaling group with ` + "`min_size = 1`" + `, behind a load balancer has moments with no healthy
target: when the task crashes, when its host is patched or replaced, and, with
` + "`deployment_minimum_healthy_percent = 0`" + `, when a deploy stops it before the new one passes its
health check (with the API's default 100, or the module's 66, ECS starts the new task
first: the minimum healthy count is rounded up). The load balancer then answers 502/503
until a replacement is up.

An autoscaling group's ` + "`min_size`" + ` is reported when something scales the group: an
` + "`aws_autoscaling_policy`" + ` or ` + "`aws_autoscaling_schedule`" + ` naming it, an ECS capacity provider, the
Kubernetes cluster autoscaler (a ` + "`k8s.io/cluster-autoscaler/...`" + ` tag), or something outside
Terraform (` + "`lifecycle { ignore_changes = [desired_capacity] }`" + `); or when ` + "`desired_capacity`" + ` is
below 2 or not written (the group starts at ` + "`min_size`" + `). A group with ` + "`desired_capacity = 3`" + ` that
nothing in the files scales runs three instances, and is not reported. A group made by the
terraform-aws-modules/autoscaling module is read from the call's inputs (the same names); the
call's own ` + "`scaling_policies`" + `, ` + "`schedules`" + ` and ` + "`ignore_desired_capacity_changes = true`" + ` scale it.

A ` + "`desired_count`" + ` that is not written, or is 0, is not reported (Terraform's default is 0,
usually because an autoscaling policy or a deploy pipeline owns the count), nor one under
` + "`lifecycle { ignore_changes = all }`" + ` (only the count the service was created with); an
Application Auto Scaling target's
` + "`min_capacity`" + ` is used when one refers to the service.

A service of the terraform-aws-modules/ecs module (a ` + "`modules/service`" + ` call, or an entry of
the root module's ` + "`services`" + ` map) is read with the module's defaults, which are a real count:
` + "`desired_count`" + ` 1, and autoscaling on (` + "`enable_autoscaling`" + `) with ` + "`autoscaling_min_capacity`" + ` 1.
The module ignores changes to ` + "`desired_count`" + ` after the service is created, so with autoscaling
on the floor is ` + "`autoscaling_min_capacity`" + `, reported even when it is not written (a
` + "`desired_count = 3`" + ` does not keep three tasks once load is low); with ` + "`enable_autoscaling = false`" + `
it is ` + "`desired_count`" + `.

## Fix

Run at least two: ` + "`desired_count = 2`" + ` (or ` + "`min_capacity = 2`" + `; ` + "`autoscaling_min_capacity = 2`" + ` for the
module), ` + "`min_size = 2`" + `, spread across availability zones. The fix raises a maximum below 2
with the floor (` + "`max_capacity`" + `, ` + "`autoscaling_max_capacity`" + `, ` + "`max_size`" + `): a minimum above the
maximum is a range with no count in it. A written ` + "`desired_count`" + ` below 2 goes up with an
` + "`aws_appautoscaling_target`" + `'s floor unless ` + "`lifecycle { ignore_changes = [desired_count] }`" + `
covers it: Terraform sets the service back to it at every apply. A count with a comment on the lines above it is
not written over: the snippet quotes the comment (one task is often deliberate: a fixed
host port on one instance, a store only one process may open). A task that binds a port of
its container instance (a static ` + "`hostPort`" + ` in bridge network mode, any mapped port in host
mode; read from the written ` + "`jsonencode`" + ` even when the rest of the definition is not known)
gets a snippet too: a second task needs another instance with that port free, as a second
pod with a ` + "`hostPort`" + ` needs another node.

## Sources

- aws_ecs_service.desired_count default 0; aws_autoscaling_group min_size required:
  https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ecs_service,
  https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/autoscaling_group
- A target group with no healthy target: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
` + ecsModuleSources,
	Run: runSingleTask,
}

// ecsCount is the number of tasks an ECS service can run at its lowest: the autoscaling
// floor when one is declared, else desired_count. ok is false when it cannot be known or
// was not written. A service of the terraform-aws-modules/ecs module counts with the
// module's defaults too: they are a real count (desired_count 1, autoscaling on with
// autoscaling_min_capacity 1), where aws_ecs_service's desired_count 0 means an
// autoscaling policy owns the count.
func ecsCount(w *parsers.Workload) (parsers.Setting[int], string, bool) {
	floor := "min_capacity"
	if w.ECSModule {
		floor = "autoscaling_min_capacity"
	}
	switch {
	case w.MinReplicas.Unknown:
		return w.MinReplicas, "", false
	case w.MinReplicas.Explicit() || w.ECSModule && w.MinReplicas.Known():
		return w.MinReplicas, floor, true
	case w.Replicas.Explicit() || w.ECSModule && w.Replicas.Known():
		return w.Replicas, "desired_count", true
	}
	return parsers.Setting[int]{}, "", false
}

func runSingleTask(p *Pass) {
	for _, w := range tfWorkloads(p.Model, "ECSService") {
		n, name, ok := ecsCount(w)
		if !w.Served || !ok || n.Value >= 2 {
			continue
		}
		if name == "desired_count" && n.Value == 0 {
			// A service created with no task, as with desired_count not written: what
			// starts its tasks (an autoscaling policy, a deploy pipeline) is not in the
			// files, and "only 0 tasks" is not the one-task outage this rule is about.
			continue
		}
		tgs := soleBackends(w, p.servedBy(w))
		if len(tgs) == 0 {
			continue
		}
		pos := writtenOr(n, w.Pos)
		desc := "set " + name + " = 2"
		sets := []terraform.Set{tfSetting(p.Model, n, w.Block, name, "2")}
		if w.ECSModule && name != "desired_count" {
			// The module's autoscaling owns the count: desired_count is only the
			// first one, but a written 1 is raised with the floor.
			if d := w.Replicas; d.Explicit() && d.Value < 2 {
				sets = append(sets, tfSetting(p.Model, d, w.Block, "desired_count", "2"))
				desc += " and desired_count = 2"
				if !n.Explicit() {
					pos = d.Pos
				}
			}
			if mx := w.MaxReplicas; mx.Explicit() && mx.Value < 2 {
				sets = append(sets, tfSetting(p.Model, mx, w.Block, "autoscaling_max_capacity", "2"))
				desc += " and autoscaling_max_capacity = 2"
			}
		}
		// An aws_appautoscaling_target's floor above its max_capacity is no range at all:
		// the maximum goes up with it, as an autoscaling group's max_size does.
		if !w.ECSModule && name == "min_capacity" {
			if mx := w.MaxReplicas; mx.Explicit() && mx.Value < 2 {
				sets = append(sets, tfSetting(p.Model, mx, w.Block, "max_capacity", "2"))
				desc += " and max_capacity = 2"
			}
			// A written desired_count that lifecycle ignore_changes does not cover is
			// what every apply sets the service to: left at 1 under a floor of 2, each
			// apply would cut the service back to one task until autoscaling acts again.
			if d := w.Replicas; d.Explicit() && d.Value < 2 {
				sets = append(sets, tfSetting(p.Model, d, w.Block, "desired_count", "2"))
				desc += " and desired_count = 2"
			}
		}
		what := tfDescribe(name, n, p.ownLine(pos))
		switch d := w.Replicas; {
		case pos != n.Pos && d.Explicit() && pos == d.Pos:
			what = tfDescribe("desired_count", d, p.ownLine(pos)) + ", and " + what
		case w.ECSModule && name != "desired_count" && d.Explicit() && d.Value >= 2:
			what += fmt.Sprintf(" (%s is only the first count: the module ignores changes to it, and autoscaling scales the service in to its floor when load is low)", tfDescribe("desired_count", d, p.ownLine(pos)))
		}
		// A deploy stops the one task before its replacement is healthy only when the
		// minimum healthy count, desired × minimum healthy percent rounded up, is 0: with
		// the API's default 100 or the module's 66 ECS starts the new task first.
		when := "when it crashes or its host is replaced"
		if mh := w.MinHealthyPercent; !mh.Known() || mh.Value == 0 {
			when = "when it crashes, its host is replaced or a deploy stops it"
		}
		msg := fmt.Sprintf("%s: %s can run only %s behind %s; %s, %s and %s. %s.",
			what, w.Name, plural(n.Value, "task"), backendList(tgs), when, noHealthyTarget(tgs), clientsGet(tgs, "502/503"), upperFirst(desc))
		fix := p.tfFix(desc, sets...)
		if hp := w.HostPort; hp.Known() && hp.Value > 0 {
			// The ECS twin of a pod's hostPort (guardHostPorts): a second task needs an
			// instance of its own.
			fix = fix.guess(fmt.Sprintf("each task binds port %d of its container instance (%s, %s): a second task needs another instance with that port free, or it is never placed", hp.Value, hp.Text, p.ownLine(hp.Pos)))
		}
		p.Report(Finding{Pos: pos, Message: msg, Fix: tfExplained(p, fix, n, name)})
	}
	for _, w := range tfWorkloads(p.Model, "AutoScalingGroup") {
		n := w.MinReplicas
		if !w.Served || !n.Explicit() || n.Value >= 2 {
			continue
		}
		// min_size is a floor for whatever sets desired_capacity. When nothing does (no
		// scaling policy, schedule, capacity provider or cluster autoscaler), the group
		// runs desired_capacity instances, as an ECS service without an autoscaling
		// target runs desired_count.
		scaler := w.Scaler
		if d := w.Replicas; d.Explicit() && d.Value >= 2 && !scaler.Unknown && scaler.Value == "" {
			continue
		}
		tgs := soleBackends(w, p.servedBy(w))
		if len(tgs) == 0 {
			continue
		}
		sets := []terraform.Set{tfSetting(p.Model, n, w.Block, "min_size", "2")}
		desc := "set min_size = 2"
		if w.MaxReplicas.Explicit() && w.MaxReplicas.Value < 2 {
			sets = append(sets, tfSetting(p.Model, w.MaxReplicas, w.Block, "max_size", "2"))
			desc += ", max_size = 2"
		}
		if w.Replicas.Explicit() && w.Replicas.Value < 2 {
			sets = append(sets, tfSetting(p.Model, w.Replicas, w.Block, "desired_capacity", "2"))
			desc += ", desired_capacity = 2"
		}
		who := w.Name + " may scale down"
		if scaler.Value != "" {
			where := p.ownLine(scaler.Pos)
			if scaler.Text != "" {
				where = scaler.Text + ", " + where
			}
			who = fmt.Sprintf("%s (%s) may scale %s down", scaler.Value, where, w.Name)
		}
		msg := fmt.Sprintf("%s: %s to %s behind %s; when it is replaced or fails, %s and %s. %s.",
			tfDescribe("min_size", n, p.ownLine(n.Pos)), who, plural(n.Value, "instance"), backendList(tgs), noHealthyTarget(tgs), clientsGet(tgs, "502/503"), upperFirst(desc))
		p.Report(Finding{Pos: n.Pos, Message: msg, Fix: tfExplained(p, p.tfFix(desc, sets...), n, "min_size")})
	}
}

// soleBackends are the target groups (or classic load balancers) among tgs that nothing
// but w puts targets in: one that another ECS service or autoscaling group also
// registers in, or that lists targets of its own (aws_lb_target_group_attachment), keeps
// those when w's one task or instance is gone. Whatever their count (even unknown),
// they are counted as answering, as single-replica counts every pod a Service selects.
func soleBackends(w *parsers.Workload, tgs []*parsers.Backend) []*parsers.Backend {
	var out []*parsers.Backend
	for _, be := range tgs {
		shared := len(be.Targets) > 0
		for _, x := range be.Workloads {
			if x != w {
				shared = true
			}
		}
		if !shared {
			out = append(out, be)
		}
	}
	return out
}

// tfExplained keeps fix as a snippet when the value it changes carries a comment (the
// lines right above it): someone explained that value there. One
// task, or stopping it before starting the next, is often deliberate: a fixed host port
// on a single instance ("Bridge + hostPort fijo (9090) en una sola instancia EC2: no
// caben 2 tasks a la vez"), or a store only one node may open ("A single JetStream node
// must never run twice against the same store").
func tfExplained(p *Pass, fix *Fix, v parsers.Setting[int], key string) *Fix {
	if fix == nil || fix.SnippetOnly() || !v.Explicit() {
		return fix
	}
	c := terraform.AttrComment(p.Model.File(v.Pos.File), v.Pos)
	if c == "" {
		return fix
	}
	c = strings.Join(strings.Fields(c), " ")
	if r := []rune(c); len(r) > 160 {
		c = string(r[:157]) + "..."
	}
	return fix.guess(fmt.Sprintf("the comment at %s = %d (%s:%d) says %q: read it before changing it", key, v.Value, v.Pos.File, v.Pos.Line, c))
}

// ecsModuleSources cites the terraform-aws-modules/ecs defaults the ECS rules use.
const ecsModuleSources = `- terraform-aws-modules/ecs service module defaults (desired_count 1, enable_autoscaling
  true, autoscaling_min_capacity 1, deployment_minimum_healthy_percent 66, desired_count
  ignored after creation):
  https://github.com/terraform-aws-modules/terraform-aws-ecs/blob/master/modules/service/variables.tf,
  https://github.com/terraform-aws-modules/terraform-aws-ecs/blob/master/modules/service/main.tf
`

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

var deployStopsAllTasks = &Rule{
	ID:       "deploy-stops-all-tasks",
	Category: Replicas,
	Severity: Warning,
	Summary:  "An ECS rolling deploy may stop every task of a load-balanced service before new ones are healthy",
	Formats:  []string{"terraform"},
	Doc: `# deploy-stops-all-tasks

During a rolling (ECS controller) deployment, ECS keeps at least
` + "`deployment_minimum_healthy_percent`" + ` of ` + "`desired_count`" + ` tasks running, rounded up. With 0%
it may stop every old task before a new one has passed the load balancer's health check:
each deploy is an outage, and the load balancer answers 502/503 meanwhile.

A service of the terraform-aws-modules/ecs module gets the module's default of 66%, which
keeps a task; a written 0 is reported as on ` + "`aws_ecs_service`" + `.

Not reported: a deployment controller other than ECS (CODE_DEPLOY, EXTERNAL), and an ECS
controller whose ` + "`deployment_configuration { strategy }`" + ` is not ` + "`ROLLING`" + ` (` + "`BLUE_GREEN`" + `,
` + "`LINEAR`" + `, ` + "`CANARY`" + `: the new revision starts beside the old one and traffic shifts to it),
nor a ` + "`scheduling_strategy`" + ` that cannot be evaluated.

A ` + "`DAEMON`" + ` service (one task on each container instance) with 0% may stop the task on
every instance at once. It is reported, but its fix is a snippet: the AWS provider never
sends ` + "`deployment_maximum_percent`" + ` for DAEMON and ignores a change of the minimum to 100 (its
diff is suppressed), so only a value such as 50, the share of instances that may be
without the task at once, changes anything, and that is the user's choice.

## Fix

` + "`deployment_minimum_healthy_percent = 100`" + ` with ` + "`deployment_maximum_percent = 200`" + ` (the ECS
defaults: new tasks start first), or 50 when the service runs at least two tasks.

` + "`lint --fix`" + ` writes it only when it changes the minimum alone and needs no room the
cluster may lack: 50, or 100 on Fargate. Raising ` + "`deployment_maximum_percent`" + ` runs more tasks
at once in every deploy, and 100% on EC2 capacity (or a launch type not known) makes ECS
start each new task before stopping an old one, which waits for free CPU, memory and host
ports in the cluster (a static ` + "`hostPort`" + ` needs another instance): a deploy can stall. Those
fixes are unsafe (` + "`--unsafe-fixes`" + `). A minimum with a comment on the lines above it is not
written over: the snippet quotes the comment (stop-then-start is often the point: the old
task must free a host port or a store first), and so is one whose tasks bind a port of their
container instance when the fix would start the new task first (it needs another instance).

## Sources

- minimumHealthyPercent is a lower limit as a percentage of desiredCount, rounded up;
  default 100; maximumPercent default 200; extra tasks start "provided that the cluster
  resources required to do this are available": ECS API DeploymentConfiguration
  (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeploymentConfiguration.html)
- aws_ecs_service: deployment_maximum_percent "Not valid when using the DAEMON scheduling
  strategy"; deployment_configuration.strategy (ROLLING, BLUE_GREEN, ...):
  https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/ecs_service
- The provider suppresses a deployment_minimum_healthy_percent of 100 and sends no
  maximum for DAEMON (internal/service/ecs/service.go); 0% on a DAEMON service stops it
  on every instance: https://github.com/hashicorp/terraform-provider-aws/issues/5236
- ECS blue/green deployments: https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html
` + ecsModuleSources,
	Run: runDeployStopsAllTasks,
}

func runDeployStopsAllTasks(p *Pass) {
	for _, w := range tfWorkloads(p.Model, "ECSService") {
		pct := w.MinHealthyPercent
		if !w.Served || !pct.Explicit() || !w.Strategy.Known() || w.Strategy.Value != "ECS" || !w.Scheduling.Known() {
			continue
		}
		// ECS rounds the minimum up, so only 0% leaves no task for any count ≥ 1.
		if pct.Value > 0 {
			continue
		}
		if w.Scheduling.Value == "DAEMON" {
			reportDaemonStopsAllTasks(p, w)
			continue
		}
		if w.Scheduling.Value != "REPLICA" {
			continue
		}
		n, _, countKnown := ecsCount(w)
		if countKnown && n.Value == 0 {
			continue // nothing runs, nothing to stop
		}
		want := 100
		if countKnown && n.Value >= 2 {
			want = 50
		}
		desc := fmt.Sprintf("set deployment_minimum_healthy_percent = %d", want)
		sets := []terraform.Set{tfSetting(p.Model, pct, w.Block, "deployment_minimum_healthy_percent", strconv.Itoa(want))}
		raisesMax := false
		if w.MaxPercent.Known() && w.MaxPercent.Value <= want {
			sets = append(sets, tfSetting(p.Model, w.MaxPercent, w.Block, "deployment_maximum_percent", "200"))
			desc += " and deployment_maximum_percent = 200"
			raisesMax = true
		}
		count := "its tasks"
		if countKnown {
			count = "all " + plural(n.Value, "task")
		}
		msg := fmt.Sprintf("%s lets a deploy of %s stop %s before any new one has passed the health check of %s: every deploy is an outage and clients get 502/503 meanwhile. %s.",
			tfDescribe("deployment_minimum_healthy_percent", pct, p.ownLine(pct.Pos)), w.Name, count, backendList(p.servedBy(w)), upperFirst(desc))
		fix := p.tfFix(desc, sets...)
		// A higher deployment_maximum_percent runs more tasks at once during every
		// deploy; a minimum of 100 makes ECS start each new task before it stops an old
		// one, which on EC2 capacity (not Fargate) waits for room in the cluster, so a
		// deploy that used to finish can stall. Both change more than the outage.
		fargate := w.LaunchType.Known() && w.LaunchType.Value == "FARGATE"
		if raisesMax || want == 100 && !fargate {
			fix.markUnsafe()
		}
		if hp := w.HostPort; hp.Known() && hp.Value > 0 && (raisesMax || want == 100) {
			// Starting the new task before stopping the old one needs a second instance
			// with that port free: on one instance the deploy never starts it.
			fix = fix.guess(fmt.Sprintf("each task binds port %d of its container instance (%s, %s): a deploy that starts the new task first needs another instance with that port free, or it stalls", hp.Value, hp.Text, p.ownLine(hp.Pos)))
		}
		p.Report(Finding{Pos: pct.Pos, Message: msg, Fix: tfExplained(p, fix, pct, "deployment_minimum_healthy_percent")})
	}
}

// reportDaemonStopsAllTasks reports deployment_minimum_healthy_percent = 0 on a DAEMON
// service: one task per container instance, and a deploy may stop all of them at once
// (hashicorp/terraform-provider-aws#5236). The fix is a snippet: the provider never
// sends deployment_maximum_percent for DAEMON and ignores a change to 100 (its diff is
// suppressed), so the ECS defaults that fix a REPLICA service change nothing here; the
// percent of instances that may be without the task at once is the user's choice.
func reportDaemonStopsAllTasks(p *Pass, w *parsers.Workload) {
	pct := w.MinHealthyPercent
	desc := "set deployment_minimum_healthy_percent = 50"
	sets := []terraform.Set{tfSetting(p.Model, pct, w.Block, "deployment_minimum_healthy_percent", "50")}
	msg := fmt.Sprintf("%s lets a deploy of %s stop its task on every container instance at once (%s runs one on each) before a new one has passed the health check of %s: every deploy is an outage and clients get 502/503 meanwhile. %s.",
		tfDescribe("deployment_minimum_healthy_percent", pct, p.ownLine(pct.Pos)), w.Name, tfDescribe("scheduling_strategy", w.Scheduling, p.ownLine(pct.Pos)), backendList(p.servedBy(w)), upperFirst(desc))
	fix := p.tfFix(desc, sets...).guess("a DAEMON service replaces each instance's task in place, so the percent is how many instances may be without it at once, yours to choose; the AWS provider ignores 100 and deployment_maximum_percent for DAEMON")
	p.Report(Finding{Pos: pct.Pos, Message: msg, Fix: fix})
}

func init() { Register(singleTask, deployStopsAllTasks) }

// noHealthyTarget says that the target groups a single task or instance serves are left
// without a healthy target: "the target group has", or "its target groups have" when
// the workload registers in several (one service behind an app and an auth ALB).
// The two target groups of a blue/green pair (Backend.Swaps) serve one at a time: "the
// one of the blue/green pair serving it has".
func noHealthyTarget(tgs []*parsers.Backend) string {
	groups := 0
	for i, be := range tgs {
		if !slices.ContainsFunc(tgs[:i], func(x *parsers.Backend) bool { return slices.Contains(be.Swaps, x) }) {
			groups++
		}
	}
	switch {
	case groups > 1:
		return "its target groups have no healthy target"
	case len(tgs) > 1:
		return "the target group of the blue/green pair serving it has no healthy target"
	}
	return "the target group has no healthy target"
}
