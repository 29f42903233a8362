# ECS container health checks that cannot fail, on the containers a target group serves.
resource "aws_lb_target_group" "api" {
  name        = "api"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
  health_check {
    path = "/health"
  }
}

resource "aws_ecs_service" "api" {
  name            = "api"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.api.arn
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
      name         = "api"
      image        = "ghcr.io/acme/api:3.1"
      portMappings = [{ containerPort = 8000 }]
      healthCheck = {
        command = ["CMD-SHELL", "exit 0"] # want "readiness-cannot-fail"
      }
    }
  ])
}

resource "aws_lb_target_group" "web" {
  name        = "web"
  port        = 3000
  protocol    = "HTTP"
  target_type = "ip"
}

module "web" {
  source = "terraform-aws-modules/ecs/aws//modules/service"

  autoscaling_min_capacity = 2

  container_definitions = {
    web = {
      image = "ghcr.io/acme/web:1.0"
      health_check = {
        command = ["CMD-SHELL", "curl -s http://localhost:3000/ || exit 0"] # want "readiness-cannot-fail"
      }
    }
    worker = {
      image = "ghcr.io/acme/web:1.0"
      healthCheck = {
        command = ["CMD", "true"]
      }
    }
  }

  load_balancer = {
    service = {
      target_group_arn = aws_lb_target_group.web.arn
      container_name   = "web"
      container_port   = 3000
    }
  }
}

resource "aws_lb_target_group" "admin" {
  name        = "admin"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_service" "admin" {
  name            = "admin"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.admin.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.admin.arn
    container_name   = "admin"
    container_port   = 8080
  }
}

resource "aws_ecs_task_definition" "admin" {
  family                = "admin"
  container_definitions = <<-JSON
    [
      {
        "name": "admin",
        "image": "ghcr.io/acme/admin:1.0",
        "healthCheck": {"command": ["CMD", "echo", "ok"]}
      }
    ]
  JSON
}
