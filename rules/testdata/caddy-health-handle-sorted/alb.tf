# An ALB checks /health on the Caddy JSON server beside it (chained in .no502.yaml).
resource "aws_lb" "edge" {
  name               = "edge"
  load_balancer_type = "application"
  subnets            = ["subnet-a", "subnet-b"]
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.edge.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.caddy.arn
  }
}

resource "aws_lb_target_group" "caddy" {
  name     = "caddy"
  port     = 80
  protocol = "HTTP"
  vpc_id   = "vpc-a"

  health_check {
    path    = "/health"
    matcher = "200"
  }
}
