# No listener of the run reaches the service (its ALB lives in another stack), but
# gunicorn sync workers bound every request at 25s: after a Spot SIGTERM the in-flight
# requests end within the default stopTimeout 30s, whatever the graceful timeout says.
resource "aws_lb_target_group" "app" {
  name                 = "app"
  port                 = 8000
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 30
}

resource "aws_ecs_task_definition" "app" {
  family                   = "app"
  requires_compatibilities = ["FARGATE"]
  container_definitions = jsonencode([{
    name         = "app"
    image        = "app:1"
    command      = ["gunicorn", "app:app", "-b", "0.0.0.0:8000", "--graceful-timeout", "90", "--timeout", "25"]
    portMappings = [{ containerPort = 8000 }]
  }])
}

resource "aws_ecs_service" "app" {
  name            = "app"
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = 2
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 1
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = "app"
    container_port   = 8000
  }
}
