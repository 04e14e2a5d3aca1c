"""HTTP hardening (issue 4): the FHIR token goes nowhere but the caller's own FHIR servers; CORS; security
headers; no versioned Server banner; limits answered with the contract's codes (service-contract.md section 5).

Every outbound request goes through the recorder (tests/security_support.py): a request that would have left
for a place it must not reach shows up in ``recorder.urls()``.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from fhir_fixtures.fake_server import free_port
from service.config import ConfigError
from service.fhir_client import FhirClient, FhirError
from service.store import NullStore
from tests import security_support as sec
from tests.security_support import FHIR, ISS, Recorder, bearer, mint
from tests.server_support import ROOT, gunicorn_command, open_service_env, serving

ACCESS_TOKEN = "fhir-access-token-7c1e0b7e9d2f4a5b8e6c3d1a0f9e8d7c"  # distinctive: easy to find if it leaks
KEY = sec.ec_key("ec-http")
CONDITIONS = f"{FHIR}/Condition?patient=p1&_count=500"  # the configured fhir.page_size


def bundle(*resources: dict[str, Any], next_url: str | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset",
                                "entry": [{"resource": r} for r in resources]}
    if next_url:
        document["link"] = [{"relation": "next", "url": next_url}]
    return document


CONDITION = {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"},
             "code": {"text": "hypertension"}}


@pytest.fixture(scope="module")
def jwks_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    return sec.jwks_file(tmp_path_factory.mktemp("jwks"), KEY)


def app_with(recorder: Recorder, jwks_file: str, **sections: dict[str, Any]) -> FlaskClient:
    settings = sec.settings([{"iss": ISS, "jwks_file": jwks_file, "fhir_servers": [FHIR]}], **sections)
    return sec.make_app(settings, session=recorder).test_client()


def needs_conditions(fhir_server: str | None) -> dict[str, Any]:
    """A request that prefetched everything but ``conditions``, so that one must be fetched with the token."""
    body = sec.patient_view_request(fhirAuthorization={"access_token": ACCESS_TOKEN, "token_type": "Bearer",
                                                       "expires_in": 300, "scope": "patient/*.read",
                                                       "subject": "cds-service"})
    del body["prefetch"]["conditions"]
    if fhir_server is not None:
        body["fhirServer"] = fhir_server
    return body


def call(client: FlaskClient, body: Any, service: str = "imnm-patient-view", **kwargs: Any) -> Any:
    aud = f"{sec.BASE}/cds-services/{service}"
    return client.post(f"/cds-services/{service}", json=body, headers=bearer(mint(KEY, aud=aud)), **kwargs)


# --- the fhirAuthorization token ----------------------------------------------------------------------------


def test_token_goes_to_the_callers_own_fhir_server(jwks_file: str, caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder({CONDITIONS: bundle(CONDITION)})
    with caplog.at_level(logging.DEBUG):
        response = call(app_with(recorder, jwks_file), needs_conditions(FHIR))
    assert response.status_code == 200, response.get_json()
    assert recorder.urls() == [CONDITIONS]
    assert recorder.sent[0].headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    sec.assert_no_token(ACCESS_TOKEN, caplog.text, response.get_data(as_text=True))


@pytest.mark.parametrize("server", [
    "https://evil.example.com/fhir/R4",
    "https://ehr.example.org/fhir/R4/../../other",
    "https://ehr.example.org/fhir/R4/Patient",
    "https://ehr.example.org.evil.com/fhir/R4",
    "https://ehr.example.org@evil.com/fhir/R4",
    "https://evil.com#@ehr.example.org/fhir/R4",
    "http://ehr.example.org/fhir/R4",
    "HTTPS://EHR.EXAMPLE.ORG/FHIR/R4",
    "ftp://ehr.example.org/fhir/R4",
])
def test_no_request_leaves_for_a_fhir_server_off_the_callers_list(jwks_file: str, server: str,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder({CONDITIONS: bundle(CONDITION)})
    with caplog.at_level(logging.DEBUG):
        response = call(app_with(recorder, jwks_file), needs_conditions(server))
    assert response.status_code == (400 if server.startswith("ftp") else 412)  # ftp: the schema refuses it
    assert response.get_json()["resourceType"] == "OperationOutcome"
    assert recorder.urls() == []
    sec.assert_no_token(ACCESS_TOKEN, caplog.text, response.get_data(as_text=True))


def test_missing_data_without_fhir_server_is_412_and_no_request(jwks_file: str) -> None:
    recorder = Recorder()
    body = needs_conditions(None)
    del body["fhirAuthorization"]  # the schema requires fhirServer with fhirAuthorization (400)
    response = call(app_with(recorder, jwks_file), body)
    assert response.status_code == 412
    assert recorder.urls() == []


def test_next_link_on_another_origin_is_not_followed(jwks_file: str, caplog: pytest.LogCaptureFixture) -> None:
    evil = "https://evil.example.com/fhir/R4/Condition?page=2"
    recorder = Recorder({CONDITIONS: bundle(CONDITION, next_url=evil), evil: bundle(CONDITION)})
    with caplog.at_level(logging.DEBUG):
        response = call(app_with(recorder, jwks_file), needs_conditions(FHIR))
    assert response.status_code == 412
    assert recorder.urls() == [CONDITIONS]
    sec.assert_no_token(ACCESS_TOKEN, caplog.text, response.get_data(as_text=True))


@pytest.mark.parametrize("other", ["http://ehr.example.org/fhir/R4/Condition?page=2",
                                   "https://ehr.example.org:8443/fhir/R4/Condition?page=2",
                                   "//evil.example.com/fhir/R4/Condition?page=2",
                                   # urlsplit reads the host after the '@'; requests connects to the one before it
                                   "https://evil.example.com\\@ehr.example.org/fhir/R4/Condition?page=2",
                                   "https://someone:secret@ehr.example.org/fhir/R4/Condition?page=2",
                                   "https://ehr.example.org:99999/fhir/R4/Condition?page=2",
                                   "https://[::1/fhir/R4/Condition?page=2"])
def test_next_link_on_another_scheme_port_or_host_is_not_followed(jwks_file: str, other: str) -> None:
    recorder = Recorder({CONDITIONS: bundle(CONDITION, next_url=other)})
    assert call(app_with(recorder, jwks_file), needs_conditions(FHIR)).status_code == 412
    assert recorder.urls() == [CONDITIONS]


@pytest.mark.parametrize("page", [
    {"resourceType": "Bundle", "entry": 5},
    {"resourceType": "Bundle", "entry": [], "link": 5},
    {"resourceType": "Bundle", "entry": [], "link": [{"relation": "next", "url": 7}]},
    "deep",
])
def test_a_malformed_bundle_from_the_fhir_server_is_412_not_an_error(jwks_file: str, page: Any) -> None:
    body = ("[" * 100_000 + "]" * 100_000).encode() if page == "deep" else json.dumps(page).encode()
    recorder = Recorder({CONDITIONS: lambda request: (200, {"Content-Type": "application/fhir+json"}, body)})
    response = call(app_with(recorder, jwks_file), needs_conditions(FHIR))
    assert response.status_code == 412 and response.get_json()["resourceType"] == "OperationOutcome"


def test_a_fhir_server_that_is_not_a_url_is_refused_before_any_call(jwks_file: str) -> None:
    recorder = Recorder()
    response = call(app_with(recorder, jwks_file), needs_conditions("https://[ehr.example.org/fhir"))
    assert response.status_code == 412 and recorder.urls() == []


def test_a_token_http_cannot_carry_is_400_before_any_call(jwks_file: str) -> None:
    recorder = Recorder({CONDITIONS: bundle(CONDITION)})
    body = needs_conditions(FHIR)
    body["fhirAuthorization"]["access_token"] = "token-\u2713"
    response = call(app_with(recorder, jwks_file), body)
    assert response.status_code == 400 and "access_token" in response.get_data(as_text=True)
    assert recorder.urls() == []


def test_fetched_entries_are_counted_page_by_page(jwks_file: str) -> None:
    """A server paging out more resources than the limit is stopped at the page that passes it, not after all of
    them are held in memory."""
    pages = [f"{FHIR}/Condition?patient=p1&page={n}" for n in range(2, 6)]
    routes: dict[str, Any] = {CONDITIONS: bundle(*[CONDITION] * 30, next_url=pages[0])}
    routes.update({url: bundle(*[CONDITION] * 30, next_url=following)
                   for url, following in zip(pages, [*pages[1:], None], strict=True)})
    recorder = Recorder(routes)
    response = call(app_with(recorder, jwks_file, limits={"max_bundle_entries": 50}), needs_conditions(FHIR))
    assert response.status_code == 413
    assert recorder.urls() == [CONDITIONS, pages[0]]


def test_next_link_on_the_same_origin_is_followed_with_the_token(jwks_file: str) -> None:
    page2 = f"{FHIR}/Condition?patient=p1&page=2"
    recorder = Recorder({CONDITIONS: bundle(CONDITION, next_url=page2), page2: bundle({**CONDITION, "id": "c2"})})
    assert call(app_with(recorder, jwks_file), needs_conditions(FHIR)).status_code == 200
    assert recorder.urls() == [CONDITIONS, page2]
    assert all(s.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}" for s in recorder.sent)


def test_redirect_to_another_host_is_not_followed(jwks_file: str) -> None:
    evil = "https://evil.example.com/steal"
    recorder = Recorder({CONDITIONS: lambda request: (302, {"Location": evil}, b""), evil: bundle(CONDITION)})
    assert call(app_with(recorder, jwks_file), needs_conditions(FHIR)).status_code == 412
    assert recorder.urls() == [CONDITIONS]


def test_token_is_absent_from_fhir_errors_and_unexpected_errors(jwks_file: str,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    recorder = Recorder({CONDITIONS: lambda request: (500, {}, ACCESS_TOKEN.encode())})
    client = FhirClient(FHIR, ACCESS_TOKEN, recorder)
    with pytest.raises(FhirError) as raised:
        client.get("Condition?patient=p1")
    sec.assert_no_token(ACCESS_TOKEN, str(raised.value), repr(raised.value))
    with pytest.raises(FhirError) as raised:  # unreachable: the requests exception text is not passed on
        FhirClient("https://down.example.org/fhir", ACCESS_TOKEN, Recorder()).get("Patient/p1")
    sec.assert_no_token(ACCESS_TOKEN, str(raised.value))
    with caplog.at_level(logging.DEBUG):
        response = call(app_with(recorder, jwks_file), needs_conditions(FHIR))
    assert response.status_code == 412
    sec.assert_no_token(ACCESS_TOKEN, caplog.text, response.get_data(as_text=True))


def test_no_token_in_the_stored_audit_record(jwks_file: str, tmp_path: Path) -> None:
    """Even with full request bodies audited, neither the FHIR token nor the JWT reaches the database."""
    recorder = Recorder({CONDITIONS: bundle(CONDITION)})
    settings = sec.settings([{"iss": ISS, "jwks_file": jwks_file, "fhir_servers": [FHIR]}],
                            storage={"url": f"sqlite:///{tmp_path / 'audit.sqlite3'}", "audit_request_bodies": True})
    client = sec.make_app(settings, store=None, session=recorder).test_client()  # None: the real SQL store
    jwt_token = mint(KEY)
    body = needs_conditions(FHIR)
    response = client.post("/cds-services/imnm-patient-view", json=body, headers=bearer(jwt_token))
    assert response.status_code == 200, response.get_json()
    stored = b"".join(path.read_bytes() for path in tmp_path.iterdir() if path.is_file())
    assert body["hookInstance"].encode() in stored  # the call was audited …
    for secret in (ACCESS_TOKEN, jwt_token, *jwt_token.split(".")[1:]):
        assert secret.encode() not in stored  # … without a token


def test_outbound_response_size_limit_gives_412(jwks_file: str) -> None:
    big = bundle(*({**CONDITION, "id": f"c{i}", "note": [{"text": "x" * 200}]} for i in range(50)))
    recorder = Recorder({CONDITIONS: big})
    client = app_with(recorder, jwks_file, limits={"max_fhir_response_bytes": 4096})
    response = call(client, needs_conditions(FHIR))
    assert response.status_code == 412
    assert "larger than 4096 bytes" in response.get_json()["issue"][0]["diagnostics"]


# --- limits -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def open_client() -> FlaskClient:
    """Authentication off, small limits, and a recorder that answers nothing: no network whatever is sent."""
    settings = sec.settings(auth={"required": False},
                            limits={"max_body_bytes": 20_000, "max_json_depth": 20, "max_bundle_entries": 5})
    return sec.make_app(settings, session=Recorder()).test_client()


def test_body_over_the_limit_is_413(open_client: FlaskClient) -> None:
    body = sec.patient_view_request(extension={"padding": "x" * 30_000})
    response = open_client.post("/cds-services/imnm-patient-view", json=body)
    assert response.status_code == 413
    assert response.get_json()["issue"][0]["code"] == "too-costly"
    small = open_client.post("/cds-services/imnm-patient-view", json=sec.patient_view_request())
    assert small.status_code == 200


def test_json_nested_deeper_than_the_limit_is_400(open_client: FlaskClient) -> None:
    deep: Any = "bottom"
    for _ in range(30):
        deep = {"d": deep}
    response = open_client.post("/cds-services/imnm-patient-view", json=sec.patient_view_request(extension=deep))
    assert response.status_code == 400
    assert "nesting" in response.get_json()["issue"][0]["diagnostics"]
    very_deep = "[" * 100_000 + "]" * 100_000  # past Python's recursion limit: still a 400, not a 500
    response = open_client.post("/cds-services/imnm-patient-view", data=very_deep, content_type="application/json")
    assert response.status_code in (400, 413)


def test_prefetch_bundle_over_the_entry_limit_is_413(open_client: FlaskClient) -> None:
    body = sec.patient_view_request()
    body["prefetch"]["conditions"] = bundle(*({**CONDITION, "id": f"c{i}"} for i in range(6)))
    response = open_client.post("/cds-services/imnm-patient-view", json=body)
    assert response.status_code == 413
    assert response.get_json()["issue"][0]["expression"] == ["prefetch"]


def test_draft_orders_over_the_entry_limit_is_413(open_client: FlaskClient) -> None:
    order = {"resourceType": "MedicationRequest", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/p1"}, "medicationCodeableConcept": {"text": "prednisone"}}
    body = sec.patient_view_request(hook="order-sign")
    body["context"]["draftOrders"] = bundle(*({**order, "id": f"m{i}"} for i in range(6)))
    response = open_client.post("/cds-services/imnm-order-sign", json=body)
    assert response.status_code == 413
    assert response.get_json()["issue"][0]["expression"] == ["context.draftOrders"]


# --- CORS ---------------------------------------------------------------------------------------------------

SANDBOX = "https://sandbox.cds-hooks.org"


def preflight(client: FlaskClient, origin: str, path: str = "/cds-services/imnm-patient-view") -> Any:
    return client.options(path, headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                         "Access-Control-Request-Headers": "authorization, content-type"})


@pytest.fixture(scope="module")
def cors_client(jwks_file: str) -> FlaskClient:
    settings = sec.settings([{"iss": ISS, "jwks_file": jwks_file}], cors={"origins": [SANDBOX + "/"]})
    return sec.make_app(settings).test_client()


def test_no_cors_by_default(jwks_file: str) -> None:
    client = app_with(Recorder(), jwks_file)
    response = preflight(client, SANDBOX)
    assert not any(h.startswith("Access-Control-") for h, _ in response.headers)
    response = client.get("/cds-services", headers={"Origin": SANDBOX, **bearer(mint(KEY, aud=sec.DISCOVERY_AUD))})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_for_an_allowed_origin_needs_no_token(cors_client: FlaskClient) -> None:
    response = preflight(cors_client, SANDBOX)
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == SANDBOX
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_actual_request_from_an_allowed_origin_gets_cors_headers(cors_client: FlaskClient) -> None:
    ok = cors_client.get("/cds-services", headers={"Origin": SANDBOX, **bearer(mint(KEY, aud=sec.DISCOVERY_AUD))})
    assert ok.status_code == 200
    assert ok.headers["Access-Control-Allow-Origin"] == SANDBOX
    assert "Origin" in ok.headers["Vary"]
    refused = cors_client.get("/cds-services", headers={"Origin": SANDBOX})
    assert refused.status_code == 401
    assert refused.headers["Access-Control-Allow-Origin"] == SANDBOX  # so the browser can show the 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert refused.headers["Access-Control-Expose-Headers"] == "WWW-Authenticate"  # ... and read its scheme


@pytest.mark.parametrize("origin", ["https://evil.example.com", "http://sandbox.cds-hooks.org",
                                    "https://sandbox.cds-hooks.org.evil.com", "https://sandbox.cds-hooks.org:8443",
                                    "null", "*"])
def test_disallowed_origin_gets_no_cors_headers(cors_client: FlaskClient, origin: str) -> None:
    for response in (preflight(cors_client, origin),
                     cors_client.get("/cds-services", headers={"Origin": origin,
                                                              **bearer(mint(KEY, aud=sec.DISCOVERY_AUD))})):
        assert not any(h.startswith("Access-Control-Allow") for h, _ in response.headers), origin


@pytest.mark.parametrize("origins", [["*"], ["sandbox.cds-hooks.org"], ["https://x.example.org/path"]])
def test_unsafe_cors_configuration_is_refused(jwks_file: str, origins: list[str]) -> None:
    with pytest.raises(ConfigError, match=r"cors\.origins"):
        sec.make_app(sec.settings([{"iss": ISS, "jwks_file": jwks_file}], cors={"origins": origins}))


# --- security headers and the Server banner -----------------------------------------------------------------

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "X-Frame-Options": "DENY", "Cache-Control": "no-store",
                    "Strict-Transport-Security": "max-age=31536000"}


@pytest.mark.parametrize("method, path, body, status", [
    ("GET", "/healthz", None, 200),
    ("GET", "/cds-services", None, 401),
    ("GET", "/no-such-thing", None, 404),
    ("DELETE", "/cds-services", None, 405),
    ("POST", "/cds-services/imnm-patient-view", b"{", 401),
    ("GET", "/openapi.json", None, 200),
])
def test_security_headers_on_every_response(cors_client: FlaskClient, method: str, path: str,
                                            body: bytes | None, status: int) -> None:
    response = cors_client.open(path, method=method, data=body, content_type="application/json")
    assert response.status_code == status
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "Server" not in response.headers


def test_security_headers_on_validation_errors_and_500s(open_client: FlaskClient) -> None:
    bad = open_client.post("/cds-services/imnm-patient-view", data=b"[]", content_type="application/json")
    assert bad.status_code == 400
    assert bad.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" in bad.headers  # public_base_url is https

    class BrokenStore(NullStore):
        def record_call(self, record: Any) -> None:
            raise RuntimeError(f"database said no; the token was {ACCESS_TOKEN}")

    settings = sec.settings(auth={"required": False})
    client = sec.make_app(settings, store=BrokenStore(), session=Recorder()).test_client()
    crashed = client.post("/cds-services/imnm-patient-view", json=sec.patient_view_request())
    assert crashed.status_code == 500
    assert crashed.headers["X-Content-Type-Options"] == "nosniff"
    sec.assert_no_token(ACCESS_TOKEN, crashed.get_data(as_text=True))  # the body says "logged", nothing more


@pytest.fixture(scope="module")
def gunicorn_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The production server (gunicorn, with the project's settings) on loopback, authentication off."""
    port = free_port()
    env = open_service_env(tmp_path_factory.mktemp("gunicorn") / "db.sqlite3")
    url = f"http://127.0.0.1:{port}"
    with serving(gunicorn_command(port, "-w", "1"), f"{url}/healthz", cwd=ROOT, env=env):
        yield url


