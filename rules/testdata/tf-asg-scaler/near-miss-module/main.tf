# Groups made by the terraform-aws-modules/autoscaling module that run two instances or
# more, are not created, or are not behind a load balancer the model holds.
resource "aws_lb_target_group" "api" {
  name     = "api"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = "vpc-1"
}

# min_size 1, but nothing scales it: it runs desired_capacity (3) instances.
module "fixed" {
  source = "terraform-aws-modules/autoscaling/aws"

  name              = "fixed"
  min_size          = 1
  max_size          = 6
  desired_capacity  = 3
  health_check_type = "ELB"
  target_group_arns = [aws_lb_target_group.api.arn]
  scaling_policies  = {}
  tags = {
    team = "web"
  }
}

module "off" {
  source = "terraform-aws-modules/autoscaling/aws"

  create            = false
  name              = "off"
  min_size          = 1
  max_size          = 1
  target_group_arns = [aws_lb_target_group.api.arn]
}

# A VPC Lattice target group is not a load balancer the model holds.
module "lattice" {
  source = "terraform-aws-modules/autoscaling/aws"

  name     = "lattice"
  min_size = 1
  max_size = 1

  traffic_source_attachments = {
    lattice = {
      traffic_source_identifier = "arn:aws:vpc-lattice:eu-west-1:1:targetgroup/tg-1"
      traffic_source_type       = "vpc-lattice"
    }
  }
}
