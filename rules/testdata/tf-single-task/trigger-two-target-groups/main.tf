# One task registered in the target groups of two load balancers (an app and its auth
# server in one task): when it stops, both are left without a healthy target.
resource "aws_lb" "app" {
  name               = "app"
  load_balancer_type = "application"
}

resource "aws_lb" "auth" {
  name               = "auth"
  load_balancer_type = "application"
}

resource "aws_lb_target_group" "app" {
  name        = "app"
  port        = 5001
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_lb_target_group" "auth" {
  name        = "auth"
  port        = 4433
  protocol    = "HTTP"
  target_type = "ip"
}

resource "aws_lb_listener" "app" {
  load_balancer_arn = aws_lb.app.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.app.arn
  }
}

resource "aws_lb_listener" "auth" {
  load_balancer_arn = aws_lb.auth.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.auth.arn
  }
}

resource "aws_ecs_service" "svc" {
  name            = "svc"
  cluster         = "prod"
  task_definition = "svc:1"
  desired_count   = 1 # want "single-task"
  launch_type     = "FARGATE"

  load_balancer {
    target_group_arn = aws_lb_target_group.app.arn
    container_name   = "api"
    container_port   = 5001
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.auth.arn
    container_name   = "auth"
    container_port   = 4433
  }
}
