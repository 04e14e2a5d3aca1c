"""JWT authentication of CDS clients (CDS Hooks 2.0 "Trusting CDS Clients").

A call is trusted only when its ``Authorization: Bearer`` JWT is signed by a key from the JWK Set of a
configured client (``[[auth.clients]]``), with an asymmetric algorithm from ``[auth] algorithms``, is meant for
the URL actually invoked (``aud``), is fresh (``exp``, ``iat``, maximum age) and has not been seen before
(``jti``). Every failure raises :class:`service.auth.Unauthorized` with a reason for the log; the token itself
never goes into a reason, a log line or an exception message.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import jwt
import requests

from service.auth import Caller, Unauthorized
from service.config import AuthClient, ConfigError, Settings
from service.http_body import BodyRefused, read_body

log = logging.getLogger(__name__)

# Asymmetric JWS algorithms only: the spec forbids `none` and every symmetric (HMAC) algorithm.
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                                   "ES256", "ES384", "ES512", "EdDSA"})
_KEY_TYPES = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
MAX_TOKEN_BYTES = 8 * 1024  # a CDS Hooks JWT is a few hundred bytes; refuse to parse megabytes
# The widths of the jwt_replay columns (service/storage/models.py; every table that stores the client has the
# same width for it): a longer value would fail there.
JTI_MAX_CHARS = 256
ISS_MAX_CHARS = 512


def _scrub(value: object, limit: int = 80) -> str:
    """A caller-supplied value made safe for one log line (printable, bounded)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _fingerprint(value: str) -> str:
    """A short hash for the log: two lines about the same ``jti`` can be matched, the value itself is not told."""
    return "sha256:" + hashlib.sha256(value.encode()).hexdigest()[:12]


def _is_plain_text(value: object) -> bool:
    """A string that every database and log line can hold as it is: printable characters only.

    Refuses NUL (PostgreSQL text cannot hold it), a lone UTF-16 surrogate (UTF-8 cannot encode it, so neither
    sqlite3 nor psycopg can send it) and every other control or format character. The jti (bound for the replay
    table) and each configured iss (stored with every call) are checked with this, so that such a token is a 401,
    not a failed database write answered 503."""
    return isinstance(value, str) and value.isprintable()


# --- replay protection -------------------------------------------------------------------------------------


class ReplayCache(Protocol):
    """Remembers every accepted ``jti`` until the token it came from can no longer be accepted anyway.

    The in-memory implementation below is per process; with several gunicorn workers a replay to another
    worker is caught only by a shared implementation (the database one of the storage layer).
    """

    def seen(self, jti: str, iss: str, expires_at: float) -> bool:
        """Record (iss, jti) until ``expires_at`` (epoch seconds); True if it was already recorded and live.

        Raises ``ReplayCheckUnavailable`` when it cannot tell."""
        ...


class MemoryReplayCache:
    """A thread-safe dict of live (iss, jti) pairs, purged of expired ones as it grows."""

    def __init__(self, clock: Callable[[], float] = time.time, purge_every: int = 1024) -> None:
        self._clock = clock
        self._entries: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()
        self._purge_every = purge_every
        self._since_purge = 0

    def seen(self, jti: str, iss: str, expires_at: float) -> bool:
        now = self._clock()
        key = (iss, jti)
        with self._lock:
            previous = self._entries.get(key)
            if previous is not None and previous >= now:
                return True
            self._entries[key] = expires_at
            self._since_purge += 1
            if self._since_purge >= self._purge_every:
                self._entries = {k: v for k, v in self._entries.items() if v >= now}
                self._since_purge = 0
            return False

    def __len__(self) -> int:
        return len(self._entries)


# --- JWK Sets ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationKey:
    """A public key from a JWK Set, with what the JWK itself says about its type and algorithm."""

    kid: str
    kty: str
    alg: str | None  # the JWK's own "alg" member, when it has one
    key: Any  # a cryptography public key object


@dataclass
class _CachedKeys:
    keys: dict[str, VerificationKey]
    expires: float  # time.monotonic() after which the set is fetched again
    fetched: float


