resource "aws_lb" "web" { # want "read-timeout-below-budget"
  name = "web"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

resource "aws_lb_target_group" "app" {
  name                 = "app"
  port                 = 8080
  protocol             = "HTTP"
  deregistration_delay = 120
}
