# Near the near-miss: ignore_changes lists other attributes, not desired_count (nor
# all), so every apply sets the service back to its one task.
resource "aws_lb_target_group" "web" {
  name        = "web"
  port        = 80
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_service" "web" {
  name          = "web"
  desired_count = 1 # want "single-task"
  launch_type   = "FARGATE"

  load_balancer {
    target_group_arn = aws_lb_target_group.web.arn
    container_name   = "web"
    container_port   = 80
  }

  lifecycle {
    ignore_changes = [task_definition]
  }
}
