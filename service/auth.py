"""Who is calling: the CDS client (EHR) identified by its JWT, and which FHIR servers it may send us to.

With ``[auth] required = false`` (the embedded first-look mode, loopback only) every caller is anonymous and
any https FHIR server may be used. The JWT verification of CDS Hooks 2.0 "Trusting CDS Clients" lives here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from service.config import Settings
from service.fhir_client import origin

if TYPE_CHECKING:
    from service.jwt_auth import ReplayCache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Caller:
    iss: str | None = None
    fhir_servers: tuple[str, ...] | None = None  # None: any (auth off)
    claims: dict[str, object] = field(default_factory=dict)


class Unauthorized(Exception):
    """Authentication failed; the reason goes to the log, never to the response body."""


class ReplayCheckUnavailable(Exception):
    """The replay cache could not answer (its database is down): the token is neither accepted nor refused, and
    the caller is told to try again (503), never let in unchecked."""


class Authenticator(Protocol):
    def authenticate(self, authorization: str | None, audience: str | Sequence[str]) -> Caller:
        """The caller, from a JWT whose aud is ``audience`` (or one of them)."""


class Anonymous:
    """Authentication switched off: every caller is accepted (a loud warning is logged at start-up)."""

    def authenticate(self, authorization: str | None, audience: str | Sequence[str]) -> Caller:
        return Caller()


def fhir_server_refusal(server: str, caller: Caller, settings: Settings) -> str | None:
    """Why ``server`` may not receive this caller's FHIR token (None: it may)."""
    target = origin(server)
    if target is None:
        return "fhirServer is not a URL that can be called"
    scheme = target[0]
    if scheme != "https" and not (scheme == "http" and settings.fhir.allow_http):
        return "fhirServer must use https"
    if caller.fhir_servers is None:
        return None
    normalized = server.rstrip("/")
    if normalized not in {s.rstrip("/") for s in caller.fhir_servers}:
        return "fhirServer is not on this client's configured list"
    return None


def build_authenticator(settings: Settings, replay_cache: ReplayCache | None = None) -> Authenticator:
    """The JWT authenticator; ``replay_cache`` should be shared by every worker and replica (the database's)."""
    if not settings.auth.required:
        log.warning("AUTHENTICATION IS OFF: every caller is trusted. Use only on loopback for a first look.")
        return Anonymous()
    from service.jwt_auth import JwtAuthenticator

    return JwtAuthenticator(settings, replay_cache=replay_cache)
