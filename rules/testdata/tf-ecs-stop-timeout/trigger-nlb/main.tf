# A Fargate Spot service behind an NLB (TCP target group): the kill resets the clients'
# connections, which the NLB passes through: no 502.
resource "aws_lb_target_group" "api" {
  name        = "api"
  port        = 8000
  protocol    = "TCP"
  target_type = "ip"
}

resource "aws_ecs_service" "api" {
  name            = "api"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.api.arn
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 1
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8000
  }
}

resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = jsonencode([
    {
      name        = "api"
      image       = "ghcr.io/acme/api:3.1"
      command     = ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]
      stopTimeout = 10 # want "grace-period-too-short"
    }
  ])
}
