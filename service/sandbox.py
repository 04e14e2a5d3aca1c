"""The clinician-facing sandbox: a page that fires the real services on demo or pasted charts and draws CK
against the treatments given.

Off unless ``[features] sandbox = true`` (the embedded ``imnm-cds serve`` run turns it on); ``create_app``
registers this blueprint only then, so a production deployment has no /sandbox routes at all. The page calls
the real ``POST /cds-services/{id}?explain=true`` and feedback endpoints, so what it shows is what an EHR gets,
and they record its calls as they record an EHR's (audit trail, report, snoozes; the page says so). No
exemption: an audit trail that a request could opt out of would be no audit trail, and with ``auth.required`` (every
deployment serving an EHR) the sandbox cannot be switched on, so EHR traffic is never mixed with the page's.
The helper endpoints here only read the request they are given: nothing is stored.

Every asset (the page, its script and styles, the vendored Chart.js, marked and DOMPurify) is served from
``sandbox_static/``, and the page's Content-Security-Policy allows only 'self', so the page works offline and
cannot be made to load anything from elsewhere.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request, send_from_directory

from fhir_fixtures import all_fixtures
from fhir_fixtures.builders import (
    ATORVASTATIN_40,
    IVIG_CVX,
    METHOTREXATE_2_5,
    METHYLPRED_1000,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    TMP_SMX_DS,
    Chart,
)
from hooks import engine, timeline
from service import prefetch, validation
from service.discovery import SERVICE_FOR_HOOK
from service.errors import APIError

STATIC = Path(__file__).parent / "sandbox_static"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
blueprint = Blueprint("sandbox", __name__, url_prefix="/sandbox", static_folder="sandbox_static",
                      static_url_path="/static")


@blueprint.after_request
def _page_policy(response: Response) -> Response:
    """The page needs scripts, styles and fetch to its own origin; the app's JSON-only default forbids them.

    Set here, before the app-wide hook, which only fills the header in when it is missing.
    """
    response.headers["Content-Security-Policy"] = CSP
    return response


def _runtime() -> Any:
    from service.app import runtime  # imported late: service.app imports this module when the feature is on

    return runtime()


def _body() -> Any:
    return validation.read_json(request, _runtime().settings.limits)


# ---------------------------------------------------------------------------------------------- the page


@blueprint.get("")
@blueprint.get("/")
def page() -> Response:
    response = send_from_directory(STATIC, "index.html", mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------------------------------------- demo patients


def _demos() -> list[Any]:
    """Demo fixtures, the multi-rule stories first (they show the most), then the single-rule demos."""
    demos = [f for f in all_fixtures().values() if f.demo]
    return sorted(demos, key=lambda f: (not f.name.startswith("story-"), f.name))


@blueprint.get("/api/patients")
def patients() -> Response:
    return jsonify(patients=[{"name": f.name, "hook": f.hook, "story": f.story, "service": SERVICE_FOR_HOOK[f.hook]}
                             for f in _demos()])


@blueprint.get("/api/patients/<name>")
def patient(name: str) -> Response:
    """The fixture's CDS Hooks request, dated today (fixtures build their dates relative to the day asked)."""
    fixture = next((f for f in _demos() if f.name == name), None)
    if fixture is None:
        raise APIError(404, f"No demo patient named {name!r}", "name")
    return jsonify(fixture.request(_runtime().today()))


# ---------------------------------------------------------------------------------------------- draft orders


