resource "aws_lb_target_group" "a" {
  name     = "a"
  port     = 8080
  protocol = "HTTP"

  health_check {
    path                = "/healthz"
    interval            = 60 # want "health-check-slow"
    unhealthy_threshold = 5
  }
}

resource "aws_lb_target_group" "b" {
  name     = "b"
  port     = 8080
  protocol = "HTTP"

  health_check {
    path     = "/healthz"
    interval = 10
    timeout  = 10 # want "health-check-slow"
  }
}
