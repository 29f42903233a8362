# An NLB accepts a health check timeout equal to its interval (the ALB's "must be
# smaller" rule is not the NLB's: the AWS Load Balancer Controller's own NLB defaults are
# interval 10, timeout 10), written or by default (10s for a TCP check).
resource "aws_lb" "edge" {
  name               = "edge"
  load_balancer_type = "network"
}

resource "aws_lb_target_group" "proxy" {
  name     = "proxy"
  port     = 8443
  protocol = "TCP"

  health_check {
    protocol            = "TCP"
    interval            = 5
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

resource "aws_lb_target_group" "proxy_default_timeout" {
  name     = "proxy-default-timeout"
  port     = 8444
  protocol = "TCP"

  health_check {
    protocol = "TCP"
    interval = 10
  }
}

resource "aws_lb_listener" "tls" {
  load_balancer_arn = aws_lb.edge.arn
  port              = 443
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.proxy.arn
  }
}

resource "aws_lb_listener" "alt" {
  load_balancer_arn = aws_lb.edge.arn
  port              = 444
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.proxy_default_timeout.arn
  }
}
