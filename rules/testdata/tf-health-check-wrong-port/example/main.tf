# The health check tries 443; the listeners send requests to 8443 and 8000.
resource "aws_elb" "web" {
  name                        = "web"
  availability_zones          = ["eu-west-1a"]
  connection_draining         = true
  connection_draining_timeout = 60

  listener {
    lb_port           = 443
    lb_protocol       = "tcp"
    instance_port     = 8443
    instance_protocol = "tcp"
  }

  listener {
    lb_port           = 80
    lb_protocol       = "tcp"
    instance_port     = 8000
    instance_protocol = "tcp"
  }

  health_check {
    target              = "TCP:443" # want "health-check-wrong-port"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

# Instances take requests on 8080; the check asks 8081.
resource "aws_lb_target_group" "api" {
  name     = "api"
  port     = 8080
  protocol = "HTTP"

  health_check {
    path = "/health"
    port = 8081 # want "health-check-wrong-port"
  }
}
