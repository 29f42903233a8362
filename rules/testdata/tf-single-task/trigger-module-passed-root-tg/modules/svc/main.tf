variable "target_group_arn" {
  type = string
}

resource "aws_ecs_service" "web" {
  name            = "web"
  cluster         = "prod"
  task_definition = "web:1"
  desired_count   = 1 # want "single-task"
  launch_type     = "FARGATE"
  load_balancer {
    target_group_arn = var.target_group_arn
    container_name   = "web"
    container_port   = 8080
  }
}
