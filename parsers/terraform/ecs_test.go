package terraform_test

import (
	"strings"
	"testing"
	"time"

	"github.com/no502/no502/parsers"
)

const ecsService = `
resource "aws_ecs_service" "hooks" {
  name            = "hooks"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.hooks.arn
  load_balancer {
    target_group_arn = "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/hooks/1"
    container_name   = "app"
    container_port   = 8080
  }
}
`

// The container definitions of an ECS task, in each form Terraform users write them, give
// the app server, its flags with their positions, the environment and stopTimeout; only
// the container the load balancer sends to is kept.
func TestECSContainerDefinitions(t *testing.T) {
	for _, c := range []struct {
		name, defs string
		app        string
		keepAlive  time.Duration
		kaLine     int32
		stop       time.Duration
	}{
		{"jsonencode", `jsonencode([
    { name = "log-router", image = "fluent-bit:2", command = ["node", "router.js"] },
    {
      name        = "app"
      image       = "hooks:1"
      command     = ["uvicorn", "main:app", "--timeout-keep-alive", "5"]
      stopTimeout = 90
      environment = [{ name = "WEB_CONCURRENCY", value = "4" }]
    }
  ])`, "uvicorn", 5 * time.Second, 20, 90 * time.Second},
		{"heredoc", `<<JSON
[
  {
    "name": "app",
    "image": "hooks:1",
    "entryPoint": ["gunicorn"],
    "command": ["--worker-class", "gthread", "--keep-alive", "30", "app:app"],
    "environment": [{"name": "WEB_CONCURRENCY", "value": "4"}]
  }
]
JSON`, "gunicorn", 30 * time.Second, 21, 30 * time.Second},
		{"json string", `"[{\"name\": \"app\", \"image\": \"hooks:1\", \"command\": [\"node\", \"server.js\"], \"environment\": [{\"name\": \"WEB_CONCURRENCY\", \"value\": \"4\"}]}]"`,
			"node", 5 * time.Second, 0, 30 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := ecsService + "\nresource \"aws_ecs_task_definition\" \"hooks\" {\n  family = \"hooks\"\n  container_definitions = " + c.defs + "\n}\n"
			m := parse(t, nil, "m/main.tf", src)
			if len(m.Workloads) != 1 {
				t.Fatalf("want 1 workload, got %d (%v)", len(m.Workloads), m.Diags)
			}
			w := m.Workloads[0]
			if len(w.Containers) != 1 || w.Containers[0].Name != "app" {
				t.Fatalf("want the load balancer's container app, got %+v", w.Containers)
			}
			ct := w.Containers[0]
			if ct.App == nil || ct.App.Name != c.app || !ct.App.KeepAlive.Known() || ct.App.KeepAlive.Value != c.keepAlive {
				t.Fatalf("app server: %+v", ct.App)
			}
			if c.kaLine > 0 && (!ct.App.KeepAlive.Explicit() || ct.App.KeepAlive.Pos.Line != c.kaLine) {
				t.Errorf("keep-alive at %v, want line %d", ct.App.KeepAlive.Pos, c.kaLine)
			}
			if ct.Env["WEB_CONCURRENCY"].Value != "4" {
				t.Errorf("env: %+v", ct.Env)
			}
			if !w.TerminationGrace.Known() || w.TerminationGrace.Value != c.stop {
				t.Errorf("stopTimeout: %+v", w.TerminationGrace)
			}
		})
	}
}

// container_definitions = jsonencode(local.containers): the flags are positioned in the
// local, where the user changes them, not at the attribute that encodes it.
func TestECSContainerDefinitionsInLocal(t *testing.T) {
	src := ecsService + `
locals {
  containers = [{
    name    = "app"
    image   = "hooks:1"
    command = ["uvicorn", "main:app", "--timeout-keep-alive", "5"]
  }]
}

resource "aws_ecs_task_definition" "hooks" {
  family                = "hooks"
  container_definitions = jsonencode(local.containers)
}
`
	m := parse(t, nil, "m/main.tf", src)
	ct := m.Workloads[0].Containers[0]
	if ct.App == nil || !ct.App.KeepAlive.Explicit() || ct.App.KeepAlive.Pos.Line != 17 {
		t.Fatalf("keep-alive: %+v, want line 17 of the local", ct.App)
	}
}

