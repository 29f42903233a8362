# gunicorn lets a request run 120s, but its target group is reached only through a
# listener rule on the host reports.example.com: CloudFront sends the ALB's own name as
# Host unless a policy forwards the viewer's, which no502 does not read.
resource "aws_lb" "web" {
  name         = "web"
  idle_timeout = 300
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      status_code  = "404"
    }
  }
}

resource "aws_lb_listener_rule" "reports" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 10

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }

  condition {
    host_header {
      values = ["reports.example.com"]
    }
  }
}

resource "aws_lb_target_group" "app" {
  name                 = "app"
  port                 = 8000
  protocol             = "HTTP"
  target_type          = "ip"
  deregistration_delay = 150
}

resource "aws_ecs_service" "app" {
  name            = "app"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.app.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = "app"
    container_port   = 8000
  }
}

resource "aws_ecs_task_definition" "app" {
  family = "app"
  container_definitions = jsonencode([
    {
      name         = "app"
      image        = "ghcr.io/acme/reports:2.1"
      essential    = true
      stopTimeout  = 120
      command      = ["gunicorn", "--bind", "0.0.0.0:8000", "--timeout", "120", "--graceful-timeout", "100", "reports.wsgi"]
      portMappings = [{ containerPort = 8000 }]
    }
  ])
}

resource "aws_cloudfront_distribution" "cdn" {
  enabled = true

  origin {
    domain_name = aws_lb.web.dns_name
    origin_id   = "alb"

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "http-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id       = "alb"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods         = ["GET", "HEAD"]
  }
}
