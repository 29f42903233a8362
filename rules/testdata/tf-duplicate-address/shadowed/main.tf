# An acceptance-test config: its target group is checked on its traffic port.
resource "aws_lb_target_group" "test" {
  name     = "tf-test"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = "vpc-123"

  health_check {
    path = "/health"
    port = 8080
  }
}
