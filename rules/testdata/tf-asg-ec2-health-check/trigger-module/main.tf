# Groups made by the terraform-aws-modules/autoscaling module behind ALB target groups,
# with EC2 health checks: attached by traffic_source_attachments (v8 on) and by
# target_group_arns = module.alb.target_group_arns (every target group of an alb module
# call, v8 and before).
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
      protocol          = "HTTP"
      port              = 8080
      target_type       = "instance"
      create_attachment = false
    }
  }
}

module "web" {
  source  = "terraform-aws-modules/autoscaling/aws"
  version = "9.0.0"

  name              = "web"
  min_size          = 2
  max_size          = 4
  desired_capacity  = 2
  health_check_type = "EC2" # want "asg-ec2-health-check"

  traffic_source_attachments = {
    alb = {
      traffic_source_identifier = module.alb.target_groups["web"].arn
    }
  }
}

module "legacy_alb" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 6.0"

  name = "legacy"

  target_groups = [
    {
      backend_protocol = "HTTP"
      backend_port     = 8080
      target_type      = "instance"
    }
  ]

  http_tcp_listeners = [
    {
      port               = 80
      protocol           = "HTTP"
      target_group_index = 0
    }
  ]
}

module "legacy" { # want "asg-ec2-health-check"
  source  = "terraform-aws-modules/autoscaling/aws"
  version = "4.4.0"

  name             = "legacy"
  min_size         = 2
  max_size         = 2
  desired_capacity = 2
  # health_check_type not set: AWS's default is EC2.
  target_group_arns = module.legacy_alb.target_group_arns
}
