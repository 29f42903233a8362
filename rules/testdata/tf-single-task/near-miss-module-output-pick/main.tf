# Picks of a local module's output that cannot be resolved to one element link nothing
# (before, every target group of the output was linked): an index from a variable
# without a value, a key the output does not have, an index past its end.
module "lb" {
  source = "./modules/lb"
}

variable "i" {
  type = number
}

resource "aws_ecs_service" "api" {
  name            = "api"
  cluster         = "prod"
  task_definition = "api:1"
  desired_count   = 1
  launch_type     = "FARGATE"
  load_balancer {
    target_group_arn = module.lb.target_group_arns[var.i]
    container_name   = "app"
    container_port   = 3000
  }
}

resource "aws_ecs_service" "web" {
  name            = "web"
  cluster         = "prod"
  task_definition = "web:1"
  desired_count   = 1
  launch_type     = "FARGATE"
  load_balancer {
    target_group_arn = module.lb.tg_arns["nope"]
    container_name   = "app"
    container_port   = 3000
  }
}

resource "aws_ecs_service" "admin" {
  name            = "admin"
  cluster         = "prod"
  task_definition = "admin:1"
  desired_count   = 1
  launch_type     = "FARGATE"
  load_balancer {
    target_group_arn = module.lb.target_group_arns[7]
    container_name   = "app"
    container_port   = 3000
  }
}
