resource "aws_lb" "this" {
  name = "app"
}

resource "aws_lb_target_group" "api" {
  name        = "api"
  port        = 3000
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_lb_target_group" "web" {
  name        = "web"
  port        = 3000
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_lb_target_group" "admin" {
  name        = "admin"
  port        = 3000
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_lb_target_group" "ops" {
  name        = "ops"
  port        = 3000
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

output "target_group_arns" {
  value = [aws_lb_target_group.api.arn, aws_lb_target_group.web.arn, aws_lb_target_group.admin.arn]
}

output "tg_arns" {
  value = {
    api   = aws_lb_target_group.api.arn
    web   = aws_lb_target_group.web.arn
    admin = aws_lb_target_group.admin.arn
    ops   = aws_lb_target_group.ops.arn
  }
}
