resource "aws_lb" "web" {
  name         = "web"
  idle_timeout = 120
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

# deregistration_delay from a variable whose default covers the budget.
variable "drain" {
  default = 120
}

resource "aws_lb_target_group" "app" {
  name                 = "app"
  port                 = 8080
  protocol             = "HTTP"
  deregistration_delay = var.drain
}

# The default (300s) is fine too.
resource "aws_lb_target_group" "other" {
  name     = "other"
  port     = 8080
  protocol = "HTTP"
}

# count = 0: this target group does not exist.
resource "aws_lb_target_group" "disabled" {
  count                = 0
  name                 = "disabled"
  port                 = 8080
  protocol             = "HTTP"
  deregistration_delay = 0
}

resource "aws_elb" "legacy" {
  name                        = "legacy"
  idle_timeout                = 120
  availability_zones          = ["us-east-1a"]
  connection_draining         = true
  connection_draining_timeout = 300

  listener {
    instance_port     = 8000
    instance_protocol = "http"
    lb_port           = 80
    lb_protocol       = "http"
  }
}

# Network and Gateway Load Balancer target groups pass connections through: they answer
# no 502, and past the delay leave connections open unless connection_termination is on.
resource "aws_lb_target_group" "nlb" {
  name                   = "nlb"
  port                   = 5432
  protocol               = "TCP"
  deregistration_delay   = 0
  connection_termination = false
}

resource "aws_lb_target_group" "dns" {
  name                 = "dns"
  port                 = 53
  protocol             = "UDP"
  deregistration_delay = 0
}

resource "aws_lb_target_group" "firewall" {
  name                 = "firewall"
  port                 = 6081
  protocol             = "GENEVE"
  deregistration_delay = 0
}

# Lambda targets have no connections to drain.
resource "aws_lb_target_group" "fn" {
  name                 = "fn"
  target_type          = "lambda"
  deregistration_delay = 0
}
