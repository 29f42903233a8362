# One module, two calls with their own inputs: each call is its own service. api runs 1
# task with a 0% minimum (reported at the module's lines, fixed at api's arguments);
# worker's 4 tasks at 50% are fine.
module "api" {
  source        = "./modules/svc"
  name          = "api"
  desired_count = 1
  min_healthy   = 0
}

module "worker" {
  source        = "./modules/svc"
  name          = "worker"
  desired_count = 4
  min_healthy   = 50
}
