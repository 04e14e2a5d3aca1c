"""Helpers for the security tests: signing keys, JWT minting, a loopback JWKS server and an outbound-call recorder.

Nothing here touches the network beyond 127.0.0.1: the recorder answers every outbound request itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from flask import Flask
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from service.app import create_app
from service.config import Settings
from service.store import NullStore

BASE = "https://cds.example.org"
ISS = "https://ehr.example.org"
FHIR = "https://ehr.example.org/fhir/R4"
DISCOVERY_AUD = f"{BASE}/cds-services"
PATIENT_VIEW_AUD = f"{BASE}/cds-services/imnm-patient-view"
PREFETCH_KEYS = ("patient", "conditions", "observations", "medications", "immunizations", "procedures")

# CDS Hooks 2.0.1, "Trusting CDS Clients", example: the key pair and the complete JWT (expired since 2015).
SPEC_JWK_PUBLIC = {"kty": "EC", "use": "sig", "crv": "P-384", "kid": "example-kid",
                   "x": "46SDH7Znh821wblCBglA61sNE9ZrHYKKt3qRtRTmSXyOI_FIGBLWrWa0GPUkDCEk",
                   "y": "XMcRuuoGW7CXjQdy-F5i3FeBE0x9hPLdeFdSoDd3ELmx404tLX0VRRcqzAsPhXcI", "alg": "ES384"}
SPEC_JWK_PRIVATE = {**SPEC_JWK_PUBLIC, "d": "SeFXUXda8UomZ8GFUl7HH_Oi15rIbfMcsWj9ecIsDR8kLbqsEz2CGNgwy_IcILxy"}
SPEC_ISS = "https://fhir-ehr.example.com/"
SPEC_JKU = "https://fhir-ehr.example.com/jwk_uri"
SPEC_AUD = "https://cds.example.org/cds-services/some-service"
SPEC_IAT = 1311280970
SPEC_TOKEN = (
    "eyJhbGciOiJFUzM4NCIsInR5cCI6IkpXVCIsImtpZCI6ImV4YW1wbGUta2lkIiwiamt1IjoiaHR0cHM6Ly9maGlyLWVoci5leGFtcGxlLmNvbS9q"
    "d2tfdXJpIn0.eyJpc3MiOiJodHRwczovL2ZoaXItZWhyLmV4YW1wbGUuY29tLyIsImF1ZCI6Imh0dHBzOi8vY2RzLmV4YW1wbGUub3JnL2Nkcy1z"
    "ZXJ2aWNlcy9zb21lLXNlcnZpY2UiLCJleHAiOjE0MjI1Njg4NjAsImlhdCI6MTMxMTI4MDk3MCwianRpIjoiZWUyMmIwMjEtZTFiNy00NjExLWJh"
    "NWItOGVlYzZhMzNhYzFlIiwidGVuYW50IjoiMmRkZDZjM2EtOGU5YS00NGM2LWEzMDUtNTIxMTFhZDMwMmEyIn0.d1WfLjGRKlcWB94l9do4cM8R"
    "EXeYJLL6SGUBO8VHZhfM8mwKYP70EMxJ67War4TQblEpaQrp11wx5p7oPFm2ETYgCicS84vXWEIYTdjooZdooCSDf2L8-i4awdoUwiEb")


@dataclass
class SigningKey:
    """A private key with its kid and JWS algorithm, and its public JWK for the client's JWK Set."""

    kid: str
    alg: str
    private: Any

    @property
    def jwk(self) -> dict[str, Any]:
        algorithm = ECAlgorithm if self.alg.startswith("ES") else RSAAlgorithm
        public = algorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "alg": self.alg, "use": "sig"}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)


def ec_key(kid: str = "ec-1") -> SigningKey:
    return SigningKey(kid, "ES384", ec.generate_private_key(ec.SECP384R1()))


def rsa_key(kid: str = "rsa-1") -> SigningKey:
    return SigningKey(kid, "RS384", rsa.generate_private_key(public_exponent=65537, key_size=2048))


def jwks(*keys: SigningKey) -> dict[str, Any]:
    return {"keys": [k.jwk for k in keys]}


def jwks_file(folder: Path, *keys: SigningKey) -> str:
    """The JWK Set of ``keys`` written to a file in ``folder``, for a client's ``jwks_file``."""
    path = folder / "jwks.json"
    path.write_text(json.dumps(jwks(*keys)), encoding="utf-8")
    return str(path)


