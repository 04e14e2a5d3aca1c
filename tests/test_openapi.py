"""The OpenAPI document at /openapi.json, and fuzzing against it: no input ever gets a 5xx (issue 4).

Hypothesis drives hand-written strategies (malformed JSON, wrong types, huge and deep bodies, random prefetch
shapes, random Authorization headers); schemathesis generates requests from the served document itself. The
app under test answers every outbound request through the recorder: fuzzing never reaches the network.
"""

from __future__ import annotations

import json
import string
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from schemathesis.checks import not_a_server_error

import fhir_fixtures
from service import validation
from service.app import create_app
from tests import security_support as sec

LIMITS = {"max_body_bytes": 64 * 1024, "max_json_depth": 32, "max_bundle_entries": 200}
SCRATCH = tempfile.TemporaryDirectory(prefix="imnm-openapi-")  # removed when the process exits
DATABASE = Path(SCRATCH.name) / "fuzz.sqlite3"  # the real store: feedback is stored
OPEN_APP = create_app(sec.settings(auth={"required": False}, limits=LIMITS, storage={"url": f"sqlite:///{DATABASE}"}),
                      session=sec.Recorder())
CLOSED_APP = sec.make_app(sec.settings([{"iss": sec.ISS, "jku_allowlist": ["https://ehr.example.org/jwks"]}]),
                          session=sec.Recorder())
OPEN, CLOSED = OPEN_APP.test_client(), CLOSED_APP.test_client()
SERVICES = ("imnm-patient-view", "imnm-order-sign")
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                        HealthCheck.data_too_large])


def document() -> dict[str, Any]:
    response = OPEN.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def component_validator(name: str) -> Draft202012Validator:
    """A validator for ``components/schemas/<name>`` resolving refs inside the served document."""
    return Draft202012Validator({**document(), "$ref": f"#/components/schemas/{name}"})


def assert_no_server_error(response: Any) -> None:
    event(f"status {response.status_code}")  # --hypothesis-show-statistics: how deep the inputs got
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code >= 400 and response.status_code != 405:
        body = json.loads(response.get_data(as_text=True))
        assert body["resourceType"] == "OperationOutcome"


# --- the document -------------------------------------------------------------------------------------------


def test_document_is_openapi_31_and_self_contained() -> None:
    doc = document()
    assert doc["openapi"].startswith("3.1")
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref  # no file refs, no $defs left behind
        assert ref.removeprefix("#/components/schemas/") in doc["components"]["schemas"], ref
    assert {"HookRequest", "HookResponse", "FeedbackRequest", "DiscoveryResponse"} <= set(doc["components"]["schemas"])


def test_every_cds_hooks_route_is_documented() -> None:
    documented = set(document()["paths"])
    routes = {rule.rule.replace("<service_id>", "{id}").replace("<", "{").replace(">", "}")
              for rule in OPEN_APP.url_map.iter_rules() if rule.rule.startswith("/cds-services")}
    routes = {r if "{" not in r else "/".join("{id}" if p.startswith("{") and i == 2 else p
                                              for i, p in enumerate(r.split("/"))) for r in routes}
    assert routes <= documented, routes - documented


def test_bundled_schemas_judge_like_the_project_schemas() -> None:
    """The embedded copies are the project's JSON Schemas: same verdict on every fixture and on broken ones."""
    bundled = component_validator("HookRequest")
    requests_ = [fx.request(date(2026, 11, 21)) for fx in fhir_fixtures.all_fixtures().values()]
    broken = [{**requests_[0], "hook": 7}, {k: v for k, v in requests_[0].items() if k != "context"},
              {**requests_[0], "fhirAuthorization": {"access_token": "x"}}, [], "text"]
    for candidate in requests_ + broken:
        assert bundled.is_valid(candidate) == (not validation.errors("hook-request", candidate)), candidate
    assert not any(bundled.is_valid(b) for b in broken)


def test_responses_satisfy_the_documented_schemas() -> None:
    discovery = component_validator("DiscoveryResponse")
    assert discovery.is_valid(OPEN.get("/cds-services").get_json())
    hook_response = component_validator("HookResponse")
    for fx in list(fhir_fixtures.all_fixtures().values())[:5]:
        service = "imnm-order-sign" if fx.hook == "order-sign" else "imnm-patient-view"
        response = OPEN.post(f"/cds-services/{service}", json=fx.request(date.today()))
        assert response.status_code == 200, response.get_json()
        errors = list(hook_response.iter_errors(response.get_json()))
        assert not errors, errors[0].message


