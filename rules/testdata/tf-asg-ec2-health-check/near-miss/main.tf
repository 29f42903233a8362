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
