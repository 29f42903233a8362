# terraform-aws-modules/ecs services that must not be reported.
resource "aws_lb" "web" {
  name = "web"
}

resource "aws_lb_target_group" "web" {
  name        = "web"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

# Autoscaling floor of 2, the module's minimum healthy 66%, uvicorn's keep-alive above
# the ALB's idle timeout.
module "web" {
  source  = "terraform-aws-modules/ecs/aws//modules/service"
  version = "~> 5.6"

  desired_count            = 1
  autoscaling_min_capacity = 2

  container_definitions = {
    web = {
      image   = "ghcr.io/acme/web:2.0"
      command = ["uvicorn", "app:app", "--port", "8000", "--timeout-keep-alive", "75"]
    }
  }

  load_balancer = {
    service = {
      target_group_arn = aws_lb_target_group.web.arn
      container_name   = "web"
      container_port   = 8000
    }
  }
}

# No autoscaling: the written count of 3 is the count; minimum healthy 50%.
module "worker_api" {
  source = "git::https://github.com/terraform-aws-modules/terraform-aws-ecs.git//modules/service?ref=v5.12.0"

  enable_autoscaling                 = false
  desired_count                      = 3
  deployment_minimum_healthy_percent = 50

  load_balancer = [{
    target_group_arn = aws_lb_target_group.web.arn
    container_name   = "api"
    container_port   = 8000
  }]
}

# One task and minimum healthy 0, but no load balancer sends it traffic.
module "queue" {
  source = "terraform-aws-modules/ecs/aws//modules/service"

  desired_count                      = 1
  deployment_minimum_healthy_percent = 0
}

# Not created.
module "off" {
  source = "terraform-aws-modules/ecs/aws//modules/service"

  create        = false
  desired_count = 1
  load_balancer = {
    service = {
      target_group_arn = aws_lb_target_group.web.arn
      container_name   = "web"
      container_port   = 8000
    }
  }
}

# The cluster submodule runs no service.
module "cluster" {
  source       = "terraform-aws-modules/ecs/aws//modules/cluster"
  cluster_name = "main"
}

# A blue/green service: the deployment controller is CodeDeploy, which does not read the
# rolling-update percentages.
module "bluegreen" {
  source = "terraform-aws-modules/ecs/aws//modules/service"

  autoscaling_min_capacity           = 2
  deployment_minimum_healthy_percent = 0
  deployment_controller = {
    type = "CODE_DEPLOY"
  }
  load_balancer = {
    service = {
      target_group_arn = aws_lb_target_group.web.arn
      container_name   = "web"
      container_port   = 8000
    }
  }
}
