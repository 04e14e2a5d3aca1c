"""R14 statin-contraindicated-anti-hmgcr: what the card says and the orders it offers."""

from __future__ import annotations

from fhir_fixtures.builders import ATORVASTATIN_40, IMNM_SNOMED, Chart
from tests.conftest import fired, run

RULE = "statin-contraindicated-anti-hmgcr"


def _chart(today):
    chart = Chart(today, age=61)
    chart.condition(IMNM_SNOMED, onset=-120)
    chart.antibody("anti_hmgcr", "positive", day=-110)
    return chart


def test_order_sign_card_replaces_the_draft_statin(kb, today):
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg", resource_id="draft-atorva")
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert card["indicator"] == "critical"
    assert card["extension"] == {"imnm-cds": {"draftOrders": ["MedicationRequest/draft-atorva"]}}
    assert card["source"]["topic"] == {"system": "urn:imnm-cds:recommendation", "code": RULE,
                                       "display": "Statin contraindicated in anti-HMGCR myopathy"}
    first = card["suggestions"][0]["actions"]
    assert first[0] == {"type": "delete", "description": "Cancel atorvastatin 40 MG Oral Tablet",
                        "resourceId": "MedicationRequest/draft-atorva"}
    ezetimibe = first[1]["resource"]
    assert ezetimibe["resourceType"] == "MedicationRequest" and ezetimibe["status"] == "draft"
    assert ezetimibe["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"] == 10
    assert "ezetimibe" in ezetimibe["medicationCodeableConcept"]["text"]


def test_detail_names_the_antibody_and_cites_sources(kb, today):
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg")
    card = fired(run(kb, chart.request("order-sign"), today))[RULE]
    assert "Anti-HMGCR antibody positive" in card["detail"]
    assert "**Sources:**" in card["detail"] and "Mammen" in card["detail"]
    assert card["source"]["url"].startswith("https://")


def test_statin_on_patient_view_is_not_a_draft(kb, today):
    chart = _chart(today).draft(ATORVASTATIN_40, 40, "mg")
    assert RULE not in fired(run(kb, chart.request("patient-view"), today))


def test_entered_in_error_antibody_does_not_count(kb, today):
    chart = Chart(today).condition(IMNM_SNOMED, onset=-100)
    chart.antibody("anti_hmgcr", "positive", day=-90)
    chart.resources["observations"][-1]["status"] = "entered-in-error"
    chart.draft(ATORVASTATIN_40, 40, "mg")
    assert RULE not in fired(run(kb, chart.request("order-sign"), today))
