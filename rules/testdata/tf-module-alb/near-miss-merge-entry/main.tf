# Target group entries written as merge() whose result no502 cannot be sure of are not
# read: each would otherwise report its matcher or its service's single task.
variable "overrides" {
  type = any
}

variable "extra" {
  type = map(number)
}

locals {
  tg_base = {
    protocol    = "HTTP"
    target_type = "ip"
    health_check = {
      path    = "/health"
      matcher = "200-499"
    }
  }
  tg_fix = {
    health_check = {
      path    = "/health"
      matcher = "200-499"
    }
  }
}

module "alb" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 9.0"

  name = "web"

  listeners = {
    http = {
      port     = 80
      protocol = "HTTP"
      forward = {
        target_group_key = "a"
      }
    }
  }

  target_groups = {
    # The last argument is a variable: it may replace any attribute.
    a = merge(local.tg_base, var.overrides)
    # The last argument is a local: a fix could not add to the entry's own text.
    b = merge({ port = 8000 }, local.tg_fix)
    # A for expression among the arguments.
    c = merge(local.tg_base, { for k, v in var.extra : k => v }, { port = 8000 })
    # A key that is not known.
    d = merge(local.tg_base, { (var.overrides.key) = 1, port = 8000 })
    # A call that is not merge().
    e = lookup(local.all, "e", local.tg_base)
    # A spread.
    f = merge([local.tg_base, { port = 8000 }]...)
  }
}

locals {
  all = {}
}

resource "aws_ecs_service" "a" {
  name            = "a"
  cluster         = "prod"
  task_definition = "a:1"
  desired_count   = 1
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = module.alb.target_groups["a"].arn
    container_name   = "a"
    container_port   = 8000
  }
}

resource "aws_ecs_service" "b" {
  name            = "b"
  cluster         = "prod"
  task_definition = "b:1"
  desired_count   = 1
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = module.alb.target_groups["b"].arn
    container_name   = "b"
    container_port   = 8000
  }
}

resource "aws_ecs_service" "c" {
  name            = "c"
  cluster         = "prod"
  task_definition = "c:1"
  desired_count   = 1
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = module.alb.target_groups["c"].arn
    container_name   = "c"
    container_port   = 8000
  }
}

resource "aws_ecs_service" "d" {
  name            = "d"
  cluster         = "prod"
  task_definition = "d:1"
  desired_count   = 1
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = module.alb.target_groups["d"].arn
    container_name   = "d"
    container_port   = 8000
  }
}

resource "aws_ecs_service" "e" {
  name            = "e"
  cluster         = "prod"
  task_definition = "e:1"
  desired_count   = 1
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = module.alb.target_groups["e"].arn
    container_name   = "e"
    container_port   = 8000
  }
}

resource "aws_ecs_service" "f" {
  name            = "f"
  cluster         = "prod"
  task_definition = "f:1"
  desired_count   = 1
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = module.alb.target_groups["f"].arn
    container_name   = "f"
    container_port   = 8000
  }
}
