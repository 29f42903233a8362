# gunicorn's gthread worker would close idle connections after 2s, below the ALB's 60s,
# but each container may get GUNICORN_CMD_ARGS (--keep-alive 75) from a source no502
# cannot read: ECS secrets (valueFrom Secrets Manager or SSM) and environmentFiles (an S3
# .env file) become the container's environment. Nothing is reported.
resource "aws_lb" "hooks" {
  name               = "hooks"
  load_balancer_type = "application"
}

resource "aws_lb_target_group" "hooks" {
  name        = "hooks"
  port        = 8080
  protocol    = "HTTP"
  target_type = "ip"
  health_check {
    path = "/ready"
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.hooks.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.hooks.arn
  }
}

resource "aws_ecs_service" "secrets" {
  name            = "secrets"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.secrets.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.hooks.arn
    container_name   = "app"
    container_port   = 8080
  }
}

resource "aws_ecs_task_definition" "secrets" {
  family = "secrets"
  container_definitions = jsonencode([
    {
      name         = "app"
      image        = "ghcr.io/acme/hooks:1.4"
      essential    = true
      command      = ["gunicorn", "-k", "gthread", "-b", "0.0.0.0:8080", "app:app"]
      secrets      = [{ name = "GUNICORN_CMD_ARGS", valueFrom = "arn:aws:ssm:us-east-1:111122223333:parameter/hooks/gunicorn" }]
      portMappings = [{ containerPort = 8080 }]
    }
  ])
}

resource "aws_ecs_service" "envfile" {
  name            = "envfile"
  desired_count   = 2
  task_definition = aws_ecs_task_definition.envfile.arn
  load_balancer {
    target_group_arn = aws_lb_target_group.hooks.arn
    container_name   = "app"
    container_port   = 8080
  }
}

resource "aws_ecs_task_definition" "envfile" {
  family = "envfile"
  container_definitions = jsonencode([
    {
      name             = "app"
      image            = "ghcr.io/acme/hooks:1.4"
      essential        = true
      command          = ["gunicorn", "-k", "gthread", "-b", "0.0.0.0:8080", "app:app"]
      environmentFiles = [{ type = "s3", value = "arn:aws:s3:::acme-config/hooks.env" }]
      portMappings     = [{ containerPort = 8080 }]
    }
  ])
}

module "api" {
  source = "terraform-aws-modules/ecs/aws//modules/service"

  enable_autoscaling = false
  desired_count      = 2
  container_definitions = {
    api = {
      image        = "ghcr.io/acme/api:1.0"
      command      = ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8080"]
      secrets      = [{ name = "UVICORN_TIMEOUT_KEEP_ALIVE", valueFrom = "arn:aws:ssm:us-east-1:111122223333:parameter/api/keepalive" }]
      portMappings = [{ containerPort = 8080 }]
    }
  }
  load_balancer = {
    service = {
      target_group_arn = aws_lb_target_group.hooks.arn
      container_name   = "api"
      container_port   = 8080
    }
  }
}
