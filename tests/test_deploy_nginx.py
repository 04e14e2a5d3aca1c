"""deploy/nginx.conf, the buffering reverse proxy in front of gunicorn (docs/operations.md, "Reverse proxy"):
its body limit, upstream port, upstream keep-alive and error answers stay in step with the service's own; and, when
nginx is installed (CI installs it), nginx accepts the file and, run in front of the real gunicorn, holds slow
clients, answers its own errors as the service does, and gunicorn's access log names the client nginx saw."""

from __future__ import annotations

import contextlib
import datetime
import http.client
import http.server
import json
import re
import runpy
import shlex
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from gunicorn.config import Config

from fhir_fixtures.fake_server import free_port
from service.config import Settings
from service.errors import operation_outcome
from service.gunicorn_conf import ProxiedClientLogger
from service.security import DEFAULT_HEADERS, FIXED_HEADERS, HSTS_HEADERS
from tests.api_support import make_app
from tests.server_support import ROOT, gunicorn_command, open_service_env, serving

NGINX_CONF = ROOT / "deploy" / "nginx.conf"
_SIZE_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}  # nginx sizes: case-insensitive suffixes
_ERROR_LOCATION = "/_imnm_cds_error"
# the service's security headers, HSTS included: the server block is https only
_SECURITY_HEADERS = {**FIXED_HEADERS, **DEFAULT_HEADERS, **HSTS_HEADERS}
_CORS_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Expose-Headers", "Vary")


@dataclass
class _Statement:
    """One nginx statement: its words, quotes removed, and the statements of its block (None: a simple directive)."""

    words: tuple[str, ...]
    block: list[_Statement] | None


def _parse(tokens: Iterator[str]) -> list[_Statement]:
    statements: list[_Statement] = []
    words: list[str] = []
    for token in tokens:
        if token == ";":
            statements.append(_Statement(tuple(words), None))
        elif token == "{":
            statements.append(_Statement(tuple(words), _parse(tokens)))
        elif token == "}":
            return statements
        else:
            words.append(token)
            continue
        words = []
    return statements


def _site() -> list[_Statement]:
    """deploy/nginx.conf's statements: comments dropped, quoted words (JSON, a CSP with its ';') kept whole."""
    lexer = shlex.shlex(NGINX_CONF.read_text(), posix=True, punctuation_chars=";{}")
    lexer.whitespace_split = True
    # shlex gives a run of punctuation ("}}") as one token; nginx reads each character
    return _parse(iter([c for token in lexer for c in (token if token and set(token) <= set(";{}") else [token])]))


def _blocks(statements: list[_Statement]) -> Iterator[_Statement]:
    """Every statement that opens a block, however deep."""
    for statement in statements:
        if statement.block is not None:
            yield statement
            yield from _blocks(statement.block)


def _directives(statements: list[_Statement]) -> list[tuple[str, ...]]:
    """Every directive (``name arg ...``) in ``statements`` and in their blocks, block openings included."""
    return [words for s in statements for words in [s.words, *(_directives(s.block) if s.block else [])]]


def _only(directives: list[tuple[str, ...]], name: str) -> tuple[str, ...]:
    found = [d[1:] for d in directives if d[0] == name]
    assert len(found) == 1, f"{name}: expected once in {NGINX_CONF.name}, found {found}"
    return found[0]


def _block(*opening: str) -> list[_Statement]:
    """The statements of the one block of deploy/nginx.conf opened by words starting with ``opening``."""
    found = [s.block for s in _blocks(_site()) if s.block is not None and s.words[:len(opening)] == opening]
    assert len(found) == 1, f"{' '.join(opening)}: expected one block in {NGINX_CONF.name}, found {len(found)}"
    return found[0]


def _upstream_block() -> list[tuple[str, ...]]:
    return _directives(_block("upstream"))


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
    (size,) = _only(_directives(_site()), "client_max_body_size")
    assert _nginx_size(size) == Settings().limits.max_body_bytes


def test_the_upstream_is_gunicorn_s_port_on_loopback(gunicorn_defaults: dict[str, Any]) -> None:
    (server, *_options) = _only(_upstream_block(), "server")
    host, _, port = server.rpartition(":")
    assert host == "127.0.0.1"
    assert int(port) == Settings().server.port == int(gunicorn_defaults["bind"].rpartition(":")[2])


