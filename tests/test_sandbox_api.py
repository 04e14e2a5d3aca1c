"""The sandbox's JSON endpoints and page headers (Flask test client), and that it is absent unless switched on."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlalchemy import select

import fhir_fixtures
from service.app import create_app
from service.config import Settings
from service.sandbox import CSP, prefetch_from_bundle
from service.storage.models import AuditCall


def _app(sandbox: bool, tmp_path: Any, **overrides: Any) -> Any:
    settings = Settings.load(None, env={}, overrides={
        "auth": {"required": False}, "features": {"sandbox": sandbox},
        "storage": {"url": f"sqlite:///{tmp_path / 'sandbox.sqlite3'}"}, **overrides})
    return create_app(settings)


@pytest.fixture
def client(tmp_path: Any) -> Any:
    return _app(True, tmp_path).test_client()


def test_sandbox_is_absent_when_the_feature_is_off(tmp_path):
    client = _app(False, tmp_path).test_client()
    for path in ("/sandbox", "/sandbox/api/patients", "/sandbox/static/sandbox.js"):
        assert client.get(path).status_code == 404, path
    assert client.post("/sandbox/api/timeline", json={}).status_code == 404


def test_the_embedded_run_turns_it_on():
    from service.cli import EMBEDDED

    assert EMBEDDED["features"]["sandbox"] is True
    assert Settings().features.sandbox is False  # production default


def test_page_and_assets_are_served_with_a_self_only_policy(client):
    page = client.get("/sandbox")
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.headers["Content-Security-Policy"] == CSP
    for directive in ("script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'"):
        assert directive in CSP
    html = page.get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html  # nothing inline: the CSP would block it
    for asset in ("/sandbox/static/sandbox.js", "/sandbox/static/sandbox.css",
                  "/sandbox/static/vendor/chart.umd.min.js", "/sandbox/static/vendor/purify.min.js",
                  "/sandbox/static/vendor/marked.umd.js",
                  "/sandbox/static/vendor/chartjs-adapter-date-fns.bundle.min.js"):
        assert asset in html
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert "//cdn" not in response.get_data(as_text=True)[:2000]
    # JSON endpoints of the service itself keep the strict default.
    assert client.get("/healthz").headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_the_page_says_that_its_calls_are_recorded_as_an_ehrs_are(tmp_path):
    """It said "Nothing you load here is stored", but its hook calls went to the audit trail and the report, and
    with audit_request_bodies on a pasted chart was kept whole. What it says now is what happens."""
    app = _app(True, tmp_path, storage={"url": f"sqlite:///{tmp_path / 'audit.sqlite3'}",
                                        "audit_request_bodies": True})
    client = app.test_client()
    page = " ".join(client.get("/sandbox").get_data(as_text=True).split())
    assert "Nothing you load here is stored" not in page
    for said in ("recorded as an EHR's calls are", "audit trail", "imnm-cds report", "snoozes",
                 "storage.audit_request_bodies</code>), the whole chart sent is kept too"):
        assert said in page, said
    chart = {"resourceType": "Bundle", "type": "collection",
             "entry": [{"resource": {"resourceType": "Patient", "id": "pasted-1", "birthDate": "1970-01-01"}}]}
    body = client.post("/sandbox/api/request", json=chart).get_json()
    assert client.post("/cds-services/imnm-patient-view", json=body).status_code == 200
    with app.extensions["imnm_cds"].store.engine.connect() as connection:
        (kept,) = connection.execute(select(AuditCall.request_body)).scalars()
    assert kept["prefetch"]["patient"]["id"] == "pasted-1"


def test_patients_lists_the_demo_fixtures_stories_first(client):
    patients = client.get("/sandbox/api/patients").get_json()["patients"]
    demos = {n for n, f in fhir_fixtures.all_fixtures().items() if f.demo}
    assert {p["name"] for p in patients} == demos
    stories = [p for p in patients if p["name"].startswith("story-")]
    assert len(stories) >= 5 and patients[: len(stories)] == stories
    for p in patients:
        assert p["story"] and p["service"] == {"patient-view": "imnm-patient-view",
                                               "order-sign": "imnm-order-sign"}[p["hook"]]


def test_patient_is_the_fixture_request_for_today(client):
    body = client.get("/sandbox/api/patients/story-srp-month-4-no-rituximab").get_json()
    assert body["hook"] == "patient-view" and set(body["prefetch"]) >= {"patient", "observations"}
    response = client.post("/cds-services/imnm-patient-view", json=body)
    assert response.status_code == 200
    assert "srp-add-rituximab-inadequate-response" in {c["source"]["topic"]["code"]
                                                        for c in response.get_json()["cards"]}


def test_unknown_or_non_demo_patient_is_404(client):
    assert client.get("/sandbox/api/patients/no-such-fixture").status_code == 404
    non_demo = next(n for n, f in fhir_fixtures.all_fixtures().items() if not f.demo)
    assert client.get(f"/sandbox/api/patients/{non_demo}").status_code == 404


def test_orders_are_recognised_drafts(client):
    orders = {o["id"]: o for o in client.get("/sandbox/api/orders").get_json()["orders"]}
    assert {"mtx-daily", "atorvastatin", "rituximab", "ivig", "prednisone-100"} <= set(orders)
    request = client.get("/sandbox/api/patients/story-hmgcr-month-7-ck-high-statin-still-listed").get_json()
    request["hook"] = "order-sign"
    drafts = [orders["mtx-daily"]["resource"], orders["atorvastatin"]["resource"]]
    for draft in drafts:  # as the page does: a draft about another patient is skipped (hooks.engine)
        draft["subject"] = {"reference": f"Patient/{request['context']['patientId']}"}
    request["context"]["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                         "entry": [{"resource": draft} for draft in drafts]}
    cards = client.post("/cds-services/imnm-order-sign", json=request).get_json()["cards"]
    fired = {c["source"]["topic"]["code"] for c in cards}
    assert {"mtx-once-weekly-hard-stop", "statin-contraindicated-anti-hmgcr"} <= fired


def test_timeline_from_a_cds_hooks_request(client):
    request = client.get("/sandbox/api/patients/story-relapse-on-taper-after-ivig").get_json()
    data = client.post("/sandbox/api/timeline", json=request).get_json()
    assert len(data["ck"]) == 8 and len(data["ivig"]) == 6
    assert [s["peq"] for s in data["glucocorticoid"]] == [60, 30, 15, 7.5]
    assert data["agents"][0]["agent"] == "methotrexate"


@pytest.mark.parametrize(("key", "value"), [("frequency", 1e-9), ("period", 1e-310), ("duration", -1e-7)])
def test_a_schedule_too_close_to_zero_is_named_not_a_500(client, key, value):
    """A frequency of 1e-9 (or a period of 1e-310 days) overflowed in the timeline's arithmetic: a 500."""
    request = client.get("/sandbox/api/patients/story-relapse-on-taper-after-ivig").get_json()
    order = next(e["resource"] for e in request["prefetch"]["medications"]["entry"]
                 if e["resource"].get("dosageInstruction"))
    order["dosageInstruction"][0].setdefault("timing", {}).setdefault("repeat", {})[key] = value
    response = client.post("/sandbox/api/timeline", json=request)
    assert response.status_code == 200
    body = client.post("/cds-services/imnm-patient-view", json=request).get_json()
    warnings = body["extension"]["imnm-cds"]["warnings"]
    assert any(f"MedicationRequest/{order['id']}" in w and f"timing.repeat.{key} is too close to zero" in w
               for w in warnings)
    assert not any("could not be evaluated" in w for w in warnings)


