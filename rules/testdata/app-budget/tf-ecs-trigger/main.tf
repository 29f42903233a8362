# No .no502.yaml: gunicorn's explicit --timeout 120 (sync worker) is the handler budget of
# the target group behind the ALB. The ALB waits 60s (app-timeout-exceeds-proxy owns that:
# the app is right behind it), and a task leaving the target group has its requests cut
# after 30s, though gunicorn lets them run 120s.
resource "aws_lb" "hooks" {
  name               = "hooks"
  load_balancer_type = "application"
  idle_timeout       = 60 # want "app-timeout-exceeds-proxy"
}

resource "aws_lb_target_group" "hooks" {
  name                 = "hooks"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 30 # want "deregistration-delay-too-short"
  health_check {
    path = "/ready"
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.hooks.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.hooks.arn
  }
}

resource "aws_ecs_service" "hooks" {
  name            = "hooks"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.hooks.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.hooks.arn
    container_name   = "app"
    container_port   = 8080
  }
}

resource "aws_ecs_task_definition" "hooks" {
  family = "hooks"
  container_definitions = jsonencode([
    {
      name         = "app"
      image        = "ghcr.io/acme/hooks:1.4"
      essential    = true
      stopTimeout  = 120
      command      = ["gunicorn", "--bind", "0.0.0.0:8080", "--timeout", "120", "--graceful-timeout", "100", "hooks.wsgi"]
      portMappings = [{ containerPort = 8080 }]
    }
  ])
}
