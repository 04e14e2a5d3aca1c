"""gunicorn settings shared by `imnm-cds serve`, the Dockerfile and the benchmark."""

import os

# The same IMNM_CDS_SERVER_* variables the configuration reads (service/config.py [server]).
bind = f"{os.environ.get('IMNM_CDS_SERVER_HOST', '0.0.0.0')}:{os.environ.get('IMNM_CDS_SERVER_PORT', '8080')}"
workers = int(os.environ.get("IMNM_CDS_SERVER_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("IMNM_CDS_SERVER_THREADS", "4"))
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
# From the proxy on this host (forwarded_allow_ips, gunicorn's default 127.0.0.1): the scheme from
# X-Forwarded-Proto only, which deploy/nginx.conf sets; nothing else a client could have sent through the proxy.
# No path headers (SCRIPT_NAME, PATH_INFO): the service is served at the root, and a stray one gave a 500.
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
forwarder_headers = ""


def on_starting(server: object) -> None:
    """In the master, before any worker: give prometheus-client a fresh directory for every worker's values,
    so /metrics adds up all workers (see service/metrics.py). An operator's own PROMETHEUS_MULTIPROC_DIR wins."""
    import tempfile

    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="imnm-cds-metrics-")


def post_worker_init(worker: object) -> None:
    """Structured JSON logs in every worker (the hookInstance is the correlation id: service/logging_json.py), and
    gunicorn's own error answers as OperationOutcomes (service/gunicorn_errors.py)."""
    from service import gunicorn_errors, logging_json

    logging_json.configure()
    gunicorn_errors.install()


def child_exit(server: object, worker: object) -> None:
    from service import metrics

    metrics.worker_exit(worker.pid)  # type: ignore[attr-defined]


SETTINGS = ("bind", "workers", "worker_class", "threads", "timeout", "graceful_timeout", "keepalive",
            "max_requests", "max_requests_jitter", "limit_request_line", "limit_request_fields", "accesslog",
            "errorlog", "access_log_format", "secure_scheme_headers", "forwarder_headers", "on_starting",
            "post_worker_init", "child_exit")
