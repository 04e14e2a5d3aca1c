"""How the HTTP layer authenticates a call: which JWT audiences each route accepts (CDS Hooks 2.0 "Trusting CDS
Clients"), and the challenge every 401 carries (RFC 6750 section 3)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.app import create_app
from tests import security_support as sec

KEY = sec.ec_key("audience-key")
FEEDBACK_AUD = f"{sec.PATIENT_VIEW_AUD}/feedback"
ORDER_SIGN_AUD = f"{sec.BASE}/cds-services/imnm-order-sign"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    folder: Path = tmp_path_factory.mktemp("auth")
    settings = sec.settings([{"iss": sec.ISS, "jwks_file": sec.jwks_file(folder, KEY)}],
                            storage={"url": f"sqlite:///{folder / 'db.sqlite3'}"})
    return create_app(settings).test_client()  # the configured database: feedback is stored


def _feedback(client: FlaskClient, **headers: Any) -> Any:
    item = {"card": str(uuid.uuid4()), "outcome": "overridden", "outcomeTimestamp": "2026-11-21T10:05:31Z"}
    return client.post("/cds-services/imnm-patient-view/feedback", json={"feedback": [item]}, headers=headers)


@pytest.mark.parametrize("aud", [FEEDBACK_AUD, sec.PATIENT_VIEW_AUD, [sec.PATIENT_VIEW_AUD]],
                         ids=["feedback-url", "service-url", "service-url-in-array"])
def test_feedback_accepts_a_token_for_the_feedback_url_or_the_service_url(client: FlaskClient, aud: Any) -> None:
    response = _feedback(client, **sec.bearer(sec.mint(KEY, aud=aud)))
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("aud", [ORDER_SIGN_AUD, f"{ORDER_SIGN_AUD}/feedback", sec.DISCOVERY_AUD])
def test_feedback_refuses_a_token_for_another_endpoint(client: FlaskClient, aud: str) -> None:
    assert _feedback(client, **sec.bearer(sec.mint(KEY, aud=aud))).status_code == 401


def test_a_feedback_token_is_not_accepted_by_the_service_itself(client: FlaskClient) -> None:
    response = client.post("/cds-services/imnm-patient-view", json=sec.patient_view_request(),
                           headers=sec.bearer(sec.mint(KEY, aud=FEEDBACK_AUD)))
    assert response.status_code == 401


def test_a_feedback_token_is_used_once_whichever_audience_it_names(client: FlaskClient) -> None:
    token = sec.mint(KEY, aud=sec.PATIENT_VIEW_AUD)
    assert _feedback(client, **sec.bearer(token)).status_code == 200
    assert _feedback(client, **sec.bearer(token)).status_code == 401  # replayed


@pytest.mark.parametrize("headers", [{}, sec.bearer("not-a-jwt"), {"Authorization": "Basic dXNlcjpwYXNz"}],
                         ids=["no-header", "bad-token", "other-scheme"])
@pytest.mark.parametrize(("method", "path"), [("GET", "/cds-services"), ("POST", "/cds-services/imnm-order-sign"),
                                              ("POST", "/cds-services/imnm-patient-view/feedback")])
def test_every_401_names_the_bearer_scheme_and_nothing_else(client: FlaskClient, headers: dict[str, str],
                                                            method: str, path: str) -> None:
    response = client.open(path, method=method, json={}, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.get_json() == {"resourceType": "OperationOutcome",
                                   "issue": [{"severity": "error", "code": "login", "diagnostics": "Unauthorized"}]}


def test_an_accepted_call_has_no_challenge(client: FlaskClient) -> None:
    response = client.get("/cds-services", headers=sec.bearer(sec.mint(KEY, aud=sec.DISCOVERY_AUD)))
    assert response.status_code == 200 and "WWW-Authenticate" not in response.headers
