resource "aws_lb_target_group" "a" {
  name     = "a"
  port     = 8080
  protocol = "HTTP"

  health_check {
    enabled = false # want "health-check-disabled"
    path    = "/"
  }
}

# An ALB registered with an NLB: AWS refuses enabled = false for alb targets too.
resource "aws_lb_target_group" "alb" {
  name        = "alb"
  port        = 80
  protocol    = "TCP"
  target_type = "alb"

  health_check {
    enabled  = false # want "health-check-disabled"
    protocol = "HTTP"
    path     = "/"
  }
}
