# terraform-aws-modules/alb v8: list-form target groups, listeners and listener rules.
module "alb" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 8.7"

  name         = "web"
  idle_timeout = 120 # want "read-timeout-below-budget"

  target_groups = [
    {
      name_prefix      = "api-"
      backend_protocol = "HTTP"
      backend_port     = 8080
      target_type      = "ip"
    },
    {
      name_prefix      = "rep-"
      backend_protocol = "HTTP"
      backend_port     = 8080
      target_type      = "ip"
    },
  ]

  http_tcp_listeners = [
    {
      port               = 80
      protocol           = "HTTP"
      target_group_index = 0
    },
  ]

  # /reports/ goes to the second target group; only this route's budget (150s) is above
  # the 120s idle timeout: the listener's default route serves /api/ (60s) fine.
  http_tcp_listener_rules = [
    {
      http_tcp_listener_index = 0
      actions = [{
        type               = "forward"
        target_group_index = 1
      }]
      conditions = [{
        path_patterns = ["/reports/*"]
      }]
    },
  ]
}
