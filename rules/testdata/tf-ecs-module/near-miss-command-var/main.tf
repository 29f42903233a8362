# uvicorn in the entrypoint, its arguments from a variable without a value: they may set
# --timeout-keep-alive, so uvicorn's default is not assumed.
variable "extra_args" {
  type = list(string)
}

locals {
  common_env = [{ name = "UVICORN_TIMEOUT_KEEP_ALIVE", value = "75" }]
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
      entrypoint    = ["uvicorn", "main:app"]
      command       = var.extra_args
      port_mappings = [{ containerPort = 8000 }]
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

