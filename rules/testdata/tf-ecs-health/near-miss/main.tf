# ECS container health checks that can fail, and ones that cannot but on containers no
# load balancer sends traffic to.
resource "aws_lb_target_group" "api" {
  name        = "api"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_ecs_service" "api" {
  name            = "api"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.api.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "api"
    container_port   = 8000
  }
}

resource "aws_ecs_task_definition" "api" {
  family = "api"
  container_definitions = jsonencode([
    {
      name  = "api"
      image = "ghcr.io/acme/api:3.1"
      healthCheck = {
        command = ["CMD-SHELL", "curl -f http://localhost:8000/health || exit 1"]
      }
    },
    {
      # A sidecar the target group does not send to.
      name  = "log-router"
      image = "amazon/aws-for-fluent-bit:2.32"
      healthCheck = {
        command = ["CMD-SHELL", "exit 0"]
      }
    }
  ])
}

resource "aws_lb_target_group" "web" {
  name        = "web"
  port        = 3000
  protocol    = "HTTP"
  target_type = "ip"
}

module "web" {
  source = "terraform-aws-modules/ecs/aws//modules/service"

  autoscaling_min_capacity = 2

  container_definitions = {
    web = {
      image = "ghcr.io/acme/web:1.0"
      healthCheck = {
        command = ["CMD-SHELL", "wget -q --spider http://localhost:3000/ || exit 1"]
      }
    }
  }

  load_balancer = {
    service = {
      target_group_arn = aws_lb_target_group.web.arn
      container_name   = "web"
      container_port   = 3000
    }
  }
}

module "broker" {
  source = "terraform-aws-modules/ecs/aws//modules/service"

  autoscaling_min_capacity = 2

  container_definitions = {
    broker = {
      image = "ghcr.io/acme/broker:1.0"
      healthCheck = {
        command = ["CMD", "/usr/local/bin/healthcheck"]
      }
    }
    tcp = {
      image = "ghcr.io/acme/broker:1.0"
      healthCheck = {
        command = ["CMD-SHELL", "nc -z localhost 5672"]
      }
    }
  }

  load_balancer = {
    service = {
      target_group_arn = aws_lb_target_group.web.arn
      container_name   = "broker"
      container_port   = 5672
    }
  }
}

# A health check that cannot fail on a service no load balancer serves.
resource "aws_ecs_service" "worker" {
  name            = "worker"
  desired_count   = 1
  task_definition = aws_ecs_task_definition.worker.arn
}

resource "aws_ecs_task_definition" "worker" {
  family = "worker"
  container_definitions = jsonencode([
    {
      name  = "worker"
      image = "ghcr.io/acme/worker:1.0"
      healthCheck = {
        command = ["CMD-SHELL", "exit 0"]
      }
    }
  ])
}