def test_openapi_needs_no_token() -> None:
    assert CLOSED.get("/openapi.json").status_code == 200
    assert CLOSED.get("/cds-services").status_code == 401


# --- hypothesis: no 5xx, whatever the body ------------------------------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=5)
                    | st.dictionaries(st.text(max_size=10), children, max_size=5), max_leaves=30)
RESOURCE_TYPES = st.sampled_from(["Patient", "Condition", "Observation", "MedicationRequest", "Immunization",
                                  "Procedure", "OperationOutcome", "Bundle", "ServiceRequest", "Foo", ""])
CODING = st.fixed_dictionaries({}, optional={"system": st.sampled_from(["http://loinc.org", "http://snomed.info/sct",
                                                                       "http://www.nlm.nih.gov/research/umls/rxnorm"]),
                                             "code": st.sampled_from(["2157-6", "93493-5", "8410", "6902", "x"]) | JSON,
                                             "display": st.text(max_size=20) | JSON})
RESOURCE = st.fixed_dictionaries(
    {"resourceType": RESOURCE_TYPES},
    optional={"id": st.text(string.ascii_letters + string.digits, max_size=8) | JSON,
              "status": st.sampled_from(["active", "completed", "draft", "stopped", "entered-in-error"]) | JSON,
              "code": st.fixed_dictionaries({}, optional={"coding": st.lists(CODING, max_size=3), "text": JSON}) | JSON,
              "valueQuantity": st.fixed_dictionaries({}, optional={"value": JSON, "unit": JSON, "code": JSON}) | JSON,
              "effectiveDateTime": st.dates().map(str) | JSON, "authoredOn": st.dates().map(str) | JSON,
              "birthDate": st.dates().map(str) | JSON, "subject": JSON, "dosageInstruction": JSON,
              "medicationCodeableConcept": st.fixed_dictionaries({}, optional={"coding": st.lists(CODING, max_size=2),
                                                                               "text": JSON}) | JSON,
              "clinicalStatus": JSON, "referenceRange": JSON, "interpretation": JSON, "gender": JSON})
BUNDLE = st.fixed_dictionaries({"resourceType": st.just("Bundle")},
                               optional={"type": st.just("searchset") | JSON,
                                         "entry": st.lists(st.fixed_dictionaries({}, optional={"resource": RESOURCE
                                                                                                | JSON}) | JSON,
                                                           max_size=6) | JSON})
CHART_BUNDLE = st.fixed_dictionaries({"resourceType": st.just("Bundle"), "type": st.just("searchset"),
                                     "entry": st.lists(st.fixed_dictionaries({"resource": RESOURCE})
                                                       | st.fixed_dictionaries({}, optional={"resource": JSON}),
                                                       max_size=8)})
# All six keys present (no FHIR fetch needed), so the input reaches the rules: plausible charts with junk inside.
CHART = st.fixed_dictionaries({key: st.none() | CHART_BUNDLE | RESOURCE.filter(lambda r: r["resourceType"] != "")
                               for key in sec.PREFETCH_KEYS})
PREFETCH = st.dictionaries(st.sampled_from(sec.PREFETCH_KEYS) | st.text(max_size=8),
                           st.none() | BUNDLE | RESOURCE | JSON, max_size=8)


def post(client: Any, service: str, body: Any, **kwargs: Any) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    kwargs.setdefault("content_type", "application/json")
    return client.post(f"/cds-services/{service}", data=data, **kwargs)


@FUZZ
@given(body=st.binary(max_size=2000), content_type=st.sampled_from(["application/json", "text/plain", "",
                                                                     "application/fhir+json; charset=utf-8"]))
def test_malformed_bytes_never_5xx(body: bytes, content_type: str) -> None:
    assert_no_server_error(post(OPEN, "imnm-patient-view", body, content_type=content_type))


@FUZZ
@given(body=JSON, service=st.sampled_from((*SERVICES, "unknown-service")))
def test_any_json_value_never_5xx(body: Any, service: str) -> None:
    assert_no_server_error(post(OPEN, service, body))