def test_no_server_banner_with_a_version_under_gunicorn(gunicorn_url: str) -> None:
    for path in ("/healthz", "/cds-services/nope", "/openapi.json"):
        response = requests.get(f"{gunicorn_url}{path}", timeout=5)
        server = response.headers.get("Server", "")
        assert not any(ch.isdigit() for ch in server) and "/" not in server, server
        assert "python" not in server.lower() and "werkzeug" not in server.lower()
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def _raw(url: str, request: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send bytes no HTTP library would send; (status line, headers, body) of the answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    return status, {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}, body


@pytest.mark.parametrize(("request_bytes", "status_line", "issue"), [
    (b"NOT A REQUEST LINE\r\n\r\n", "HTTP/1.1 400 Bad Request", "invalid"),  # gunicorn: invalid request line
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 414 Request-URI Too Long", "too-long"),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(120)) + b"\r\n",
     "HTTP/1.1 431 Request Header Fields Too Large", "too-long"),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad(Name): 1\r\n\r\n", "HTTP/1.1 400 Bad Request", "invalid"),
    # gunicorn's own reason phrase for this one was 'Bad Request'
    (b"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: foo\r\n\r\n", "HTTP/1.1 501 Not Implemented",
     "not-supported"),
])
def test_errors_gunicorn_answers_itself_are_operation_outcomes(gunicorn_url: str, request_bytes: bytes,
                                                              status_line: str, issue: str) -> None:
    """A request gunicorn cannot parse never reaches Flask: it used to get gunicorn's HTML page, not the
    OperationOutcome of every other error (service-contract.md section 5), and none of the security headers."""
    answered, headers, body = _raw(gunicorn_url, request_bytes)
    assert answered == status_line
    assert headers["content-type"] == "application/fhir+json"
    assert int(headers["content-length"]) == len(body)
    assert headers["x-content-type-options"] == "nosniff" and headers["cache-control"] == "no-store"
    outcome = json.loads(body)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["severity"] == "error" and outcome["issue"][0]["diagnostics"]
    assert outcome["issue"][0]["code"] == issue


