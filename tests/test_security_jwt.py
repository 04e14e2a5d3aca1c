"""JWT authentication of CDS clients (issue 4; CDS Hooks 2.0 "Trusting CDS Clients"; contract section 5: 401).

The JWK Sets come from a loopback HTTP server, a local file, or the outbound-call recorder: no real network.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from flask.testing import FlaskClient

from service.auth import Unauthorized
from service.config import ConfigError
from service.jwt_auth import JwtAuthenticator, MemoryReplayCache
from service.storage import open_store
from tests import security_support as sec
from tests.security_support import (
    BASE,
    DISCOVERY_AUD,
    ISS,
    PATIENT_VIEW_AUD,
    Recorder,
    SigningKey,
    bearer,
    mint,
)

UNAUTHORIZED_BODY = {"resourceType": "OperationOutcome",
                     "issue": [{"severity": "error", "code": "login", "diagnostics": "Unauthorized"}]}
EC = sec.ec_key("ec-1")
RSA = sec.rsa_key("rsa-1")
OTHER = sec.ec_key("ec-1")  # same kid, different key: a forger's
ROTATED = sec.ec_key("ec-2")


@pytest.fixture(scope="module")
def server() -> Iterator[sec.JwksServer]:
    with sec.jwks_server({"/jwks.json": sec.jwks(EC, RSA), "/jku.json": sec.jwks(EC)}) as running:
        yield running


def client_config(server: sec.JwksServer, **extra: Any) -> dict[str, Any]:
    return {"iss": ISS, "jwks_url": server.url("/jwks.json"), "fhir_servers": [sec.FHIR], **extra}


@pytest.fixture(scope="module")
def client(server: sec.JwksServer) -> FlaskClient:
    settings = sec.settings([client_config(server, jku_allowlist=[server.url("/jku.json")])],
                            fhir={"allow_http": True})
    return sec.make_app(settings).test_client()


def discover(client: FlaskClient, token: str) -> Any:
    return client.get("/cds-services", headers=bearer(token))


def assert_unauthorized(response: Any) -> None:
    assert response.status_code == 401
    assert response.get_json() == UNAUTHORIZED_BODY  # no detail, whatever the reason
    assert "WWW-Authenticate" not in response.headers or "error_description" not in response.headers["WWW-Authenticate"]


# --- accepted -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [EC, RSA], ids=["ES384", "RS384"])
def test_valid_token_is_accepted_on_discovery_and_service(client: FlaskClient, key: SigningKey) -> None:
    response = discover(client, mint(key, aud=DISCOVERY_AUD))
    assert response.status_code == 200, response.get_json()
    assert {s["id"] for s in response.get_json()["services"]} == {"imnm-patient-view", "imnm-order-sign"}
    call = client.post("/cds-services/imnm-patient-view", json=sec.patient_view_request(),
                       headers=bearer(mint(key)))
    assert call.status_code == 200, call.get_json()
    assert "cards" in call.get_json()


def test_aud_as_array_and_extra_claims_are_accepted(client: FlaskClient) -> None:
    now = int(time.time())
    token = mint(EC, aud=[DISCOVERY_AUD], sub="epic-user-123", nbf=now - 5, tenant="hospital-a")
    assert discover(client, token).status_code == 200


def test_query_string_is_not_part_of_the_audience(client: FlaskClient) -> None:
    call = client.post("/cds-services/imnm-patient-view?explain=true", json=sec.patient_view_request(),
                       headers=bearer(mint(EC)))
    assert call.status_code == 200


def test_caller_carries_the_client_and_its_fhir_servers(server: sec.JwksServer) -> None:
    auth = JwtAuthenticator(sec.settings([client_config(server)], fhir={"allow_http": True}))
    caller = auth.authenticate(f"Bearer {mint(EC, tenant='t-1')}", PATIENT_VIEW_AUD)
    assert caller.iss == ISS
    assert caller.fhir_servers == (sec.FHIR,)
    assert caller.claims["tenant"] == "t-1"


def test_jku_on_the_allowlist_is_used(server: sec.JwksServer) -> None:
    server.documents["/jku-only.json"] = sec.jwks(ROTATED)
    settings = sec.settings([client_config(server, jku_allowlist=[server.url("/jku-only.json")])],
                            fhir={"allow_http": True})
    client = sec.make_app(settings).test_client()
    token = mint(ROTATED, aud=DISCOVERY_AUD, headers={"jku": server.url("/jku-only.json")})
    assert discover(client, token).status_code == 200
    assert server.hits["/jku-only.json"] == 1
    # the same key without the jku header is looked up in jwks_url, where it is not published
    assert_unauthorized(discover(client, mint(ROTATED, aud=DISCOVERY_AUD)))


def test_bearer_scheme_is_case_insensitive(client: FlaskClient) -> None:
    response = client.get("/cds-services", headers={"Authorization": f"bearer {mint(EC, aud=DISCOVERY_AUD)}"})
    assert response.status_code == 200


@pytest.mark.parametrize("typ", ["JWT", "jwt", "Jwt"])
def test_typ_jwt_is_accepted_in_any_case(client: FlaskClient, typ: str) -> None:
    """RFC 7519 section 5.1: "JWT" is recommended in upper case, and a media type's case is not significant."""
    assert discover(client, mint(EC, aud=DISCOVERY_AUD, headers={"typ": typ})).status_code == 200


