resource "aws_lb_target_group" "api" {
  name     = "api"
  port     = 8080
  protocol = "HTTP"

  health_check {
    matcher = "200-499" # want "health-matcher-accepts-errors"
  }
}
