# A Lambda target group holds one function. When its check fails the group has only
# unhealthy targets and the ALB fails open: the function keeps every request whatever the
# check says, so how fast the check notices changes nothing for the requests.
resource "aws_lb_target_group" "fn" {
  name        = "fn"
  target_type = "lambda"

  health_check {
    enabled             = true
    path                = "/"
    interval            = 300
    timeout             = 30
    unhealthy_threshold = 10
  }
}

resource "aws_lb" "fn" {
  name               = "fn"
  load_balancer_type = "application"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.fn.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.fn.arn
  }
}