# --- rejected with 401 and no detail ------------------------------------------------------------------------


def _public_pem_hs256() -> str:
    return sec.unsigned({"alg": "HS256", "typ": "JWT", "kid": RSA.kid}, sec.claims(aud=DISCOVERY_AUD),
                        secret=RSA.public_pem())


FORGERIES: dict[str, tuple[Callable[[], str], str]] = {  # name: (token factory, reason logged)
    "alg none": (lambda: sec.unsigned({"alg": "none", "typ": "JWT", "kid": EC.kid}, sec.claims(aud=DISCOVERY_AUD)),
        "alg 'none' is not allowed"),
    "alg None capitalised": (lambda: sec.unsigned({"alg": "None", "typ": "JWT", "kid": EC.kid},
                                                 sec.claims(aud=DISCOVERY_AUD)),
        "alg 'None' is not allowed"),
    "HS256 keyed with the public key": (_public_pem_hs256,
        "alg 'HS256' is not allowed"),
    "unknown kid": (lambda: mint(sec.ec_key("nobody-knows"), aud=DISCOVERY_AUD),
        "no key with kid"),
    "known kid, other key": (lambda: mint(OTHER, aud=DISCOVERY_AUD),
        "bad signature"),
    "wrong iss": (lambda: mint(EC, aud=DISCOVERY_AUD, iss="https://evil.example.com"),
        "is not a configured client"),
    "iss with trailing slash": (lambda: mint(EC, aud=DISCOVERY_AUD, iss=ISS + "/"),
        "is not a configured client"),
    "wrong aud": (lambda: mint(EC, aud="https://other-cds.example.org/cds-services"),
        "aud is not"),
    "aud of another endpoint": (lambda: mint(EC, aud=PATIENT_VIEW_AUD),
        "aud is not"),
    "expired": (lambda: mint(EC, aud=DISCOVERY_AUD, iat=int(time.time()) - 400, exp=int(time.time()) - 60),
        "expired"),
    "iat in the future": (lambda: mint(EC, aud=DISCOVERY_AUD, iat=int(time.time()) + 300,
                                      exp=int(time.time()) + 600),
        "iat in the future"),
    "nbf in the future": (lambda: mint(EC, aud=DISCOVERY_AUD, nbf=int(time.time()) + 300),
        "nbf in the future"),
    "older than the maximum age": (lambda: mint(EC, aud=DISCOVERY_AUD, iat=int(time.time()) - 3600,
                                               exp=int(time.time()) + 300),
        "older than"),
    "no jti": (lambda: mint(EC, aud=DISCOVERY_AUD, jti=None),
        "claim jti missing"),
    "empty jti": (lambda: mint(EC, aud=DISCOVERY_AUD, jti=""),
        "jti missing, empty"),
    "numeric jti": (lambda: mint(EC, aud=DISCOVERY_AUD, jti=12345),
        "jti missing, empty"),
    "no exp": (lambda: mint(EC, aud=DISCOVERY_AUD, exp=None),
        "claim exp missing"),
    "no iat": (lambda: mint(EC, aud=DISCOVERY_AUD, iat=None),
        "claim iat missing"),
    "no aud": (lambda: mint(EC, aud=None),
        "claim aud missing"),
    "string exp": (lambda: mint(EC, aud=DISCOVERY_AUD, exp=str(int(time.time()) + 300)),
        "not a time in seconds"),
    # NaN compares false with every bound (an iat of NaN passed the age checks); 10**400 overflowed float()
    "NaN iat": (lambda: mint(EC, aud=DISCOVERY_AUD, iat=float("nan")),
        "not a time in seconds"),
    "NaN exp": (lambda: mint(EC, aud=DISCOVERY_AUD, exp=float("nan")),
        "not a time in seconds"),
    "exp beyond any clock": (lambda: mint(EC, aud=DISCOVERY_AUD, exp=10**400),
        "not a time in seconds"),
    "jku off the allowlist": (lambda: mint(EC, aud=DISCOVERY_AUD, headers={"jku": "https://evil.example.com/jwks"}),
        "not on the allowlist"),
    "tampered payload": (lambda: sec.tamper(mint(EC, aud=DISCOVERY_AUD), iss=ISS, sub="someone-else"),
        "bad signature"),
    "tampered, aud swapped": (lambda: sec.tamper(mint(EC, aud="https://other.example.org/x"), aud=DISCOVERY_AUD),
        "bad signature"),
    "no kid": (lambda: sec.unsigned({"alg": "ES384", "typ": "JWT"}, sec.claims(aud=DISCOVERY_AUD)),
        "no kid"),
    "typ not JWT": (lambda: mint(EC, aud=DISCOVERY_AUD, headers={"typ": "at+jwt"}),
        "is not JWT"),
    # CDS Hooks 2.0 (requirements row 184): the typ field is required and SHALL be "JWT"
    "no typ": (lambda: mint(EC, aud=DISCOVERY_AUD, headers={"typ": None}),
        "has no typ"),
    "typ not a string": (lambda: mint(EC, aud=DISCOVERY_AUD, headers={"typ": ["JWT"]}),
        "is not JWT"),
    "ES256 not enabled": (lambda: mint(SigningKey("p256", "ES256", ec.generate_private_key(ec.SECP256R1())),
                                      aud=DISCOVERY_AUD),
        "alg 'ES256'"),
    "RSA kid named in an ES384 header": (lambda: sec.unsigned({"alg": "ES384", "typ": "JWT", "kid": RSA.kid},
                                                             sec.claims(aud=DISCOVERY_AUD), secret=b"x"),
        "does not match alg"),
    "garbage": (lambda: "not-a-jwt",
        "not a well-formed JWT"),
    "three garbage segments": (lambda: "a.b.c",
        "not a well-formed JWT"),
}