def test_idle_upstream_connections_are_dropped_by_nginx_before_gunicorn(gunicorn_defaults: dict[str, Any]) -> None:
    """Were gunicorn to close an idle keep-alive connection first, nginx could send a request down it: a 502."""
    upstream = _upstream_block()
    (timeout,) = _only(upstream, "keepalive_timeout")
    assert _nginx_seconds(timeout) < gunicorn_defaults["keepalive"]
    assert int(_only(upstream, "keepalive")[0]) > 0


def test_slow_clients_are_held_by_nginx_not_by_gunicorn() -> None:
    directives = _directives(_site())
    for name in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        assert _nginx_seconds(_only(directives, name)[0]) <= 30, name
    assert _only(directives, "proxy_request_buffering") == ("on",)
    assert _only(directives, "proxy_buffering") == ("on",)
    forwarded = {d[1]: d[2] for d in directives if d[0] == "proxy_set_header"}
    assert forwarded["X-Forwarded-For"] == "$remote_addr"  # replaced: a client cannot prepend its own
    assert forwarded["X-Forwarded-Proto"] == "$scheme"
    assert forwarded["Connection"] == ""  # with proxy_http_version 1.1: upstream keep-alive
    assert forwarded["X-Forwarded-Ssl"] == forwarded["X-Forwarded-Protocol"] == ""  # removed: scheme from Proto only
    assert forwarded["Forwarded"] == ""  # RFC 7239's, removed: see test_nginx_passes_on_no_forwarded_header...
    # one address cannot take all of nginx's connections, and a hook call's body is buffered in memory
    zone, per_address = _only(directives, "limit_conn")
    assert _only(directives, "limit_conn_zone")[1].startswith(f"zone={zone}:") and int(per_address) >= 64
    assert _nginx_size(_only(directives, "client_body_buffer_size")[0]) >= 128 * 1024
    assert _only(directives, "proxy_http_version") == ("1.1",)


def _nginx_error_answers() -> dict[int | str, dict[str, Any]]:
    """What the error location answers for each status of the map (and its ``default``), as JSON."""
    (template,) = [d[2] for d in _directives(_block("location", "=", _ERROR_LOCATION)) if d[0] == "return"]
    (variable,) = next(s.words[2:] for s in _blocks(_site()) if s.words[:2] == ("map", "$status"))
    assert variable in template
    return {int(key) if key.isdigit() else key: json.loads(template.replace(variable, issue))
            for key, issue in (s.words for s in _block("map", "$status"))}


def test_nginx_s_own_errors_are_the_service_s_operation_outcomes() -> None:
    """nginx answered the errors it makes itself (a body over the limit, a request it cannot read, gunicorn down)
    with HTML pages: an EHR that reads OperationOutcomes got another shape for the same statuses. Every status
    error_page sends to the error location has its line in the map, with the issue code service/errors.py gives."""
    server = _directives(_block("server"))
    answered: set[int | str] = set()
    for _, *statuses, target in (d for d in server if d[0] == "error_page"):
        assert target == _ERROR_LOCATION
        # "=NNN": nginx's private codes (494, 497) answered as NNN; no "=": the status is kept
        answered |= {int(statuses[-1][1:])} if statuses[-1].startswith("=") else {int(s) for s in statuses}
    answers = _nginx_error_answers()
    assert answered == answers.keys() - {"default"}
    for status, outcome in answers.items():
        code = status if isinstance(status, int) else 599  # default: a status the service's table does not list
        assert outcome == operation_outcome(code, outcome["issue"][0]["diagnostics"]), status
        assert outcome["issue"][0]["diagnostics"], status
    location = _directives(_block("location", "=", _ERROR_LOCATION))
    assert ("internal",) in location
    assert _only(location, "default_type") == ("application/fhir+json",)
    added = {name: value for _, name, value, *always in (d for d in location if d[0] == "add_header") if always}
    # "always": error statuses too
    assert {name: added.pop(name) for name in _SECURITY_HEADERS if name in added} == _SECURITY_HEADERS
    # the values come from the origin maps, so they are nothing where no origin is listed (the CORS tests below)
    assert added == {"Access-Control-Allow-Origin": "$imnm_cds_cors_origin",
                     "Access-Control-Expose-Headers": "$imnm_cds_cors_exposed", "Vary": "Origin"}
    assert set(added) == set(_CORS_HEADERS)
    assert ("proxy_intercept_errors", "on") not in server  # the service's own errors pass through untouched
    assert _only(server, "limit_conn_status") == ("429",)  # throttled, not "the service is down" (503)