class JwksSource:
    """One JWK Set (a URL or a local file), cached with expiry and refetched at most once per unknown kid."""

    def __init__(self, location: str, *, is_file: bool, session: requests.Session, timeout: float,
                 max_bytes: int, cache_seconds: float, allow_http: bool, min_refresh_seconds: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.location = location
        self.is_file = is_file
        self._session = session
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._cache_seconds = cache_seconds
        self._allow_http = allow_http
        self._min_refresh = min_refresh_seconds
        self._clock = clock
        self._cached: _CachedKeys | None = None
        self._lock = threading.Lock()

    def key(self, kid: str) -> VerificationKey:
        """The key ``kid``; an unknown kid triggers one refetch (key rotation), throttled against abuse."""
        with self._lock:
            now = self._clock()
            if self._cached is None or now >= self._cached.expires:
                self._refresh(now)
            assert self._cached is not None
            found = self._cached.keys.get(kid)
            if found is None and now - self._cached.fetched >= self._min_refresh:
                self._refresh(now)
                found = self._cached.keys.get(kid)
            if found is None:
                raise Unauthorized(f"no key with kid {_scrub(kid)} in the JWK Set {self.location}")
            return found

    def _refresh(self, now: float) -> None:
        try:
            keys = _parse_jwks(self._load(), self.location)
        except Unauthorized as exc:
            if self._cached is None:
                raise
            log.warning("JWK Set %s could not be refreshed (%s); keeping the %d cached keys",
                        self.location, exc, len(self._cached.keys))
            self._cached.expires = now + min(self._cache_seconds, 60.0)
            self._cached.fetched = now
            return
        self._cached = _CachedKeys(keys, now + self._cache_seconds, now)

    def _load(self) -> bytes:
        if self.is_file:
            try:
                with open(self.location, "rb") as handle:
                    data = handle.read(self._max_bytes + 1)
            except OSError as exc:
                raise Unauthorized(f"JWK Set file {self.location} unreadable: {type(exc).__name__}") from None
            if len(data) > self._max_bytes:
                raise Unauthorized(f"JWK Set file {self.location} larger than {self._max_bytes} bytes")
            return data
        return fetch_jwks(self.location, self._session, timeout=self._timeout, max_bytes=self._max_bytes,
                          allow_http=self._allow_http)


def fetch_jwks(url: str, session: requests.Session, *, timeout: float, max_bytes: int, allow_http: bool) -> bytes:
    """GET a JWK Set: https only (unless allowed for tests), no redirects, a timeout and a size limit."""
    scheme = urlsplit(url).scheme.lower()
    if scheme != "https" and not (scheme == "http" and allow_http):
        raise Unauthorized(f"JWK Set URL {url} is not https")
    try:
        with session.get(url, headers={"Accept": "application/json, application/jwk-set+json"},
                         timeout=timeout, stream=True, allow_redirects=False) as response:
            if response.status_code != 200:
                raise Unauthorized(f"JWK Set {url} answered {response.status_code}")
            return read_body(response, max_bytes=max_bytes, deadline=time.monotonic() + timeout)
    except requests.RequestException as exc:
        raise Unauthorized(f"JWK Set {url} unreachable: {type(exc).__name__}") from None
    except BodyRefused as exc:
        raise Unauthorized(f"JWK Set {url} {exc}") from None


def _parse_jwks(raw: bytes, where: str) -> dict[str, VerificationKey]:
    """Public signing keys by kid; private members are dropped, unusable keys skipped with a log line."""
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Unauthorized(f"JWK Set {where} is not JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise Unauthorized(f"JWK Set {where} has no 'keys' array")
    keys: dict[str, VerificationKey] = {}
    for entry in document["keys"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("use", "sig") != "sig" or entry.get("kty") not in ("RSA", "EC", "OKP"):
            continue
        public = {k: v for k, v in entry.items() if k not in _PRIVATE_MEMBERS}
        alg = entry.get("alg") if isinstance(entry.get("alg"), str) else None
        try:
            keys[entry["kid"]] = VerificationKey(entry["kid"], entry["kty"], alg, jwt.PyJWK(public).key)
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError) as exc:
            log.warning("JWK Set %s: key %s skipped (%s)", where, _scrub(entry["kid"]), type(exc).__name__)
    return keys


# --- the authenticator -------------------------------------------------------------------------------------


def _check_url(url: str, where: str, allow_http: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in (("https", "http") if allow_http else ("https",)) or not parts.hostname:
        raise ConfigError(f"{where}: {url!r} must be an absolute https URL")


def check_settings(settings: Settings) -> None:
    """Refuse to start with an insecure or incomplete [auth] configuration (why: fail loudly, not per call)."""
    auth = settings.auth
    allow_http = settings.fhir.allow_http
    if not auth.algorithms:
        raise ConfigError("auth.algorithms is empty")
    for name in auth.algorithms:
        if name.lower() == "none" or name.upper().startswith("HS"):
            raise ConfigError(f"auth.algorithms: {name} is not allowed (no 'none', no symmetric HMAC algorithm)")
        if name not in ASYMMETRIC_ALGORITHMS:
            raise ConfigError(f"auth.algorithms: unknown algorithm {name!r}; use ES384, RS384, ES256, RS256 …")
    if settings.features.sandbox:
        raise ConfigError("features.sandbox cannot be on with auth.required: the sandbox's API evaluates charts "
                          "for anyone (it is a demonstration page, with no EHR to sign a JWT)")
    if auth.leeway_seconds < 0 or auth.max_token_age_seconds <= 0:
        raise ConfigError("auth.leeway_seconds must be >= 0 and auth.max_token_age_seconds > 0")
    seen: set[str] = set()
    for index, client in enumerate(auth.clients):
        where = f"auth.clients[{index}]"
        if not client.iss:
            raise ConfigError(f"{where}: iss is required")
        if not _is_plain_text(client.iss) or len(client.iss) > ISS_MAX_CHARS:
            raise ConfigError(f"{where}: iss must be printable text of at most {ISS_MAX_CHARS} characters "
                              "(it is stored with every call, feedback item and jti)")
        if client.iss in seen:
            raise ConfigError(f"{where}: iss {client.iss!r} is configured twice")
        seen.add(client.iss)
        if not (client.jwks_url or client.jwks_file or client.jku_allowlist):
            raise ConfigError(f"{where}: give jwks_url, jwks_file or jku_allowlist")
        if client.jwks_url:
            _check_url(client.jwks_url, f"{where}.jwks_url", allow_http)
        for url in client.jku_allowlist:
            _check_url(url, f"{where}.jku_allowlist", allow_http)
        for url in client.fhir_servers:
            _check_url(url, f"{where}.fhir_servers", allow_http)
        if client.jwks_file and not Path(client.jwks_file).is_file():
            raise ConfigError(f"{where}.jwks_file: no such file {client.jwks_file!r}")
    if auth.clients:
        base = settings.server.public_base_url
        if not base:
            raise ConfigError("server.public_base_url is required with [auth] clients: the JWT aud is checked "
                              "against it (the Host header of a request cannot be trusted)")
        _check_url(base, "server.public_base_url", True)


def _parse_bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("no Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise Unauthorized("Authorization header is not 'Bearer <JWT>'")
    if len(token) > MAX_TOKEN_BYTES:
        raise Unauthorized(f"bearer token longer than {MAX_TOKEN_BYTES} bytes")
    return token


def _is_epoch_seconds(value: Any) -> bool:
    """A NumericDate a clock can be compared with: a number from 1970 to the year 5138. NaN (which PyJWT's JSON
    reader lets through and which compares false with everything) and 10**400 (which float() cannot hold) fail."""
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1e11


class JwtAuthenticator:
    """Verifies CDS Hooks client JWTs against the configured clients (see the module docstring)."""

    def __init__(self, settings: Settings, *, session: requests.Session | None = None,
                 replay_cache: ReplayCache | None = None, clock: Callable[[], float] = time.time,
                 min_refresh_seconds: float = 10.0) -> None:
        check_settings(settings)
        auth = settings.auth
        self._algorithms = list(auth.algorithms)
        self._leeway = auth.leeway_seconds
        self._max_age = auth.max_token_age_seconds
        self._clients: dict[str, AuthClient] = {c.iss: c for c in auth.clients}
        self._replay: ReplayCache = replay_cache or MemoryReplayCache(clock)
        self._clock = clock
        session = session or requests.Session()
        self._sources: dict[tuple[str, bool], JwksSource] = {}

        lock = threading.Lock()

        def source(location: str, is_file: bool) -> JwksSource:
            with lock:  # one cache per JWK Set, shared by every thread of the worker
                found = self._sources.get((location, is_file))
                if found is None:
                    found = self._sources[(location, is_file)] = JwksSource(
                        location, is_file=is_file, session=session, timeout=auth.jwks_timeout_seconds,
                        max_bytes=auth.jwks_max_bytes, cache_seconds=auth.jwks_cache_seconds,
                        allow_http=settings.fhir.allow_http, min_refresh_seconds=min_refresh_seconds)
                return found

        self._source = source
        if not self._clients:
            log.warning("[auth] required = true but no [[auth.clients]] are configured: every call is refused")

    def authenticate(self, authorization: str | None, audience: str | Sequence[str]) -> Caller:
        token = _parse_bearer(authorization)
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.InvalidTokenError:
            raise Unauthorized("bearer token is not a well-formed JWT") from None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self._algorithms:
            raise Unauthorized(f"alg {_scrub(alg)} is not allowed")
        # CDS Hooks 2.0 requires typ "JWT"; RFC 7519 section 5.1 makes its case not significant.
        typ = header.get("typ")
        if typ is None:
            raise Unauthorized("JWT header has no typ (CDS Hooks requires 'JWT')")
        if not isinstance(typ, str) or typ.upper() != "JWT":
            raise Unauthorized(f"typ {_scrub(typ)} is not JWT")
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("JWT header has no kid")
        iss = unverified.get("iss")
        client = self._clients.get(iss) if isinstance(iss, str) else None
        if client is None:
            raise Unauthorized(f"iss {_scrub(iss)} is not a configured client")
        key = self._key(client, header, kid)
        if key.alg not in (None, alg) or _KEY_TYPES[alg[:2]] != key.kty:
            raise Unauthorized(f"key {_scrub(kid)} of {client.iss} does not match alg {alg}")
        claims = self._verify(token, key, alg, audience, client.iss)
        expires_at = min(float(claims["exp"]), float(claims["iat"]) + self._max_age) + self._leeway
        if self._replay.seen(claims["jti"], client.iss, expires_at):
            raise Unauthorized(f"jti {_fingerprint(claims['jti'])} of {client.iss} was already used (replay)")
        return Caller(iss=client.iss, fhir_servers=tuple(client.fhir_servers), claims=claims)

    def _key(self, client: AuthClient, header: Mapping[str, Any], kid: str) -> VerificationKey:
        jku = header.get("jku")
        if jku is not None:
            if not isinstance(jku, str) or jku not in (*client.jku_allowlist, client.jwks_url or None):
                raise Unauthorized(f"jku {_scrub(jku)} is not on the allowlist of {client.iss}")
            return self._source(jku, False).key(kid)
        if client.jwks_url:
            return self._source(client.jwks_url, False).key(kid)
        if client.jwks_file:
            return self._source(client.jwks_file, True).key(kid)
        raise Unauthorized(f"no jku in the JWT and no jwks_url or jwks_file for {client.iss}")

    def _verify(self, token: str, key: VerificationKey, alg: str, audience: str | Sequence[str],
                iss: str) -> dict[str, Any]:
        """Signature, iss and aud by PyJWT; the times here, against one injectable clock."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key.key, algorithms=[alg], audience=audience, issuer=iss,
                options={"require": ["iss", "aud", "exp", "iat", "jti"], "verify_exp": False,
                         "verify_iat": False, "verify_nbf": False, "verify_sub": False, "verify_jti": False})
        except jwt.InvalidSignatureError:
            raise Unauthorized(f"bad signature (iss {iss})") from None
        except jwt.InvalidAudienceError:
            wanted = audience if isinstance(audience, str) else " or ".join(audience)
            raise Unauthorized(f"aud is not {wanted} (iss {iss})") from None
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthorized(f"claim {exc.claim} missing (iss {iss})") from None
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"invalid token: {type(exc).__name__} (iss {iss})") from None
        now, leeway = self._clock(), self._leeway
        times = {name: claims.get(name) for name in ("iat", "exp", "nbf")}
        if any(v is not None and not _is_epoch_seconds(v) for v in times.values()):
            raise Unauthorized(f"iat, exp or nbf is not a time in seconds since 1970 (iss {iss})")
        iat, exp, nbf = claims["iat"], claims["exp"], claims.get("nbf")
        if exp <= now - leeway:
            raise Unauthorized(f"token expired (iss {iss})")
        if iat > now + leeway:
            raise Unauthorized(f"iat in the future (iss {iss})")
        if nbf is not None and nbf > now + leeway:
            raise Unauthorized(f"nbf in the future (iss {iss})")
        if now - iat > self._max_age + leeway:
            raise Unauthorized(f"token older than {self._max_age} s (iss {iss})")
        jti = claims["jti"]
        if not isinstance(jti, str) or not jti or len(jti) > JTI_MAX_CHARS:
            raise Unauthorized(f"jti missing, empty or too long (iss {iss})")
        if not _is_plain_text(jti):  # checked here, so the replay table never sees it
            raise Unauthorized(f"jti is not printable text (iss {iss})")
        return claims
