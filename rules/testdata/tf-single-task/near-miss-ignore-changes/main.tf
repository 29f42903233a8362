# desired_count is only the first count when lifecycle.ignore_changes lists it (the
# pattern AWS documents for services scaled by Application Auto Scaling, here configured
# in another stack): the running count is managed elsewhere, so it is unknown: silent,
# and no fix is offered for a value Terraform would not apply.
resource "aws_lb_target_group" "api" {
  name        = "api"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_service" "api" {
  name          = "api"
  desired_count = 1
  launch_type   = "FARGATE"

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8080
  }

  lifecycle {
    ignore_changes = [desired_count, task_definition]
  }
}
