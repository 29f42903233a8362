resource "aws_lb" "hooks" {
  name               = "hooks"
  load_balancer_type = "application"
}

resource "aws_lb_target_group" "hooks" {
  name        = "hooks"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
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
      name      = "log-router"
      image     = "amazon/aws-for-fluent-bit:2.32"
      essential = true
    },
    {
      name      = "app"
      image     = "ghcr.io/acme/hooks:1.4"
      essential = true
      command   = ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8080", "--timeout-keep-alive", "5"] # want "keepalive-race"
      portMappings = [{ containerPort = 8080 }]
    }
  ])
}
