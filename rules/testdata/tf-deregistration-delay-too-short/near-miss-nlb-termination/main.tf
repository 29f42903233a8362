# Without connection_termination the NLB leaves a deregistered target's connections open
# past the delay.
resource "aws_lb_target_group" "open" {
  name                 = "open"
  port                 = 8000
  protocol             = "TCP"
  target_type          = "ip"
  deregistration_delay = 0
}

resource "aws_lb_target_group" "off" {
  name                   = "off"
  port                   = 8000
  protocol               = "TCP"
  target_type            = "ip"
  deregistration_delay   = 0
  connection_termination = false
}

# Closed only after the 300s default delay.
resource "aws_lb_target_group" "drained" {
  name                   = "drained"
  port                   = 8000
  protocol               = "TCP"
  target_type            = "ip"
  connection_termination = true
}

# UDP has flows, not requests.
resource "aws_lb_target_group" "dns" {
  name                   = "dns"
  port                   = 53
  protocol               = "UDP"
  deregistration_delay   = 0
  connection_termination = true
}
