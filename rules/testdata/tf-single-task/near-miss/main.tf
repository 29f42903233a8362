resource "aws_lb_target_group" "api" {
  name        = "api"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
}

variable "api_count" {
  default = 3
}

resource "aws_ecs_service" "api" {
  name          = "api"
  desired_count = var.api_count

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8080
  }
}

variable "worker_count" {
  type = number
}

# Unknown count (no default): silent.
resource "aws_ecs_service" "web" {
  name          = "web"
  desired_count = var.worker_count

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "web"
    container_port   = 8080
  }
}

# desired_count 1, but an autoscaling target keeps at least 2.
resource "aws_ecs_service" "scaled" {
  name          = "scaled"
  desired_count = 1

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "scaled"
    container_port   = 8080
  }
}

resource "aws_appautoscaling_target" "scaled" {
  service_namespace  = "ecs"
  resource_id        = "service/main/${aws_ecs_service.scaled.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = 2
  max_capacity       = 10
}

# Not behind a load balancer.
resource "aws_ecs_service" "worker" {
  name          = "worker"
  desired_count = 1
}
