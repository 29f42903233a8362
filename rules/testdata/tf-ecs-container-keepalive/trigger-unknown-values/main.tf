# The image comes from an ECR repository, the log group and a database address from other
# resources: values no run without a plan can know, which do not change what uvicorn
# does. Its command is written, so its 5s keep-alive still meets the ALB's 60s.
resource "aws_lb" "api" {
  name               = "api"
  load_balancer_type = "application"
}

resource "aws_lb_target_group" "api" {
  name        = "api"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.api.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}

resource "aws_ecs_service" "api" {
  name            = "api"
  desired_count   = 2
  launch_type     = "FARGATE"
  task_definition = aws_ecs_task_definition.api.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8000
  }
}

resource "aws_ecs_task_definition" "api" {
  family                   = "api"
  network_mode             = "awsvpc"
  requires_compatibilities = ["FARGATE"]
  container_definitions = jsonencode([
    {
      name      = "api"
      image     = "${aws_ecr_repository.api.repository_url}:latest"
      essential = true
      command   = ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"] # want "keepalive-race"
      portMappings = [
        { containerPort = 8000, hostPort = 8000 }
      ]
      environment = [
        { name = "DB_HOST", value = aws_db_instance.main.address }
      ]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group = aws_cloudwatch_log_group.api.name
        }
      }
    }
  ])
}
