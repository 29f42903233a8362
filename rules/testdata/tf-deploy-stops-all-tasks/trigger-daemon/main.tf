# A DAEMON service runs one task per container instance; with 0% a deploy may stop all
# of them at once. The fix stays a snippet (see the rule's doc).
resource "aws_lb_target_group" "api" {
  name     = "api"
  port     = 8080
  protocol = "HTTP"
}

resource "aws_ecs_service" "agent" {
  name                               = "agent"
  scheduling_strategy                = "DAEMON"
  launch_type                        = "EC2"
  deployment_minimum_healthy_percent = 0 # want "deploy-stops-all-tasks"
  deployment_maximum_percent         = 100

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "agent"
    container_port   = 8080
  }
}
