# Near miss: an attachment in another file of the same module that does not define the
# target group again registers its target with main.tf's target group.
resource "aws_lb_target_group_attachment" "test" {
  target_group_arn = aws_lb_target_group.test.arn
  target_id        = "i-0123456789abcdef0"
  port             = 9090
}
