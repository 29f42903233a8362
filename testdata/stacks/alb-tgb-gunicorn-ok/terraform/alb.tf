# The ALB and its target group live in Terraform; the pods reach the target group
# through a TargetGroupBinding (k8s/app.yaml) that names it by ARN.
resource "aws_lb" "web" {
  name               = "web"
  load_balancer_type = "application"
  subnets            = ["subnet-1", "subnet-2"]
  idle_timeout       = 120
}

resource "aws_lb_target_group" "web" {
  name                 = "web"
  port                 = 8000
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = "vpc-1"
  deregistration_delay = 20

  health_check {
    path    = "/readyz"
    matcher = "200"
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.web.arn
  port              = 443
  protocol          = "HTTPS"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}
