# What the run cannot know is not guessed: a keep-alive set from a variable without a
# value, a command taken from one, or a port mapping on an unknown port.
variable "keepalive" {}
variable "server_command" {}
variable "port" {}

resource "aws_lb" "api" {
  name               = "api"
  load_balancer_type = "application"
}

resource "aws_lb_target_group" "env" {
  name        = "env"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_lb_target_group" "cmd" {
  name        = "cmd"
  port        = 8001
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_lb_target_group" "port" {
  name        = "port"
  port        = 8002
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.api.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.env.arn
  }
}

resource "aws_lb_listener_rule" "cmd" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 10
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.cmd.arn
  }
  condition {
    path_pattern {
      values = ["/cmd/*"]
    }
  }
}

resource "aws_lb_listener_rule" "port" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 20
  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.port.arn
  }
  condition {
    path_pattern {
      values = ["/port/*"]
    }
  }
}

resource "aws_ecs_service" "env" {
  name            = "env"
  desired_count   = 2
  launch_type     = "FARGATE"
  task_definition = aws_ecs_task_definition.env.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.env.arn
    container_name   = "api"
    container_port   = 8000
  }
}

resource "aws_ecs_task_definition" "env" {
  family       = "env"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    {
      name         = "api"
      image        = "${aws_ecr_repository.api.repository_url}:latest"
      command      = ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]
      portMappings = [{ containerPort = 8000 }]
      environment = [
        { name = "UVICORN_TIMEOUT_KEEP_ALIVE", value = var.keepalive }
      ]
    }
  ])
}

resource "aws_ecs_service" "cmd" {
  name            = "cmd"
  desired_count   = 2
  launch_type     = "FARGATE"
  task_definition = aws_ecs_task_definition.cmd.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.cmd.arn
    container_name   = "api"
    container_port   = 8001
  }
}

resource "aws_ecs_task_definition" "cmd" {
  family       = "cmd"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    {
      name         = "api"
      image        = "${aws_ecr_repository.api.repository_url}:latest"
      entryPoint   = ["uvicorn", "main:app"]
      command      = var.server_command
      portMappings = [{ containerPort = 8001 }]
    }
  ])
}

resource "aws_ecs_service" "port" {
  name            = "port"
  desired_count   = 2
  launch_type     = "FARGATE"
  task_definition = aws_ecs_task_definition.port.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.port.arn
    container_name   = "api"
    container_port   = 8002
  }
}

resource "aws_ecs_task_definition" "port" {
  family       = "port"
  network_mode = "awsvpc"
  container_definitions = jsonencode([
    {
      name         = "api"
      image        = "${aws_ecr_repository.api.repository_url}:latest"
      command      = ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8002", "--timeout-keep-alive", "75"]
      portMappings = [{ containerPort = var.port }]
    }
  ])
}