def draft_orders() -> list[dict[str, Any]]:
    """The short list of orders the page can compose into an order-sign call, as MedicationRequest drafts.

    Built with the fixtures' codes so the services recognise them exactly as they would an EHR's draft; the
    page fills in the subject. Includes deliberate errors (daily methotrexate) because that is what a
    clinician wants to try.
    """
    chart = Chart(_runtime().today(), patient_id="sandbox")
    specs: list[tuple[str, str, Any, float, str, dict[str, Any]]] = [
        ("mtx-daily", "methotrexate 15 mg daily", METHOTREXATE_2_5, 15, "mg", {}),
        ("mtx-weekly", "methotrexate 15 mg once weekly (Friday)", METHOTREXATE_2_5, 15, "mg",
         {"period": 1, "period_unit": "wk", "day_of_week": ["fri"]}),
        ("atorvastatin", "atorvastatin 40 mg daily", ATORVASTATIN_40, 1, "{tbl}", {}),
        ("rituximab", "rituximab 1 g IV, days 1 and 15", RITUXIMAB, 1000, "mg",
         {"period": 14, "end": 14, "route": ROUTE_IV}),
        ("ivig", "IVIG 2 g/kg (1 g/kg daily for 2 days)", IVIG_CVX, 1, "g/kg", {"end": 1, "route": ROUTE_IV}),
        ("prednisone-100", "prednisone 100 mg daily", PREDNISONE_20, 100, "mg", {}),
        ("ivmp-1g", "methylprednisolone 1 g IV daily for 3 days", METHYLPRED_1000, 1000, "mg",
         {"end": 2, "route": ROUTE_IV}),
        ("tmp-smx-bid", "TMP/SMX DS 1 tablet twice daily", TMP_SMX_DS, 1, "{tbl}", {"frequency": 2}),
    ]
    out = []
    for key, label, code, dose, unit, extra in specs:
        resource = chart.medication_request(code, dose, unit, start=0, status="draft", intent="proposal",
                                            resource_id=f"sandbox-draft-{key}", **extra)
        out.append({"id": key, "label": label, "resource": resource})
    return out


@blueprint.get("/api/orders")
def orders() -> Response:
    return jsonify(orders=draft_orders())


# ---------------------------------------------------------------------------------------------- pasted charts


def prefetch_from_bundle(bundle: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A FHIR R4 Bundle as the services' prefetch keys, and the patient id (from its Patient resource)."""
    data, patient_id = prefetch.from_bundle(bundle)
    return data, patient_id or "sandbox-patient"


def request_from_bundle(bundle: dict[str, Any], hook: str = "patient-view") -> dict[str, Any]:
    data, patient_id = prefetch_from_bundle(bundle)
    return {"hook": hook, "hookInstance": str(uuid.uuid4()),
            "context": {"userId": "Practitioner/sandbox", "patientId": patient_id}, "prefetch": data}


def _as_request(document: Any) -> dict[str, Any]:
    """A CDS Hooks request as is, or a FHIR Bundle turned into a patient-view request."""
    if isinstance(document, dict) and document.get("resourceType") == "Bundle":
        return request_from_bundle(document)
    if isinstance(document, dict) and isinstance(document.get("context"), dict) and "hook" in document:
        if not isinstance(document.get("prefetch"), dict):
            raise APIError(400, "The sandbox draws only prefetched data: include 'prefetch' in the request",
                           "prefetch")
        return document
    raise APIError(400, "Expected a CDS Hooks request (hook, context, prefetch) or a FHIR R4 Bundle", "body")


@blueprint.post("/api/request")
def as_request() -> Response:
    """A pasted FHIR Bundle (or a CDS Hooks request) as the CDS Hooks request the page will send."""
    return jsonify(_as_request(_body()))


@blueprint.post("/api/timeline")
def timeline_data() -> Response:
    """The CK chart's data for a CDS Hooks request or a FHIR Bundle; read and answered, never stored."""
    body = _as_request(_body())
    rt = _runtime()
    warnings: list[str] = []
    record, hook_context = engine.prepare(rt.knowledge, str(body.get("hook")), body["context"], body["prefetch"],
                                          today=rt.today(), zone=rt.zone, warnings=warnings)
    data = timeline.build(record, hook_context)
    data["notes"] = warnings + data["notes"]
    return jsonify(data)
