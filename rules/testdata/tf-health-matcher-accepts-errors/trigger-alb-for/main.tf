# terraform-aws-modules/alb v9 target groups written as a for expression over a map the
# configuration knows: each entry is read with its own key and value. One constructor
# writes them all, so the matcher is reported once per target group and its fix is a
# snippet (changing it changes every entry).
locals {
  services = {
    api = { port = 8000, path = "/health" }
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
