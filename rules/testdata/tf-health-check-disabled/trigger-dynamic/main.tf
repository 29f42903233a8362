resource "aws_lb_target_group" "b" {
  name     = "b"
  port     = 8080
  protocol = "HTTP"

  dynamic "health_check" {
    for_each = [1]
    content {
      path    = "/health"
      matcher = "200-299"
      enabled = false // want "health-check-disabled"
    }
  }
}
