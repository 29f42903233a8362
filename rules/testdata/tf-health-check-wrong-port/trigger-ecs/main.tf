resource "aws_lb_target_group" "hooks" {
  name        = "hooks"
  port        = 80
  protocol    = "HTTP"
  target_type = "ip"
  health_check {
    path = "/ready"
    port = 9000 # want "health-check-wrong-port"
  }
}

# The tasks are registered on 8080; no container declares 9000.
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
      portMappings = [{ containerPort = 8080 }]
    }
  ])
}

# The terraform-aws-modules/alb module: an instance target group on 8080 checked on 8081.
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
        port = "8081" # want "health-check-wrong-port"
      }
    }
  }
}
