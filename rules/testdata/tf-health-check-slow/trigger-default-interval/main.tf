resource "aws_lb_target_group" "a" {
  name     = "a"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = "vpc-1"
  health_check {
    path    = "/health"
    timeout = 30 # want "health-check-slow"
  }
}
