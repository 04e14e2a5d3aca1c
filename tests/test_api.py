"""The HTTP protocol: discovery, routing by service id, and every error row of the contract (section 5)."""

from __future__ import annotations

import gzip
import io
import json
import math
from datetime import date

import pytest
from gunicorn.http.errors import InvalidChunkSize
from hypothesis import given, settings
from hypothesis import strategies as st

import fhir_fixtures
from service import validation
from service.app import without_nulls
from tests.api_support import make_app, post


@pytest.fixture(scope="module")
def client():
    return make_app().test_client()


def _request(hook: str = "order-sign") -> dict:
    name = "r14-fires-order-sign-antibody-coded" if hook == "order-sign" else "r14-fires-patient-view-active-statin"
    return fhir_fixtures.get(name).request(date.today())


def test_discovery_lists_both_services_with_the_six_prefetch_keys(client):
    response = client.get("/cds-services")
    assert response.status_code == 200
    body = response.get_json()
    assert validation.errors("discovery-response", body) == []
    services = {s["id"]: s for s in body["services"]}
    assert set(services) == {"imnm-patient-view", "imnm-order-sign"}
    assert services["imnm-patient-view"]["hook"] == "patient-view"
    assert services["imnm-order-sign"]["hook"] == "order-sign"
    for service in services.values():
        assert set(service["prefetch"]) == {"patient", "conditions", "observations", "medications",
                                            "immunizations", "procedures"}
        assert service["title"] and service["description"] and service["usageRequirements"]
        assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"


def test_service_call_returns_cards_routed_by_id(client):
    response = post(client, "imnm-order-sign", _request())
    assert response.status_code == 200
    assert [c["source"]["topic"]["code"] for c in response.get_json()["cards"]] == [
        "statin-contraindicated-anti-hmgcr"]


def test_body_not_json_is_400_naming_the_body(client):
    response = client.post("/cds-services/imnm-order-sign", data=b"{not json", content_type="application/json")
    assert response.status_code == 400
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["body"]


