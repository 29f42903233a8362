package terraform_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/no502/no502/parsers"
)

// trafficPorts prints a backend's traffic ports as "port/protocol from", sorted.
func trafficPorts(be *parsers.Backend) string {
	var out []string
	for _, tp := range be.TrafficPorts {
		port := "?"
		if tp.Port.Known() {
			port = fmt.Sprint(tp.Port.Value)
		}
		s := port + "/" + tp.Protocol
		if tp.From != "" {
			s += " " + tp.From
		}
		if tp.GroupPort {
			s += " (group port)"
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// Where a load balancer's requests go: a classic ELB's listeners, a target group's
// registrations (attachment, ECS container_port, autoscaling group), the target group's
// own port for instance targets registered out of sight, nothing for ip targets.
func TestTrafficPorts(t *testing.T) {
	m := parse(t, nil, "main.tf", `
variable "port" {}

resource "aws_elb" "web" {
  listener {
    lb_port           = 443
    lb_protocol       = "tcp"
    instance_port     = 8443
    instance_protocol = "tcp"
  }
  listener {
    lb_port           = 80
    lb_protocol       = "http"
    instance_port     = var.port
    instance_protocol = "http"
  }
}

resource "aws_lb_target_group" "attached" {
  port     = 80
  protocol = "HTTP"
}

resource "aws_lb_target_group_attachment" "own" {
  target_group_arn = aws_lb_target_group.attached.arn
  target_id        = "i-1"
  port             = 8080
}

resource "aws_lb_target_group_attachment" "none" {
  target_group_arn = aws_lb_target_group.attached.arn
  target_id        = "i-2"
}

resource "aws_lb_target_group" "ecs" {
  port        = 80
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_service" "api" {
  load_balancer {
    target_group_arn = aws_lb_target_group.ecs.arn
    container_name   = "api"
    container_port   = 9000
  }
}

resource "aws_lb_target_group" "asg" {
  port     = 8000
  protocol = "HTTP"
}

resource "aws_autoscaling_group" "web" {
  min_size          = 2
  max_size          = 2
  target_group_arns = [aws_lb_target_group.asg.arn]
}

resource "aws_lb_target_group" "unseen" {
  port     = "7000"
  protocol = "TCP"
}

resource "aws_lb_target_group" "ip_unseen" {
  port        = 7000
  protocol    = "HTTP"
  target_type = "ip"
}
`)
	want := map[string]string{
		"aws_elb.web":                   "8443/TCP listener lb_port 443, ?/HTTP listener lb_port 80",
		"aws_lb_target_group.attached":  "80/HTTP aws_lb_target_group_attachment.none (group port), 8080/HTTP aws_lb_target_group_attachment.own",
		"aws_lb_target_group.ecs":       "9000/HTTP aws_ecs_service.api",
		"aws_lb_target_group.asg":       "8000/HTTP aws_autoscaling_group.web (group port)",
		"aws_lb_target_group.unseen":    "7000/TCP (group port)",
		"aws_lb_target_group.ip_unseen": "",
	}
	got := map[string]string{}
	for _, be := range m.Backends {
		got[be.Name] = trafficPorts(be)
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("%s: no backend (have %v)", name, got)
			continue
		}
		// Sort want the same way for comparison.
		parts := strings.Split(w, ", ")
		sort.Strings(parts)
		if w == "" {
			parts = nil
		}
		if g != strings.Join(parts, ", ") {
			t.Errorf("%s: traffic ports %q, want %q", name, g, strings.Join(parts, ", "))
		}
	}
}
