# A terraform-aws-modules/ecs service with one task, minimum healthy 0, behind the target
# group of a terraform-aws-modules/alb load balancer: the same findings as the same values
# on aws_ecs_service.
locals {
  container_name = "web"
}

module "alb" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 9.0"

  name = "web"

  listeners = {
    http = {
      port     = 80
      protocol = "HTTP"
      forward = {
        target_group_key = "web"
      }
    }
  }

  target_groups = {
    web = {
      protocol    = "HTTP"
      port        = 3000
      target_type = "ip"
      health_check = {
        path = "/healthz"
      }
    }
    api = {
      protocol          = "HTTP"
      port              = 3000
      target_type       = "ip"
      create_attachment = false
    }
  }
}

module "web" {
  source  = "terraform-aws-modules/ecs/aws//modules/service"
  version = "~> 5.6"

  name                               = "web"
  desired_count                      = 1 # want "single-task"
  deployment_minimum_healthy_percent = 0 # want "deploy-stops-all-tasks"

  container_definitions = {
    (local.container_name) = {
      image   = "ghcr.io/acme/web:2.0"
      command = ["uvicorn", "app:app", "--port", "3000", "--timeout-keep-alive", "5"] # want "keepalive-race"
      port_mappings = [
        {
          containerPort = 3000
          protocol      = "tcp"
        }
      ]
    }
  }

  load_balancer = {
    service = {
      target_group_arn = module.alb.target_groups["web"].arn
      container_name   = local.container_name
      container_port   = 3000
    }
  }
}

# desired_count = 3, but the module's autoscaling (on by default, floor 1) owns the count.
module "api" { # want "single-task"
  source = "terraform-aws-modules/ecs/aws//modules/service"

  desired_count = 3

  load_balancer = {
    service = {
      target_group_arn = module.alb.target_groups["api"].arn
      container_name   = "api"
      container_port   = 3000
    }
  }
}
