# The settings every target group of the ALB shares; each entry merges them.
locals {
  tg_base = {
    protocol          = "HTTP"
    target_type       = "ip"
    create_attachment = false
    health_check = {
      path    = "/health"
      matcher = "200-499" # want "health-matcher-accepts-errors"
    }
  }
}
