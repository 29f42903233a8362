# The root makes the load balancer and target group and passes the target group's ARN to
# a local module that runs the service.
resource "aws_lb" "web" {
  name = "web"
}

resource "aws_lb_target_group" "web" {
  name        = "web"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_lb_listener" "web" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

module "svc" {
  source           = "./modules/svc"
  target_group_arn = aws_lb_target_group.web.arn
}
