# ip targets: the pod is the target, and the ALB lets its requests run for the delay.
resource "aws_lb" "web" { // want "app-timeout-exceeds-proxy"
  name               = "web"
  load_balancer_type = "application"
  subnets            = ["subnet-1", "subnet-2"]
}

resource "aws_lb_target_group" "web" {
  name                 = "web-tg-ip"
  port                 = 30080
  protocol             = "HTTP"
  vpc_id               = "vpc-1"
  target_type          = "ip"
  deregistration_delay = 300
  health_check {
    path = "/healthz"
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}
