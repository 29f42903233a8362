# A dedicated health port the serving container declares: on purpose, served by the task.
resource "aws_lb_target_group" "hooks" {
  name        = "hooks"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
  health_check {
    path = "/ready"
    port = 9000
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
      command      = ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8080", "--timeout-keep-alive", "65"]
      portMappings = [{ containerPort = 8080 }, { containerPort = 9000 }]
    }
  ])
}

# Registered on container_port 8080 while the target group says 80: the check on 8080
# is where the requests go.
resource "aws_lb_target_group" "api" {
  name        = "api"
  port        = 80
  protocol    = "HTTP"
  target_type = "ip"
  health_check {
    path = "/ready"
    port = 8080
  }
}

resource "aws_ecs_service" "api" {
  name            = "api"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.api.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8080
  }
}

resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = jsonencode([
    {
      name         = "api"
      image        = "ghcr.io/acme/api:2.0"
      command      = ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8080", "--timeout-keep-alive", "65"]
      portMappings = [{ containerPort = 8080 }]
    }
  ])
}

# Containers read from a file: whether they declare 9000 is not known.
resource "aws_lb_target_group" "worker" {
  name        = "worker"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
  health_check {
    path = "/ready"
    port = 9000
  }
}

resource "aws_ecs_service" "worker" {
  name            = "worker"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.worker.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.worker.arn
    container_name   = "worker"
    container_port   = 8080
  }
}

resource "aws_ecs_task_definition" "worker" {
  family                = "worker"
  container_definitions = file("worker.json")
}

# The module's target group checked on the traffic port.
module "alb" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 9.0"

  name = "web"

  target_groups = {
    web = {
      protocol    = "HTTP"
      port        = 8080
      target_type = "instance"
      target_id   = "i-0123456789abcdef0"
      health_check = {
        path = "/health"
        port = "traffic-port"
      }
    }
  }
}
