# terraform.tfvars sets hc_interval to 30 and terraform.tfvars.json, which Terraform also
# loads (after it), does not set it: the target group checks every 30s (terraform 1.11.4
# console: var.hc_interval = 30), a 150s window.
variable "hc_interval" {
  type    = number
  default = 60
}

variable "other" {
  type    = number
  default = 0
}

resource "aws_lb_target_group" "fe" {
  name     = "fe"
  port     = 8080
  protocol = "HTTP"

  health_check {
    path                = "/healthz"
    interval            = var.hc_interval
    unhealthy_threshold = 5
  }
}
