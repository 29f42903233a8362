# An ALB checks /status on the Caddy server beside it (chained in .no502.yaml).
resource "aws_lb" "front" {
  name               = "front"
  load_balancer_type = "application"
  subnets            = ["subnet-a", "subnet-b"]
}

resource "aws_lb_listener" "web" {
  load_balancer_arn = aws_lb.front.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

resource "aws_lb_target_group" "web" {
  name     = "web"
  port     = 80
  protocol = "HTTP"
  vpc_id   = "vpc-a"

  health_check {
    path    = "/status"
    matcher = "200"
  }
}