class _MalformedChunks(io.RawIOBase):
    """A request body as gunicorn reads a malformed chunked one ('zz' for a chunk size): the read raises."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer):
        raise InvalidChunkSize(b"zz")


@pytest.mark.parametrize("path", ["/cds-services/imnm-patient-view", "/cds-services/imnm-order-sign/feedback"])
def test_a_body_the_server_cannot_read_is_400_not_500(client, path):
    response = client.post(path, content_type="application/json", headers={"Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input": io.BufferedReader(_MalformedChunks()),
                                              "wsgi.input_terminated": True})
    assert response.status_code == 400
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome" and "could not be read" in outcome["issue"][0]["diagnostics"]


def test_wrong_content_type_is_400(client):
    response = client.post("/cds-services/imnm-order-sign", data=json.dumps(_request()), content_type="text/plain")
    assert response.status_code == 400
    assert response.get_json()["issue"][0]["expression"] == ["Content-Type"]


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda r: r.pop("hookInstance"), "(root)"),
    (lambda r: r.update(hook=7), "hook"),
    (lambda r: r["context"].pop("patientId"), "context"),
    (lambda r: r["context"].update(draftOrders=[]), "context.draftOrders"),
    (lambda r: r.update(prefetch={"patient": "Patient/1"}), "prefetch.patient"),
    (lambda r: r.update(fhirServer="https://ehr.example.org/fhir", fhirAuthorization={"access_token": "x"}),
     "fhirAuthorization"),
])
def test_schema_violations_are_400_naming_the_field(client, mutate, field):
    body = _request()
    mutate(body)
    response = client.post("/cds-services/imnm-order-sign", json=body)
    assert response.status_code == 400
    issue = response.get_json()["issue"][0]
    assert issue["expression"][0].startswith(field), issue


def test_body_that_is_a_json_array_is_400(client):
    response = client.post("/cds-services/imnm-order-sign", json=[1, 2])
    assert response.status_code == 400


def test_unknown_service_id_is_404(client):
    response = post(client, "imnm-unknown", _request())
    assert response.status_code == 404
    assert response.get_json()["resourceType"] == "OperationOutcome"


def test_hook_differing_from_the_service_is_400(client):
    response = post(client, "imnm-patient-view", _request("order-sign"))
    assert response.status_code == 400
    assert response.get_json()["issue"][0]["expression"] == ["hook"]


def test_missing_prefetch_without_fhir_server_is_412(client):
    body = _request()
    del body["prefetch"]
    response = post(client, "imnm-order-sign", body)
    assert response.status_code == 412
    assert response.get_json()["resourceType"] == "OperationOutcome"


def test_body_over_the_limit_is_413():
    client = make_app(limits={"max_body_bytes": 2000}).test_client()
    response = post(client, "imnm-order-sign", _request())
    assert response.status_code == 413
    assert response.get_json()["resourceType"] == "OperationOutcome"


def test_chunked_body_over_the_limit_is_413_not_cut_and_parsed():
    """No Content-Length (chunked, as gunicorn passes it on): Werkzeug stops reading at the limit without
    refusing, and the cut JSON used to give a 400."""
    client = make_app(limits={"max_body_bytes": 2000}).test_client()
    chunked = {"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"}
    response = client.post("/cds-services/imnm-order-sign", input_stream=io.BytesIO(json.dumps(_request()).encode()),
                           content_type="application/json", environ_overrides=chunked)
    assert response.status_code == 413


def test_too_deep_json_is_400_not_a_crash(client):
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post("/cds-services/imnm-order-sign", data=deep, content_type="application/json")
    assert response.status_code == 400


def test_too_many_bundle_entries_is_413():
    client = make_app(limits={"max_bundle_entries": 2}).test_client()
    response = post(client, "imnm-order-sign", _request())
    assert response.status_code == 413


def test_malformed_resource_in_a_bundle_is_skipped_and_named(client):
    body = _request()
    entries = body["prefetch"]["observations"]["entry"]
    entries.append({"resource": {"resourceType": "Observation", "id": "broken", "status": "final",
                                 "code": {"coding": [{"system": "http://loinc.org", "code": "2157-6"}]},
                                 "effectiveDateTime": "not-a-date", "valueQuantity": {"value": "high"}}})
    entries.append({"resource": "just a string"})
    response = post(client, "imnm-order-sign", body)
    assert response.status_code == 200
    body = response.get_json()
    warnings = body["extension"]["imnm-cds"]["warnings"]
    assert any("Observation/broken" in w for w in warnings)
    assert any("not a FHIR resource" in w for w in warnings)
    assert [c["source"]["topic"]["code"] for c in body["cards"]] == ["statin-contraindicated-anti-hmgcr"]


@pytest.mark.parametrize(("timing", "why"), [
    ('{"count": 1e999}', "timing.repeat.count is out of range"),  # valid JSON that Python reads as infinity
    ('{"period": 1e308, "periodUnit": "d"}', "timing.repeat.period is out of range"),
    ('{"boundsDuration": {"value": 100000, "unit": "a"}}', "boundsDuration is out of range"),
    ('{"boundsPeriod": {"start": "9999-12-31"}, "boundsDuration": {"value": 10, "unit": "d"}}',
     "runs past the year 9999"),
    ('{"boundsPeriod": {"start": "0001-01-01"}}', "boundsPeriod.start is outside the years 1800-9999"),
])
def test_numbers_and_dates_out_of_range_skip_the_resource_not_the_call(client, timing, why):
    body = fhir_fixtures.get("r09-fires-seed-50-mg-weekly").request(date.today())
    draft = body["context"]["draftOrders"]["entry"][0]["resource"]
    draft["dosageInstruction"][0]["timing"] = {"repeat": "__TIMING__"}
    text = json.dumps(body).replace('"__TIMING__"', timing)
    response = client.post("/cds-services/imnm-order-sign", data=text, content_type="application/json")
    assert response.status_code == 200
    warnings = response.get_json()["extension"]["imnm-cds"]["warnings"]
    assert any(draft["id"] in w and why in w for w in warnings), warnings


@pytest.mark.parametrize(("text", "says"), [
    ('{"hook": "order-sign", "hookInstance": NaN}', "NaN is not a JSON number"),
    ('{"hook": "order-sign", "context": {"patientId": Infinity}}', "Infinity is not a JSON number"),
    ('{"hook": "\\ud800", "hookInstance": "x", "context": {}}', "not valid Unicode"),  # JSON, but not Unicode
])
def test_what_python_parses_but_json_does_not_allow_is_400(client, text, says):
    response = client.post("/cds-services/imnm-order-sign", data=text, content_type="application/json")
    assert response.status_code == 400 and says in response.get_json()["issue"][0]["diagnostics"]


def test_a_value_the_schema_pattern_forbids_is_400_even_with_a_trailing_newline(client):
    """The Python validator's '$' also matches before a final newline; the schema's verdict must stand."""
    body = _request()
    body["context"]["patientId"] += "\n"
    assert post(client, "imnm-order-sign", body).status_code == 400


def test_unknown_path_and_method_give_operation_outcomes(client):
    assert client.get("/nowhere").status_code == 404
    response = client.get("/cds-services/imnm-order-sign")
    assert response.status_code == 405
    assert response.get_json()["resourceType"] == "OperationOutcome"


def test_explain_flag_adds_the_explanation_only_when_asked(client):
    plain = post(client, "imnm-order-sign", _request()).get_json()
    assert "explanation" not in plain.get("extension", {}).get("imnm-cds", {})
    explained = client.post("/cds-services/imnm-order-sign?explain=true", json=_request()).get_json()
    entries = {e["rule"]: e for e in explained["extension"]["imnm-cds"]["explanation"]}
    assert entries["statin-contraindicated-anti-hmgcr"]["status"] == "fired"


@pytest.mark.parametrize(("name", "service"), [("r05-fires-prednisone-alone-45-days", "imnm-patient-view"),
                                              ("r06-fires-per-kg-below-80-mg", "imnm-order-sign")])
def test_an_explained_response_has_no_null_or_empty_elements(client, name, service):
    """CDS Hooks forbids null or empty JSON elements; the explanation's facts said 'not on file' as null (53 in one
    call), and an entry with no facts left "facts": {} (11 of 16 entries of an order-sign call)."""
    request = fhir_fixtures.get(name).request(date.today())
    body = client.post(f"/cds-services/{service}?explain=true", json=request).get_json()
    pending, empty = [body], 0
    while pending:
        value = pending.pop()
        members = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        empty += sum(member is None or member in ("", {}, []) for member in members)
        pending.extend(members)
    assert empty == 0
    assert any(e["status"] == "fired" for e in body["extension"]["imnm-cds"]["explanation"])


def test_a_number_that_is_no_json_number_is_left_out_of_an_explanation():
    assert without_nulls({"ratio": math.inf, "facts": {"nan": math.nan}, "kept": [1.5, None]}) == {"kept": [1.5]}


def test_explain_can_be_switched_off():
    client = make_app(features={"explain": False}).test_client()
    body = client.post("/cds-services/imnm-order-sign?explain=true", json=_request()).get_json()
    assert "explanation" not in body.get("extension", {}).get("imnm-cds", {})


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["checks"]["rules"] >= 1


def test_fast_and_reference_schema_validators_agree():
    """The jsonschema-rs fast path and the jsonschema reference give the same verdict on valid and broken
    requests, so the fast path never lets through what the reference would refuse."""
    import copy

    documents = [fhir_fixtures.get(name).request(date.today()) for name in sorted(fhir_fixtures.all_fixtures())]
    broken = []
    for mutate in (lambda r: r.pop("hookInstance"), lambda r: r.update(hook=7),
                   lambda r: r["context"].pop("patientId"), lambda r: r.update(prefetch={"patient": "x"}),
                   lambda r: r.update(fhirServer="ftp://x"), lambda r: r["context"].update(patientId="a b&c"),
                   lambda r: r.update(fhirAuthorization={"access_token": "x"}), lambda r: r.update(prefetch=[]),
                   lambda r: r["context"].update(draftOrders={"resourceType": "Patient"})):
        body = copy.deepcopy(documents[0])
        mutate(body)
        broken.append(body)
    for document in documents + broken:
        reference = not validation.errors("hook-request", document)
        assert validation.fast_validator("hook-request").is_valid(document) is reference
    assert not any(validation.fast_validator("hook-request").is_valid(b) for b in broken)


def _depth(value: object) -> int:
    """Nesting depth by definition (the document itself is depth 1): the oracle for the compiled check."""
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return 1 + max((_depth(v) for v in children), default=0)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=3),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner,
                                                                                        max_size=3),
                           max_leaves=40)


@settings(max_examples=300, deadline=None)
@given(document=json_values, limit=st.integers(min_value=1, max_value=8))
def test_depth_check_accepts_exactly_the_documents_within_the_limit(document, limit):
    assert validation.depth_validator(limit).is_valid(document) is (_depth(document) <= limit)


def test_depth_check_on_a_real_request_and_at_the_boundary():
    request = fhir_fixtures.get(sorted(fhir_fixtures.all_fixtures())[0]).request(date.today())
    assert validation.depth_validator(64).is_valid(request)
    assert not validation.depth_validator(_depth(request) - 1).is_valid(request)
    nested: object = 1
    for _ in range(63):
        nested = [nested]
    assert validation.depth_validator(64).is_valid(nested) and not validation.depth_validator(63).is_valid(nested)
    assert validation.depth_validator(2).is_valid({"a": [], "b": {}})  # empty containers hold nothing deeper


def test_workers_tune_the_garbage_collector_once_loaded():
    """service.wsgi calls this in every worker: start-up objects frozen, young collections far apart (issue 6)."""
    import gc

    from service.app import tune_garbage_collector

    before = gc.get_threshold()
    try:
        tune_garbage_collector()
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] >= 50_000
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_a_body_must_be_utf_8_and_may_start_with_a_byte_order_mark(client):
    """RFC 8259: JSON between systems is UTF-8. A UTF-16 body is a 400 naming the encoding; a UTF-8 BOM is fine."""
    text = json.dumps(_request())
    utf16 = client.post("/cds-services/imnm-order-sign", data=text.encode("utf-16"), content_type="application/json")
    assert utf16.status_code == 400 and "not UTF-8" in utf16.get_json()["issue"][0]["diagnostics"]
    bom = client.post("/cds-services/imnm-order-sign", data=b"\xef\xbb\xbf" + text.encode(),
                      content_type="application/json")
    assert bom.status_code == 200


@pytest.mark.parametrize("path", ["/cds-services/imnm-order-sign", "/cds-services/imnm-order-sign/feedback"])
def test_a_compressed_body_is_415_naming_the_content_encoding(client, path):
    """A gzip body was judged "Body is not UTF-8 text": RFC 9110 (section 15.5.16) answers an unsupported content
    coding with 415. identity is no coding at all."""
    text = json.dumps(_request()).encode()
    response = client.post(path, data=gzip.compress(text), content_type="application/json",
                           headers={"Content-Encoding": "gzip"})
    assert response.status_code == 415 and response.mimetype == "application/fhir+json"
    issue = response.get_json()["issue"][0]
    assert issue["diagnostics"] == "Content-Encoding gzip is not supported: send the body uncompressed"
    assert issue["expression"] == ["Content-Encoding"] and issue["code"] == "invalid"
    assert response.headers["Accept-Encoding"] == "identity"
    plain = client.post("/cds-services/imnm-order-sign", data=text, content_type="application/json",
                        headers={"Content-Encoding": "Identity"})
    assert plain.status_code == 200


@pytest.mark.parametrize(("value", "says"), [
    (["x" * 500], "context.userId: is not of type 'string' (value: ['xxxxxxxx"),
    ({"reference": "x" * 500}, "context.userId: is not of type 'string' (value: {'reference': 'xxxxx"),
    (7, "context.userId: is not of type 'string' (value: 7)"),
])
def test_a_schema_error_names_the_field_and_the_reason_before_a_long_value(client, value, says):
    """The message was cut at 300 characters with the value first: a long value left only the start of itself."""
    body = _request()
    body["context"]["userId"] = value
    diagnostics = post(client, "imnm-order-sign", body).get_json()["issue"][0]["diagnostics"]
    assert diagnostics.startswith(says) and len(diagnostics) < 200


def test_hook_differing_from_the_service_is_named_before_the_context_is_checked(client):
    """A patient-view body labelled order-sign lacks draftOrders: the answer is about the hook, not the context."""
    body = _request("patient-view")
    body["hook"] = "order-sign"
    response = client.post("/cds-services/imnm-patient-view", json=body)
    assert response.status_code == 400
    issue = response.get_json()["issue"][0]
    assert issue["expression"] == ["hook"] and "answers hook 'patient-view'" in issue["diagnostics"]


def test_a_signed_order_on_the_chart_is_stopped_by_an_update_never_deleted(client):
    """"Discontinue prednisone ... on the chart" was a FHIR delete of the signed, active order: applied, it would
    erase the course from the record (found by review). A draft is still deleted (cancelled); a chart order is updated
    to status 'stopped', the whole resource as sent."""
    request = fhir_fixtures.get("r06-fires-active-order-plus-unlinked-draft").request(date.today())
    on_chart = {f"MedicationRequest/{e['resource']['id']}": e["resource"]
                for e in request["prefetch"]["medications"]["entry"]}
    drafts = {f"MedicationRequest/{e['resource']['id']}" for e in request["context"]["draftOrders"]["entry"]}
    body = post(client, "imnm-order-sign", request).get_json()
    actions = [a for card in body["cards"] for s in card.get("suggestions", []) for a in s["actions"]]
    assert {a["resourceId"] for a in actions if a["type"] == "delete"} <= drafts
    updates = [a["resource"] for a in actions if a["type"] == "update"]
    assert updates, "the card offers to discontinue the chart order"
    for resource in updates:
        sent = on_chart[f"MedicationRequest/{resource['id']}"]
        assert resource == {**sent, "status": "stopped"} and sent["status"] != "stopped"
    assert validation.errors("hook-response", body) == []
