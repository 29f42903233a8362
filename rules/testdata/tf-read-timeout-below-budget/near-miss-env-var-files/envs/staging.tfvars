lb_idle_timeout = 90
