# connection_termination = true: the NLB closes a deregistered target's connections when
# the delay ends, here at once.
resource "aws_lb_target_group" "api" {
  name                   = "api"
  port                   = 8000
  protocol               = "TCP"
  target_type            = "ip"
  deregistration_delay   = 0 # want "deregistration-delay-too-short"
  connection_termination = true
}

# The terraform-aws-modules/alb module's NLB target group.
module "nlb" {
  source  = "terraform-aws-modules/alb/aws"
  version = "~> 9.0"

  name               = "edge"
  load_balancer_type = "network"

  target_groups = {
    tls = {
      protocol               = "TLS"
      port                   = 8443
      target_type            = "ip"
      create_attachment      = false
      deregistration_delay   = 0 # want "deregistration-delay-too-short"
      connection_termination = true
    }
  }
}
