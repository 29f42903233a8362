# A for expression over a map whose keys are known and some of whose values are not
# (var.api_path has no value): each entry is read, the unknown values stay unknown (the
# api entry's path), and what is written in place is read as it is: the matcher.
variable "api_path" {
  type = string
}

locals {
  services = {
    api = { port = 8000, path = var.api_path }
    web = { port = 3000, path = "/" }
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
        path    = svc.path
        matcher = "200-499" # want "health-matcher-accepts-errors" "health-matcher-accepts-errors"
      }
    }
  }
}
