resource "aws_lb_target_group" "a" {
  name     = "a"
  port     = 8080
  protocol = "HTTP"

  health_check {
    enabled = false # want "health-check-disabled"
    path    = "/"
  }
}