// A definition Terraform reads from a file, or builds from what the run cannot know,
// gives no containers and a note: never a guess.
func TestECSContainerDefinitionsUnknown(t *testing.T) {
	for _, defs := range []string{`file("containers.json")`, `templatefile("c.tpl", {})`, `jsonencode(var.defs)`, `jsonencode([merge(var.base, { name = "app" })])`, `jsonencode([{ name = var.cmd }])`} {
		m := parse(t, nil, "m/main.tf", ecsService+"\nvariable \"cmd\" {}\nvariable \"defs\" {}\nvariable \"base\" {}\nresource \"aws_ecs_task_definition\" \"hooks\" {\n  container_definitions = "+defs+"\n}\n")
		w := m.Workloads[0]
		if len(w.Containers) != 0 {
			t.Errorf("%s: want no containers, got %+v", defs, w.Containers)
		}
		noted := false
		for _, d := range m.Diags {
			noted = noted || d.Severity == parsers.Info && strings.Contains(d.Message, "are not checked")
		}
		if !noted {
			t.Errorf("%s: want a note, got %v", defs, m.Diags)
		}
	}
}

// jsonencode([...]) holding values the run cannot know is read field by field: an
// unknown image or environment value does not hide the app server, an unknown command
// is an open word (no server, no guessed options), an unknown stopTimeout is unknown, and
// keys are matched without regard to case, as the provider's JSON decoding does.
func TestECSContainerDefinitionsPartlyUnknown(t *testing.T) {
	src := ecsService + `
variable "stop" {}

resource "aws_ecs_task_definition" "hooks" {
  container_definitions = jsonencode([
    {
      name       = "app"
      image      = "${aws_ecr_repository.app.repository_url}:latest"
      entrypoint = ["uvicorn"]
      command    = ["main:app", "--timeout-keep-alive", "5"]
      environment = [
        { name = "DB_HOST", value = aws_db_instance.db.address },
        { name = "MODE", value = "web" },
      ]
      healthcheck = { command = ["CMD-SHELL", "curl -f http://localhost/ || exit 1"] }
      stopTimeout = var.stop
    },
  ])
}
`
	m := parse(t, nil, "m/main.tf", src)
	var app *parsers.Container
	if cs := m.Workloads[0].Containers; len(cs) == 1 {
		app = cs[0]
	}
	if app == nil || app.App == nil || !app.App.KeepAlive.Explicit() || app.App.KeepAlive.Value != 5*time.Second {
		t.Fatalf("app: want uvicorn with keep-alive 5s, got %+v", app)
	}
	if v := app.Env["DB_HOST"]; !v.Unknown {
		t.Errorf("DB_HOST: want unknown, got %+v", v)
	}
	if v := app.Env["MODE"]; !v.Known() || v.Value != "web" {
		t.Errorf("MODE: want web, got %+v", v)
	}
	if app.Liveness == nil {
		t.Errorf("healthcheck (any case) not read")
	}
	if !app.StopTimeout.Unknown {
		t.Errorf("stopTimeout = var.stop: want unknown, got %+v", app.StopTimeout)
	}
	for _, d := range m.Diags {
		if strings.Contains(d.Message, "are not checked") {
			t.Errorf("unexpected note: %s", d.Message)
		}
	}
	m = parse(t, nil, "m/main.tf", ecsService+`
variable "cmd" {}

resource "aws_ecs_task_definition" "hooks" {
  container_definitions = jsonencode([
    { name = "app", image = "${aws_ecr_repository.app.repository_url}:latest", command = ["uvicorn", var.cmd] },
  ])
}
`)
	if cs := m.Workloads[0].Containers; len(cs) != 1 || cs[0].App != nil || len(cs[0].Args) != 1 || cs[0].Args[0] != "${command}" {
		t.Errorf("command = [\"uvicorn\", var.cmd]: want one open word and no app server, got %+v", cs)
	}
}

