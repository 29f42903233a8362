resource "aws_lb" "web" {
  name         = "web"
  idle_timeout = 120
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

resource "aws_lb_listener_rule" "reports" {
  listener_arn = aws_lb_listener.http.arn

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.reports.arn
  }

  condition {
    path_pattern {
      values = ["/reports/*"]
    }
  }
}

resource "aws_lb_target_group" "app" {
  name                 = "app"
  port                 = 8080
  protocol             = "HTTP"
  deregistration_delay = 0 # want "deregistration-delay-too-short"
}

resource "aws_lb_target_group" "reports" {
  name                 = "reports"
  port                 = 8080
  protocol             = "HTTP"
  deregistration_delay = 30 # want "deregistration-delay-too-short"
}

resource "aws_elb" "legacy" { # want "deregistration-delay-too-short"
  idle_timeout       = 120
  name               = "legacy"
  availability_zones = ["us-east-1a"]

  listener {
    instance_port     = 8000
    instance_protocol = "http"
    lb_port           = 80
    lb_protocol       = "http"
  }
}
