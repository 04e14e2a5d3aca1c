"""Prefetch states (present, null, OperationOutcome, missing) and the FHIR fallback against a local FHIR server."""

from __future__ import annotations

import time
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import fhir_fixtures
from fhir_fixtures.fake_server import FakeFhir, serving
from tests.api_support import make_app, post

RULE = "statin-contraindicated-anti-hmgcr"


@pytest.fixture(scope="module")
def client():
    return make_app().test_client()


def _request(name: str = "r14-fires-patient-view-active-statin") -> dict:
    return fhir_fixtures.get(name).request(date.today())


def _codes(response) -> list[str]:
    return [c["source"]["topic"]["code"] for c in response.get_json()["cards"]]


def test_present_prefetch_is_used_without_any_fhir_call(client):
    body = _request()
    with serving(FakeFhir(body["prefetch"])) as fake:
        body.update(fhirServer=fake.base_url, fhirAuthorization={
            "access_token": fake.token, "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read",
            "subject": "cds"})
        response = post(client, "imnm-patient-view", body)
    assert response.status_code == 200 and RULE in _codes(response)
    assert fake.requests == []


def test_null_prefetch_means_known_empty(client):
    body = _request()
    body["prefetch"]["medications"] = None
    response = post(client, "imnm-patient-view", body)
    assert response.status_code == 200 and RULE not in _codes(response)


def test_operation_outcome_prefetch_makes_dependent_rules_not_evaluable(client):
    body = _request()
    body["prefetch"]["observations"] = {"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "timeout"}]}
    response = client.post("/cds-services/imnm-patient-view?explain=true", json=body)
    assert response.status_code == 200
    extension = response.get_json()["extension"]["imnm-cds"]
    assert any("'observations' failed" in w for w in extension["warnings"])
    entry = next(e for e in extension["explanation"] if e["rule"] == RULE)
    assert entry["status"] == "not-evaluable"


def _with_server(body: dict, fake: FakeFhir, token: str | None = None) -> dict:
    body["fhirServer"] = fake.base_url
    body["fhirAuthorization"] = {"access_token": token or fake.token, "token_type": "Bearer", "expires_in": 300,
                                 "scope": "patient/*.read", "subject": "cds-service"}
    return body


def test_without_fhir_authorization_the_fhir_server_is_never_called(client):
    """CDS Hooks: a service presents the client's access token with every FHIR call. No token, no call: 412."""
    body = _request()
    data = body.pop("prefetch")
    with serving(FakeFhir(data)) as fake:
        body["fhirServer"] = fake.base_url
        response = post(client, "imnm-patient-view", body)
    assert response.status_code == 412 and "fhirAuthorization" in response.get_data(as_text=True)
    assert fake.requests == []


def test_missing_keys_are_fetched_with_the_bearer_token_and_patient_query():
    """The configured page size goes out as _count on every search (not on the Patient read), and each page's
    next link is followed until the search is complete."""
    client = make_app(fhir={"page_size": 1}).test_client()
    body = _request()
    data = body.pop("prefetch")
    with serving(FakeFhir(data, page_size=50)) as fake:
        response = post(client, "imnm-patient-view", _with_server(body, fake))
    assert response.status_code == 200 and RULE in _codes(response)
    assert {auth for _, auth in fake.requests} == {f"Bearer {fake.token}"}
    paths = [urlsplit(p) for p, _ in fake.requests]
    assert any(p.path.endswith("/Patient/imnm-demo") for p in paths)
    searched = {p.path.rsplit("/", 1)[1] for p in paths if p.query}
    assert searched == {"Condition", "Observation", "MedicationRequest", "Immunization", "Procedure"}
    assert all(parse_qs(p.query)["patient"] == ["imnm-demo"] for p in paths if p.query)
    assert any("_offset" in p.query for p in paths), "next links were followed"
    assert all(parse_qs(p.query)["_count"] == ["1"] for p in paths if p.query)
    observations = len(data["observations"]["entry"])
    assert observations > 1
    assert sum(1 for p in paths if p.path.endswith("/Observation")) == observations  # one page per result
    warnings = response.get_json()["extension"]["imnm-cds"]["warnings"]
    assert any("Fetched from the FHIR server" in w for w in warnings)


def test_only_the_missing_keys_are_fetched(client):
    body = _request()
    data = dict(body["prefetch"])
    del body["prefetch"]["medications"]
    with serving(FakeFhir(data)) as fake:
        response = post(client, "imnm-patient-view", _with_server(body, fake))
    assert response.status_code == 200 and RULE in _codes(response)
    assert [urlsplit(p).path.rsplit("/", 1)[1] for p, _ in fake.requests] == ["MedicationRequest"]


def test_fhir_server_failure_is_412(client):
    body = _request()
    data = body.pop("prefetch")
    with serving(FakeFhir(data, fail={"Observation"})) as fake:
        response = post(client, "imnm-patient-view", _with_server(body, fake))
    assert response.status_code == 412
    assert "observations" in response.get_json()["issue"][0]["diagnostics"]


def test_wrong_token_is_412_not_a_crash(client):
    body = _request()
    data = body.pop("prefetch")
    with serving(FakeFhir(data)) as fake:
        response = post(client, "imnm-patient-view", _with_server(body, fake, token="wrong"))
    assert response.status_code == 412


def _fetched(fhir: dict, **behaviour: float) -> tuple[Any, float]:
    """The call with nothing prefetched, answered by a local FHIR server that behaves so; and how long it took."""
    client = make_app(fhir=fhir).test_client()
    body = _request()
    data = body.pop("prefetch")
    with serving(FakeFhir(data, **behaviour)) as fake:
        started = time.monotonic()
        response = post(client, "imnm-patient-view", _with_server(body, fake))
        return response, time.monotonic() - started


def test_missing_keys_are_fetched_in_parallel_within_the_budget():
    response, elapsed = _fetched({"budget_seconds": 3.0, "timeout_seconds": 2.0}, delay_seconds=0.3)
    assert response.status_code == 200
    # six queries of 0.3 s each: in series that would be 1.8 s; in parallel about one query's time
    assert elapsed < 1.4, elapsed


def test_budget_exhausted_gives_412_rather_than_hanging():
    response, _ = _fetched({"budget_seconds": 0.5, "timeout_seconds": 0.4}, delay_seconds=1.0)
    assert response.status_code == 412


def test_a_server_that_drips_its_body_cannot_hold_the_call_past_the_budget():
    """Each byte arrives well within the read timeout, so only the budget can stop it (it used to take ~30 s)."""
    response, elapsed = _fetched({"budget_seconds": 0.5, "timeout_seconds": 0.4}, drip_seconds=0.05)
    assert response.status_code == 412 and "budget" in response.get_data(as_text=True)
    assert elapsed < 3, "the budget bounds the whole call, not each read"


def test_a_server_that_stalls_in_its_body_gives_412_not_an_error():
    """The headers arrive, then the body stops for longer than a read may wait: a failed fetch like any other."""
    response, _ = _fetched({"budget_seconds": 3.0, "timeout_seconds": 0.3}, drip_seconds=0.6)
    assert response.status_code == 412


def test_plain_http_fhir_server_is_refused_unless_allowed():
    client = make_app(fhir={"allow_http": False}).test_client()
    body = _request()
    data = body.pop("prefetch")
    with serving(FakeFhir(data)) as fake:
        response = post(client, "imnm-patient-view", _with_server(body, fake))
    assert response.status_code == 412
    assert fake.requests == []
