resource "aws_lb_target_group" "a" {
  name     = "a"
  port     = 8080
  protocol = "HTTP"

  health_check {
    enabled = true
    path    = "/healthz"
  }
}

resource "aws_lb_target_group" "tcp" {
  name     = "tcp"
  port     = 5432
  protocol = "TCP"

  health_check {
    enabled  = false
    protocol = "TCP"
  }
}

# Off is AWS's default for Lambda targets.
resource "aws_lb_target_group" "fn" {
  name        = "fn"
  target_type = "lambda"

  health_check {
    enabled = false
  }
}
