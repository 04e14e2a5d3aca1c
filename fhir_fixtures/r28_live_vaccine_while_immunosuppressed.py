"""Fixtures for R28 live-vaccine-while-immunosuppressed: live vs non-live, high vs low level, draft forms, no birth
date."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import CVX, IMNM_SNOMED, IVIG_CVX, MMR_CVX, PREDNISONE_5, PREDNISONE_20, Chart, concept

RULE = "live-vaccine-while-immunosuppressed"
ZOSTER_LIVE = (CVX, "121", "zoster vaccine, live")
ZOSTER_RECOMBINANT = (CVX, "187", "zoster vaccine recombinant")
YELLOW_FEVER = (CVX, "37", "yellow fever vaccine")
MYCOPHENOLATE = "mycophenolate mofetil 500 MG Oral Tablet"


def _on_mycophenolate(today: date) -> Chart:
    chart = Chart(today, age=52)
    chart.condition(IMNM_SNOMED, onset=-200)
    chart.medication(MYCOPHENOLATE, 1000, "mg", start=-150, frequency=2)
    return chart


@fixture("r28-fires-mmr-on-mycophenolate", hook="order-sign",
         story="IMNM on mycophenolate 1 g twice daily; MMR drafted: high-level immunosuppression.",
         fires={RULE}, indicators={RULE: "critical"})
def mmr_on_mycophenolate(today: date) -> dict[str, Any]:
    chart = _on_mycophenolate(today)
    chart.draft(MMR_CVX, 0.5, "mL", resource_id="draft-mmr")
    return chart.request("order-sign")


@fixture("r28-fires-live-zoster-low-dose-prednisone", hook="order-sign",
         story="Prednisone 10 mg/day for months (below 20 mg): live zoster vaccine drafted: warning.",
         fires={RULE}, indicators={RULE: "warning"})
def zoster_low_dose(today: date) -> dict[str, Any]:
    chart = Chart(today, age=67)
    chart.medication(PREDNISONE_5, 10, "mg", start=-120)
    chart.draft(ZOSTER_LIVE, 0.65, "mL")
    return chart.request("order-sign")


@fixture("r28-fires-yellow-fever-immunization-after-rituximab", hook="order-sign",
         story="Rituximab 5 months ago; a yellow fever Immunization is placed in the draft orders.",
         fires={RULE}, indicators={RULE: "critical"})
def yellow_fever_rituximab(today: date) -> dict[str, Any]:
    chart = Chart(today, age=45)
    chart.medication("rituximab Injectable Product", 1000, "mg", start=-150, status="completed")
    chart.draft_resource({"resourceType": "Immunization", "id": "draft-yf", "status": "not-done",
                          "vaccineCode": concept(YELLOW_FEVER), "patient": {"reference": "Patient/imnm-demo"},
                          "occurrenceDateTime": chart.at(0)})
    return chart.request("order-sign")


@fixture("r28-fires-mmr-recent-ivig-only", hook="order-sign",
         story="No immunosuppressive drug, but IVIG 4 months ago: MMR may fail (warning).",
         fires={RULE}, indicators={RULE: "warning"})
def mmr_after_ivig(today: date) -> dict[str, Any]:
    chart = Chart(today, age=40)
    chart.medication(IVIG_CVX, 2, "g/kg", start=-120, status="completed")
    chart.draft(MMR_CVX, 0.5, "mL")
    return chart.request("order-sign")


@fixture("r28-fires-live-zoster-no-birth-date", hook="order-sign",
         story="IMNM on mycophenolate, no birth date on file; live zoster vaccine drafted: critical. Recombinant "
               "zoster vaccine, licensed from 18, is not offered while the age is unknown (the card says so).",
         fires={RULE}, indicators={RULE: "critical"})
def zoster_no_birth_date(today: date) -> dict[str, Any]:
    request = _on_mycophenolate(today).draft(ZOSTER_LIVE, 0.65, "mL").request("order-sign")
    del request["prefetch"]["patient"]["birthDate"]
    return request


@fixture("r28-quiet-recombinant-zoster-on-mycophenolate", hook="order-sign",
         story="Recombinant (non-live) zoster vaccine drafted on mycophenolate: the right vaccine, no card.",
         quiet={RULE})
def recombinant_zoster(today: date) -> dict[str, Any]:
    chart = _on_mycophenolate(today)
    chart.draft(ZOSTER_RECOMBINANT, 0.5, "mL")
    return chart.request("order-sign")


@fixture("r28-quiet-mmr-no-immunosuppression", hook="order-sign",
         story="Prednisone 40 mg stopped 31 days ago (after 6 weeks); MMR drafted: the one-month wait is over.",
         quiet={RULE})
def mmr_after_wait(today: date) -> dict[str, Any]:
    chart = Chart(today, age=35)
    chart.medication(PREDNISONE_20, 40, "mg", start=-73, end=-31, status="completed")
    chart.draft(MMR_CVX, 0.5, "mL")
    return chart.request("order-sign")
