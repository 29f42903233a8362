resource "aws_lb_target_group" "traffic_port" {
  name     = "traffic-port"
  port     = 8080
  protocol = "HTTP"

  health_check {
    path = "/health"
    port = "traffic-port"
  }
}

resource "aws_lb_target_group" "same_port" {
  name     = "same-port"
  port     = 8080
  protocol = "HTTP"

  health_check {
    path = "/health"
    port = "8080"
  }
}

# Registered on 8080 by its attachment: the check on 8080 is where requests go.
resource "aws_lb_target_group" "attached" {
  name     = "attached"
  port     = 80
  protocol = "HTTP"

  health_check {
    path = "/health"
    port = 8080
  }
}

resource "aws_lb_target_group_attachment" "attached" {
  target_group_arn = aws_lb_target_group.attached.arn
  target_id        = "i-0123456789abcdef0"
  port             = 8080
}

# Attachments with their own ports and the default check: each is checked on its own.
resource "aws_lb_target_group" "pair" {
  name     = "pair"
  port     = 80
  protocol = "HTTP"

  health_check {
    path = "/health"
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

# ip targets registered outside this configuration (an ECS service, a Kubernetes
# controller) name their own port: 8080 may be it.
resource "aws_lb_target_group" "ip" {
  name        = "ip"
  port        = 80
  protocol    = "HTTP"
  target_type = "ip"

  health_check {
    path = "/health"
    port = 8080
  }
}

# An NLB's TCP check on the traffic port.
resource "aws_lb_target_group" "nlb" {
  name     = "nlb"
  port     = 443
  protocol = "TCP"

  health_check {
    protocol = "TCP"
  }
}

# ingress-nginx answers /healthz on 10254 in the controller's own process.
resource "aws_lb_target_group" "ingress_nginx" {
  name     = "ingress-nginx-http"
  port     = 30080
  protocol = "HTTP"

  health_check {
    path = "/healthz"
    port = 10254
  }
}

# A UDP target group cannot be checked over UDP: another port is by design.
resource "aws_lb_target_group" "dns" {
  name     = "dns"
  port     = 53
  protocol = "UDP"

  health_check {
    protocol = "TCP"
    port     = 8053
  }
}

variable "port" {
  type = number
}

# A health port nothing knows.
resource "aws_lb_target_group" "unknown" {
  name     = "unknown"
  port     = 80
  protocol = "HTTP"

  health_check {
    path = "/health"
    port = var.port
  }
}

# A classic ELB checking the one port its listeners forward to.
resource "aws_elb" "one" {
  name                        = "one"
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

# Two listeners, one backend port: the check covers it.
resource "aws_elb" "two_listeners" {
  name                        = "two-listeners"
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
    lb_port            = 443
    lb_protocol        = "https"
    instance_port      = 8000
    instance_protocol  = "http"
    ssl_certificate_id = "arn:aws:iam::123456789012:server-certificate/web"
  }

  health_check {
    target              = "HTTP:8000/health"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

# PostgreSQL behind an NLB, checked over HTTP by Patroni on 8008: only the primary
# answers 200. An application-level check of TCP traffic, on purpose.
resource "aws_lb_target_group" "postgres" {
  name     = "postgres"
  port     = 5432
  protocol = "TCP"

  health_check {
    protocol = "HTTP"
    path     = "/primary"
    port     = 8008
  }
}

# The same on a classic ELB.
resource "aws_elb" "postgres" {
  name                        = "postgres"
  availability_zones          = ["eu-west-1a"]
  connection_draining         = true
  connection_draining_timeout = 60

  listener {
    lb_port           = 5432
    lb_protocol       = "tcp"
    instance_port     = 5432
    instance_protocol = "tcp"
  }

  health_check {
    target              = "HTTP:8008/primary"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

# ingress-nginx on its NodePorts: traffic on 30080, /healthz on the NodePort exposing
# the controller's 10254.
resource "aws_lb_target_group" "ingress_nodeport" {
  name     = "k8s-ingress-http"
  port     = 30080
  protocol = "HTTP"

  health_check {
    path = "/healthz"
    port = 30254
  }
}

# Kubernetes nodes checked on kube-proxy's health endpoint.
resource "aws_lb_target_group" "nodes" {
  name     = "nodes"
  port     = 31080
  protocol = "HTTP"

  health_check {
    protocol = "HTTP"
    path     = "/healthz"
    port     = 10256
  }
}

# Traefik answers /ping on its own entrypoint, in the process that serves 443.
resource "aws_lb_target_group" "traefik" {
  name     = "traefik-https"
  port     = 443
  protocol = "HTTPS"

  health_check {
    protocol = "HTTP"
    path     = "/ping"
    port     = 8082
  }
}
