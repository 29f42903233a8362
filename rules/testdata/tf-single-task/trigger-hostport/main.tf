# EC2 tasks in bridge mode with a static hostPort: each binds port 9090 of its instance, so
# a second task (or a deploy that starts the new one first) needs another instance with
# that port free. Both findings stay; their fixes are snippets that say so. The log group's
# name is unknown to the run; the container, its hostPort included, is still read field by field.
resource "aws_lb_target_group" "app" {
  name        = "app"
  port        = 9090
  protocol    = "HTTP"
  target_type = "instance"
}

resource "aws_ecs_task_definition" "app" {
  family       = "app"
  network_mode = "bridge"
  container_definitions = jsonencode([{
    name         = "app"
    image        = "example/app:1"
    portMappings = [{ containerPort = 9090, hostPort = 9090 }]
    logConfiguration = {
      logDriver = "awslogs"
      options   = { "awslogs-group" = aws_cloudwatch_log_group.app.name }
    }
  }])
}

resource "aws_ecs_service" "app" {
  name                               = "app"
  task_definition                    = aws_ecs_task_definition.app.arn
  launch_type                        = "EC2"
  desired_count                      = 1 # want "single-task"
  deployment_minimum_healthy_percent = 0 # want "deploy-stops-all-tasks"
  deployment_maximum_percent         = 100

  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = "app"
    container_port   = 9090
  }
}
