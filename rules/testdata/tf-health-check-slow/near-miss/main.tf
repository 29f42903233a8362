resource "aws_lb_target_group" "a" {
  name     = "a"
  port     = 8080
  protocol = "HTTP"

  health_check {
    path                = "/healthz"
    interval            = 15
    timeout             = 5
    unhealthy_threshold = 3
  }
}

resource "aws_lb_target_group" "defaults" {
  name     = "defaults"
  port     = 8080
  protocol = "HTTP"
}
