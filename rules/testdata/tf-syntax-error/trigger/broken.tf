resource "aws_lb" "web" {
  idle_timeout = # want "error"
}
