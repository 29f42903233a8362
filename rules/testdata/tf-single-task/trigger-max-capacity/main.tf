# An autoscaling target pinned to one task: the fix raises max_capacity with the floor
# (a minimum above the maximum is no range).
resource "aws_lb_target_group" "app" {
  name        = "app"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
  health_check {
    path = "/health"
  }
}

resource "aws_ecs_service" "app" {
  name            = "app"
  cluster         = "prod"
  task_definition = "app:1"
  desired_count   = 1
  launch_type     = "FARGATE"
  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = "app"
    container_port   = 8000
  }
  lifecycle {
    ignore_changes = [desired_count]
  }
}

resource "aws_appautoscaling_target" "app" {
  service_namespace  = "ecs"
  resource_id        = "service/prod/${aws_ecs_service.app.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 1 # want "single-task"
  max_capacity       = 1
}
