# A Lambda target group holds one function, and the ALB fails open when its only target
# is unhealthy: the matcher cannot take it out of rotation, whatever it accepts.
resource "aws_lb_target_group" "fn" {
  name        = "fn"
  target_type = "lambda"

  health_check {
    enabled = true
    path    = "/"
    matcher = "200-499"
  }
}
