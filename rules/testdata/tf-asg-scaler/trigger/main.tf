resource "aws_lb_target_group" "api" {
  name     = "api"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = "vpc-1"
}

# desired_capacity 3, but a scaling policy may take the group down to its floor.
resource "aws_autoscaling_group" "scaled" {
  name              = "scaled"
  min_size          = 1 # want "single-task"
  max_size          = 6
  desired_capacity  = 3
  health_check_type = "ELB"
  target_group_arns = [aws_lb_target_group.api.arn]
}

resource "aws_autoscaling_policy" "cpu" {
  name                   = "cpu"
  autoscaling_group_name = aws_autoscaling_group.scaled.name
  policy_type            = "TargetTrackingScaling"
  target_tracking_configuration {
    predefined_metric_specification {
      predefined_metric_type = "ASGAverageCPUUtilization"
    }
    target_value = 50
  }
}

# A schedule named by the group's literal name.
resource "aws_autoscaling_group" "nightly" {
  name              = "nightly"
  min_size          = 1 # want "single-task"
  max_size          = 4
  desired_capacity  = 2
  health_check_type = "ELB"
  target_group_arns = [aws_lb_target_group.api2.arn]
}

resource "aws_autoscaling_schedule" "night" {
  scheduled_action_name  = "night"
  autoscaling_group_name = "nightly"
  min_size               = 1
  max_size               = 4
  desired_capacity       = 1
  recurrence             = "0 22 * * *"
}

# Kubernetes nodes: the cluster autoscaler sets desired_capacity.
resource "aws_autoscaling_group" "nodes" {
  name              = "nodes"
  min_size          = 1 # want "single-task"
  max_size          = 10
  desired_capacity  = 3
  health_check_type = "ELB"
  target_group_arns = [aws_lb_target_group.api3.arn]
  tag {
    key                 = "k8s.io/cluster-autoscaler/enabled"
    value               = "true"
    propagate_at_launch = false
  }
}

# Something outside Terraform owns desired_capacity.
resource "aws_autoscaling_group" "external" {
  name              = "external"
  min_size          = 1 # want "single-task"
  max_size          = 10
  desired_capacity  = 3
  health_check_type = "ELB"
  target_group_arns = [aws_lb_target_group.api4.arn]
  lifecycle {
    ignore_changes = [desired_capacity]
  }
}

# An ECS capacity provider scales the group.
resource "aws_autoscaling_group" "ecs" {
  name              = "ecs"
  min_size          = 1 # want "single-task"
  max_size          = 10
  desired_capacity  = 3
  health_check_type = "ELB"
  target_group_arns = [aws_lb_target_group.api5.arn]
}

resource "aws_ecs_capacity_provider" "ecs" {
  name = "ecs"
  auto_scaling_group_provider {
    auto_scaling_group_arn = aws_autoscaling_group.ecs.arn
    managed_scaling {
      status = "ENABLED"
    }
  }
}

# desired_capacity not written: the group starts at min_size.
resource "aws_autoscaling_group" "unset" {
  name              = "unset"
  min_size          = 1 # want "single-task"
  max_size          = 4
  health_check_type = "ELB"
  target_group_arns = [aws_lb_target_group.api6.arn]
}

# Tags from a dynamic block may carry the cluster autoscaler's: not known, reported.
variable "tags" {
  type = map(string)
}

resource "aws_autoscaling_group" "tagged" {
  name              = "tagged"
  min_size          = 1 # want "single-task"
  max_size          = 10
  desired_capacity  = 3
  health_check_type = "ELB"
  target_group_arns = [aws_lb_target_group.api7.arn]
  dynamic "tag" {
    for_each = var.tags
    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }
}

resource "aws_lb_target_group" "api2" {
  name     = "api2"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = "vpc-1"
}

resource "aws_lb_target_group" "api3" {
  name     = "api3"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = "vpc-1"
}

resource "aws_lb_target_group" "api4" {
  name     = "api4"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = "vpc-1"
}

resource "aws_lb_target_group" "api5" {
  name     = "api5"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = "vpc-1"
}

resource "aws_lb_target_group" "api6" {
  name     = "api6"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = "vpc-1"
}

resource "aws_lb_target_group" "api7" {
  name     = "api7"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = "vpc-1"
}
