resource "aws_lb_target_group" "api" {
  name     = "api"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = "vpc-1"
}

# min_size 1, but nothing in these files scales the group: it runs desired_capacity
# (3) instances, as an ECS service without an autoscaling target runs desired_count.
resource "aws_autoscaling_group" "fixed" {
  name              = "fixed"
  min_size          = 1
  max_size          = 6
  desired_capacity  = 3
  health_check_type = "ELB"
  target_group_arns = [aws_lb_target_group.api.arn]
  tag {
    key                 = "team"
    value               = "web"
    propagate_at_launch = true
  }
  lifecycle {
    create_before_destroy = true
  }
}