def test_timeline_includes_drafts_of_an_order_sign_request(client):
    request = client.get("/sandbox/api/patients/story-order-sign-daily-methotrexate-with-tmp-smx").get_json()
    data = client.post("/sandbox/api/timeline", json=request).get_json()
    assert len(data["drafts"]) == 2


def _bundle() -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p-9", "birthDate": "1965-02-01"}},
        {"resource": {"resourceType": "Observation", "id": "ck", "status": "final",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "2157-6"}]},
                      "effectiveDateTime": "2026-03-01", "valueQuantity": {"value": 4200, "unit": "U/L"}}},
        {"resource": {"resourceType": "Observation", "id": "ab", "status": "final",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "93493-5"}]},
                      "effectiveDateTime": "2026-02-20",
                      "interpretation": [{"coding": [{"code": "POS"}]}]}},
        {"resource": {"resourceType": "Condition", "id": "c", "code": {"text": "necrotizing myopathy"}}},
        {"fullUrl": "urn:x", "request": {"method": "DELETE", "url": "Observation/old"}}]}


def test_timeline_from_a_fhir_bundle_with_the_fallback_uln_noted(client):
    data = client.post("/sandbox/api/timeline", json=_bundle()).get_json()
    assert [(p["value"], p["ulnFromLab"]) for p in data["ck"]] == [(4200, False)]
    assert data["antibodies"] == [{"date": "2026-02-20", "antibody": "anti-HMGCR", "group": "anti_hmgcr",
                                   "result": "positive"}]
    assert any("upper limit of normal" in n for n in data["notes"])


