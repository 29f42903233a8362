# Groups made by the terraform-aws-modules/autoscaling module with min_size 1 behind a
# target group, scaled by what the call itself creates: a scaling policy, a schedule, or
# a second group that ignores desired_capacity.
resource "aws_lb_target_group" "api" {
  name     = "api"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = "vpc-1"
}

module "policy" {
  source = "terraform-aws-modules/autoscaling/aws"

  name              = "policy"
  min_size          = 1 # want "single-task"
  max_size          = 6
  desired_capacity  = 3
  health_check_type = "ELB"
  target_group_arns = [aws_lb_target_group.api.arn]

  scaling_policies = {
    cpu = {
      policy_type = "TargetTrackingScaling"
      target_tracking_configuration = {
        predefined_metric_specification = {
          predefined_metric_type = "ASGAverageCPUUtilization"
        }
        target_value = 50
      }
    }
  }
}

module "schedule" {
  source = "terraform-aws-modules/autoscaling/aws"

  name              = "schedule"
  min_size          = 1 # want "single-task"
  max_size          = 6
  desired_capacity  = 3
  health_check_type = "ELB"
  target_group_arns = [aws_lb_target_group.api2.arn]

  schedules = {
    night = {
      min_size         = 1
      max_size         = 2
      desired_capacity = 1
      recurrence       = "0 20 * * *"
    }
  }
}

module "outside" {
  source = "terraform-aws-modules/autoscaling/aws"

  name                            = "outside"
  min_size                        = 1 # want "single-task"
  max_size                        = 6
  desired_capacity                = 3
  health_check_type               = "ELB"
  ignore_desired_capacity_changes = true
  target_group_arns               = [aws_lb_target_group.api3.arn]
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
