lb_idle_timeout = 120
