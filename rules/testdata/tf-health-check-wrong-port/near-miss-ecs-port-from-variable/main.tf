# The health check asks port 9000 while the tasks are registered on 8080: the
# container's second mapping comes from a variable without a value, which may be 9000.
variable "admin_port" {
  type = number
}

resource "aws_lb_target_group" "hooks" {
  name        = "hooks"
  port        = 80
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
      portMappings = [{ containerPort = 8080 }, { containerPort = var.admin_port }]
    }
  ])
}

# The same through the terraform-aws-modules/ecs service module.
resource "aws_lb_target_group" "web" {
  name        = "web"
  port        = 80
  protocol    = "HTTP"
  target_type = "ip"
  health_check {
    path = "/ready"
    port = 9000
  }
}

module "web" {
  source = "terraform-aws-modules/ecs/aws//modules/service"

  desired_count            = 2
  autoscaling_min_capacity = 2

  container_definitions = {
    app = {
      image        = "ghcr.io/acme/web:1"
      portMappings = [{ containerPort = 8080 }, { containerPort = var.admin_port }]
    }
  }

  load_balancer = {
    service = {
      target_group_arn = aws_lb_target_group.web.arn
      container_name   = "app"
      container_port   = 8080
    }
  }
}
