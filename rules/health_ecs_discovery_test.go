package rules_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/no502/no502/rules/rulestest"
)

// TestHealthCannotFailECSDiscovery: the ECS readiness-cannot-fail message names Cloud
// Map or Service Connect only for a service registered in them; a service written with
// neither (or a Service Connect client without a service block) is misled only through
// dependsOn.
func TestHealthCannotFailECSDiscovery(t *testing.T) {
	const common = `
resource "aws_lb_target_group" "app" {
  name        = "app"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_task_definition" "app" {
  family = "app"
  container_definitions = jsonencode([{
    name         = "app"
    image        = "ghcr.io/acme/app:1"
    portMappings = [{ containerPort = 8000 }]
    healthCheck  = { command = ["CMD-SHELL", "exit 0"] }
  }])
}
`
	for _, tc := range []struct {
		name, extra, want, not string
	}{
		{"none", "", "starts. Make", "Cloud Map"},
		{"client only", "service_connect_configuration {\n    enabled   = true\n    namespace = \"prod\"\n  }", "starts. Make", "Service Connect"},
		{"cloud map", "service_registries {\n    registry_arn = \"arn:aws:servicediscovery:eu-west-1:1:service/srv-1\"\n  }", "Cloud Map keeps sending", "Service Connect"},
		{"service connect", "service_connect_configuration {\n    enabled   = true\n    namespace = \"prod\"\n    service {\n      port_name = \"app\"\n    }\n  }", "Service Connect keeps sending", "Cloud Map"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			svc := `
resource "aws_ecs_service" "app" {
  name            = "app"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.app.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = "app"
    container_port   = 8000
  }
  ` + tc.extra + `
}
`
			if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(common+svc), 0o644); err != nil {
				t.Fatal(err)
			}
			_, findings := rulestest.Lint(t, dir)
			var msg string
			for _, f := range findings {
				if f.Rule.ID == "readiness-cannot-fail" {
					msg = f.Message
				}
			}
			if msg == "" {
				t.Fatalf("no readiness-cannot-fail finding: %v", findings)
			}
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, tc.not) {
				t.Errorf("message %q: want %q, not %q", msg, tc.want, tc.not)
			}
		})
	}
}
