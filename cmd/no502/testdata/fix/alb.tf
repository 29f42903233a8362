resource "aws_lb_target_group" "shop" {
  name                 = "shop"
  port                 = 8080
  protocol             = "HTTP"
  vpc_id               = "vpc-1"
  deregistration_delay = 0

  health_check {
    path    = "/healthz"
    matcher = "200-499"
  }
}

# The ALB in front of nginx (chained in .no502.yaml): its health check decides which
# nginx gets traffic, so nginx answering /healthz itself matters.
resource "aws_lb" "shop" {
  name               = "shop"
  load_balancer_type = "application"
  subnets            = ["subnet-1", "subnet-2"]
  idle_timeout       = 120
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.shop.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.shop.arn
  }
}
