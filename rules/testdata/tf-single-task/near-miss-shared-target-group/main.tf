# Two ECS services register their tasks in one target group: when the one task of
# either stops, the other service's task is still there to answer.
resource "aws_lb_target_group" "api" {
  name        = "api"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_service" "api_on_demand" {
  name            = "api-on-demand"
  cluster         = "prod"
  task_definition = "api:1"
  desired_count   = 1
  launch_type     = "FARGATE"
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8000
  }
}

resource "aws_ecs_service" "api_spot" {
  name            = "api-spot"
  cluster         = "prod"
  task_definition = "api:1"
  desired_count   = var.spot_count
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 1
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8000
  }
}

variable "spot_count" {
  type = number
}
