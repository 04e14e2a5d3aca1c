"""deploy/nginx.conf, the buffering reverse proxy in front of gunicorn (docs/operations.md, "Reverse proxy"):
its body limit, upstream port and upstream keep-alive stay in step with the service's own settings; and, when nginx
is installed (CI installs it), nginx accepts the file and, run in front of the real gunicorn, holds slow clients."""

from __future__ import annotations

import contextlib
import datetime
import re
import runpy
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from fhir_fixtures.fake_server import free_port
from service.config import Settings
from tests.server_support import ROOT, gunicorn_command, open_service_env, serving

NGINX_CONF = ROOT / "deploy" / "nginx.conf"
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}  # nginx sizes: case-insensitive suffixes


def _code(text: str) -> str:
    """An nginx file without its comments."""
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def _site_code() -> str:
    return _code(NGINX_CONF.read_text())


def _directives(code: str) -> list[tuple[str, ...]]:
    """Every simple directive (``name arg ...;``) of nginx ``code``, block openings included by name."""
    return [tuple(words) for statement in re.split(r"[;{}]", code) if (words := statement.split())]


def _only(directives: list[tuple[str, ...]], name: str) -> tuple[str, ...]:
    found = [d[1:] for d in directives if d[0] == name]
    assert len(found) == 1, f"{name}: expected once in {NGINX_CONF.name}, found {found}"
    return found[0]


def _upstream_block(code: str) -> list[tuple[str, ...]]:
    block = re.search(r"upstream\s+\S+\s*\{(.*?)\}", code, re.S)
    assert block, f"no upstream block in {NGINX_CONF.name}"
    return _directives(block.group(1))


def _nginx_size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()  # type: ignore[union-attr]
    return int(number) * _SIZE_UNITS[unit.lower()]


def _nginx_seconds(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m)?", value).groups()  # type: ignore[union-attr]
    return int(number) * {"ms": 0.001, "s": 1, "m": 60, None: 1}[unit]