def test_a_path_header_from_the_proxy_s_address_is_not_trusted(gunicorn_url: str) -> None:
    """gunicorn took SCRIPT_NAME (and PATH_INFO) from a request from 127.0.0.1, where the proxy sits: 'SCRIPT_NAME:
    /zzz' gave a 500. The service is served at the root; only X-Forwarded-Proto is taken from the proxy."""
    status_line, _, _ = _raw(gunicorn_url, b"GET /healthz HTTP/1.1\r\nHost: x\r\nSCRIPT_NAME: /zzz\r\n"
                                           b"Connection: close\r\n\r\n")
    assert status_line == "HTTP/1.1 200 OK"
    status_line, _, _ = _raw(gunicorn_url, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Forwarded-Ssl: on\r\n"
                                           b"X-Forwarded-Proto: http\r\nConnection: close\r\n\r\n")
    assert status_line == "HTTP/1.1 200 OK"  # was a 400 'Contradictory scheme headers'


def test_gunicorn_s_error_answer_carries_hsts_when_the_service_is_https() -> None:
    from service import gunicorn_errors

    ours, theirs = socket.socketpair()
    with ours, theirs:
        gunicorn_errors.write_error(ours, 400, "Bad Request", "Invalid request line", hsts=True)
        head = theirs.recv(65536).decode("latin-1").split("\r\n\r\n")[0]
    assert "Strict-Transport-Security: max-age=31536000" in head.split("\r\n")
