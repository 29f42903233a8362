# The root's own service reads the target group a local module call outputs.
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
    target_group_arn = module.lb.target_group_arn
    container_name   = "api"
    container_port   = 3000
  }
}