def test_nginx_allows_no_origin_as_shipped_as_the_service_allows_none_by_default() -> None:
    """The origins nginx answers CORS for are the site's [cors] origins, written in by hand: the file as shipped
    lists none, so that it never opens an origin the service does not."""
    assert Settings().cors.origins == []
    assert [s.words for s in _block("map", "$http_origin", "$imnm_cds_cors_origin")] == [("default", "")]
    # WWW-Authenticate exposed only beside an allowed origin, as the service does
    assert [s.words for s in _block("map", "$imnm_cds_cors_origin", "$imnm_cds_cors_exposed")] == [
        ("", ""), ("default", "WWW-Authenticate")]


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
    for directive, path in (("ssl_certificate", cert_path), ("ssl_certificate_key", key_path)):
        site = re.sub(rf"({directive}\s+)\S+;", lambda m, path=path: f"{m.group(1)}{path};", site)
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


@contextlib.contextmanager
def _running_nginx(folder: Path, upstream_port: int, *edits: tuple[str, str], tls: bool = False) -> Iterator[int]:
    """deploy/nginx.conf, with ``edits`` (old, new) made to it, served by nginx on a loopback port (yielded) in front
    of ``upstream_port``: plain HTTP in place of TLS unless ``tls``, the rest as the file says."""
    port = free_port()
    site = NGINX_CONF.read_text()
    for old, new in [("listen 443 ssl;", f"listen 127.0.0.1:{port}{' ssl' if tls else ''};"),
                     ("server 127.0.0.1:8080;", f"server 127.0.0.1:{upstream_port};"), *edits]:
        assert old in site, old
        site = site.replace(old, new)
    wrapper = _wrapped(folder, site)
    with serving(["nginx", "-p", str(folder), "-c", str(wrapper), "-g", "daemon off;"],
                 f"http://127.0.0.1:{port}/healthz"):
        yield port


@NEEDS_NGINX
def test_slow_clients_wait_in_nginx_while_gunicorn_keeps_answering(tmp_path: Path) -> None:
    """The reason for the file, run for real: a few clients that never finish their headers hold every thread of
    gunicorn served alone (the probe gets no answer), and none behind deploy/nginx.conf."""
    gunicorn_port = free_port()
    env = open_service_env(tmp_path / "db.sqlite3")
    gunicorn = gunicorn_command(gunicorn_port, "-w", "1", "--threads", "2")
    direct = f"http://127.0.0.1:{gunicorn_port}/healthz"
    with serving(gunicorn, direct, cwd=ROOT, env=env), _running_nginx(tmp_path, gunicorn_port) as nginx_port:
        with _stalled_clients(nginx_port, 6):
            assert requests.get(f"http://127.0.0.1:{nginx_port}/healthz", timeout=5).json() == {"status": "ok"}
        with _stalled_clients(gunicorn_port, 2), pytest.raises(requests.Timeout):
            requests.get(direct, timeout=3)


@dataclass
class _Proxied:
    """The real gunicorn (access log in a file) behind the real nginx."""

    nginx_port: int
    gunicorn_port: int
    access_log: Path


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Proxied]:
    folder = tmp_path_factory.mktemp("proxied")
    gunicorn_port, access_log = free_port(), folder / "access.log"
    gunicorn = gunicorn_command(gunicorn_port, "-w", "1", "--threads", "2", "--access-logfile", str(access_log))
    with serving(gunicorn, f"http://127.0.0.1:{gunicorn_port}/healthz", cwd=ROOT,
                 env=open_service_env(folder / "db.sqlite3")), _running_nginx(folder, gunicorn_port) as nginx_port:
        yield _Proxied(nginx_port, gunicorn_port, access_log)


