resource "aws_lb" "web" {
  name         = "web"
  idle_timeout = 120
}

resource "aws_lb_listener" "prod" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.blue.arn
  }

  lifecycle {
    ignore_changes = [default_action]
  }
}

resource "aws_lb_target_group" "blue" {
  name                 = "app-blue"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 120
  health_check {
    path = "/health"
  }
}

# Only the deployment group names green: CodeDeploy starts the next revision's tasks
# there and moves the production listener to it.
resource "aws_lb_target_group" "green" {
  name                 = "app-green"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 30 # want "deregistration-delay-too-short"
  health_check {
    path = "/health"
    port = 9000 # want "health-check-wrong-port"
  }
}

resource "aws_ecs_service" "app" {
  name            = "app"
  desired_count   = 1 # want "single-task"
  task_definition = aws_ecs_task_definition.app.arn

  deployment_controller {
    type = "CODE_DEPLOY"
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.blue.arn
    container_name   = "app"
    container_port   = 8080
  }

  lifecycle {
    ignore_changes = [task_definition]
  }
}

resource "aws_ecs_task_definition" "app" {
  family = "app"
  container_definitions = jsonencode([
    {
      name         = "app"
      image        = "ghcr.io/acme/app:1.4"
      command      = ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8080", "--timeout-keep-alive", "125"]
      portMappings = [{ containerPort = 8080 }]
    }
  ])
}

resource "aws_codedeploy_app" "app" {
  compute_platform = "ECS"
  name             = "app"
}

resource "aws_codedeploy_deployment_group" "app" {
  app_name               = aws_codedeploy_app.app.name
  deployment_config_name = "CodeDeployDefault.ECSAllAtOnce"
  deployment_group_name  = "app"
  service_role_arn       = "arn:aws:iam::123456789012:role/codedeploy"

  deployment_style {
    deployment_option = "WITH_TRAFFIC_CONTROL"
    deployment_type   = "BLUE_GREEN"
  }

  ecs_service {
    cluster_name = "main"
    service_name = aws_ecs_service.app.name
  }

  load_balancer_info {
    target_group_pair_info {
      prod_traffic_route {
        listener_arns = [aws_lb_listener.prod.arn]
      }
      target_group {
        name = aws_lb_target_group.blue.name
      }
      target_group {
        name = "app-green"
      }
    }
  }
}
