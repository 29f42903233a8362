# The health check tries the one port the listener sends requests to.
resource "aws_elb" "web" {
  name                        = "web"
  availability_zones          = ["eu-west-1a"]
  connection_draining         = true
  connection_draining_timeout = 60

  listener {
    lb_port           = 80
    lb_protocol       = "http"
    instance_port     = 8000
    instance_protocol = "http"
  }

  health_check {
    target              = "HTTP:8000/health"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

# Each target is checked on the port its requests go to.
resource "aws_lb_target_group" "api" {
  name     = "api"
  port     = 8080
  protocol = "HTTP"

  health_check {
    path = "/health"
    port = "traffic-port"
  }
}
