# The load balancer in front of the proxy: its target groups check these paths, so the
# proxy's own answer decides where traffic goes (chained in .no502.yaml).
resource "aws_lb" "web" {
  name               = "web"
  load_balancer_type = "application"
  subnets            = ["subnet-1", "subnet-2"]
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.check0.arn
  }
}

resource "aws_lb_target_group" "check0" {
  name     = "check0"
  port     = 80
  protocol = "HTTP"
  vpc_id   = "vpc-1"

  health_check {
    path    = "/health"
    matcher = "200"
  }
}

resource "aws_lb_target_group" "static" {
  name     = "static"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = "vpc-1"

  health_check {
    path    = "/health"
    matcher = "200"
  }
}

resource "aws_lb_listener_rule" "static" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 10

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.static.arn
  }

  condition {
    path_pattern {
      values = ["/static/*"]
    }
  }
}
