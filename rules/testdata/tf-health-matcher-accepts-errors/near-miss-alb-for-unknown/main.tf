# Values a for expression reads that are not known stay unknown, never a default: the
# matcher comes from a variable with no value (silent), and an entry whose condition or
# key is not known leaves the whole expression unread (silent).
variable "matcher" {
  type = string
}

variable "enabled" {
  type = bool
}

variable "suffix" {
  type = string
}

locals {
  services = {
    api = { port = 8000, matcher = var.matcher, on = true }
    web = { port = 3000, matcher = var.matcher, on = var.enabled }
  }
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
    for name, svc in local.services : name => {
      protocol          = "HTTP"
      port              = svc.port
      target_type       = "ip"
      create_attachment = false
      health_check = {
        path    = "/"
        matcher = svc.matcher
      }
    }
  }
}

module "alb_cond" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 9.0"

  name = "cond"

  target_groups = {
    for name, svc in local.services : name => {
      protocol          = "HTTP"
      port              = svc.port
      target_type       = "ip"
      create_attachment = false
      health_check = {
        path    = "/"
        matcher = "200-499"
      }
    } if svc.on
  }
}

module "alb_key" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 9.0"

  name = "key"

  target_groups = {
    for name, svc in local.services : "${name}-${var.suffix}" => {
      protocol          = "HTTP"
      port              = svc.port
      target_type       = "ip"
      create_attachment = false
      health_check = {
        path    = "/"
        matcher = "200-499"
      }
    }
  }
}
