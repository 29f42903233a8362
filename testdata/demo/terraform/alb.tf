# The public load balancer in front of the nginx tier.
variable "lb_idle_timeout" {
  type    = number
  default = 60
}

resource "aws_lb" "web" {
  name               = "web"
  load_balancer_type = "application"
  idle_timeout       = var.lb_idle_timeout
  subnets            = ["subnet-1", "subnet-2"]
}

resource "aws_lb_target_group" "nginx" {
  name                 = "nginx"
  port                 = 80
  protocol             = "HTTP"
  vpc_id               = "vpc-1"
  deregistration_delay = 0

  health_check {
    path    = "/healthz"
    matcher = "200-499"
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.nginx.arn
  }
}
