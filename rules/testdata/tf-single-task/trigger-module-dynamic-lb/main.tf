# The root passes its target group to a service module whose load_balancer block is
# dynamic (made only when a target group is given), and scales that service from the
# root through the module's output.
resource "aws_lb_target_group" "app" {
  name        = "app"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
}

module "svc" {
  source           = "./svc"
  target_group_arn = aws_lb_target_group.app.arn
}

resource "aws_appautoscaling_target" "svc" {
  min_capacity       = 1 # want "single-task"
  max_capacity       = 4
  resource_id        = "service/prod/${module.svc.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  service_namespace  = "ecs"
}
