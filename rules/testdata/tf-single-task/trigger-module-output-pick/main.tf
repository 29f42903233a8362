# The root's services each pick one target group of a local module's output that lists
# three: each is behind that one only (single-task names it alone).
module "lb" {
  source = "./modules/lb"
}

resource "aws_ecs_service" "api" {
  name            = "api"
  cluster         = "prod"
  task_definition = "api:1"
  desired_count   = 1 # want "single-task"
  launch_type     = "FARGATE"
  load_balancer {
    target_group_arn = module.lb.target_group_arns[0]
    container_name   = "app"
    container_port   = 3000
  }
}

resource "aws_ecs_service" "web" {
  name            = "web"
  cluster         = "prod"
  task_definition = "web:1"
  desired_count   = 1 # want "single-task"
  launch_type     = "FARGATE"
  load_balancer {
    target_group_arn = element(module.lb.target_group_arns, 1)
    container_name   = "app"
    container_port   = 3000
  }
}

resource "aws_ecs_service" "admin" {
  name            = "admin"
  cluster         = "prod"
  task_definition = "admin:1"
  desired_count   = 1 # want "single-task"
  launch_type     = "FARGATE"
  load_balancer {
    target_group_arn = module.lb.tg_arns["admin"]
    container_name   = "app"
    container_port   = 3000
  }
}

resource "aws_ecs_service" "admin2" {
  name            = "admin2"
  cluster         = "prod"
  task_definition = "admin2:1"
  desired_count   = 1 # want "single-task"
  launch_type     = "FARGATE"
  load_balancer {
    target_group_arn = lookup(module.lb.tg_arns, "ops")
    container_name   = "app"
    container_port   = 3000
  }
}
