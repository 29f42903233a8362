# A service created with desired_count = 0 (through a module variable, as in a public
# Fargate setup whose scheduled autoscaling in another module sets the count), and one
# whose lifecycle ignores every change: neither count is what runs, so single-task is
# silent, as for a desired_count that is not written.
module "svc" {
  source        = "./svc"
  desired_count = 0
}

resource "aws_lb_target_group" "web" {
  name        = "web"
  port        = 80
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_service" "web" {
  name          = "web"
  desired_count = 1
  launch_type   = "FARGATE"

  load_balancer {
    target_group_arn = aws_lb_target_group.web.arn
    container_name   = "web"
    container_port   = 80
  }

  lifecycle {
    ignore_changes = all
  }
}

resource "aws_lb_target_group" "zero" {
  name        = "zero"
  port        = 80
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_service" "zero" {
  name          = "zero"
  desired_count = 0
  launch_type   = "FARGATE"

  load_balancer {
    target_group_arn = aws_lb_target_group.zero.arn
    container_name   = "zero"
    container_port   = 80
  }
}
