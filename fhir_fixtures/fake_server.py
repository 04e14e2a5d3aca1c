"""A small local FHIR server (real HTTP on 127.0.0.1) standing in for the EHR's, for tests and benchmarks.

It serves a chart's resources for the service's six prefetch queries, checks the bearer token and the query
parameters, pages results with ``next`` links, can add a fixed delay per query, and records every request.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_SEARCH_KEYS = {"Condition": "conditions", "Observation": "observations", "MedicationRequest": "medications",
                "Immunization": "immunizations", "Procedure": "procedures"}


@dataclass
class FakeFhir:
    """Data to serve (prefetch-shaped: ``{"patient": Patient, "conditions": Bundle, ...}``) and behaviour."""

    data: Mapping[str, Any]
    token: str = "test-token"
    page_size: int = 50
    delay_seconds: float = 0.0
    drip_seconds: float = 0.0  # the body sent one byte at a time with this pause: a server that never times out
    fail: set[str] = field(default_factory=set)  # resource types answered with 500
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # (path?query, Authorization)
    base_url: str = ""

    def entries(self, key: str) -> list[Any]:
        bundle = self.data.get(key) or {}
        return list(bundle.get("entry") or [])


def free_port() -> int:
    """A loopback port nothing listens on now, for a server a test or the benchmark starts itself."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _handler(fake: FakeFhir) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            return

        def _send(self, status: int, body: Any) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if not fake.drip_seconds:
                self.wfile.write(payload)
                return
            try:
                for offset in range(len(payload)):
                    self.wfile.write(payload[offset:offset + 1])
                    self.wfile.flush()
                    time.sleep(fake.drip_seconds)
            except OSError:  # the client gave up, as it should
                return

        def do_GET(self) -> None:
            authorization = self.headers.get("Authorization")
            fake.requests.append((self.path, authorization))
            if fake.delay_seconds:
                time.sleep(fake.delay_seconds)
            if authorization != f"Bearer {fake.token}":
                self._send(401, {"resourceType": "OperationOutcome", "issue": [{"severity": "error",
                                                                                "code": "login"}]})
                return
            parts = urlsplit(self.path)
            segments = [s for s in parts.path.split("/") if s]
            query = parse_qs(parts.query)
            resource_type = segments[-2] if len(segments) >= 2 and segments[-2] == "Patient" else segments[-1]
            if resource_type in fake.fail:
                self._send(500, {"resourceType": "OperationOutcome", "issue": [{"severity": "error",
                                                                                "code": "exception"}]})
            elif resource_type == "Patient":
                patient = fake.data.get("patient")
                self._send(200 if patient else 404, patient or {"resourceType": "OperationOutcome", "issue": []})
            elif resource_type in _SEARCH_KEYS and "patient" in query:
                entries = fake.entries(_SEARCH_KEYS[resource_type])
                offset = int(query.get("_offset", ["0"])[0])
                size = int(query.get("_count", [fake.page_size])[0])  # the client's page size, as a server would
                page = entries[offset: offset + size]
                bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "total": len(entries),
                                          "entry": page}
                if offset + size < len(entries):
                    bundle["link"] = [{"relation": "next", "url": f"{fake.base_url}/{resource_type}?patient="
                                                                  f"{query['patient'][0]}&_count={size}&_offset="
                                                                  f"{offset + size}"}]
                self._send(200, bundle)
            else:
                self._send(400, {"resourceType": "OperationOutcome", "issue": [{"severity": "error",
                                                                                "code": "invalid"}]})

    return Handler


@contextmanager
def serving(fake: FakeFhir) -> Iterator[FakeFhir]:
    """Run ``fake`` on a free loopback port for the duration of the block; ``fake.base_url`` is set."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/fhir"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
