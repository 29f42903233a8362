# The target group is made in one local module and handed to the ECS service of another
# through the root: module.lb's output is the ecs module's tg_arn.
module "ecs" {
  source = "./modules/ecs"
  tg_arn = module.lb.tg_arn
}

module "lb" {
  source = "./modules/lb"
}
