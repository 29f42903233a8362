# An NLB target group with its default matcher written out: not reported.
resource "aws_lb" "nlb" {
  name               = "nlb"
  load_balancer_type = "network"
  subnets            = ["subnet-1", "subnet-2"]
}
resource "aws_lb_target_group" "app" {
  name        = "app"
  port        = 8080
  protocol    = "TCP"
  vpc_id      = "vpc-1"
  target_type = "ip"
  health_check {
    protocol = "HTTP"
    path     = "/healthz"
    matcher  = "200-399"
    interval = 10
  }
}
resource "aws_lb_listener" "l" {
  load_balancer_arn = aws_lb.nlb.arn
  port              = 80
  protocol          = "TCP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}
