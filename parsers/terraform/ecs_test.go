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
			"node", 6 * time.Second, 0, 30 * time.Second},
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

// A definition Terraform reads from a file, or builds from what the run cannot know,
// gives no containers and a note: never a guess.
func TestECSContainerDefinitionsUnknown(t *testing.T) {
	for _, defs := range []string{`file("containers.json")`, `templatefile("c.tpl", {})`, `jsonencode([{ name = "app", command = [var.cmd] }])`} {
		m := parse(t, nil, "m/main.tf", ecsService+"\nvariable \"cmd\" {}\nresource \"aws_ecs_task_definition\" \"hooks\" {\n  container_definitions = "+defs+"\n}\n")
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
