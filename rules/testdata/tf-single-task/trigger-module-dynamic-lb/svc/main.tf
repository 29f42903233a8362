variable "target_group_arn" {
  type    = string
  default = ""
}

resource "aws_ecs_service" "this" {
  name            = "app"
  cluster         = "prod"
  task_definition = "app:1"
  desired_count   = 2
  launch_type     = "FARGATE"

  lifecycle {
    ignore_changes = [desired_count]
  }

  dynamic "load_balancer" {
    for_each = var.target_group_arn != "" ? [1] : []
    content {
      target_group_arn = var.target_group_arn
      container_name   = "app"
      container_port   = 8080
    }
  }
}

output "name" {
  value = aws_ecs_service.this.name
}
