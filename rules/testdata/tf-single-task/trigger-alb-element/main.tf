# A service attached to the first target group of a terraform-aws-modules/alb call
# (v8 and before) through element(module.alb.target_group_arns, 0).
module "alb" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 8.0"

  name = "api"

  target_groups = [
    {
      backend_protocol = "HTTP"
      backend_port     = 8000
      target_type      = "ip"
    }
  ]

  http_tcp_listeners = [
    {
      port               = 80
      protocol           = "HTTP"
      target_group_index = 0
    }
  ]
}

resource "aws_ecs_service" "api" {
  name            = "api"
  cluster         = "prod"
  task_definition = "api:1"
  desired_count   = 1 # want "single-task"
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = element(module.alb.target_group_arns, 0)
    container_name   = "api"
    container_port   = 8000
  }
}
