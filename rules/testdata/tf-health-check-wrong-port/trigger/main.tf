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

# One health check for two backend ports: 8443 is never checked.
resource "aws_elb" "api" {
  name                        = "api"
  availability_zones          = ["eu-west-1a"]
  connection_draining         = true
  connection_draining_timeout = 60

  listener {
    lb_port           = 80
    lb_protocol       = "http"
    instance_port     = 8000
    instance_protocol = "http"
  }

  listener {
    lb_port           = 443
    lb_protocol       = "tcp"
    instance_port     = 8443
    instance_protocol = "tcp"
  }

  health_check {
    target              = "HTTP:8000/health" # want "health-check-wrong-port"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

# One backend port, checked on another: a TCP check, so --fix points it at 8080.
resource "aws_elb" "tcp" {
  name                        = "tcp"
  availability_zones          = ["eu-west-1a"]
  connection_draining         = true
  connection_draining_timeout = 60

  listener {
    lb_port           = 443
    lb_protocol       = "ssl"
    instance_port     = 8080
    instance_protocol = "tcp"
  }

  health_check {
    target              = "TCP:22" # want "health-check-wrong-port"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

# Targets take HTTPS on 443; the check asks plain HTTP on 8081 (the fix is a snippet:
# the protocol has to change too).
resource "aws_lb_target_group" "https" {
  name     = "https"
  port     = 443
  protocol = "HTTPS"

  health_check {
    path     = "/health"
    port     = 8081 # want "health-check-wrong-port"
    protocol = "HTTP"
  }
}

# Targets registered on their own ports: 8081 is never checked.
resource "aws_lb_target_group" "pair" {
  name     = "pair"
  port     = 80
  protocol = "HTTP"

  health_check {
    path = "/healthz"
    port = "8080" # want "health-check-wrong-port"
  }
}

resource "aws_lb_target_group_attachment" "pair_a" {
  target_group_arn = aws_lb_target_group.pair.arn
  target_id        = "i-0123456789abcdef0"
  port             = 8080
}

resource "aws_lb_target_group_attachment" "pair_b" {
  target_group_arn = aws_lb_target_group.pair.arn
  target_id        = "i-0fedcba9876543210"
  port             = 8081
}

# An NLB checking a port its traffic does not use: a TCP check, so --fix writes it.
resource "aws_lb_target_group" "nlb" {
  name     = "nlb"
  port     = 5432
  protocol = "TCP"

  health_check {
    protocol = "TCP"
    port     = 22 # want "health-check-wrong-port"
  }
}

variable "health_port" {
  type    = number
  default = 9000
}

# Instances registered by an autoscaling group take requests on 80; the check asks 9000.
resource "aws_lb_target_group" "asg" {
  name     = "asg"
  port     = 80
  protocol = "HTTP"

  health_check {
    path = "/health"
    port = var.health_port # want "health-check-wrong-port"
  }
}

resource "aws_autoscaling_group" "web" {
  name              = "web"
  min_size          = 2
  max_size          = 4
  health_check_type = "ELB"
  target_group_arns = [aws_lb_target_group.asg.arn]
}

variable "extra_listeners" {
  type    = list(object({ lb_port = number, instance_port = number }))
  default = []
}

# A static listener to 8080 and listeners the run cannot see: 8080 is not checked, but
# pointing the check at it could leave the others unchecked, so the fix is a snippet.
resource "aws_elb" "mixed" {
  name                        = "mixed"
  availability_zones          = ["eu-west-1a"]
  connection_draining         = true
  connection_draining_timeout = 60

  listener {
    lb_port           = 80
    lb_protocol       = "tcp"
    instance_port     = 8080
    instance_protocol = "tcp"
  }

  dynamic "listener" {
    for_each = var.extra_listeners
    content {
      lb_port           = listener.value.lb_port
      lb_protocol       = "tcp"
      instance_port     = listener.value.instance_port
      instance_protocol = "tcp"
    }
  }

  health_check {
    target              = "TCP:443" # want "health-check-wrong-port"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

# Named for Traefik, but not its ping endpoint: nothing says 9000 shares its fate.
resource "aws_lb_target_group" "traefik_app" {
  name     = "traefik-app"
  port     = 80
  protocol = "HTTP"

  health_check {
    path = "/status"
    port = 9000 # want "health-check-wrong-port"
  }
}
