# for expressions whose entries are not certain are not read: a collection without a
# value, a condition that cannot be known, a key that cannot be known.
variable "services" {
  type = map(object({ port = number }))
}

variable "enabled" {
  type = bool
}

variable "suffix" {
  type = string
}

locals {
  known = {
    api = { port = 8000 }
  }
}

module "alb_a" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 9.0"

  name = "a"

  target_groups = {
    for name, svc in var.services : name => {
      protocol = "HTTP"
      port     = svc.port
      health_check = {
        matcher = "200-499"
      }
    }
  }
}

module "alb_b" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 9.0"

  name = "b"

  target_groups = {
    for name, svc in local.known : name => {
      protocol = "HTTP"
      port     = svc.port
      health_check = {
        matcher = "200-499"
      }
    } if var.enabled
  }
}

module "alb_c" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 9.0"

  name = "c"

  target_groups = {
    for name, svc in local.known : "${name}-${var.suffix}" => {
      protocol = "HTTP"
      port     = svc.port
      health_check = {
        matcher = "200-499"
      }
    }
  }
}
