"""Errors as FHIR OperationOutcome bodies, so an EHR integrator can read which field was wrong."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

# HTTP status -> OperationOutcome issue code. 502, 503 and 504 mean "try again": FHIR's `transient` (for 504 its
# child `timeout`), not the default `processing`, which says resubmitting the same request is pointless.
_ISSUE_CODES = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found", 405: "not-supported",
                412: "incomplete", 413: "too-costly", 414: "too-long", 415: "invalid", 429: "throttled",
                431: "too-long", 500: "exception", 501: "not-supported", 502: "transient", 503: "transient",
                504: "timeout", 505: "not-supported"}


class APIError(Exception):
    """An error answered with ``status`` and an OperationOutcome naming the ``field`` at fault."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def operation_outcome(status: int, message: str, field: str | None = None) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": "error", "code": _ISSUE_CODES.get(status, "processing"),
                             "diagnostics": message}
    if field:
        issue["expression"] = [field]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def error_response(status: int, message: str, field: str | None = None) -> Response:
    response = jsonify(operation_outcome(status, message, field))
    response.status_code = status
    response.mimetype = "application/fhir+json" if status != 401 else "application/json"
    if status == 401:  # RFC 7235 section 3.1 and RFC 6750 section 3: a 401 names the scheme that is expected
        response.headers["WWW-Authenticate"] = "Bearer"
    elif status == 415 and field == "Content-Encoding":  # RFC 9110 section 15.5.16: the coding that is accepted
        response.headers["Accept-Encoding"] = "identity"
    return response
