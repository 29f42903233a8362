# An attribute or nested block lifecycle.ignore_changes lists is set in code only when
# the resource is created; its live value is managed elsewhere, so it is unknown: silent
# (a fix there would change nothing Terraform applies).
resource "aws_lb" "web" {
  name         = "web"
  idle_timeout = 30

  lifecycle {
    ignore_changes = [idle_timeout]
  }
}

resource "aws_lb_listener" "web" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

resource "aws_lb_target_group" "app" {
  name     = "app"
  port     = 8080
  protocol = "HTTP"

  health_check {
    path    = "/healthz"
    matcher = "200-499"
  }

  lifecycle {
    ignore_changes = [health_check]
  }
}
