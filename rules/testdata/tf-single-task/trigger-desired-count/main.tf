# An autoscaling floor of one task beside a written desired_count = 1 that no
# ignore_changes covers: each apply sets the service back to desired_count, so the fix
# raises it with the floor.
resource "aws_lb_target_group" "app" {
  name        = "app"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
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
}

resource "aws_appautoscaling_target" "app" {
  service_namespace  = "ecs"
  resource_id        = "service/prod/${aws_ecs_service.app.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 1 # want "single-task"
  max_capacity       = 4
}
