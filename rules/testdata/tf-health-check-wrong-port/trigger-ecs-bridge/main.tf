# Bridge network mode: the tasks take traffic on host port 80 (mapped to 8080), and
# nothing of the task is published on 9000.
resource "aws_lb_target_group" "app" {
  name        = "app"
  port        = 80
  protocol    = "HTTP"
  target_type = "instance"
  health_check {
    path = "/health"
    port = 9000 # want "health-check-wrong-port"
  }
}

resource "aws_ecs_task_definition" "app" {
  family       = "app"
  network_mode = "bridge"
  container_definitions = jsonencode([{
    name         = "app"
    image        = "app:latest"
    essential    = true
    memory       = 512
    portMappings = [{ containerPort = 8080, hostPort = 80 }]
  }])
}

resource "aws_ecs_service" "app" {
  name            = "app"
  cluster         = "c"
  task_definition = aws_ecs_task_definition.app.arn
  desired_count   = 2
  launch_type     = "EC2"
  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = "app"
    container_port   = 8080
  }
}