@FUZZ
@given(hook=st.sampled_from(["patient-view", "order-sign"]) | JSON, instance=st.uuids().map(str) | JSON,
       context=st.fixed_dictionaries({}, optional={"patientId": st.text(max_size=10) | JSON,
                                                   "userId": st.text(max_size=10) | JSON,
                                                   "encounterId": JSON, "draftOrders": BUNDLE | JSON}) | JSON,
       extra=st.fixed_dictionaries({}, optional={"fhirServer": st.sampled_from(["https://ehr.example.org/fhir",
                                                                              "http://x", "not a url"]) | JSON,
                                                 "fhirAuthorization": JSON, "extension": JSON}),
       service=st.sampled_from(SERVICES), explain=st.booleans())
def test_wrong_types_in_request_members_never_5xx(hook: Any, instance: Any, context: Any, extra: dict[str, Any],
                                                   service: str, explain: bool) -> None:
    body = {"hook": hook, "hookInstance": instance, "context": context, **extra}
    suffix = "?explain=true" if explain else ""
    assert_no_server_error(post(OPEN, service + suffix, body))


@FUZZ
@given(prefetch=CHART | PREFETCH, hook=st.sampled_from(["patient-view", "order-sign"]),
       orders=st.none() | CHART_BUNDLE | BUNDLE, fhir_server=st.none() | st.just("https://ehr.example.org/fhir/R4"))
# found by this test: a patient-view draftOrders (not schema-checked there) whose entry is not an array was a 500
@example(prefetch={"patient": {"resourceType": "Bundle", "entry": True}}, hook="patient-view",
         orders={"resourceType": "Bundle", "entry": True}, fhir_server=None)
def test_random_prefetch_shapes_never_5xx(prefetch: dict[str, Any], hook: str, orders: Any,
                                          fhir_server: str | None) -> None:
    body: dict[str, Any] = {"hook": hook, "hookInstance": "h-1",
                            "context": {"userId": "Practitioner/1", "patientId": "p1"}, "prefetch": prefetch}
    if orders is not None:
        body["context"]["draftOrders"] = orders
    if fhir_server:
        body["fhirServer"] = fhir_server
    service = "imnm-order-sign" if hook == "order-sign" else "imnm-patient-view"
    assert_no_server_error(post(OPEN, service, body))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(depth=st.integers(min_value=1, max_value=200_000), opener=st.sampled_from(["[", '{"a":']))
def test_deep_nesting_never_5xx(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    body = (opener * depth + "1" + closer * depth).encode()
    response = post(OPEN, "imnm-patient-view", body)
    assert_no_server_error(response)
    if depth > LIMITS["max_json_depth"] and len(body) <= LIMITS["max_body_bytes"]:
        assert response.status_code == 400


@settings(max_examples=10, deadline=None)
@given(size=st.integers(min_value=LIMITS["max_body_bytes"] - 100, max_value=LIMITS["max_body_bytes"] * 4))
def test_huge_bodies_never_5xx(size: int) -> None:
    body = json.dumps(sec.patient_view_request(extension={"pad": ""}))
    padded = body.replace('"pad": ""', '"pad": "' + "x" * max(0, size - len(body)) + '"').encode()
    response = post(OPEN, "imnm-patient-view", padded)
    assert_no_server_error(response)
    if len(padded) > LIMITS["max_body_bytes"]:
        assert response.status_code == 413


@FUZZ
@given(header=st.text(max_size=300) | st.builds(lambda t: f"Bearer {t}", st.text(max_size=300))
       | st.builds(lambda a, b, c: f"Bearer {a}.{b}.{c}", *(st.text(string.ascii_letters + "-_", max_size=60),) * 3))
def test_random_authorization_headers_get_401_never_5xx(header: str) -> None:
    try:
        response = CLOSED.get("/cds-services", headers={"Authorization": header})
    except ValueError:  # Werkzeug itself refuses header values with newlines before anything is sent
        return
    assert response.status_code == 401


# --- schemathesis against the served document ---------------------------------------------------------------

schema = schemathesis.openapi.from_wsgi("/openapi.json", OPEN_APP)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_schemathesis_no_server_error(case: Any) -> None:
    case.call_and_validate(checks=[not_a_server_error])


def test_schemathesis_sees_every_documented_operation() -> None:
    """Guard against a silently empty run (schemathesis leaves out the document's own path)."""
    seen = {(op.method.upper(), op.path) for op in (result.ok() for result in schema.get_all_operations())}
    documented = {(method.upper(), path) for path, item in document()["paths"].items() for method in item
                  if path != "/openapi.json"}
    assert seen == documented
    assert ("POST", "/cds-services/{id}") in seen
