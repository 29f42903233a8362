# The environments' var files set other variables (or the same value): the
# default 30 is what every environment deploys.
variable "lb_idle_timeout" {
  default = 30
}

resource "aws_lb" "web" {
  name         = "web"
  idle_timeout = var.lb_idle_timeout # want "read-timeout-below-budget"
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