def test_bundle_becomes_a_patient_view_request_the_service_accepts(client):
    request = client.post("/sandbox/api/request", json=_bundle()).get_json()
    assert request["hook"] == "patient-view" and request["context"]["patientId"] == "p-9"
    assert request["prefetch"]["patient"]["id"] == "p-9"
    assert len(request["prefetch"]["observations"]["entry"]) == 2
    assert len(request["prefetch"]["conditions"]["entry"]) == 1
    assert client.post("/cds-services/imnm-patient-view", json=request).status_code == 200


@pytest.mark.parametrize("path", ["/sandbox/api/request", "/sandbox/api/timeline"])
def test_a_bundle_whose_entry_is_not_an_array_is_400(client, path):
    response = client.post(path, json={"resourceType": "Bundle", "entry": 5})
    assert response.status_code == 400 and response.get_json()["issue"][0]["expression"] == ["entry"]


def test_prefetch_from_bundle_without_a_patient():
    data, patient_id = prefetch_from_bundle({"resourceType": "Bundle", "entry": []})
    assert patient_id == "sandbox-patient" and "patient" not in data
    assert set(data) == {"conditions", "observations", "medications", "immunizations", "procedures"}


@pytest.mark.parametrize("body, field", [
    ({"hook": "patient-view", "context": {"patientId": "x"}, "fhirServer": "https://ehr.example"}, "prefetch"),
    ({"resourceType": "Patient"}, "body"),
    ([1, 2], "body"),
])
def test_timeline_refuses_what_it_cannot_draw(client, body, field):
    response = client.post("/sandbox/api/timeline", json=body)
    assert response.status_code == 400
    assert response.get_json()["issue"][0]["expression"] == [field]


def test_timeline_refuses_non_json(client):
    response = client.post("/sandbox/api/timeline", data="hello", content_type="text/plain")
    assert response.status_code == 400


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_over_the_limit_is_413_declared_or_chunked(tmp_path, chunked):
    """A chunked body is cut at the limit by Werkzeug without refusing; cut JSON must not be read as a 400."""
    client = _app(True, tmp_path, limits={"max_body_bytes": 2000}).test_client()
    body = json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
        "resourceType": "Patient", "id": "p" * 3000}}]}).encode()
    environ = {"wsgi.input_terminated": True, "HTTP_TRANSFER_ENCODING": "chunked"} if chunked else {}
    response = client.post("/sandbox/api/timeline", input_stream=io.BytesIO(body), content_type="application/json",
                           environ_overrides=environ, **({} if chunked else {"content_length": len(body)}))
    assert response.status_code == 413