// A terraform-aws-modules/ecs service reads like aws_ecs_service, with the module's
// defaults and both spellings of its container inputs (v5 snake_case, v6 camelCase).
func TestECSModuleService(t *testing.T) {
	src := `
locals {
  name = "api"
}

resource "aws_lb_target_group" "api" {
  name = "api"
}

module "v5" {
  source = "terraform-aws-modules/ecs/aws//modules/service"

  container_definitions = {
    (local.name) = {
      entrypoint   = ["gunicorn"]
      command      = ["--worker-class", "gthread", "--keep-alive", "30", "app:app"]
      stop_timeout = 45
      health_check = { command = ["CMD-SHELL", "exit 0"] }
      environment  = [{ name = "WEB_CONCURRENCY", value = "4" }]
    }
    sidecar = {
      image = "fluent-bit:2"
    }
  }
  load_balancer = {
    service = {
      target_group_arn = aws_lb_target_group.api.arn
      container_name   = local.name
      container_port   = 8000
    }
  }
}

module "ecs" {
  source = "terraform-aws-modules/ecs/aws"
  services = {
    web = {
      enable_autoscaling = false
      desired_count      = 3
      capacity_provider_strategy = {
        spot = { capacity_provider = "FARGATE_SPOT", weight = 1 }
      }
      container_definitions = {
        web = {
          entryPoint  = ["node", "server.js"]
          stopTimeout = 20
          healthCheck = { command = ["CMD", "curl", "-f", "http://localhost/"] }
        }
      }
    }
  }
}
`
	m := parse(t, nil, "m/main.tf", src)
	if len(m.Workloads) != 2 {
		t.Fatalf("want 2 workloads, got %d (%v)", len(m.Workloads), m.Diags)
	}
	v5, web := m.Workloads[0], m.Workloads[1]
	if v5.Name != "module.v5" || web.Name != `module.ecs.services["web"]` || !v5.ECSModule || !web.ECSModule {
		t.Fatalf("names: %s, %s", v5.Name, web.Name)
	}
	// Module defaults: 1 task, autoscaling floor 1, 66%, stopTimeout 120s (the sidecar).
	if !v5.Replicas.IsDefault() || v5.Replicas.Value != 1 || !v5.MinReplicas.IsDefault() || v5.MinReplicas.Value != 1 ||
		v5.MinHealthyPercent.Value != 66 || v5.TerminationGrace.Value != 120*time.Second {
		t.Errorf("v5 defaults: replicas %+v min %+v pct %+v stop %+v", v5.Replicas, v5.MinReplicas, v5.MinHealthyPercent, v5.TerminationGrace)
	}
	if !v5.Served || len(v5.Containers) != 1 || v5.Containers[0].Name != "api" {
		t.Fatalf("v5: served %v, containers %+v", v5.Served, v5.Containers)
	}
	c := v5.Containers[0]
	if c.App == nil || c.App.Name != "gunicorn" || c.App.KeepAlive.Value != 30*time.Second || c.App.KeepAlive.Pos.Line != 16 {
		t.Errorf("v5 app: %+v", c.App)
	}
	if c.StopTimeout.Value != 45*time.Second || c.StopTimeout.Text != "stop_timeout = 45" || c.Env["WEB_CONCURRENCY"].Value != "4" {
		t.Errorf("v5 container: stop %+v env %+v", c.StopTimeout, c.Env)
	}
	if c.Liveness == nil || strings.Join(c.Liveness.Command, " ") != "/bin/sh -c exit 0" {
		t.Errorf("v5 health check: %+v", c.Liveness)
	}
	// enable_autoscaling = false: the count is desired_count; Spot from the strategy.
	if web.Served || web.MinReplicas.Known() || web.Replicas.Value != 3 || !web.Spot.Explicit() || !web.Spot.Value {
		t.Errorf("web: served %v min %+v replicas %+v spot %+v", web.Served, web.MinReplicas, web.Replicas, web.Spot)
	}
	if len(web.Containers) != 1 || web.Containers[0].App == nil || web.Containers[0].App.Name != "node" ||
		web.Containers[0].StopTimeout.Value != 20*time.Second || strings.Join(web.Containers[0].Liveness.Command, " ") != "curl -f http://localhost/" {
		t.Errorf("web container: %+v", web.Containers)
	}
}
