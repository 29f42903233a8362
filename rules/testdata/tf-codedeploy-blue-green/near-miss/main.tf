# Each green target group below is one that no502 cannot tie to its service for
# certain: it stays unlinked, and its 30s deregistration_delay is not judged against the
# 90s budget of the routes to blue.
resource "aws_lb" "web" {
  name         = "web"
  idle_timeout = 120
}

resource "aws_lb_listener" "prod" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.a_blue.arn
  }
}

variable "enable_blue_green" {
  type = bool
}

variable "green_name" {
  type = string
}

variable "service_name" {
  type = string
}

variable "controller" {
  type = string
}

# a: the ECS controller (rolling): the deployment group is not what deploys it.
resource "aws_lb_target_group" "a_blue" {
  name                 = "a-blue"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 120
}

resource "aws_lb_target_group" "a_green" {
  name                 = "a-green"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 30
}

resource "aws_ecs_service" "a" {
  name          = "a"
  desired_count = 2

  deployment_controller {
    type = "ECS"
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.a_blue.arn
    container_name   = "app"
    container_port   = 8080
  }
}

resource "aws_codedeploy_deployment_group" "a" {
  app_name              = "a"
  deployment_group_name = "a"
  service_role_arn      = "arn:aws:iam::123456789012:role/codedeploy"

  ecs_service {
    cluster_name = "main"
    service_name = aws_ecs_service.a.name
  }

  load_balancer_info {
    target_group_pair_info {
      prod_traffic_route {
        listener_arns = [aws_lb_listener.prod.arn]
      }
      target_group {
        name = aws_lb_target_group.a_blue.name
      }
      target_group {
        name = aws_lb_target_group.a_green.name
      }
    }
  }
}

resource "aws_lb_listener_rule" "b" {
  listener_arn = aws_lb_listener.prod.arn
  priority     = 10

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.b_blue.arn
  }

  condition {
    path_pattern {
      values = ["/b/*"]
    }
  }
}

# b: the deployment group may not exist.
resource "aws_lb_target_group" "b_blue" {
  name                 = "b-blue"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 120
}

resource "aws_lb_target_group" "b_green" {
  name                 = "b-green"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 30
}

resource "aws_ecs_service" "b" {
  name          = "b"
  desired_count = 2

  deployment_controller {
    type = "CODE_DEPLOY"
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.b_blue.arn
    container_name   = "app"
    container_port   = 8080
  }
}

resource "aws_codedeploy_deployment_group" "b" {
  count = var.enable_blue_green ? 1 : 0

  app_name              = "b"
  deployment_group_name = "b"
  service_role_arn      = "arn:aws:iam::123456789012:role/codedeploy"

  ecs_service {
    cluster_name = "main"
    service_name = aws_ecs_service.b.name
  }

  load_balancer_info {
    target_group_pair_info {
      prod_traffic_route {
        listener_arns = [aws_lb_listener.prod.arn]
      }
      target_group {
        name = aws_lb_target_group.b_blue.name
      }
      target_group {
        name = aws_lb_target_group.b_green.name
      }
    }
  }
}

resource "aws_lb_listener_rule" "c" {
  listener_arn = aws_lb_listener.prod.arn
  priority     = 20

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.c_blue.arn
  }

  condition {
    path_pattern {
      values = ["/c/*"]
    }
  }
}

# c: the green name is not known.
resource "aws_lb_target_group" "c_blue" {
  name                 = "c-blue"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 120
}

resource "aws_lb_target_group" "c_green" {
  name                 = "c-green"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 30
}

resource "aws_ecs_service" "c" {
  name          = "c"
  desired_count = 2

  deployment_controller {
    type = "CODE_DEPLOY"
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.c_blue.arn
    container_name   = "app"
    container_port   = 8080
  }
}

resource "aws_codedeploy_deployment_group" "c" {
  app_name              = "c"
  deployment_group_name = "c"
  service_role_arn      = "arn:aws:iam::123456789012:role/codedeploy"

  ecs_service {
    cluster_name = "main"
    service_name = aws_ecs_service.c.name
  }

  load_balancer_info {
    target_group_pair_info {
      prod_traffic_route {
        listener_arns = [aws_lb_listener.prod.arn]
      }
      target_group {
        name = aws_lb_target_group.c_blue.name
      }
      target_group {
        name = var.green_name
      }
    }
  }
}

resource "aws_lb_listener_rule" "d" {
  listener_arn = aws_lb_listener.prod.arn
  priority     = 30

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.d_blue.arn
  }

  condition {
    path_pattern {
      values = ["/d/*"]
    }
  }
}

