resource "aws_lb_target_group" "web" {
  name     = "web"
  port     = 8080
  protocol = "HTTP"
}

resource "aws_autoscaling_group" "web" {
  name              = "web"
  min_size          = 2
  max_size          = 4
  health_check_type = "ELB"
  target_group_arns = [aws_lb_target_group.web.arn]
}

# Not behind a load balancer: EC2 checks are all there is.
resource "aws_autoscaling_group" "workers" {
  name     = "workers"
  min_size = 2
  max_size = 4
}

# A VPC Lattice traffic source is no load balancer target group this rule knows.
resource "aws_autoscaling_group" "lattice" {
  name              = "lattice"
  min_size          = 2
  max_size          = 4
  health_check_type = "EC2"

  traffic_source {
    identifier = "arn:aws:vpc-lattice:eu-west-1:123456789012:targetgroup/tg-0123"
    type       = "vpc-lattice"
  }
}
