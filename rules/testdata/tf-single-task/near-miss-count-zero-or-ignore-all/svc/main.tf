variable "desired_count" {
  type    = number
  default = 0
}

resource "aws_lb_target_group" "this" {
  name        = "svc"
  port        = 80
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_service" "this" {
  name          = "svc"
  desired_count = var.desired_count
  launch_type   = "FARGATE"

  load_balancer {
    target_group_arn = aws_lb_target_group.this.arn
    container_name   = "svc"
    container_port   = 80
  }
}
