# The ALB forwards two hosts to one target group of nginx instances (linked by the
# chain in .no502.yaml), and nginx serves them by name, admin.example.com first. The
# ALB passes the Host header on: the rule for api.example.com reaches nginx's api server
# (50s) only, so admin's 300s is not behind the ALB's 60s for it; the rule for
# legacy.example.com names no nginx server, and its requests go to the first one,
# admin, whose 300s is behind the ALB's 60s.
resource "aws_lb" "main" {
  name               = "main"
  load_balancer_type = "application"
  idle_timeout       = 60 // want "outer-hop-gives-up-first"
}

resource "aws_lb_target_group" "web" {
  name     = "web"
  port     = 80
  protocol = "HTTP"
  health_check {
    path    = "/"
    matcher = "200"
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.main.arn
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

resource "aws_lb_listener_rule" "api" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 10
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
  condition {
    host_header {
      values = ["api.example.com"]
    }
  }
}

resource "aws_lb_listener_rule" "legacy" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 20
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
  condition {
    host_header {
      values = ["legacy.example.com"]
    }
  }
}
