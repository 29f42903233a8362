resource "aws_lb" "web" {
  name               = "web"
  load_balancer_type = "application"
  idle_timeout       = 120
  subnets            = ["subnet-1", "subnet-2"]
}

resource "aws_lb_target_group" "ingress" {
  name                 = "ingress-nginx"
  port                 = 80
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = "vpc-1"
  deregistration_delay = 60

  health_check {
    path    = "/healthz"
    matcher = "200"
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.web.arn
  port              = 443
  protocol          = "HTTPS"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.ingress.arn
  }
}

resource "cloudflare_record" "shop" {
  zone_id = "zone"
  name    = "shop"
  type    = "CNAME"
  content = aws_lb.web.dns_name
  proxied = true
}
