# The call sets only the name: the module's defaults (1 task, 0%) are what deploys.
module "api" {
  source = "./modules/svc"
  name   = "api"
}
