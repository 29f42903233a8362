# A Node app whose server starts from the image's own CMD: the task definition names no
# command, so the app's keep-alive is not known here and nothing is said about it, even
# behind a 300s idle timeout.
resource "aws_lb" "web" {
  name         = "web"
  idle_timeout = 300
}

resource "aws_lb_target_group" "web" {
  name        = "web"
  port        = 3000
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_lb_listener" "web" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

resource "aws_ecs_service" "web" {
  name            = "web"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.web.arn
  capacity_provider_strategy {
    capacity_provider = "FARGATE_SPOT"
    weight            = 1
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.web.arn
    container_name   = "web"
    container_port   = 3000
  }
}

resource "aws_ecs_task_definition" "web" {
  family = "web"
  container_definitions = jsonencode([
    {
      name         = "web"
      image        = "node:20-alpine"
      entryPoint   = ["docker-entrypoint.sh"]
      portMappings = [{ containerPort = 3000 }]
      environment  = [{ name = "NODE_ENV", value = "production" }]
    }
  ])
}
