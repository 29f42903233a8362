# Codes named one by one beside 200: the path answers them (a 403 from auth in front, a
# 301 to a slash). The message names them, and narrowing the matcher is
# written only with --unsafe-fixes. A range (200-499) stays an error with a safe fix.
resource "aws_lb_target_group" "named" {
  name     = "named"
  port     = 80
  protocol = "HTTP"

  health_check {
    path    = "/"
    matcher = "200,301,403" # want "health-matcher-accepts-errors"
  }
}

resource "aws_lb_target_group" "range" {
  name     = "range"
  port     = 80
  protocol = "HTTP"

  health_check {
    path    = "/health"
    matcher = "200-499" # want "health-matcher-accepts-errors"
  }
}
