hc_interval = 30
