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

# The terraform-aws-modules/ecs service (awsvpc by default): its tasks take traffic on
# container_port 8080, and no container declares 9000.
resource "aws_lb_target_group" "module" {
  name        = "module"
  port        = 80
  protocol    = "HTTP"
  target_type = "ip"
  health_check {
    path = "/health"
    port = 9000 # want "health-check-wrong-port"
  }
}

module "svc" {
  source  = "terraform-aws-modules/ecs/aws//modules/service"
  version = "~> 5.11"

  name                     = "svc"
  desired_count            = 2
  autoscaling_min_capacity = 2
  container_definitions = {
    app = {
      image         = "app:1"
      port_mappings = [{ containerPort = 8080 }]
    }
  }
  load_balancer = {
    service = {
      target_group_arn = aws_lb_target_group.module.arn
      container_name   = "app"
      container_port   = 8080
    }
  }
}
