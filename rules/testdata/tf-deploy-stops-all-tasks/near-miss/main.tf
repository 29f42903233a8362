resource "aws_lb_target_group" "api" {
  name        = "api"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_service" "api" {
  name                               = "api"
  desired_count                      = 2
  deployment_minimum_healthy_percent = 50

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8080
  }
}

# Blue/green with CodeDeploy: the percentages do not drive the deploy.
resource "aws_ecs_service" "bg" {
  name                               = "bg"
  desired_count                      = 2
  deployment_minimum_healthy_percent = 0

  deployment_controller {
    type = "CODE_DEPLOY"
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "bg"
    container_port   = 8080
  }
}

# ECS-native blue/green (deployment_configuration.strategy): the whole new revision
# starts beside the old one before traffic shifts; the percentages do not pace it.
resource "aws_ecs_service" "native_bg" {
  name                               = "native-bg"
  desired_count                      = 2
  deployment_minimum_healthy_percent = 0

  deployment_configuration {
    strategy             = "BLUE_GREEN"
    bake_time_in_minutes = 5
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "native-bg"
    container_port   = 8080
  }
}

# A DAEMON service with the percentages not written: nothing to report.
resource "aws_ecs_service" "agent" {
  name                = "agent"
  scheduling_strategy = "DAEMON"
  launch_type         = "EC2"

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "agent"
    container_port   = 8080
  }
}
