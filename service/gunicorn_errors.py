"""gunicorn's own error answers as FHIR OperationOutcomes.

gunicorn answers a request it cannot parse (a malformed request line, header or chunk; too many or too long
headers; an over-long URI) itself, before the application sees it, with an HTML page. The service answers every
other error with an OperationOutcome (service contract, section 5, for the body's errors), so each worker writes
one here too, with the service's security headers. gunicorn has no setting or hook for the page, so the one
function it calls for it is replaced; tests/test_security_http.py sends such requests to a real gunicorn, and so
fails if a gunicorn release stops calling it.
"""

from __future__ import annotations

import functools
import json
import socket
from http import HTTPStatus

from gunicorn import util

from service.config import Settings
from service.errors import operation_outcome
from service.security import DEFAULT_HEADERS, FIXED_HEADERS, HSTS_HEADERS, hsts_wanted


def write_error(sock: socket.socket, status_int: int, reason: str, mesg: str, *, hsts: bool = False) -> None:
    """What gunicorn.util.write_error does, with an OperationOutcome body and the service's security headers."""
    try:
        phrase = HTTPStatus(status_int).phrase  # gunicorn says 'Bad Request' for some 500s and 501s
    except ValueError:
        phrase = reason
    body = json.dumps(operation_outcome(status_int, mesg or phrase)).encode()
    headers = {**FIXED_HEADERS, **DEFAULT_HEADERS, **(HSTS_HEADERS if hsts else {}), "Connection": "close",
               "Content-Type": "application/fhir+json", "Content-Length": str(len(body))}
    head = f"HTTP/1.1 {status_int} {phrase}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    util.write_nonblock(sock, head.encode("latin-1") + body)


def install() -> None:
    util.write_error = functools.partial(write_error, hsts=hsts_wanted(Settings.load()))
