variable "tg_arn" {}

resource "aws_ecs_service" "app" {
  name            = "app"
  cluster         = "prod"
  task_definition = "app:1"
  desired_count   = 1 # want "single-task"
  launch_type     = "FARGATE"
  load_balancer {
    target_group_arn = var.tg_arn
    container_name   = "app"
    container_port   = 8000
  }
}
