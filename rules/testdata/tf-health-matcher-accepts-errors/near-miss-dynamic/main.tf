# The content reads its element: which matcher each generated block gets is not read
# (nor are blocks a for_each of unknown length may generate).
variable "health_checks" {
  default = [{ path = "/health", matcher = "200-499" }]
}

resource "aws_lb_target_group" "a" {
  name     = "a"
  port     = 8080
  protocol = "HTTP"

  dynamic "health_check" {
    for_each = var.health_checks
    content {
      path    = health_check.value.path
      matcher = health_check.value.matcher
    }
  }
}

resource "aws_lb_target_group" "b" {
  name     = "b"
  port     = 8080
  protocol = "HTTP"

  dynamic "health_check" {
    for_each = var.enabled_checks
    content {
      path    = "/health"
      matcher = "200-499"
    }
  }
}

variable "enabled_checks" {
  type = list(number)
}
