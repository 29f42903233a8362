# Stop-then-start on purpose, and said so above the setting: both findings stay (every
# deploy and every crash still leaves the target group empty), the fixes are snippets
# that quote the comments instead of writing over them.
resource "aws_lb_target_group" "queue" {
  name        = "queue"
  port        = 4222
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_service" "queue" {
  name        = "queue"
  launch_type = "FARGATE"
  # One broker owns the store on the shared volume.
  desired_count = 1 # want "single-task"

  // A second broker must never open the same store,
  // not even during a deploy.
  deployment_minimum_healthy_percent = 0 # want "deploy-stops-all-tasks"
  deployment_maximum_percent         = 100

  load_balancer {
    target_group_arn = aws_lb_target_group.queue.arn
    container_name   = "queue"
    container_port   = 4222
  }
}
