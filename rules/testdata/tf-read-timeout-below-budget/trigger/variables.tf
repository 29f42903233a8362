variable "lb_idle_timeout" {
  type    = number
  default = 30
}