def claims(**overrides: Any) -> dict[str, Any]:
    """Valid claims for a patient-view call; pass ``name=None`` to drop a claim."""
    now = int(time.time())
    base: dict[str, Any] = {"iss": ISS, "aud": PATIENT_VIEW_AUD, "iat": now, "exp": now + 300,
                            "jti": str(uuid.uuid4())}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def mint(key: SigningKey, *, headers: dict[str, Any] | None = None, **overrides: Any) -> str:
    header = {"kid": key.kid, "typ": "JWT", **(headers or {})}
    return jwt.encode(claims(**overrides), key.private, algorithm=key.alg, headers=header)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], payload: dict[str, Any], secret: bytes | None = None) -> str:
    """A JWT built by hand: ``alg: none`` with an empty signature, or HS256 keyed with ``secret``."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = b"" if secret is None else hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def tamper(token: str, **changes: Any) -> str:
    """The token with its payload changed and the original signature kept."""
    header, payload, signature = token.split(".")
    document = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    document.update(changes)
    return f"{header}.{_b64(json.dumps(document).encode())}.{signature}"


def assert_no_token(token: str, *texts: str) -> None:
    """Neither the token nor any sizeable part of it (a segment, the signature) appears in ``texts``."""
    parts = [token, *(p for p in token.split(".") if len(p) >= 16)]
    for text in texts:
        for part in parts:
            assert part not in text, "a token (or part of one) leaked"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def settings(clients: list[dict[str, Any]] | None = None, **sections: dict[str, Any]) -> Settings:
    """Settings from overrides only (the process environment is ignored), auth on, public base URL set."""
    overrides: dict[str, dict[str, Any]] = {"server": {"public_base_url": BASE}, "auth": {"required": True}}
    for name, values in sections.items():
        overrides.setdefault(name, {}).update(values)
    if clients is not None:
        overrides["auth"]["clients"] = clients
    return Settings.load(None, env={}, overrides=overrides)


def make_app(settings: Settings, **kwargs: Any) -> Flask:
    """``create_app`` with nothing stored (no database file touched) unless a store is given."""
    kwargs.setdefault("store", NullStore())
    return create_app(settings, **kwargs)


def patient_view_request(**extra: Any) -> dict[str, Any]:
    """A minimal patient-view request with every prefetch key known empty (no FHIR call needed)."""
    body: dict[str, Any] = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
                            "context": {"userId": "Practitioner/1", "patientId": "p1"},
                            "prefetch": dict.fromkeys(PREFETCH_KEYS)}
    body.update(extra)
    return body


# --- a loopback JWKS server --------------------------------------------------------------------------------


@dataclass
class JwksServer:
    """Serves ``documents[path]`` as JSON on 127.0.0.1 and counts the requests per path."""

    documents: dict[str, Any] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def jwks_server(documents: dict[str, Any]) -> Iterator[JwksServer]:
    state = JwksServer(dict(documents))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits[self.path] = state.hits.get(self.path, 0) + 1
            document = state.documents.get(self.path)
            if document is None:
                self.send_response(404)
                self.end_headers()
                return
            body = document if isinstance(document, bytes) else json.dumps(document).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


# --- an outbound-call recorder -----------------------------------------------------------------------------


@dataclass
class Sent:
    method: str
    url: str
    headers: dict[str, str]


Route = Callable[[requests.PreparedRequest], tuple[int, dict[str, str], bytes]]


class RecordingAdapter(requests.adapters.BaseAdapter):
    """Records every request a session would send and answers from ``routes`` (URL -> answer); no socket."""

    def __init__(self, routes: dict[str, Any]) -> None:
        super().__init__()
        self.routes = routes
        self.sent: list[Sent] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append(Sent(request.method or "", request.url or "", dict(request.headers)))
        route = self.routes.get(request.url or "")
        if route is None:
            raise requests.ConnectionError(f"recorder: no route for {request.url}")
        status, headers, body = route(request) if callable(route) else _answer(route)
        response = requests.Response()
        response.status_code = status
        response.headers.update(headers)
        response.raw = _Raw(body)
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def _answer(document: Any) -> tuple[int, dict[str, str], bytes]:
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return 200, {"Content-Type": "application/json"}, body


class _Raw:
    """Just enough of urllib3's response for the service's body reader (``read1``) and for requests."""

    def __init__(self, body: bytes) -> None:
        self._body = io.BytesIO(body)

    def read1(self, amount: int, decode_content: bool = True) -> bytes:
        return self._body.read1(amount)

    def stream(self, amount: int, decode_content: bool = True) -> Iterator[bytes]:  # requests' own reads
        while chunk := self._body.read(amount):
            yield chunk

    def close(self) -> None:
        pass

    def release_conn(self) -> None:
        pass


class Recorder(requests.Session):
    """A requests.Session whose every outbound call is recorded and answered in-process."""

    def __init__(self, routes: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.adapter = RecordingAdapter(routes or {})
        self.mount("http://", self.adapter)
        self.mount("https://", self.adapter)

    @property
    def sent(self) -> list[Sent]:
        return self.adapter.sent

    def urls(self) -> list[str]:
        return [s.url for s in self.sent]
