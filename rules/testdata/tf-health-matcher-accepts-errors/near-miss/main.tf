resource "aws_lb_target_group" "a" {
  name     = "a"
  port     = 8080
  protocol = "HTTP"

  health_check {
    path    = "/healthz"
    matcher = "200,204"
  }
}

resource "aws_lb_target_group" "b" {
  name     = "b"
  port     = 8080
  protocol = "HTTP"

  health_check {
    matcher = "200-299"
  }
}

variable "codes" {
  type = string
}

resource "aws_lb_target_group" "c" {
  name     = "c"
  port     = 8080
  protocol = "HTTP"

  health_check {
    matcher = var.codes
  }
}
