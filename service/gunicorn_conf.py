"""gunicorn settings shared by `imnm-cds serve`, the Dockerfile and the benchmark."""

import contextlib
import ipaddress
import os
import traceback
from typing import Any, NoReturn

from gunicorn.glogging import Logger

from service.config import ConfigError, Settings, check_listening, check_startup


def _refuse(error: ConfigError) -> NoReturn:
    """Stop the master as `imnm-cds serve` stops: one line, the same exit code (SystemExit passes through gunicorn)."""
    error.say()
    raise SystemExit(ConfigError.EXIT_CODE)


def _check_apart() -> None:
    """check_startup in a child process: it loads the knowledge base, which every worker forked from the master
    would otherwise carry beside its own (about 20 MB each). The child says why it refused; the master exits as it
    would."""
    child = os.fork()
    if child == 0:  # whatever happens here, the child ends here: it must never go on as a second master
        code = ConfigError.EXIT_CODE
        try:
            check_startup(_EFFECTIVE)
            code = 0
        except ConfigError as error:
            error.say()
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(code)  # no cleanup of the master's state that the child shares
    if os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) != 0:
        raise SystemExit(ConfigError.EXIT_CODE)


def _effective_settings() -> Settings:
    """What service.wsgi serves: the file named by IMNM_CDS_CONFIG under the IMNM_CDS_* variables."""
    try:
        return Settings.load()
    except ConfigError as error:
        _refuse(error)


# From [server] of those settings, read when gunicorn (or service/server.py) imports this module: a configuration
# that cannot be read stops it here. gunicorn's command line (--bind, --workers, --threads) wins, as over any config
# file; `imnm-cds serve` sets the three from the settings it serves (service/server.py).
_EFFECTIVE = _effective_settings()
bind = f"{_EFFECTIVE.server.host}:{_EFFECTIVE.server.port}"
workers = _EFFECTIVE.server.workers
worker_class = "gthread"
threads = _EFFECTIVE.server.threads
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000  # recycle workers now and then; a leak never grows without bound
max_requests_jitter = 500
limit_request_line = 8190
limit_request_fields = 100
accesslog = "-"
errorlog = "-"
# The client the proxy saw ("-" when the call did not come through a trusted proxy), then the address gunicorn's
# connection came from (the proxy's): `203.0.113.7 127.0.0.1 "POST /cds-services/... HTTP/1.1" 200 1543 41ms`.
access_log_format = '%(client)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms'
# From the proxy on this host (forwarded_allow_ips, gunicorn's default 127.0.0.1,::1; and any peer of a UNIX socket):
# the scheme from X-Forwarded-Proto only, which deploy/nginx.conf sets; nothing else a client could have sent
# through the proxy.
# No path headers (SCRIPT_NAME, PATH_INFO): the service is served at the root, and a stray one gave a 500.
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
forwarder_headers = ""
# gunicorn >= 25.1 opens a control socket for `gunicornc` by default, at $XDG_RUNTIME_DIR/gunicorn.ctl or else
# ~/.gunicorn/gunicorn.ctl: one path for every instance the user runs, and an error where the home directory is not
# writable (the Docker image's user). Nothing here uses gunicornc. An older gunicorn ignores the name.
control_socket_disable = True


class ProxiedClientLogger(Logger):
    """gunicorn's logger with one more access log atom, ``client``: the address the proxy saw.

    Behind nginx every connection comes from 127.0.0.1, so ``%(h)s`` names the proxy. nginx writes the client's
    address in X-Forwarded-For, replacing whatever the client sent (deploy/nginx.conf); but a client that reaches
    gunicorn directly can send that header too, so it is read only from the peers gunicorn trusts with the scheme
    header (``forwarded_allow_ips``, and any peer of a UNIX socket, as gunicorn does), only its last address (the one
    the nearest proxy wrote), and only if it is an IP address: a trusted peer may be any process on this host
    (127.0.0.1), and a header with spaces or quotes would forge the fields after it.

    A ``logger_class`` of one's own switches off gunicorn's automatic statsd logger (chosen when ``statsd_host`` is
    set and the logger class is the default): to send statsd metrics, derive this class from
    ``gunicorn.instrument.statsd.Statsd`` instead.
    """

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        allowed = cfg.forwarded_allow_ips  # strings, checked by gunicorn (>= 24.1.1: addresses and CIDR networks)
        self.any_peer_is_a_proxy = "*" in allowed
        self.proxy_networks = [ipaddress.ip_network(address) for address in allowed if address != "*"]

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
        client = "-"
        if forwarded and self.from_trusted_proxy(getattr(req, "peer_addr", None)):
            with contextlib.suppress(ValueError):  # not an address: "-", never the caller's text
                client = str(ipaddress.ip_address(forwarded.rsplit(",", 1)[-1].strip()))
        atoms["client"] = client
        return atoms

    def from_trusted_proxy(self, peer: object) -> bool:
        """gunicorn's own test for the scheme header, written again: gunicorn keeps it in private code that has moved
        between the releases this project allows (gunicorn.http.message). A UNIX socket's peer (a path, usually
        empty, not a (host, port) pair) is trusted: the socket file's permissions decide who may connect, as
        127.0.0.1 lets in any local process. No peer at all (a worker class whose request does not carry one) is
        not."""
        if isinstance(peer, (str, bytes)) or self.any_peer_is_a_proxy:
            return True
        if not isinstance(peer, tuple):
            return False
        address = ipaddress.ip_address(peer[0])  # (host, port[, flow, scope]) from accept(): always an address
        return any(address in network for network in self.proxy_networks)


logger_class = ProxiedClientLogger


# The metrics directory on_starting made in this master (None when the operator chose one): on_exit removes it.
_metrics_dir_made: str | None = None


def on_starting(server: Any) -> None:
    """In the master, before any worker: refuse a configuration the workers would refuse, or authentication off on
    an address beyond loopback (as `imnm-cds serve` does); then give prometheus-client a fresh directory for every
    worker's values, so /metrics adds up all workers (see service/metrics.py). An operator's own
    PROMETHEUS_MULTIPROC_DIR wins."""
    import tempfile

    if not hasattr(server.app, "settings"):  # gunicorn's command line, as in the Dockerfile: not `imnm-cds serve`
        # Addresses only: a UNIX socket's file permissions decide who connects; an inherited fd cannot be told.
        hosts = [address[0] for address in server.cfg.address if isinstance(address, tuple)]
        try:
            check_listening(_EFFECTIVE, hosts)
        except ConfigError as error:
            _refuse(error)
        _check_apart()
    global _metrics_dir_made
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        _metrics_dir_made = os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="imnm-cds-metrics-")


def on_exit(server: object) -> None:
    """In the master, as it stops: remove the directory on_starting made, or every start would leave one behind in
    the temporary directory. Kept while a new master started by USR2 (``reexec_pid``) runs on it: it inherited the
    variable."""
    import shutil

    if _metrics_dir_made and not getattr(server, "reexec_pid", 0):
        shutil.rmtree(_metrics_dir_made, ignore_errors=True)


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
            "errorlog", "access_log_format", "logger_class", "secure_scheme_headers", "forwarder_headers",
            "control_socket_disable", "on_starting", "on_exit", "post_worker_init", "child_exit")
