resource "aws_lb_target_group" "shop" {
  name                 = "shop"
  port                 = 8080
  protocol             = "HTTP"
  vpc_id               = "vpc-1"
  deregistration_delay = 0

  health_check {
    path    = "/healthz"
    matcher = "200-499"
  }
}
