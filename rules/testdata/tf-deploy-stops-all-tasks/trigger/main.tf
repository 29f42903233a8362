resource "aws_lb_target_group" "api" {
  name        = "api"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_service" "api" {
  name                               = "api"
  desired_count                      = 2
  deployment_minimum_healthy_percent = 0 # want "deploy-stops-all-tasks"
  deployment_maximum_percent         = 100

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8080
  }
}
