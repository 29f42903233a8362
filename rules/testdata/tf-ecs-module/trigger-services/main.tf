# The root terraform-aws-modules/ecs module holds services in its services map; a service
# that writes no count runs the module's default: 1 task, autoscaling floor 1.
resource "aws_lb_target_group" "api" {
  name        = "api"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
}

module "ecs" {
  source  = "terraform-aws-modules/ecs/aws"
  version = "~> 6.0"

  cluster_name = "main"

  services = {
    api = { # want "single-task"
      container_definitions = {
        api = {
          image        = "ghcr.io/acme/api:1.0"
          entrypoint   = ["uvicorn"] # want "keepalive-race"
          command      = ["app:app", "--host", "0.0.0.0", "--port", "8000"]
          portMappings = [{ containerPort = 8000 }]
        }
      }
      load_balancer = {
        service = {
          target_group_arn = aws_lb_target_group.api.arn
          container_name   = "api"
          container_port   = 8000
        }
      }
    }
  }
}

resource "aws_lb" "api" {
  name = "api"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.api.arn
  port              = 80
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}
