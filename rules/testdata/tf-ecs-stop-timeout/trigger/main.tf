# Fargate Spot services whose stopTimeout is shorter than the app's drain: a Spot
# interruption sends SIGTERM while the task is still registered in its target group.
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
      image       = "ghcr.io/acme/api:3.1"
      command     = ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]
      stopTimeout = 10 # want "grace-period-too-short"
    }
  ])
}

resource "aws_lb_target_group" "reports" {
  name        = "reports"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
}

module "reports" {
  source = "terraform-aws-modules/ecs/aws//modules/service"

  autoscaling_min_capacity = 2
  capacity_provider_strategy = {
    spot = {
      capacity_provider = "FARGATE_SPOT"
      weight            = 100
    }
  }

  container_definitions = {
    reports = {
      image        = "ghcr.io/acme/reports:1.0"
      command      = ["gunicorn", "reports:app", "--graceful-timeout", "200"]
      stop_timeout = 60 # want "grace-period-too-short"
    }
  }

  load_balancer = {
    service = {
      target_group_arn = aws_lb_target_group.reports.arn
      container_name   = "reports"
      container_port   = 8000
    }
  }
}
