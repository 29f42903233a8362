# Each environment passes its own var file (terraform apply -var-file=envs/prod.tfvars):
# the default 30 is not what either deploys, so which idle timeout runs is not known.
variable "lb_idle_timeout" {
  default = 30
}

resource "aws_lb" "web" {
  name         = "web"
  idle_timeout = var.lb_idle_timeout
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

resource "aws_lb_target_group" "app" {
  name                 = "app"
  port                 = 8080
  protocol             = "HTTP"
  deregistration_delay = 120
}
