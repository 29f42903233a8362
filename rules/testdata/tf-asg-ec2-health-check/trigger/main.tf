resource "aws_lb_target_group" "web" {
  name     = "web"
  port     = 8080
  protocol = "HTTP"
}

resource "aws_autoscaling_group" "web" { # want "asg-ec2-health-check"
  name              = "web"
  min_size          = 2
  max_size          = 4
  target_group_arns = [aws_lb_target_group.web.arn]
}

resource "aws_autoscaling_group" "api" {
  name              = "api"
  min_size          = 2
  max_size          = 4
  health_check_type = "EC2" # want "asg-ec2-health-check"
}

resource "aws_autoscaling_attachment" "api" {
  autoscaling_group_name = aws_autoscaling_group.api.id
  lb_target_group_arn    = aws_lb_target_group.web.arn
}

# Attached through a traffic_source block (type elbv2: the target group's ARN).
resource "aws_autoscaling_group" "ts" {
  name              = "ts"
  min_size          = 2
  max_size          = 4
  health_check_type = "EC2" # want "asg-ec2-health-check"

  traffic_source {
    identifier = aws_lb_target_group.web.arn
    type       = "elbv2"
  }
}

# Attached by an aws_autoscaling_traffic_source_attachment.
resource "aws_autoscaling_group" "tsa" {
  name              = "tsa"
  min_size          = 2
  max_size          = 4
  health_check_type = "EC2" # want "asg-ec2-health-check"
}

resource "aws_autoscaling_traffic_source_attachment" "tsa" {
  autoscaling_group_name = aws_autoscaling_group.tsa.id

  traffic_source {
    identifier = aws_lb_target_group.web.arn
    type       = "elbv2"
  }
}
