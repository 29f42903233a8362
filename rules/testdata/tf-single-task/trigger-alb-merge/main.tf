# terraform-aws-modules/alb v9 target groups written as merge() of a map constructor and
# a for expression over a map the configuration knows: the entry "api" is written once,
# and the for expression's keys (admin, jobs) do not replace it, so the service behind it
# is linked. The for expression's entries are read too, each with its own key and value
# (session 16): the service behind "admin" is linked and reported.
locals {
  extra_services = {
    admin = 8081
    jobs  = 8082
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
        target_group_key = "api"
      }
    }
  }

  target_groups = merge(
    {
      api = {
        protocol          = "HTTP"
        port              = 8000
        target_type       = "ip"
        create_attachment = false
        health_check = {
          path    = "/health"
          matcher = "200-499" # want "health-matcher-accepts-errors"
        }
      }
    },
    {
      for name, port in local.extra_services : name => {
        protocol          = "HTTP"
        port              = port
        target_type       = "ip"
        create_attachment = false
      }
    }
  )
}

resource "aws_ecs_service" "api" {
  name            = "api"
  cluster         = "prod"
  task_definition = "api:1"
  desired_count   = 1 # want "single-task"
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = module.alb.target_groups["api"].arn
    container_name   = "api"
    container_port   = 8000
  }
}

resource "aws_ecs_service" "admin" {
  name            = "admin"
  cluster         = "prod"
  task_definition = "admin:1"
  desired_count   = 1 # want "single-task"
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = module.alb.target_groups["admin"].arn
    container_name   = "admin"
    container_port   = 8081
  }
}
