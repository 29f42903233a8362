# Cloudflare is in front of the ALB: the nginx behind it sees CF-Connecting-IP. /reports/ may
# take 150s, more than Cloudflare's 120s: edge-timeout-exceeded reports it on nginx, and the
# ALB's idle_timeout is not asked to cover 150s (no ALB timeout can make that route work). It
# must still cover /webhooks/' 90s budget, which fits under the edge's limit.
resource "aws_lb" "web" {
  name               = "web"
  load_balancer_type = "application"
  subnets            = ["subnet-1", "subnet-2"]
  idle_timeout       = 60  # want "read-timeout-below-budget"
}

resource "aws_lb_target_group" "nginx" {
  name                 = "nginx"
  port                 = 80
  protocol             = "HTTP"
  vpc_id               = "vpc-1"
  deregistration_delay = 165

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
