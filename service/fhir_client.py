"""Reads the EHR's FHIR server for prefetch data the client did not send.

The bearer token from ``fhirAuthorization`` is sent only to the ``fhirServer`` origin: a ``next`` link or a
redirect to another origin is refused, never followed with the token. Every call has a timeout, the whole
fetch a deadline, and every response a size limit.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import requests
from urllib3.util import parse_url

from service.http_body import BodyRefused, read_body


class FhirError(Exception):
    """The FHIR server could not give the data (unreachable, error status, too large, not JSON, off-origin)."""


class TooManyEntries(FhirError):
    """The searches of one hook call returned more entries than the service holds for a chart."""


def origin(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) of the server ``requests`` connects to for ``url``, read from the URL as it sends it
    (``urlsplit`` reads 'https://a\\@b/' as host b; requests goes to a). None for a URL it cannot send or one
    that carries a user name or password."""
    try:
        parts = parse_url(requests.Request("GET", url).prepare().url or "")
    except (requests.RequestException, ValueError):  # urllib3's LocationParseError and UnicodeError are ValueErrors
        return None
    if parts.auth is not None or not parts.host:
        return None
    scheme = (parts.scheme or "").lower()
    return scheme, parts.host.lower(), parts.port or {"https": 443, "http": 80}.get(scheme)


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
    max_entries: int | None = None  # over every search of this client, counted page by page
    _entries: int = field(default=0, init=False, repr=False)
    _counting: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _origin: tuple[str, str, int | None] | None = field(default=None, init=False, repr=False)  # worked out once

    def __post_init__(self) -> None:
        self._origin = origin(self.base_url)

    def _get(self, url: str) -> dict[str, Any]:
        target = origin(url)
        if target is None or target != self._origin:
            raise FhirError("refused to call a URL off the fhirServer origin (or one that cannot be sent)")
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
        except (ValueError, RecursionError) as exc:
            raise FhirError("FHIR server answered something that is not JSON (or nested too deep)") from exc
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
        entries = self._entries_of(first)
        page, pages = first, 1
        while (link := _next_link(page)) is not None:
            if pages >= self.max_pages:
                raise FhirError(f"more than {self.max_pages} pages of results")
            try:
                following = urljoin(url, link)
            except ValueError as exc:  # e.g. an unclosed IPv6 bracket
                raise FhirError("FHIR server answered a 'next' link that is not a URL") from exc
            page = self._get(following)
            entries.extend(self._entries_of(page))
            pages += 1
        merged = {k: v for k, v in first.items() if k not in ("link", "entry")}
        merged["entry"] = entries
        merged["total"] = len(entries)
        return merged

    def _entries_of(self, page: dict[str, Any]) -> list[Any]:
        """A page's entries, counted against ``max_entries`` as they arrive (not once every page is held)."""
        entries = page.get("entry") or []
        if not isinstance(entries, list):
            raise FhirError("FHIR server answered a Bundle whose 'entry' is not an array")
        with self._counting:
            self._entries += len(entries)
            if self.max_entries is not None and self._entries > self.max_entries:
                raise TooManyEntries(f"more than {self.max_entries} resources from the FHIR server")
        return list(entries)


def _next_link(page: dict[str, Any]) -> str | None:
    links = page.get("link") or []
    if not isinstance(links, list):
        raise FhirError("FHIR server answered a Bundle whose 'link' is not an array")
    url = next((ln.get("url") for ln in links if isinstance(ln, dict) and ln.get("relation") == "next"), None)
    if url is not None and not isinstance(url, str):
        raise FhirError("FHIR server answered a 'next' link whose url is not a string")
    return url or None
