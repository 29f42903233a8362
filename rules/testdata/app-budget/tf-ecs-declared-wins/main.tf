# Near miss: the same stack as tf-ecs-trigger, but .no502.yaml declares the route's budget
# (20s): the declared budget wins over gunicorn's --timeout 120, and both the ALB's 60s and
# the 30s deregistration delay cover it.
resource "aws_lb" "hooks" {
  name               = "hooks"
  load_balancer_type = "application"
  idle_timeout       = 60
}

resource "aws_lb_target_group" "hooks" {
  name                 = "hooks"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 30
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
