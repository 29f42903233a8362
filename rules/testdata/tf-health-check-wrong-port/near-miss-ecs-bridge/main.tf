# EC2 tasks in bridge network mode: ECS registers the instance on the host port mapped
# to container_port, so the check on host port 80 is where the requests go.
resource "aws_lb_target_group" "static" {
  name        = "static"
  port        = 80
  protocol    = "HTTP"
  target_type = "instance"
  health_check {
    path = "/health"
    port = 80
  }
}

resource "aws_ecs_task_definition" "static" {
  family       = "static"
  network_mode = "bridge"
  container_definitions = jsonencode([{
    name         = "app"
    image        = "app:latest"
    essential    = true
    memory       = 512
    portMappings = [{ containerPort = 8080, hostPort = 80 }]
  }])
}

resource "aws_ecs_service" "static" {
  name            = "static"
  cluster         = "c"
  task_definition = aws_ecs_task_definition.static.arn
  desired_count   = 2
  launch_type     = "EC2"
  load_balancer {
    target_group_arn = aws_lb_target_group.static.arn
    container_name   = "app"
    container_port   = 8080
  }
}

# A dynamic host port (hostPort 0, or none in bridge mode, the EC2 default): Docker picks
# each task's port, so where the requests go is not known here.
resource "aws_lb_target_group" "dynamic" {
  name     = "dynamic"
  port     = 80
  protocol = "HTTP"
  health_check {
    path = "/health"
    port = 9000
  }
}

resource "aws_ecs_task_definition" "dynamic" {
  family = "dynamic"
  container_definitions = jsonencode([{
    name         = "app"
    image        = "app:latest"
    essential    = true
    memory       = 512
    portMappings = [{ containerPort = 8080 }]
  }])
}

resource "aws_ecs_service" "dynamic" {
  name            = "dynamic"
  cluster         = "c"
  task_definition = aws_ecs_task_definition.dynamic.arn
  desired_count   = 2
  load_balancer {
    target_group_arn = aws_lb_target_group.dynamic.arn
    container_name   = "app"
    container_port   = 8080
  }
}

# A second mapping publishes the health port on the host: served by the task.
resource "aws_lb_target_group" "health_port" {
  name     = "health-port"
  port     = 80
  protocol = "HTTP"
  health_check {
    path = "/health"
    port = 9090
  }
}

resource "aws_ecs_task_definition" "health_port" {
  family = "health-port"
  container_definitions = jsonencode([{
    name         = "app"
    image        = "app:latest"
    essential    = true
    memory       = 512
    portMappings = [{ containerPort = 8080, hostPort = 80 }, { containerPort = 9000, hostPort = 9090 }]
  }])
}

resource "aws_ecs_service" "health_port" {
  name            = "health-port"
  cluster         = "c"
  task_definition = aws_ecs_task_definition.health_port.arn
  desired_count   = 2
  load_balancer {
    target_group_arn = aws_lb_target_group.health_port.arn
    container_name   = "app"
    container_port   = 8080
  }
}

# The terraform-aws-modules/ecs service in bridge mode with a dynamic host port: ECS
# registers its tasks as it does aws_ecs_service's, on ports not known here (not on the
# target group's 80).
resource "aws_lb_target_group" "module_dynamic" {
  name        = "module-dynamic"
  port        = 80
  protocol    = "HTTP"
  target_type = "instance"
  health_check {
    path = "/health"
    port = 8080
  }
}

module "module_dynamic" {
  source  = "terraform-aws-modules/ecs/aws//modules/service"
  version = "~> 5.11"

  name                     = "module-dynamic"
  network_mode             = "bridge"
  requires_compatibilities = ["EC2"]
  launch_type              = "EC2"
  desired_count            = 2
  autoscaling_min_capacity = 2
  container_definitions = {
    app = {
      image         = "app:1"
      port_mappings = [{ containerPort = 8080, hostPort = 0 }]
    }
  }
  load_balancer = {
    service = {
      target_group_arn = aws_lb_target_group.module_dynamic.arn
      container_name   = "app"
      container_port   = 8080
    }
  }
}
