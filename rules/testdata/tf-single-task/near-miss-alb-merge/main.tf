# terraform-aws-modules/alb v9 target groups written as merge() where a later argument
# may replace the written entry: a variable with no value (its keys are not known) after
# "api", and a for expression whose keys include "web". Neither written entry is certain
# to be the one Terraform uses, so nothing links to them and nothing is said.
variable "more_target_groups" {
  type = map(any)
}

locals {
  apps = {
    web = 3000
  }
}

module "alb" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 9.0"

  name = "web"

  target_groups = merge(
    {
      api = {
        protocol    = "HTTP"
        port        = 8000
        target_type = "ip"
      }
      web = {
        protocol    = "HTTP"
        port        = 3000
        target_type = "ip"
      }
    },
    {
      for name, port in local.apps : name => {
        protocol    = "HTTP"
        port        = port
        target_type = "ip"
      }
    },
    var.more_target_groups,
  )
}

module "alb_spread" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 9.0"

  name = "spread"

  target_groups = merge([
    {
      api = {
        protocol    = "HTTP"
        port        = 8000
        target_type = "ip"
      }
    },
  ]...)
}

resource "aws_ecs_service" "api" {
  name            = "api"
  cluster         = "prod"
  task_definition = "api:1"
  desired_count   = 1
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = module.alb.target_groups["api"].arn
    container_name   = "api"
    container_port   = 8000
  }
}

resource "aws_ecs_service" "web" {
  name            = "web"
  cluster         = "prod"
  task_definition = "web:1"
  desired_count   = 1
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = module.alb.target_groups["web"].arn
    container_name   = "web"
    container_port   = 3000
  }
}

resource "aws_ecs_service" "spread" {
  name            = "spread"
  cluster         = "prod"
  task_definition = "spread:1"
  desired_count   = 1
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = module.alb_spread.target_groups["api"].arn
    container_name   = "api"
    container_port   = 8000
  }
}
