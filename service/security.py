"""HTTP hardening: CORS for configured origins only, security headers on every response, /openapi.json.

CDS Hooks leaves CORS to the deployment (spec section "Cross-Origin Resource Sharing"); browser-based CDS
clients such as the CDS Hooks sandbox need it, production EHRs calling server to server do not. So no origin
is allowed unless it is listed in ``[cors] origins``, and a disallowed origin gets no CORS header at all.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request

from service.config import ConfigError, Settings

SCHEMA_DIR = Path(__file__).parent / "schemas"
ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type"
PREFLIGHT_MAX_AGE = "600"


def normalize_origin(origin: str) -> str:
    """``scheme://host[:port]`` in lower case, default port dropped: how browsers send ``Origin``."""
    parts = urlsplit(origin.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host or parts.path not in ("", "/") or parts.query or parts.username:
        raise ValueError(origin)
    port = parts.port
    if port is None or port == {"http": 80, "https": 443}[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def allowed_origins(settings: Settings) -> frozenset[str]:
    """The configured origins, checked at start-up ("*" only with authentication off)."""
    origins = set()
    for origin in settings.cors.origins:
        if origin == "*":
            if settings.auth.required:
                raise ConfigError("cors.origins: '*' is refused while [auth] required = true; list the origins")
            origins.add("*")
            continue
        try:
            origins.add(normalize_origin(origin))
        except ValueError:
            raise ConfigError(f"cors.origins: {origin!r} is not an origin like https://sandbox.cds-hooks.org") from None
    return frozenset(origins)


# Headers for an API that serves JSON only: nothing may be sniffed, framed, cached or referred. A route may set its
# own Cache-Control or Content-Security-Policy (the sandbox page does); the others are always these.
FIXED_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
                 "Cross-Origin-Opener-Policy": "same-origin"}
DEFAULT_HEADERS = {"Cache-Control": "no-store", "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'"}


HSTS_HEADERS = {"Strict-Transport-Security": "max-age=31536000"}


def hsts_wanted(settings: Settings) -> bool:
    """HSTS on every answer when the service is reached over https (its public base URL says so)."""
    return urlsplit(settings.server.public_base_url).scheme.lower() == "https"


def security_headers(response: Response, hsts: bool) -> Response:
    response.headers.update(FIXED_HEADERS)
    for name, value in DEFAULT_HEADERS.items():
        response.headers.setdefault(name, value)
    if hsts:
        response.headers.update(HSTS_HEADERS)
    return response


def install(app: Flask, settings: Settings) -> None:
    """Add CORS, the preflight answer, security headers and the /openapi.json route to ``app``."""
    origins = allowed_origins(settings)
    hsts = hsts_wanted(settings)

    def origin_allowed() -> str | None:
        origin = request.headers.get("Origin")
        if not origin or not origins:
            return None
        if "*" in origins:
            return "*"
        try:
            return origin if normalize_origin(origin) in origins else None
        except ValueError:
            return None

    @app.before_request
    def preflight() -> Response | None:
        if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
            return None
        allowed = origin_allowed()
        if allowed is None:
            return None  # Flask's own OPTIONS answer, without any CORS header: the browser refuses
        response = Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        return response

    @app.after_request
    def headers(response: Response) -> Response:
        allowed = origin_allowed()
        if allowed is not None:
            response.headers["Access-Control-Allow-Origin"] = allowed
            # a browser client may read only the response headers listed here: a 401's scheme is one
            response.headers["Access-Control-Expose-Headers"] = "WWW-Authenticate"
        if origins and "*" not in origins:
            response.vary.add("Origin")
        return security_headers(response, hsts)

    document = json.dumps(openapi_document(), separators=(",", ":"))

    @app.get("/openapi.json")
    def openapi() -> Response:
        return Response(document, mimetype="application/json")


@cache
def openapi_document() -> dict[str, Any]:
    """service/schemas/openapi.json with each ``"$ref": "<name>.json"`` replaced by that schema, bundled.

    The data file references the project's JSON Schemas so they stay the single source; this turns them into
    ``components/schemas`` entries (their ``$defs`` hoisted with a prefix) so the served document stands alone.
    """
    document = json.loads((SCHEMA_DIR / "openapi.json").read_text(encoding="utf-8"))
    components: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})

    def bundle(file_name: str) -> str:
        prefix = "".join(part.capitalize() for part in file_name.removesuffix(".json").split("-"))
        if prefix not in components:
            schema = json.loads((SCHEMA_DIR / file_name).read_text(encoding="utf-8"))
            definitions = schema.pop("$defs", {})
            for key in ("$schema", "$id"):
                schema.pop(key, None)
            for name, definition in definitions.items():
                components[f"{prefix}.{name}"] = _rewrite(definition, prefix)
            components[prefix] = _rewrite(schema, prefix)
        return f"#/components/schemas/{prefix}"

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.endswith(".json") and "/" not in ref:
                return {**{k: walk(v) for k, v in node.items() if k != "$ref"}, "$ref": bundle(ref)}
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(document)


def _rewrite(node: Any, prefix: str) -> Any:
    """A copy of a schema with ``#/$defs/X`` refs pointing at the hoisted ``components/schemas`` entries."""
    if isinstance(node, dict):
        out = {k: _rewrite(v, prefix) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            out["$ref"] = f"#/components/schemas/{prefix}.{ref[len('#/$defs/'):]}"
        return out
    if isinstance(node, list):
        return [_rewrite(v, prefix) for v in node]
    return copy.deepcopy(node)
