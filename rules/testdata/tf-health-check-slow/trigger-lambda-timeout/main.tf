# The window does not matter for a Lambda target group (one function, fail-open), but a
# timeout that is not below the interval is still rejected by AWS.
resource "aws_lb_target_group" "fn" {
  name        = "fn"
  target_type = "lambda"

  health_check {
    enabled             = true
    interval            = 20
    timeout             = 30 # want "health-check-slow"
    unhealthy_threshold = 10
  }
}
