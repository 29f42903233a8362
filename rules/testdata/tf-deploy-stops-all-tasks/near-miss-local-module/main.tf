module "api" {
  source        = "./modules/svc"
  name          = "api"
  desired_count = 4
  min_healthy   = 100
  matcher       = "200"
}

module "worker" {
  source        = "./modules/svc"
  name          = "worker"
  desired_count = 4
  min_healthy   = 50
  matcher       = "200-299"
}