def _exchange(port: int, request: bytes, source: str = "127.0.0.1") -> tuple[int, http.client.HTTPMessage, bytes]:
    """``request``, bytes no HTTP library would send, from the loopback address ``source``: (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as conn:
        conn.sendall(request)
        answer = http.client.HTTPResponse(conn)
        answer.begin()
        return answer.status, answer.headers, answer.read()


def _assert_operation_outcome(answer: tuple[int, http.client.HTTPMessage, bytes], status: int, code: str) -> None:
    answered, headers, body = answer
    assert answered == status
    assert headers["Content-Type"] == "application/fhir+json"
    assert {name: headers[name] for name in _SECURITY_HEADERS} == _SECURITY_HEADERS
    outcome = json.loads(body)
    assert outcome["resourceType"] == "OperationOutcome"
    (issue,) = outcome["issue"]
    assert issue["severity"] == "error" and issue["code"] == code and issue["diagnostics"]


_HOST = b"Host: cds.example.org\r\n"
_PROBE = b"GET /healthz HTTP/1.1\r\n" + _HOST + b"\r\n"


@NEEDS_NGINX
@pytest.mark.parametrize(("request_bytes", "status", "code"), [
    # a body over client_max_body_size, announced: nginx refuses it before reading it
    (b"POST /cds-services/imnm-order-sign HTTP/1.1\r\n" + _HOST + b"Content-Type: application/json\r\n"
     b"Content-Length: %d\r\n\r\n" % (Settings().limits.max_body_bytes + 1), 413, "too-costly"),
    (b"NOT A REQUEST LINE\r\n\r\n", 400, "invalid"),
    (b"GET /healthz HTTP/1.1\r\n" + _HOST + b"A header line without a colon\r\n\r\n", 400, "invalid"),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n" + _HOST + b"\r\n", 414, "too-long"),
    # over large_client_header_buffers: nginx's private 494, answered 431 as gunicorn does
    (b"GET /healthz HTTP/1.1\r\n" + _HOST + b"X-Big: " + b"a" * 9000 + b"\r\n\r\n", 431, "too-long"),
    (b"TRACE / HTTP/1.1\r\n" + _HOST + b"\r\n", 405, "not-supported"),
    (b"POST /cds-services/imnm-order-sign HTTP/1.1\r\n" + _HOST + b"Transfer-Encoding: gzip\r\n\r\n", 501,
     "not-supported"),
    (b"GET / HTTP/2.0\r\n" + _HOST + b"\r\n", 505, "not-supported"),
])
def test_requests_nginx_refuses_get_an_operation_outcome(proxied: _Proxied, request_bytes: bytes, status: int,
                                                         code: str) -> None:
    _assert_operation_outcome(_exchange(proxied.nginx_port, request_bytes), status, code)


@NEEDS_NGINX
def test_refusals_by_address_or_path_get_an_operation_outcome(proxied: _Proxied) -> None:
    """/metrics from an address not allowed (403), and the error location itself, which is internal (404)."""
    _assert_operation_outcome(_exchange(proxied.nginx_port, b"GET /metrics HTTP/1.1\r\n" + _HOST + b"\r\n",
                                        source="127.0.0.2"), 403, "forbidden")
    _assert_operation_outcome(_exchange(proxied.nginx_port, b"GET %s HTTP/1.1\r\n" % _ERROR_LOCATION.encode()
                                        + _HOST + b"\r\n"), 404, "not-found")


@NEEDS_NGINX
def test_plain_http_to_the_tls_port_gets_an_operation_outcome(tmp_path: Path) -> None:
    """nginx's private 497, answered 400."""
    with _running_nginx(tmp_path, free_port(), tls=True) as port:
        _assert_operation_outcome(_exchange(port, _PROBE), 400, "invalid")


@NEEDS_NGINX
def test_gunicorn_down_or_silent_gets_an_operation_outcome(tmp_path: Path) -> None:
    """502 while nothing listens on the upstream port; 504 once something accepts connections there and never
    answers (proxy_read_timeout shortened to 1 s for the test)."""
    upstream_port = free_port()
    with _running_nginx(tmp_path, upstream_port, ("proxy_read_timeout 30s;", "proxy_read_timeout 1s;")) as port:
        _assert_operation_outcome(_exchange(port, _PROBE), 502, "transient")
        with socket.create_server(("127.0.0.1", upstream_port)):  # the kernel accepts; nobody reads or answers
            _assert_operation_outcome(_exchange(port, _PROBE), 504, "timeout")


_SANDBOX = "https://sandbox.cds-hooks.org"


def _cors_headers(headers: Any) -> dict[str, str]:
    return {name: headers[name] for name in _CORS_HEADERS if name in headers}