# d: the service name is not known.
resource "aws_lb_target_group" "d_blue" {
  name                 = "d-blue"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 120
}

resource "aws_lb_target_group" "d_green" {
  name                 = "d-green"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 30
}

resource "aws_ecs_service" "d" {
  name          = "d"
  desired_count = 2

  deployment_controller {
    type = "CODE_DEPLOY"
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.d_blue.arn
    container_name   = "app"
    container_port   = 8080
  }
}

resource "aws_codedeploy_deployment_group" "d" {
  app_name              = "d"
  deployment_group_name = "d"
  service_role_arn      = "arn:aws:iam::123456789012:role/codedeploy"

  ecs_service {
    cluster_name = "main"
    service_name = var.service_name
  }

  load_balancer_info {
    target_group_pair_info {
      prod_traffic_route {
        listener_arns = [aws_lb_listener.prod.arn]
      }
      target_group {
        name = aws_lb_target_group.d_blue.name
      }
      target_group {
        name = aws_lb_target_group.d_green.name
      }
    }
  }
}

resource "aws_lb_listener_rule" "e" {
  listener_arn = aws_lb_listener.prod.arn
  priority     = 40

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.e_blue.arn
  }

  condition {
    path_pattern {
      values = ["/e/*"]
    }
  }
}

# e: the controller is not known.
resource "aws_lb_target_group" "e_blue" {
  name                 = "e-blue"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 120
}

resource "aws_lb_target_group" "e_green" {
  name                 = "e-green"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 30
}

resource "aws_ecs_service" "e" {
  name          = "e"
  desired_count = 2

  deployment_controller {
    type = var.controller
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.e_blue.arn
    container_name   = "app"
    container_port   = 8080
  }
}

resource "aws_codedeploy_deployment_group" "e" {
  app_name              = "e"
  deployment_group_name = "e"
  service_role_arn      = "arn:aws:iam::123456789012:role/codedeploy"

  ecs_service {
    cluster_name = "main"
    service_name = aws_ecs_service.e.name
  }

  load_balancer_info {
    target_group_pair_info {
      prod_traffic_route {
        listener_arns = [aws_lb_listener.prod.arn]
      }
      target_group {
        name = aws_lb_target_group.e_blue.name
      }
      target_group {
        name = aws_lb_target_group.e_green.name
      }
    }
  }
}

resource "aws_lb_listener_rule" "f" {
  listener_arn = aws_lb_listener.prod.arn
  priority     = 50

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.f_blue.arn
  }

  condition {
    path_pattern {
      values = ["/f/*"]
    }
  }
}

# f: the green name is another target group's.
resource "aws_lb_target_group" "f_blue" {
  name                 = "f-blue"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 120
}

resource "aws_lb_target_group" "f_green" {
  name                 = "f-green"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 30
}

resource "aws_ecs_service" "f" {
  name          = "f"
  desired_count = 2

  deployment_controller {
    type = "CODE_DEPLOY"
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.f_blue.arn
    container_name   = "app"
    container_port   = 8080
  }
}

resource "aws_codedeploy_deployment_group" "f" {
  app_name              = "f"
  deployment_group_name = "f"
  service_role_arn      = "arn:aws:iam::123456789012:role/codedeploy"

  ecs_service {
    cluster_name = "main"
    service_name = aws_ecs_service.f.name
  }

  load_balancer_info {
    target_group_pair_info {
      prod_traffic_route {
        listener_arns = [aws_lb_listener.prod.arn]
      }
      target_group {
        name = aws_lb_target_group.f_blue.name
      }
      target_group {
        name = "nowhere-green"
      }
    }
  }
}

# g: ECS's own rolling deploy: an advanced_configuration is not what it reads.
resource "aws_lb_listener_rule" "g" {
  listener_arn = aws_lb_listener.prod.arn
  priority     = 100

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.g_blue.arn
  }

  condition {
    path_pattern {
      values = ["/g/*"]
    }
  }
}

resource "aws_lb_target_group" "g_blue" {
  name                 = "g-blue"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 120
}

resource "aws_lb_target_group" "g_green" {
  name                 = "g-green"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 30
}

resource "aws_ecs_service" "g" {
  name          = "g"
  desired_count = 2

  load_balancer {
    target_group_arn = aws_lb_target_group.g_blue.arn
    container_name   = "app"
    container_port   = 8080

    advanced_configuration {
      alternate_target_group_arn = aws_lb_target_group.g_green.arn
      production_listener_rule   = aws_lb_listener_rule.g.arn
      role_arn                   = "arn:aws:iam::123456789012:role/ecs-blue-green"
    }
  }
}
