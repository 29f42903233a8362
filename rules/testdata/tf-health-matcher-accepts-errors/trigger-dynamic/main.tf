# A dynamic block that generates exactly one health_check, the same whatever its element:
# its content is the health check.
resource "aws_lb_target_group" "a" {
  name     = "a"
  port     = 8080
  protocol = "HTTP"

  dynamic "health_check" {
    for_each = [1]
    content {
      path    = "/health"
      matcher = "200-499" // want "health-matcher-accepts-errors"
    }
  }
}
