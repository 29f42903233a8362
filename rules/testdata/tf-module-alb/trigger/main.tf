module "alb" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 9.0"

  name         = "web"
  idle_timeout = 30 # want "read-timeout-below-budget"

  listeners = {
    http = {
      port     = 80
      protocol = "HTTP"
      forward = {
        target_group_key = "api"
      }
    }
  }

  target_groups = {
    api = {
      protocol             = "HTTP"
      port                 = 8080
      target_type          = "ip"
      deregistration_delay = 0 # want "deregistration-delay-too-short"

      health_check = {
        path    = "/healthz"
        matcher = "200-499" # want "health-matcher-accepts-errors"
      }
    }
  }
}

resource "aws_ecs_service" "api" {
  name          = "api"
  desired_count = 1 # want "single-task"

  load_balancer {
    target_group_arn = module.alb.target_groups["api"].arn
    container_name   = "api"
    container_port   = 8080
  }
}