@pytest.mark.parametrize("name", list(FORGERIES))
def test_forged_or_invalid_token_is_refused(client: FlaskClient, name: str,
                                            caplog: pytest.LogCaptureFixture) -> None:
    factory, reason = FORGERIES[name]
    token = factory()
    with caplog.at_level(logging.DEBUG):
        response = discover(client, token)
    assert_unauthorized(response)
    assert "authentication failed" in caplog.text and reason in caplog.text  # the reason is in the log …
    sec.assert_no_token(token, caplog.text, response.get_data(as_text=True))  # … the token never is


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a b",
                                    "Token abc", "Bearer " + "a" * 20_000])
def test_missing_or_malformed_authorization_header_is_refused(client: FlaskClient, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    assert_unauthorized(client.get("/cds-services", headers=headers))
    assert_unauthorized(client.post("/cds-services/imnm-patient-view", json=sec.patient_view_request(),
                                     headers=headers))


def test_service_call_is_refused_before_the_body_is_read(client: FlaskClient) -> None:
    """An unauthenticated caller learns nothing about the body: not even that it is malformed."""
    response = client.post("/cds-services/imnm-patient-view", data=b"{not json", content_type="application/json")
    assert_unauthorized(response)


def test_replayed_jti_is_refused(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    token = mint(EC, aud=DISCOVERY_AUD)
    assert discover(client, token).status_code == 200
    with caplog.at_level(logging.WARNING):
        assert_unauthorized(discover(client, token))
    assert "replay" in caplog.text
    # no part of the token is logged (docs/security.md), the jti was, whole: now a short hash of it
    jti = jwt.decode(token, options={"verify_signature": False})["jti"]
    assert jti not in caplog.text and jti[:8] not in caplog.text
    assert f"jti sha256:{hashlib.sha256(jti.encode()).hexdigest()[:12]} of {ISS}" in caplog.text
    # a fresh token that reuses the jti is a replay too
    jti = str(uuid.uuid4())
    assert discover(client, mint(EC, aud=DISCOVERY_AUD, jti=jti)).status_code == 200
    assert_unauthorized(discover(client, mint(RSA, aud=DISCOVERY_AUD, jti=jti)))


def test_a_replay_check_that_cannot_run_refuses_for_now_and_lets_nobody_in_unchecked(
        server: sec.JwksServer, tmp_path: Path) -> None:
    """The shared replay cache's database fails (here: its table is gone): 503, try again; never 200, never 500."""
    store = open_store(f"sqlite:///{tmp_path / 'replay.sqlite3'}")
    app = sec.make_app(sec.settings([client_config(server)], fhir={"allow_http": True}), store=store)
    client = app.test_client()
    assert discover(client, mint(EC, aud=DISCOVERY_AUD)).status_code == 200
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE jwt_replay")
    response = discover(client, mint(EC, aud=DISCOVERY_AUD))
    assert response.status_code == 503
    assert "try again" in response.get_json()["issue"][0]["diagnostics"]


def test_refused_token_does_not_burn_its_jti(client: FlaskClient) -> None:
    """The jti is recorded only after every other check passed: a forgery cannot block the real token."""
    jti = str(uuid.uuid4())
    assert_unauthorized(discover(client, mint(OTHER, aud=DISCOVERY_AUD, jti=jti)))
    assert discover(client, mint(EC, aud=DISCOVERY_AUD, jti=jti)).status_code == 200


def test_tokens_within_leeway_are_accepted(client: FlaskClient) -> None:
    now = int(time.time())
    assert discover(client, mint(EC, aud=DISCOVERY_AUD, iat=now + 10, exp=now + 300)).status_code == 200
    assert discover(client, mint(EC, aud=DISCOVERY_AUD, iat=now - 300, exp=now - 10)).status_code == 200


# --- the JWK Set: allowlisted jku only, caching, rotation, limits -------------------------------------------


def test_jku_off_the_allowlist_makes_no_outbound_request() -> None:
    recorder = Recorder({"https://ehr.example.org/jwks.json": sec.jwks(EC)})
    settings = sec.settings([{"iss": ISS, "jwks_url": "https://ehr.example.org/jwks.json",
                              "jku_allowlist": ["https://ehr.example.org/keys/other.json"]}])
    app = sec.make_app(settings, authenticator=JwtAuthenticator(settings, session=recorder))
    for jku in ("https://evil.example.com/jwks.json", "https://ehr.example.org/jwks.json/../evil",
                "https://ehr.example.org.evil.com/jwks.json", "http://ehr.example.org/jwks.json"):
        token = mint(EC, aud=DISCOVERY_AUD, headers={"jku": jku})
        assert_unauthorized(app.test_client().get("/cds-services", headers=bearer(token)))
    assert recorder.urls() == []


def test_jwks_is_cached(server: sec.JwksServer) -> None:
    server.documents["/cached.json"] = sec.jwks(EC)
    settings = sec.settings([{"iss": ISS, "jwks_url": server.url("/cached.json")}], fhir={"allow_http": True})
    auth = JwtAuthenticator(settings)
    for _ in range(3):
        auth.authenticate(f"Bearer {mint(EC)}", PATIENT_VIEW_AUD)
    assert server.hits["/cached.json"] == 1


def test_unknown_kid_triggers_one_refresh_for_key_rotation(server: sec.JwksServer) -> None:
    server.documents["/rotating.json"] = sec.jwks(EC)
    settings = sec.settings([{"iss": ISS, "jwks_url": server.url("/rotating.json")}], fhir={"allow_http": True})
    auth = JwtAuthenticator(settings, min_refresh_seconds=0)
    auth.authenticate(f"Bearer {mint(EC)}", PATIENT_VIEW_AUD)
    server.documents["/rotating.json"] = sec.jwks(EC, ROTATED)  # the EHR publishes its new key
    auth.authenticate(f"Bearer {mint(ROTATED)}", PATIENT_VIEW_AUD)
    assert server.hits["/rotating.json"] == 2
    with pytest.raises(Unauthorized):  # still unknown after the one refresh: refused, one more fetch only
        auth.authenticate(f"Bearer {mint(sec.ec_key('ec-3'))}", PATIENT_VIEW_AUD)
    assert server.hits["/rotating.json"] == 3


def test_unknown_kids_cannot_make_us_hammer_the_jwks_endpoint(server: sec.JwksServer) -> None:
    server.documents["/throttled.json"] = sec.jwks(EC)
    settings = sec.settings([{"iss": ISS, "jwks_url": server.url("/throttled.json")}], fhir={"allow_http": True})
    auth = JwtAuthenticator(settings)  # default: at most one forced refresh every 10 s
    for index in range(5):
        with pytest.raises(Unauthorized):
            auth.authenticate(f"Bearer {mint(sec.ec_key(f'random-{index}'))}", PATIENT_VIEW_AUD)
    assert server.hits["/throttled.json"] == 1


def test_oversized_or_invalid_jwks_is_refused(server: sec.JwksServer) -> None:
    server.documents["/huge.json"] = {"keys": [EC.jwk], "padding": "x" * 300_000}
    server.documents["/not-json.json"] = b"<html>hello</html>"
    for path in ("/huge.json", "/not-json.json", "/missing.json"):
        settings = sec.settings([{"iss": ISS, "jwks_url": server.url(path)}], fhir={"allow_http": True})
        with pytest.raises(Unauthorized):
            JwtAuthenticator(settings).authenticate(f"Bearer {mint(EC)}", PATIENT_VIEW_AUD)


def test_jwks_redirect_is_not_followed() -> None:
    redirect = lambda request: (302, {"Location": "https://evil.example.com/jwks.json"}, b"")  # noqa: E731
    recorder = Recorder({"https://ehr.example.org/jwks.json": redirect,
                         "https://evil.example.com/jwks.json": sec.jwks(EC)})
    settings = sec.settings([{"iss": ISS, "jwks_url": "https://ehr.example.org/jwks.json"}])
    with pytest.raises(Unauthorized):
        JwtAuthenticator(settings, session=recorder).authenticate(f"Bearer {mint(EC)}", PATIENT_VIEW_AUD)
    assert recorder.urls() == ["https://ehr.example.org/jwks.json"]


def test_private_key_members_in_a_jwks_are_ignored_and_hmac_keys_unusable() -> None:
    recorder = Recorder({"https://ehr.example.org/jwks.json": {"keys": [
        {**sec.SPEC_JWK_PRIVATE, "kid": "with-private-part"},
        {"kty": "oct", "kid": "shared", "k": "c2VjcmV0"}]}})
    settings = sec.settings([{"iss": ISS, "jwks_url": "https://ehr.example.org/jwks.json"}])
    auth = JwtAuthenticator(settings, session=recorder)
    private = SigningKey("with-private-part", "ES384", jwt.PyJWK(sec.SPEC_JWK_PRIVATE).key)
    assert auth.authenticate(f"Bearer {mint(private)}", PATIENT_VIEW_AUD).iss == ISS
    hs = sec.unsigned({"alg": "HS256", "typ": "JWT", "kid": "shared"}, sec.claims(), secret=b"secret")
    with pytest.raises(Unauthorized):
        auth.authenticate(f"Bearer {hs}", PATIENT_VIEW_AUD)


def test_jwks_file(tmp_path: Path) -> None:
    path = tmp_path / "ehr-jwks.json"
    path.write_text(json.dumps(sec.jwks(RSA)))
    settings = sec.settings([{"iss": ISS, "jwks_file": str(path)}])
    client = sec.make_app(settings).test_client()
    assert discover(client, mint(RSA, aud=DISCOVERY_AUD)).status_code == 200
    assert_unauthorized(discover(client, mint(EC, aud=DISCOVERY_AUD)))


# --- start-up refuses insecure configuration ----------------------------------------------------------------


@pytest.mark.parametrize("auth, fhir, server, message", [
    ({"algorithms": ["HS256"]}, {}, {}, "HS256"),
    ({"algorithms": ["ES384", "none"]}, {}, {}, "none"),
    ({"algorithms": ["HS512", "RS384"]}, {}, {}, "HS512"),
    ({"algorithms": ["RS1024"]}, {}, {}, "unknown"),
    ({"algorithms": []}, {}, {}, "empty"),
    ({"clients": [{"iss": ISS}]}, {}, {}, "jwks_url"),
    ({"clients": [{"iss": "", "jwks_url": "https://ehr.example.org/jwks"}]}, {}, {}, "iss"),
    ({"clients": [{"iss": ISS, "jwks_url": "http://ehr.example.org/jwks"}]}, {}, {}, "https"),
    ({"clients": [{"iss": ISS, "jku_allowlist": ["http://ehr.example.org/jwks"]}]}, {}, {}, "https"),
    ({"clients": [{"iss": ISS, "jwks_file": "/nonexistent/jwks.json"}]}, {}, {}, "no such file"),
    ({"clients": [{"iss": ISS, "jwks_url": "https://a.example/j"}, {"iss": ISS, "jwks_url": "https://b.example/j"}]},
     {}, {}, "twice"),
    ({"clients": [{"iss": ISS, "jwks_url": "https://ehr.example.org/jwks"}]}, {}, {"public_base_url": ""},
     "public_base_url"),
    ({}, {}, {}, "features.sandbox"),
])
def test_insecure_configuration_is_refused_at_start_up(auth: dict[str, Any], fhir: dict[str, Any],
                                                         server: dict[str, Any], message: str) -> None:
    settings = sec.settings(auth=auth, fhir=fhir, server=server,
                            features={"sandbox": message == "features.sandbox"})
    with pytest.raises(ConfigError, match=message):
        sec.make_app(settings)


def test_no_clients_configured_refuses_everyone() -> None:
    client = sec.make_app(sec.settings()).test_client()
    assert_unauthorized(discover(client, mint(EC, aud=DISCOVERY_AUD)))
    assert client.get("/healthz").status_code == 200


# --- the CDS Hooks 2.0.1 example key and token as test vectors ----------------------------------------------


def test_spec_example_token_verifies_at_its_issue_time_and_is_expired_now() -> None:
    recorder = Recorder({sec.SPEC_JKU: {"keys": [sec.SPEC_JWK_PUBLIC]}})
    settings = sec.settings([{"iss": sec.SPEC_ISS, "jku_allowlist": [sec.SPEC_JKU]}],
                            auth={"max_token_age_seconds": 300})
    at_issue = JwtAuthenticator(settings, session=recorder, clock=lambda: sec.SPEC_IAT + 10)
    caller = at_issue.authenticate(f"Bearer {sec.SPEC_TOKEN}", sec.SPEC_AUD)
    assert caller.iss == sec.SPEC_ISS
    assert caller.claims["tenant"] == "2ddd6c3a-8e9a-44c6-a305-52111ad302a2"
    with pytest.raises(Unauthorized, match="replay"):
        at_issue.authenticate(f"Bearer {sec.SPEC_TOKEN}", sec.SPEC_AUD)
    with pytest.raises(Unauthorized, match="expired"):
        JwtAuthenticator(settings, session=recorder).authenticate(f"Bearer {sec.SPEC_TOKEN}", sec.SPEC_AUD)
    with pytest.raises(Unauthorized, match="aud"):
        JwtAuthenticator(settings, session=recorder, clock=lambda: sec.SPEC_IAT + 10).authenticate(
            f"Bearer {sec.SPEC_TOKEN}", f"{BASE}/cds-services/imnm-patient-view")
    assert set(recorder.urls()) == {sec.SPEC_JKU}


def test_fresh_token_signed_with_the_spec_example_key_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "spec-jwks.json"
    path.write_text(json.dumps({"keys": [sec.SPEC_JWK_PUBLIC]}))
    settings = sec.settings([{"iss": sec.SPEC_ISS, "jwks_file": str(path)}])
    client = sec.make_app(settings).test_client()
    example = SigningKey("example-kid", "ES384", jwt.PyJWK(sec.SPEC_JWK_PRIVATE).key)
    token = mint(example, iss=sec.SPEC_ISS, aud=DISCOVERY_AUD, tenant="2ddd6c3a-8e9a-44c6-a305-52111ad302a2")
    assert discover(client, token).status_code == 200


# --- the replay cache ---------------------------------------------------------------------------------------


def test_memory_replay_cache_remembers_until_expiry_per_issuer() -> None:
    now = [1000.0]
    cache = MemoryReplayCache(clock=lambda: now[0], purge_every=2)
    assert cache.seen("j1", "iss-a", 1100) is False
    assert cache.seen("j1", "iss-a", 1100) is True
    assert cache.seen("j1", "iss-b", 1100) is False  # another client's jti space
    now[0] = 1101.0
    assert cache.seen("j1", "iss-a", 1200) is False  # expired: the token itself is refused by exp anyway
    cache.seen("j2", "iss-a", 1200)
    assert len(cache) <= 3  # expired entries are purged as the cache grows


def test_replay_cache_is_pluggable(server: sec.JwksServer) -> None:
    class Shared:
        def __init__(self) -> None:
            self.calls: list[tuple[str, str, float]] = []

        def seen(self, jti: str, iss: str, expires_at: float) -> bool:
            self.calls.append((jti, iss, expires_at))
            return len(self.calls) > 1

    shared = Shared()
    settings = sec.settings([client_config(server)], fhir={"allow_http": True})
    auth = JwtAuthenticator(settings, replay_cache=shared)
    now = int(time.time())
    auth.authenticate(f"Bearer {mint(EC, iat=now, exp=now + 3600)}", PATIENT_VIEW_AUD)
    with pytest.raises(Unauthorized):
        auth.authenticate(f"Bearer {mint(EC)}", PATIENT_VIEW_AUD)
    _jti, iss, expires_at = shared.calls[0]
    assert iss == ISS
    assert expires_at == pytest.approx(now + 300 + 30)  # bounded by max age, not by a far exp
