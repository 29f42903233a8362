# A module container's environment written as concat(...) is evaluated: it does not set
# uvicorn's keep-alive, so uvicorn's default 5s races the ALB's 60s.
locals {
  common_env = [{ name = "UVICORN_WORKERS", value = "4" }]
}

module "alb" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 9.0"
  name    = "web"
  target_groups = {
    api = {
      protocol          = "HTTP"
      port              = 8000
      target_type       = "ip"
      create_attachment = false
    }
  }
  listeners = {
    http = {
      port     = 80
      protocol = "HTTP"
      forward = {
        target_group_key = "api"
      }
    }
  }
}

module "svc" {
  source                   = "terraform-aws-modules/ecs/aws//modules/service"
  version                  = "~> 5.0"
  name                     = "api"
  desired_count            = 2
  autoscaling_min_capacity = 2
  container_definitions = {
    api = {
      command       = ["uvicorn", "main:app", "--port", "8000"] # want "keepalive-race"
      port_mappings = [{ containerPort = 8000 }]
      environment   = concat(local.common_env, [{ name = "LOG_LEVEL", value = "info" }])
    }
  }
  load_balancer = {
    service = {
      target_group_arn = module.alb.target_groups["api"].arn
      container_name   = "api"
      container_port   = 8000
    }
  }
}
