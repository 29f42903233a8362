resource "aws_lb_target_group" "defaults" { # want "health-check-slow"
  name     = "defaults"
  port     = 8080
  protocol = "HTTP"
}
