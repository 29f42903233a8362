# /reports/* is redirected by the ALB itself (the rule of priority 5 comes before the
# catch-all forward): no request for /reports/ reaches the app, so its 120s budget does
# not apply to the forward rule's target group.
resource "aws_lb" "web" {
  name         = "web"
  idle_timeout = 60
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.web.arn
  port              = 443
  protocol          = "HTTPS"

  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      status_code  = "404"
    }
  }
}

resource "aws_lb_listener_rule" "reports" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 5

  action {
    type = "redirect"
    redirect {
      host        = "reports.example.com"
      status_code = "HTTP_301"
    }
  }

  condition {
    path_pattern {
      values = ["/reports/*"]
    }
  }
}

resource "aws_lb_listener_rule" "web" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 10

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }

  condition {
    path_pattern {
      values = ["/*"]
    }
  }
}

resource "aws_lb_target_group" "web" {
  name                 = "web"
  port                 = 8000
  protocol             = "HTTP"
  deregistration_delay = 45
}
