"""Reading an outbound HTTP response body within a size limit and a deadline.

A ``requests`` timeout bounds each socket read, not the body: a server that sends one byte a second never times
out. Both outbound calls (FHIR searches, JWK Set downloads) read through here so that neither can hold a hook
call past its budget or fill memory.
"""

from __future__ import annotations

import time

import requests
import urllib3


class BodyRefused(Exception):
    """The body went past the size limit or the deadline (the message says which)."""


def read_body(response: requests.Response, *, max_bytes: int, deadline: float) -> bytes:
    """The body of a ``stream=True`` response; ``deadline`` is a time.monotonic() value."""
    body = bytearray()
    try:
        # read1 returns what has arrived rather than waiting for a full chunk, so the deadline is checked as it comes
        while chunk := response.raw.read1(64 * 1024, decode_content=True):
            body.extend(chunk)
            if len(body) > max_bytes:
                raise BodyRefused(f"larger than {max_bytes} bytes")
            if time.monotonic() > deadline:
                raise BodyRefused("still arriving when the time budget ran out")
    except urllib3.exceptions.HTTPError as exc:  # a read timeout or a broken body: the requests error callers catch
        raise requests.ConnectionError(f"the body could not be read ({type(exc).__name__})") from exc
    return bytes(body)
