locals {
  idle = 300 * 2
}

resource "aws_lb" "web" {
  name         = "web"
  idle_timeout = local.idle # want "edge-timeout-exceeded"
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

resource "aws_lb_target_group" "app" {
  name     = "app"
  port     = 8080
  protocol = "HTTP"
}

resource "cloudflare_record" "www" {
  zone_id = var.zone_id
  name    = "www"
  type    = "CNAME"
  content = aws_lb.web.dns_name
  proxied = true
}
