# terraform-aws-modules/alb v9 target groups written as merge(local.tg_base, {...}): each
# entry is read as Terraform's shallow merge makes it, each attribute from where it is
# written. api takes the local's health check (its finding points there, and its fix is a
# snippet: the local is read by web too); web replaces it with its own.
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

  target_groups = {
    api = merge(local.tg_base, {
      port                 = 8000
      deregistration_delay = 0 # want "deregistration-delay-too-short"
    })
    web = merge(local.tg_base, {
      port = 3000
      health_check = {
        path    = "/"
        matcher = "200-499" # want "health-matcher-accepts-errors"
      }
    })
  }
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
