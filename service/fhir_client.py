"""Reads the EHR's FHIR server for prefetch data the client did not send.

The bearer token from ``fhirAuthorization`` is sent only to the ``fhirServer`` origin: a ``next`` link or a
redirect to another origin is refused, never followed with the token. Every call has a timeout, the whole
fetch a deadline, and every response a size limit.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from service.http_body import BodyRefused, read_body


class FhirError(Exception):
    """The FHIR server could not give the data (unreachable, error status, too large, not JSON, off-origin)."""


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


@dataclass
class FhirClient:
    base_url: str
    access_token: str  # required: without the client's token no FHIR call is made (service/prefetch.py)
    session: requests.Session
    timeout: float = 3.0
    deadline: float = float("inf")  # time.monotonic() value after which no call starts
    max_bytes: int = 20 * 1024 * 1024
    max_pages: int = 20
    page_size: int | None = None  # sent as _count on searches that do not set their own

    def _get(self, url: str) -> dict[str, Any]:
        if origin(url) != origin(self.base_url):
            raise FhirError(f"refused to call {urlsplit(url).netloc}: not the fhirServer origin")
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise FhirError("time budget for FHIR calls exhausted")
        headers = {"Accept": "application/fhir+json", "Authorization": f"Bearer {self.access_token}"}
        try:
            with self.session.get(url, headers=headers, timeout=min(self.timeout, remaining), stream=True,
                                  allow_redirects=False) as response:
                if response.is_redirect:
                    raise FhirError(f"FHIR server answered a redirect ({response.status_code}); not followed")
                if response.status_code != 200:
                    raise FhirError(f"FHIR server answered {response.status_code}")
                body = read_body(response, max_bytes=self.max_bytes, deadline=self.deadline)
        except requests.RequestException as exc:
            raise FhirError(f"FHIR server unreachable: {type(exc).__name__}") from exc
        except BodyRefused as exc:
            raise FhirError(f"FHIR response {exc} (time budget or size limit)") from exc
        try:
            document = json.loads(body)
        except ValueError as exc:
            raise FhirError("FHIR server answered something that is not JSON") from exc
        if not isinstance(document, dict) or not isinstance(document.get("resourceType"), str):
            raise FhirError("FHIR server answered JSON that is not a FHIR resource")
        if document["resourceType"] == "OperationOutcome":
            raise FhirError("FHIR server answered an OperationOutcome")
        return document

    def get(self, relative: str) -> dict[str, Any]:
        """A read or a search; for a search, every page (following ``next``) merged into one Bundle."""
        if self.page_size and "?" in relative and "_count=" not in relative:
            relative = f"{relative}&_count={self.page_size}"
        url = urljoin(self.base_url.rstrip("/") + "/", relative)
        first = self._get(url)
        if first.get("resourceType") != "Bundle":
            return first
        entries = list(first.get("entry") or [])
        page, pages = first, 1
        while (link := next((ln.get("url") for ln in page.get("link") or []
                             if isinstance(ln, dict) and ln.get("relation") == "next"), None)):
            if pages >= self.max_pages:
                raise FhirError(f"more than {self.max_pages} pages of results")
            page = self._get(urljoin(url, link))
            entries.extend(page.get("entry") or [])
            pages += 1
        merged = {k: v for k, v in first.items() if k not in ("link", "entry")}
        merged["entry"] = entries
        merged["total"] = len(entries)
        return merged
