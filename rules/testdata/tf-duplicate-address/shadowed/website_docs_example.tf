# A docs example linted beside it (terraform-provider-aws's website/docs blocks): it
# defines aws_lb_target_group.test again, which Terraform refuses in one module, so these
# files are not one module, and its attachment means this file's target group, not
# main.tf's: no health-check-wrong-port on main.tf (session 17).
resource "aws_lb_target_group" "test" {
  # ... other configuration ...
}

resource "aws_lb_target_group_attachment" "test" {
  target_group_arn = aws_lb_target_group.test.arn
  target_id        = "i-0123456789abcdef0"
  port             = 9090
}
