resource "aws_lb_target_group" "api" {
  name        = "api"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_service" "api" {
  name          = "api"
  desired_count = 1 # want "single-task"

  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8080
  }
}

resource "aws_autoscaling_group" "web" {
  name              = "web"
  min_size          = 1 # want "single-task"
  max_size          = 1
  health_check_type = "ELB"
  target_group_arns = [aws_lb_target_group.api2.arn]
}

resource "aws_lb_target_group" "api2" {
  name        = "api2"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
}
