# One ECS service behind two target groups, each sending to its own container: the
# public ALB to web (uvicorn, 5s keep-alive: a race with its 60s), the internal ALB
# (idle 30s) to api (uvicorn --timeout-keep-alive 75: no race). The internal ALB's
# connections never reach the web container, so nothing compares them.
resource "aws_lb" "main" {
  name               = "main"
  load_balancer_type = "application"
}

resource "aws_lb" "internal" {
  name               = "internal"
  load_balancer_type = "application"
  internal           = true
  idle_timeout       = 30
}

resource "aws_lb_target_group" "web" {
  name        = "web"
  port        = 80
  protocol    = "HTTP"
  target_type = "ip"
  health_check {
    path = "/healthz"
  }
}

resource "aws_lb_target_group" "api" {
  name        = "api"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
  health_check {
    path = "/healthz"
  }
}

resource "aws_lb_listener" "web" {
  load_balancer_arn = aws_lb.main.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

resource "aws_lb_listener" "api" {
  load_balancer_arn = aws_lb.internal.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}

resource "aws_ecs_service" "app" {
  name            = "app"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.app.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.web.arn
    container_name   = "web"
    container_port   = 80
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8000
  }
}

resource "aws_ecs_task_definition" "app" {
  family = "app"
  container_definitions = jsonencode([
    {
      name         = "web"
      image        = "ghcr.io/acme/web:1.0"
      essential    = true
      command      = ["uvicorn", "web:app", "--host", "0.0.0.0", "--port", "80"] # want "keepalive-race"
      portMappings = [{ containerPort = 80 }]
    },
    {
      name         = "api"
      image        = "ghcr.io/acme/api:1.0"
      essential    = true
      command      = ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000", "--timeout-keep-alive", "75"]
      portMappings = [{ containerPort = 8000 }]
    }
  ])
}
