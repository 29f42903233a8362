# The environment of a module container written as an expression (concat of a local, a
# variable) is evaluated: UVICORN_TIMEOUT_KEEP_ALIVE=75 keeps uvicorn's connections open
# longer than the ALB's 60s, and a variable without a value may set it.
variable "extra_env" {
  type = list(object({ name = string, value = string }))
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
      command       = ["uvicorn", "main:app", "--port", "8000"]
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

module "svc2" {
  source                   = "terraform-aws-modules/ecs/aws//modules/service"
  version                  = "~> 5.0"
  name                     = "api2"
  desired_count            = 2
  autoscaling_min_capacity = 2
  container_definitions = {
    api = {
      command       = ["uvicorn", "main:app", "--port", "8000"]
      port_mappings = [{ containerPort = 8000 }]
      environment   = var.extra_env
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

module "svc3" {
  source                   = "terraform-aws-modules/ecs/aws//modules/service"
  version                  = "~> 5.0"
  name                     = "api3"
  desired_count            = 2
  autoscaling_min_capacity = 2
  container_definitions = {
    api = {
      command       = ["uvicorn", "main:app", "--port", "8000"]
      port_mappings = [{ containerPort = 8000 }]
      environment   = local.common_env
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
