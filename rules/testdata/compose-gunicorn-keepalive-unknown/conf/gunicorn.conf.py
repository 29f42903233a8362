# gunicorn reads ./gunicorn.conf.py from its working directory when -c is not given.
worker_class = "gthread"
keepalive = 75
graceful_timeout = 5
