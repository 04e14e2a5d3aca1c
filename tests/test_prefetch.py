"""Prefetch states (present, null, OperationOutcome, missing) and the FHIR fallback against a local FHIR server."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import fhir_fixtures
from fhir_fixtures.fake_server import FakeFhir, serving
from hooks import knowledge
from service.app import create_app
from service.config import Settings
from service.store import NullStore
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


# --- which missing keys stop the call (contract section 2: "if that is impossible and the data is needed") -------

ORDER_SIGN = "r14-fires-order-sign-antibody-coded"


def test_a_missing_key_no_rule_of_the_hook_needs_is_reported_unavailable_not_412(client):
    """No order-sign rule needs immunizations (some also read them): the statin card still shows, the response says
    the key was neither sent nor fetchable, and the rules that read it say what they could not see."""
    body = _request(ORDER_SIGN)
    del body["prefetch"]["immunizations"]
    response = client.post("/cds-services/imnm-order-sign?explain=true", json=body)
    assert response.status_code == 200 and RULE in _codes(response)
    extension = response.get_json()["extension"]["imnm-cds"]
    assert any("'immunizations' was not sent and could not be fetched (no fhirServer was given)" in w
               for w in extension["warnings"])
    unseen = [e["rule"] for e in extension["explanation"]
              if "immunizations" in e.get("facts", {}).get("unavailable_prefetch", [])]
    assert unseen, "rules that also read immunizations report them as not seen"


def test_a_missing_key_a_rule_of_the_hook_needs_is_412_naming_only_that_key(client):
    body = _request(ORDER_SIGN)
    del body["prefetch"]["immunizations"], body["prefetch"]["procedures"]
    response = post(client, "imnm-order-sign", body)
    assert response.status_code == 412
    diagnostics = response.get_json()["issue"][0]["diagnostics"]
    assert "procedures" in diagnostics and "immunizations" not in diagnostics


def test_the_needed_keys_are_the_loaded_rules_needs():
    """The HTTP layer asks the knowledge base: once an order-sign rule needs immunizations, their absence is 412."""
    kb = knowledge.load()
    assert "immunizations" not in kb.needed_prefetch("order-sign")
    assert kb.needed_prefetch("patient-view") == {key for loaded in kb.rules if "patient-view" in loaded.rule.hooks
                                                  for key in loaded.rule.needs}
    rules = tuple(replace(loaded, rule=replace(loaded.rule, needs=(*loaded.rule.needs, "immunizations")))
                  if "order-sign" in loaded.rule.hooks else loaded for loaded in kb.rules)
    strict = replace(kb, rules=rules)
    assert "immunizations" in strict.needed_prefetch("order-sign")
    settings = Settings.load(None, env={}, overrides={"auth": {"required": False}})
    client = create_app(settings, kb=strict, store=NullStore()).test_client()
    body = _request(ORDER_SIGN)
    del body["prefetch"]["immunizations"]
    assert post(client, "imnm-order-sign", body).status_code == 412


def test_an_unneeded_key_the_fhir_server_fails_to_give_is_reported_not_412(client):
    body = _request(ORDER_SIGN)
    data = dict(body["prefetch"])
    del body["prefetch"]["immunizations"]
    with serving(FakeFhir(data, fail={"Immunization"})) as fake:
        response = post(client, "imnm-order-sign", _with_server(body, fake))
    assert response.status_code == 200 and RULE in _codes(response)
    warnings = response.get_json()["extension"]["imnm-cds"]["warnings"]
    assert any("'immunizations' was not sent and could not be fetched (FHIR server answered 500)" in w
               for w in warnings)
    assert not any("Fetched from the FHIR server" in w for w in warnings)


def test_an_unneeded_key_with_an_unusable_fhir_server_is_reported_not_412():
    client = make_app(fhir={"allow_http": False}).test_client()
    body = _request(ORDER_SIGN)
    data = dict(body["prefetch"])
    del body["prefetch"]["immunizations"]
    with serving(FakeFhir(data)) as fake:
        response = post(client, "imnm-order-sign", _with_server(body, fake))
    assert response.status_code == 200 and RULE in _codes(response)
    assert fake.requests == []
    assert any("'immunizations' was not sent and could not be fetched (fhirServer cannot be used" in w
               for w in response.get_json()["extension"]["imnm-cds"]["warnings"])


# --- a prefetch value that is not what its query answers (contract sections 2 and 5) ----------------------------

@pytest.mark.parametrize(("key", "value", "says"), [
    ("observations", {"resourceType": "Patient", "id": "x"}, "a Patient where a Bundle was expected"),
    ("observations", {"resourceType": "Bundle", "type": "searchset", "entry": {"a": 1}},
     "a Bundle whose 'entry' is not an array"),
    ("patient", {"resourceType": "Condition", "id": "x"}, "a Condition where a Patient or a Bundle was expected"),
    ("patient", {"resourceType": "Bundle", "type": "searchset", "entry": "x"},
     "a Bundle whose 'entry' is not an array"),
])
def test_a_prefetch_value_that_is_not_its_querys_answer_is_unavailable_and_named(client, key, value, says):
    """Read like an OperationOutcome, never as an empty chart: the critical statin card is not dropped silently."""
    body = _request(ORDER_SIGN)
    body["prefetch"][key] = value
    response = client.post("/cds-services/imnm-order-sign?explain=true", json=body)
    assert response.status_code == 200
    extension = response.get_json()["extension"]["imnm-cds"]
    assert f"Prefetch '{key}' could not be read: it is {says}. Rules that need it are reported as not evaluable." \
        in extension["warnings"]
    entry = next(e for e in extension["explanation"] if e["rule"] == RULE)
    assert entry["status"] == "not-evaluable" and key in entry["reason"]


@pytest.mark.parametrize("key", ["patient", "medications"])
def test_a_bundle_holding_the_data_or_with_no_entry_is_read_as_usual(client, key):
    body = _request(ORDER_SIGN)
    if key == "patient":  # a read's resource, sent inside a Bundle
        body["prefetch"]["patient"] = {"resourceType": "Bundle", "type": "searchset",
                                       "entry": [{"resource": body["prefetch"]["patient"]}]}
    else:  # a search that found nothing may leave 'entry' out
        body["prefetch"][key] = {"resourceType": "Bundle", "type": "searchset", "total": 0}
    response = post(client, "imnm-order-sign", body)
    assert response.status_code == 200 and RULE in _codes(response)
    assert not any("could not be read" in w
                   for w in response.get_json().get("extension", {}).get("imnm-cds", {}).get("warnings", []))


def test_a_fhir_server_answering_a_read_with_another_resource_is_a_failed_fetch(client):
    body = _request(ORDER_SIGN)
    data = {**body["prefetch"], "patient": {"resourceType": "Condition", "id": "x"}}
    del body["prefetch"]["patient"]
    with serving(FakeFhir(data)) as fake:
        response = post(client, "imnm-order-sign", _with_server(body, fake))
    assert response.status_code == 412
    assert "patient: FHIR server answered a Condition where a Patient or a Bundle was expected" in \
        response.get_json()["issue"][0]["diagnostics"]


def test_the_medications_query_brings_the_medications_its_orders_refer_to(client):
    """A statin ordered by medicationReference: the discovery query for `medications` had no _include, so a client
    following it (and the fallback) sent the order without its Medication, and R14 could not see the statin. The
    query asks for them (`_include=MedicationRequest:medication`), and the fallback sends it."""
    body = _request()
    data = body.pop("prefetch")
    statin = next(e["resource"] for e in data["medications"]["entry"] if "statin" in json.dumps(e).lower())
    medication = {"resourceType": "Medication", "id": "statin-1", "code": statin.pop("medicationCodeableConcept")}
    statin["medicationReference"] = {"reference": "Medication/statin-1"}
    data["medications"]["entry"].append({"resource": medication, "search": {"mode": "include"}})
    with serving(FakeFhir(data)) as fake:
        response = post(client, "imnm-patient-view", _with_server(body, fake))
    assert response.status_code == 200 and RULE in _codes(response)
    queries = [parse_qs(urlsplit(path).query) for path, _ in fake.requests if "/MedicationRequest" in path]
    assert queries and all(q["_include"] == ["MedicationRequest:medication"] for q in queries)
