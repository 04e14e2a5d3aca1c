"""gunicorn's own error answers as FHIR OperationOutcomes.

gunicorn answers a request it cannot parse (a malformed request line, header or chunk; too many or too long
headers; an over-long URI) itself, before the application sees it, with an HTML page. An EHR reads every error of
this service as an OperationOutcome (service contract, section 5), so each worker writes that instead. gunicorn
has no setting or hook for the page, so the one function it calls for it is replaced; tests/test_security_http.py
sends such requests to a real gunicorn, and so fails if a gunicorn release stops calling it.
"""

from __future__ import annotations

import json
import socket

from gunicorn import util

from service.errors import operation_outcome
from service.security import DEFAULT_HEADERS, FIXED_HEADERS


def write_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """What gunicorn.util.write_error does, with an OperationOutcome body and the service's security headers."""
    body = json.dumps(operation_outcome(status_int, mesg or reason)).encode()
    headers = {**FIXED_HEADERS, **DEFAULT_HEADERS, "Connection": "close", "Content-Type": "application/fhir+json",
               "Content-Length": str(len(body))}
    # the reason phrase comes from gunicorn's own table, never from the request
    head = f"HTTP/1.1 {status_int} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    util.write_nonblock(sock, head.encode("latin-1") + body)


def install() -> None:
    util.write_error = write_error
