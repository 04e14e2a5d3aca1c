"""engine.read_drafts names a draft order whose status is unusual (missing, not a code of its type, one that does
not say, or one that records what happened rather than an order being signed) in the response's data-quality
warnings (contract section 3), with how the draft is read; an Immunization entered in error is left out."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_fixtures.builders import IVIG_CVX, METHOTREXATE_2_5, MMR_CVX, Chart, concept
from hooks.engine import read_drafts

LABEL = METHOTREXATE_2_5[2]
# a stop stops only the chart order it re-sends or names: one naming none is read as the dose it orders (R27, R06...)
STOP = "a stop of the order on the chart it re-sends or names; with none, its dose is still checked"


def _drafts(kb, today, *resources: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(references of the drafts read, warnings) of a draft-order Bundle holding ``resources``."""
    chart = Chart(today)
    for resource in resources:
        chart.draft_resource(resource)
    warnings: list[str] = []
    drafts = read_drafts(chart.request("order-sign")["context"], kb, warnings)
    return [d.reference for d in drafts], warnings


def _request(kind: str, status: str | None) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": kind, "id": "o-1", "intent": "order",
                                "subject": {"reference": "Patient/imnm-demo"}}
    resource["medicationCodeableConcept" if kind == "MedicationRequest" else "code"] = concept(METHOTREXATE_2_5)
    return resource if status is None else {**resource, "status": status}


def _immunization(status: str, code=MMR_CVX) -> dict[str, Any]:
    return {"resourceType": "Immunization", "id": "imm-1", "status": status, "vaccineCode": concept(code),
            "patient": {"reference": "Patient/imnm-demo"}}


@pytest.mark.parametrize("resource", [
    _request("MedicationRequest", "draft"), _request("MedicationRequest", "active"),
    _request("MedicationRequest", "stopped"), _request("MedicationRequest", "cancelled"),
    _request("ServiceRequest", "revoked"), _immunization("not-done"),
], ids=["draft", "active", "stopped", "cancelled", "request revoked", "immunization not-done"])
def test_a_status_an_order_being_signed_carries_is_not_named(kb, today, resource):
    assert _drafts(kb, today, resource)[1] == []


@pytest.mark.parametrize(("resource", "note"), [
    (_request("MedicationRequest", None),
     f"Draft MedicationRequest/o-1 ({LABEL}) has no status (FHIR requires one): read as an order being signed (the "
     "safe side)."),
    (_request("MedicationRequest", "foo"),
     f"Draft MedicationRequest/o-1 ({LABEL}) has status 'foo', which is not a code of MedicationRequest: read as an "
     "order being signed (the safe side)."),
    (_request("MedicationRequest", "unknown"),
     f"Draft MedicationRequest/o-1 ({LABEL}) has status 'unknown', which does not say whether it is given: read as "
     "an order being signed (the safe side)."),
    (_request("MedicationRequest", "completed"),
     f"Draft MedicationRequest/o-1 ({LABEL}) has status 'completed', which records what happened rather than an "
     f"order being signed: read as given in full, and {STOP}."),
    (_request("ServiceRequest", "entered-in-error"),
     f"Draft ServiceRequest/o-1 ({LABEL}) has status 'entered-in-error', which records what happened rather than an "
     f"order being signed: read as {STOP}."),
    (_request("ServiceRequest", "cancelled"),
     f"Draft ServiceRequest/o-1 ({LABEL}) has status 'cancelled', read as 'revoked': read as {STOP}."),
    (_immunization("completed"),
     f"Draft Immunization/imm-1 ({MMR_CVX[2]}) has status 'completed', which records what happened rather than an "
     "order being signed: read as a dose already given, not an order."),
    (_immunization("draft"),
     f"Draft Immunization/imm-1 ({MMR_CVX[2]}) has status 'draft', read as 'not-done': read as an order being "
     "signed."),
], ids=["missing", "no code", "unknown", "completed", "request in error", "request cancelled", "immunization given",
        "immunization draft"])
def test_an_unusual_draft_status_is_named_with_how_it_is_read(kb, today, resource, note):
    """Review: read_drafts named no draft status, so a draft read as a stop, as a dose given or as an order of a
    status that does not say left the clinician no sign of why a rule read it so."""
    references, warnings = _drafts(kb, today, resource)
    assert warnings == [note]
    assert references == [f"{resource['resourceType']}/{resource['id']}"]


def test_an_immunization_entered_in_error_is_named_and_left_out(kb, today):
    """An IVIG Immunization entered in error among the drafts states nothing of the IVIG course: neither a dose nor
    a stop, so no rule reads it."""
    references, warnings = _drafts(kb, today, _immunization("entered-in-error", IVIG_CVX),
                                   _request("MedicationRequest", "draft"))
    assert references == ["MedicationRequest/o-1"]
    assert warnings == [f"Draft Immunization/imm-1 ({IVIG_CVX[2]}) has status 'entered-in-error', which records what "
                        "happened rather than an order being signed: left out, as it says nothing of the treatment."]