@NEEDS_NGINX
def test_nginx_s_own_errors_carry_the_service_s_cors_headers_for_a_listed_origin(tmp_path: Path) -> None:
    """A browser-based EHR (the CDS Hooks sandbox) saw a body over the limit (413) and gunicorn down (502) as CORS
    failures, not as those statuses: nginx's own answers had no CORS header. With the origin listed in the map they
    carry the CORS headers the service sends on its own errors, for that origin and for one not listed (none)."""
    service = make_app(cors={"origins": [_SANDBOX]}).test_client()
    listed = ("map $http_origin $imnm_cds_cors_origin {",
              f"map $http_origin $imnm_cds_cors_origin {{\n    {_SANDBOX} $http_origin;")
    too_large = (b"POST /cds-services/imnm-order-sign HTTP/1.1\r\n" + _HOST + b"Content-Type: application/json\r\n"
                 b"Content-Length: %d\r\n" % (Settings().limits.max_body_bytes + 1))
    probe = b"GET /healthz HTTP/1.1\r\n" + _HOST
    with _running_nginx(tmp_path, free_port(), listed) as port:  # nothing listens upstream: 502
        for origin in (_SANDBOX, "https://elsewhere.example"):
            expected = _cors_headers(service.get("/no-such-path", headers={"Origin": origin}).headers)
            assert ("Access-Control-Allow-Origin" in expected) == (origin == _SANDBOX)
            for request, status, code in ((too_large, 413, "too-costly"), (probe, 502, "transient")):
                answer = _exchange(port, request + b"Origin: %s\r\n\r\n" % origin.encode())
                _assert_operation_outcome(answer, status, code)
                assert _cors_headers(answer[1]) == expected, (status, origin)


@NEEDS_NGINX
def test_too_many_requests_in_progress_from_one_address_get_429(tmp_path: Path) -> None:
    """limit_conn, lowered to one: a second call while the first is still sending its body is throttled."""
    limit = ("limit_conn imnm_cds_per_address 128;", "limit_conn imnm_cds_per_address 1;")
    with _running_nginx(tmp_path, free_port(), limit) as port, \
            socket.create_connection(("127.0.0.1", port), timeout=5) as first:
        first.sendall(b"POST /cds-services/imnm-order-sign HTTP/1.1\r\n" + _HOST + b"Content-Length: 10\r\n\r\n")
        # the first counts once nginx has read its headers (it then waits for the body); until then the probe
        # passes (a 502: nothing listens upstream)
        deadline = time.monotonic() + 10
        while (answer := _exchange(port, _PROBE))[0] != 429:
            assert time.monotonic() < deadline, f"still {answer[0]}, not 429"
            time.sleep(0.05)
        _assert_operation_outcome(answer, 429, "throttled")


@NEEDS_NGINX
def test_the_service_s_own_errors_pass_through_nginx_untouched(proxied: _Proxied) -> None:
    """A 400 the service writes (it names the field) is not replaced by nginx's own 400 answer."""
    call = (b"POST /cds-services/imnm-order-sign HTTP/1.1\r\n" + _HOST + b"Content-Type: application/json\r\n"
            b"Content-Length: 1\r\nConnection: close\r\n\r\n{")
    through_nginx, direct = _exchange(proxied.nginx_port, call), _exchange(proxied.gunicorn_port, call)
    assert through_nginx[0] == direct[0] == 400
    assert through_nginx[2] == direct[2] and json.loads(direct[2])["issue"][0]["expression"] == ["body"]
    assert through_nginx[1]["Content-Type"] == direct[1]["Content-Type"]


