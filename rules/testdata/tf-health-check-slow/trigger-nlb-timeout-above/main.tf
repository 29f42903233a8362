# An NLB's health check timeout may equal its interval, not exceed it.
resource "aws_lb_target_group" "proxy" {
  name     = "proxy"
  port     = 8443
  protocol = "TCP"

  health_check {
    protocol            = "TCP"
    interval            = 10
    timeout             = 20 # want "health-check-slow"
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}
