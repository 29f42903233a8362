# One rule forwards to two target groups (a weighted canary): the ALB's idle timeout is
# one setting, reported once for the budget, not once per target group.
resource "aws_lb" "web" {
  name         = "web"
  idle_timeout = 60 # want "read-timeout-below-budget"
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.web.arn
  port              = 443
  protocol          = "HTTPS"

  default_action {
    type = "forward"
    forward {
      target_group {
        arn    = aws_lb_target_group.web.arn
        weight = 90
      }
      target_group {
        arn    = aws_lb_target_group.canary.arn
        weight = 10
      }
    }
  }
}

resource "aws_lb_target_group" "web" {
  name     = "web"
  port     = 8000
  protocol = "HTTP"
}

resource "aws_lb_target_group" "canary" {
  name     = "canary"
  port     = 8000
  protocol = "HTTP"
}
