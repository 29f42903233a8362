# A Fargate Spot service whose image and log group come from other resources: the
# written stopTimeout is still read, at its own line, and still shorter than gunicorn's
# 30s graceful timeout.
resource "aws_lb_target_group" "api" {
  name        = "api"
  port        = 8000
  protocol    = "HTTP"
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
      image       = "${aws_ecr_repository.api.repository_url}:${var.tag}"
      command     = ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]
      stopTimeout = 10 # want "grace-period-too-short"
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group = aws_cloudwatch_log_group.api.name
        }
      }
    }
  ])
}

variable "tag" {}
