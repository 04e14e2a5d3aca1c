"""Structured JSON logs, one object per line, carrying the hookInstance as the correlation id.

A log line about a call can then be joined to the EHR's own log (the EHR chose the hookInstance) and to the
audit row of that call. The id lives in a context variable set per request, so every logger in every module
(engine, prefetch, storage) picks it up without being handed it.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

hook_instance: ContextVar[str | None] = ContextVar("imnm_cds_hook_instance", default=None)
service_id: ContextVar[str | None] = ContextVar("imnm_cds_service_id", default=None)

_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def bind(*, hook: str | None = None, service: str | None = None) -> None:
    """Set the correlation fields for the rest of this request (Flask runs each request in its own context)."""
    if hook is not None:
        hook_instance.set(str(hook)[:256])
    if service is not None:
        service_id.set(service)


def clear() -> None:
    hook_instance.set(None)
    service_id.set(None)


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", "hookInstance", "service", ...extra}`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (hook := hook_instance.get()) is not None:
            document["hookInstance"] = hook
        if (service := service_id.get()) is not None:
            document["service"] = service
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                document[key] = value if isinstance(value, (str, int, float, bool)) or value is None else str(value)
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        return json.dumps(document, ensure_ascii=False)


def configure(level: int | str = logging.INFO) -> None:
    """Send every log record to stderr as JSON (called in gunicorn workers; tests keep pytest's handlers)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
