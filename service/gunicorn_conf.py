"""gunicorn settings shared by `imnm-cds serve`, the Dockerfile and the benchmark."""

import os

bind = os.environ.get("IMNM_CDS_BIND", "0.0.0.0:8080")
workers = int(os.environ.get("IMNM_CDS_SERVER_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("IMNM_CDS_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000  # recycle workers now and then; a leak never grows without bound
max_requests_jitter = 500
limit_request_line = 8190
limit_request_fields = 100
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'

SETTINGS = ("bind", "workers", "worker_class", "threads", "timeout", "graceful_timeout", "keepalive",
            "max_requests", "max_requests_jitter", "limit_request_line", "limit_request_fields", "accesslog",
            "errorlog", "access_log_format")
