# An aws_autoscaling_group attached to every target group of a terraform-aws-modules/alb
# call through its target_group_arns output (v8 and before), with EC2 health checks.
module "alb" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 8.0"

  name = "web"

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

resource "aws_autoscaling_group" "web" {
  name              = "web"
  min_size          = 2
  max_size          = 4
  health_check_type = "EC2" # want "asg-ec2-health-check"
  target_group_arns = module.alb.target_group_arns
}
