# An optional load balancer, off by default: for_each is a known empty list, so
# Terraform generates no load_balancer block and no target group serves the task.
variable "attach_load_balancer" {
  type    = bool
  default = false
}

variable "target_group_arn" {
  type    = string
  default = ""
}

resource "aws_ecs_service" "worker" {
  name            = "worker"
  cluster         = "prod"
  task_definition = "worker:1"
  desired_count   = 1
  launch_type     = "FARGATE"

  dynamic "load_balancer" {
    for_each = var.attach_load_balancer ? [1] : []
    content {
      target_group_arn = var.target_group_arn
      container_name   = "worker"
      container_port   = 8000
    }
  }
}
