variable "name" {
  type = string
}

variable "desired_count" {
  type    = number
  default = 1
}

variable "min_healthy" {
  type    = number
  default = 0
}

resource "aws_lb_target_group" "this" {
  name        = var.name
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_service" "this" {
  name                               = var.name
  launch_type                        = "FARGATE"
  desired_count                      = var.desired_count // want "single-task"
  deployment_minimum_healthy_percent = var.min_healthy   // want "deploy-stops-all-tasks"

  load_balancer {
    target_group_arn = aws_lb_target_group.this.arn
    container_name   = var.name
    container_port   = 8080
  }
}
