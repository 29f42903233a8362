# A written timeout says how long the health endpoint may take: the fix keeps it when an
# interval above it fits the window (90s x 2; 60s x 3), and lowers it only when none does
# (then the fix is unsafe).
resource "aws_lb_target_group" "slow_endpoint" {
  name        = "slow-endpoint"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
  health_check {
    path                = "/health"
    interval            = 120 # want "health-check-slow"
    timeout             = 60
    unhealthy_threshold = 2
  }
}

resource "aws_lb_target_group" "threshold" {
  name        = "threshold"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
  health_check {
    path                = "/health"
    interval            = 60
    timeout             = 50
    unhealthy_threshold = 5 # want "health-check-slow"
  }
}

resource "aws_lb_target_group" "no_room" {
  name        = "no-room"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
  health_check {
    path                = "/health"
    interval            = 150 # want "health-check-slow"
    timeout             = 120
    unhealthy_threshold = 2
  }
}
