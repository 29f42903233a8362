# Each finding points at the setting its fix changes, or at the health_check block when
# the fix adds a setting that is not written there.
resource "aws_lb_target_group" "a" {
  name     = "a"
  port     = 8080
  protocol = "HTTP"

  health_check {
    path                = "/healthz"
    interval            = 30
    unhealthy_threshold = 10 // want "health-check-slow"
  }
}

resource "aws_lb_target_group" "b" {
  name     = "b"
  port     = 8080
  protocol = "HTTP"

  health_check { // want "health-check-slow"
    path     = "/healthz"
    interval = 5
  }
}
