lb_idle_timeout = 30
region          = "eu-west-1"