@contextlib.contextmanager
def _recording_upstream() -> Iterator[tuple[int, dict[str, Message]]]:
    """A stand-in for gunicorn on a free loopback port (yielded) that answers 200 to every GET and keeps the headers
    each path arrived with."""
    seen: dict[str, Message] = {}

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen[self.path] = self.headers
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads ``seen``."""

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


@NEEDS_NGINX
def test_nginx_passes_on_no_forwarded_header_a_client_wrote(tmp_path: Path,
                                                            gunicorn_defaults: dict[str, Any]) -> None:
    """RFC 7239's Forwarded: gunicorn takes the scheme from X-Forwarded-Proto alone (and the access log the client
    from X-Forwarded-For), which nginx writes; nginx also removes a Forwarded header the client sent, so nothing added
    behind it later (a gunicorn or a middleware that reads the header) could take an address or a scheme from it."""
    assert gunicorn_defaults["secure_scheme_headers"] == {"X-FORWARDED-PROTO": "https"}
    assert gunicorn_defaults["forwarder_headers"] == ""
    request = (b"GET /?forwarded HTTP/1.1\r\n" + _HOST + b"Forwarded: for=203.0.113.9;proto=https\r\n"
               b"X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n")
    with _recording_upstream() as (upstream_port, seen), _running_nginx(tmp_path, upstream_port) as port:
        assert _exchange(port, request, source="127.0.0.2")[0] == 200
    headers = seen["/?forwarded"]
    assert "Forwarded" not in headers
    assert (headers["X-Forwarded-For"], headers["X-Forwarded-Proto"]) == ("127.0.0.2", "http")  # nginx's own


def _access_log_line(log: Path, marker: str) -> str:
    """The access log line of the one request whose URI holds ``marker`` (gunicorn writes it after answering)."""
    deadline = time.monotonic() + 10
    while not (lines := [line for line in log.read_text().splitlines() if marker in line]):
        assert time.monotonic() < deadline, f"no access log line for {marker}"
        time.sleep(0.1)
    (line,) = lines
    return line


@NEEDS_NGINX
def test_gunicorn_s_access_log_names_the_client_nginx_saw(proxied: _Proxied) -> None:
    """Behind nginx gunicorn's access log said 127.0.0.1 for every call. It now names the address nginx saw first,
    never the X-Forwarded-For a client sent: nginx replaces it, and gunicorn believes it only from the proxy's
    address, not from a client that reaches gunicorn directly (here from 127.0.0.2)."""
    for port, marker in ((proxied.nginx_port, "via=nginx"), (proxied.gunicorn_port, "via=direct")):
        request = (b"GET /healthz?%s HTTP/1.1\r\n" % marker.encode() + _HOST +
                   b"X-Forwarded-For: 203.0.113.9\r\nConnection: close\r\n\r\n")
        assert _exchange(port, request, source="127.0.0.2")[0] == 200
    assert _access_log_line(proxied.access_log, "via=nginx").startswith('127.0.0.2 127.0.0.1 "GET /healthz?via=nginx')
    assert _access_log_line(proxied.access_log, "via=direct").startswith('- 127.0.0.2 "GET /healthz?via=direct')


@pytest.mark.parametrize(("forwarded_allow_ips", "peer", "forwarded_for", "logged"), [
    ("127.0.0.1,::1", ("127.0.0.1", 41000), "198.51.100.7", "198.51.100.7"),
    ("127.0.0.1,::1", ("::1", 41000, 0, 0), "2001:db8::7", "2001:db8::7"),
    ("127.0.0.1,::1", ("192.0.2.5", 41000), "198.51.100.7", "-"),  # a client reaching gunicorn directly: not believed
    ("10.0.0.0/8", ("10.1.2.3", 41000), "203.0.113.1, 198.51.100.7", "198.51.100.7"),  # the last: the proxy's own
    ("*", ("192.0.2.5", 41000), "198.51.100.7", "198.51.100.7"),
    ("127.0.0.1", ("127.0.0.1", 41000), None, "-"),
    ("127.0.0.1", "", "198.51.100.7", "198.51.100.7"),  # a UNIX socket's peer: trusted, as gunicorn trusts it
    ("127.0.0.1", None, "198.51.100.7", "-"),  # a request that names no peer
    # a trusted peer is any local process: what it writes is logged only if it is an address
    ("127.0.0.1", ("127.0.0.1", 41000), '1.2.3.4 10.9.9.9 "GET /x HTTP/1.1" 200', "-"),
    ("127.0.0.1", ("127.0.0.1", 41000), "unknown", "-"),
])
def test_the_access_log_believes_x_forwarded_for_only_from_a_trusted_proxy(
        forwarded_allow_ips: str, peer: object, forwarded_for: str | None, logged: str) -> None:
    config = Config()
    config.set("forwarded_allow_ips", forwarded_allow_ips)
    # REMOTE_ADDR as gunicorn sets it from the peer; the trust follows the peer, as gunicorn's own does
    remote_addr = peer[0] if isinstance(peer, tuple) else peer
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/healthz", "SERVER_PROTOCOL": "HTTP/1.1",
               **({"REMOTE_ADDR": remote_addr} if remote_addr is not None else {}),
               **({"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for else {})}
    answer = SimpleNamespace(status="200 OK", headers=[], sent=16)
    request = SimpleNamespace(headers=[], **({} if peer is None else {"peer_addr": peer}))
    atoms = ProxiedClientLogger(config).atoms(answer, request, environ, datetime.timedelta())
    assert atoms["client"] == logged
