resource "aws_lb_target_group" "a" {
  name     = "a"
  port     = 8080
  protocol = "HTTP"

  health_check {
    path    = "/healthz"
    matcher = "200-499" # want "health-matcher-accepts-errors"
  }
}

resource "aws_lb_target_group" "b" {
  name     = "b"
  port     = 8080
  protocol = "HTTP"

  health_check {
    path    = "/healthz"
    matcher = "200,302" # want "health-matcher-accepts-errors"
  }
}

locals {
  ok_codes = "200-399"
}

resource "aws_lb_target_group" "c" {
  name     = "c"
  port     = 8080
  protocol = "HTTP"

  health_check { matcher = local.ok_codes } # want "health-matcher-accepts-errors"
}

# The app answers 404 on /: the matcher has no 2xx code, so only a snippet is offered.
resource "aws_lb_target_group" "d" {
  name     = "d"
  port     = 8080
  protocol = "HTTP"

  health_check {
    path    = "/"
    matcher = "404" # want "health-matcher-accepts-errors"
  }
}

# ingress-nginx behind an internal ALB: its default backend answers 404 on / by design.
# A warning that names the design, not an error.
resource "aws_alb_target_group" "internal_nginx_http" {
  name     = "internal-nginx-http"
  port     = 80
  protocol = "HTTP"

  health_check {
    path    = "/"
    matcher = "404" # want "health-matcher-accepts-errors"
  }
}

# A 4xx next to 2xx: an error.
resource "aws_lb_target_group" "e" {
  name     = "e"
  port     = 8080
  protocol = "HTTP"

  health_check {
    path    = "/healthz"
    matcher = "200,404" # want "health-matcher-accepts-errors"
  }
}
