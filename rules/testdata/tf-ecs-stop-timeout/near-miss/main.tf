# stopTimeout shorter than the app's drain only matters when SIGTERM comes while the task
# is still registered: on Fargate Spot. These must not be reported.
resource "aws_lb_target_group" "api" {
  name        = "api"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
}

# On-demand Fargate: ECS drains the target before SIGTERM, whatever stopTimeout is.
resource "aws_ecs_service" "ondemand" {
  name            = "ondemand"
  desired_count   = 2
  launch_type     = "FARGATE"
  task_definition = aws_ecs_task_definition.short.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8000
  }
}

# A FARGATE_SPOT entry that gets no tasks (weight and base 0).
resource "aws_ecs_service" "spot_unused" {
  name            = "spot-unused"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.short.arn
  capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 0
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8000
  }
}

resource "aws_ecs_task_definition" "short" {
  family = "short"
  container_definitions = jsonencode([
    {
      name        = "api"
      image       = "ghcr.io/acme/api:3.1"
      command     = ["gunicorn", "app:app", "--bind", "0.0.0.0:8000"]
      stopTimeout = 10
    }
  ])
}

# Spot, with stopTimeout above gunicorn's graceful timeout; ECS's default 30s equal to
# gunicorn's 30s (gunicorn stops waiting at that deadline itself); a server started by
# a shell script that runs other commands first (the signal goes to the shell); uvicorn
# without a budget (nothing says how long its requests take).
resource "aws_ecs_service" "spot" {
  name            = "spot"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.spot.arn
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

resource "aws_ecs_task_definition" "spot" {
  family = "spot"
  container_definitions = jsonencode([
    {
      name        = "api"
      image       = "ghcr.io/acme/api:3.1"
      command     = ["gunicorn", "app:app", "--graceful-timeout", "20"]
      stopTimeout = 40
    }
  ])
}

resource "aws_lb_target_group" "web" {
  name        = "web"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
}

module "web" {
  source = "terraform-aws-modules/ecs/aws//modules/service"

  autoscaling_min_capacity = 2
  capacity_provider_strategy = {
    spot = {
      capacity_provider = "FARGATE_SPOT"
      weight            = 1
    }
  }

  container_definitions = {
    web = {
      image       = "ghcr.io/acme/web:1.0"
      command     = ["gunicorn", "web:app"]
      stopTimeout = 30
    }
    migrate = {
      image       = "ghcr.io/acme/web:1.0"
      entrypoint  = ["sh", "-c"]
      command     = ["python manage.py migrate && gunicorn web:app"]
      stopTimeout = 5
    }
    fast = {
      image       = "ghcr.io/acme/web:1.0"
      command     = ["uvicorn", "web:app"]
      stopTimeout = 5
    }
  }

  load_balancer = {
    web = {
      target_group_arn = aws_lb_target_group.web.arn
      container_name   = "web"
      container_port   = 8000
    }
    migrate = {
      target_group_arn = aws_lb_target_group.web.arn
      container_name   = "migrate"
      container_port   = 8000
    }
    fast = {
      target_group_arn = aws_lb_target_group.web.arn
      container_name   = "fast"
      container_port   = 8000
    }
  }
}