@pytest.fixture
def gunicorn_defaults(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """service/gunicorn_conf.py's settings as the Dockerfile's gunicorn reads them, without this shell's overrides."""
    for name in ("IMNM_CDS_SERVER_HOST", "IMNM_CDS_SERVER_PORT", "IMNM_CDS_SERVER_WORKERS", "IMNM_CDS_SERVER_THREADS"):
        monkeypatch.delenv(name, raising=False)
    return runpy.run_path(str(ROOT / "service" / "gunicorn_conf.py"))


def test_the_body_limit_is_the_service_s() -> None:
    """Larger and nginx would buffer bodies the service refuses anyway; smaller and it would refuse valid calls."""
    (size,) = _only(_directives(_site_code()), "client_max_body_size")
    assert _nginx_size(size) == Settings().limits.max_body_bytes


def test_the_upstream_is_gunicorn_s_port_on_loopback(gunicorn_defaults: dict[str, Any]) -> None:
    (server, *_options) = _only(_upstream_block(_site_code()), "server")
    host, _, port = server.rpartition(":")
    assert host == "127.0.0.1"
    assert int(port) == Settings().server.port == int(gunicorn_defaults["bind"].rpartition(":")[2])


def test_idle_upstream_connections_are_dropped_by_nginx_before_gunicorn(gunicorn_defaults: dict[str, Any]) -> None:
    """Were gunicorn to close an idle keep-alive connection first, nginx could send a request down it: a 502."""
    upstream = _upstream_block(_site_code())
    (timeout,) = _only(upstream, "keepalive_timeout")
    assert _nginx_seconds(timeout) < gunicorn_defaults["keepalive"]
    assert int(_only(upstream, "keepalive")[0]) > 0


def test_slow_clients_are_held_by_nginx_not_by_gunicorn() -> None:
    directives = _directives(_site_code())
    for name in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        assert _nginx_seconds(_only(directives, name)[0]) <= 30, name
    assert _only(directives, "proxy_request_buffering") == ("on",)
    assert _only(directives, "proxy_buffering") == ("on",)
    forwarded = {d[1]: d[2] for d in directives if d[0] == "proxy_set_header"}
    assert forwarded["X-Forwarded-For"] == "$remote_addr"  # replaced: a client cannot prepend its own
    assert forwarded["X-Forwarded-Proto"] == "$scheme"
    assert forwarded["Connection"] == '""'  # with proxy_http_version 1.1: upstream keep-alive
    assert forwarded["X-Forwarded-Ssl"] == forwarded["X-Forwarded-Protocol"] == '""'  # removed: scheme from Proto only
    # one address cannot take all of nginx's connections, and a hook call's body is buffered in memory
    zone, per_address = _only(directives, "limit_conn")
    assert _only(directives, "limit_conn_zone")[1].startswith(f"zone={zone}:") and int(per_address) >= 64
    assert _nginx_size(_only(directives, "client_body_buffer_size")[0]) >= 128 * 1024
    assert _only(directives, "proxy_http_version") == ("1.1",)


def _self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "cds.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now)
                   .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "tls.crt", folder / "tls.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


NEEDS_NGINX = pytest.mark.skipif(
    shutil.which("nginx") is None,
    reason="nginx is not installed on this machine, so deploy/nginx.conf cannot be run (the other tests of this file "
           "still check its values against the service's)")


def _wrapped(tmp_path: Path, site: str) -> Path:
    """nginx's main file for ``site``, as /etc/nginx/nginx.conf includes conf.d/, with a throw-away certificate in
    place of the production one and every path in ``tmp_path``."""
    cert_path, key_path = _self_signed(tmp_path)
    site = re.sub(r"(ssl_certificate\s+)\S+;", lambda m: f"{m.group(1)}{cert_path};", site)
    site = re.sub(r"(ssl_certificate_key\s+)\S+;", lambda m: f"{m.group(1)}{key_path};", site)
    (tmp_path / "site.conf").write_text(site)
    temp_paths = "\n".join(f"    {kind}_temp_path {tmp_path / kind};"
                           for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    wrapper = tmp_path / "nginx.conf"
    wrapper.write_text(f"pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\nevents {{}}\n"
                       f"http {{\n{temp_paths}\n    access_log off;\n    include {tmp_path / 'site.conf'};\n}}\n")
    return wrapper


@NEEDS_NGINX
def test_nginx_accepts_the_file(tmp_path: Path) -> None:
    wrapper = _wrapped(tmp_path, NGINX_CONF.read_text())
    result = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(wrapper)], capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr


@contextlib.contextmanager
def _stalled_clients(port: int, count: int) -> Iterator[None]:
    """``count`` connections that send half their headers and then nothing (slowloris)."""
    with contextlib.ExitStack() as stack:
        for _ in range(count):
            conn = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=5))
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: cds.example.org\r\nX-Slow: ")
        time.sleep(0.5)  # every stalled connection reaches gunicorn's threads (or nginx) before the probe
        yield


@NEEDS_NGINX
def test_slow_clients_wait_in_nginx_while_gunicorn_keeps_answering(tmp_path: Path) -> None:
    """The reason for the file, run for real: a few clients that never finish their headers hold every thread of
    gunicorn served alone (the probe gets no answer), and none behind deploy/nginx.conf."""
    gunicorn_port, nginx_port = free_port(), free_port()
    site = NGINX_CONF.read_text().replace("listen 443 ssl;", f"listen 127.0.0.1:{nginx_port};")
    site = site.replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{gunicorn_port};")
    wrapper = _wrapped(tmp_path, site)
    env = open_service_env(tmp_path / "db.sqlite3")
    gunicorn = gunicorn_command(gunicorn_port, "-w", "1", "--threads", "2")
    direct, proxied = f"http://127.0.0.1:{gunicorn_port}/healthz", f"http://127.0.0.1:{nginx_port}/healthz"
    with serving(gunicorn, direct, cwd=ROOT, env=env), \
            serving(["nginx", "-p", str(tmp_path), "-c", str(wrapper), "-g", "daemon off;"], proxied):
        with _stalled_clients(nginx_port, 6):
            assert requests.get(proxied, timeout=5).json() == {"status": "ok"}
        with _stalled_clients(gunicorn_port, 2), pytest.raises(requests.Timeout):
            requests.get(direct, timeout=3)
