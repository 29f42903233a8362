# No budget anywhere. The ALB drops a request after 2s without a byte while nginx behind it
# waits 120s for /reports/: outer-hop-gives-up-first decides this chain on its own, and
# read-timeout-too-short does not report the same idle_timeout again asking for a budget.
resource "aws_lb" "web" {
  name               = "web"
  load_balancer_type = "application"
  subnets            = ["subnet-1", "subnet-2"]
  idle_timeout       = 2  # want "outer-hop-gives-up-first"
}

resource "aws_lb_target_group" "nginx" {
  name                 = "nginx"
  port                 = 80
  protocol             = "HTTP"
  vpc_id               = "vpc-1"
  deregistration_delay = 20

  health_check {
    path    = "/healthz"
    matcher = "200"
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.nginx.arn
  }
}
