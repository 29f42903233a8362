# The container's port comes from a variable set elsewhere: the port is not known, but
# the served container is (container_name), and its gunicorn threads keep idle
# connections 2s behind the ALB's 60s.
variable "app_port" {
  type = number
}

resource "aws_lb" "api" {
  name = "api"
}

resource "aws_lb_target_group" "api" {
  name        = "api"
  port        = var.app_port
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_lb_listener" "api" {
  load_balancer_arn = aws_lb.api.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}

resource "aws_ecs_service" "api" {
  name            = "api"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.api.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = var.app_port
  }
}

resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = jsonencode([{
    name         = "api"
    image        = "ghcr.io/acme/api:2"
    command      = ["gunicorn", "--bind", "0.0.0.0:8000", "--threads", "4", "app:app"] # want "keepalive-race"
    portMappings = [{ containerPort = var.app_port }]
  }])
}
