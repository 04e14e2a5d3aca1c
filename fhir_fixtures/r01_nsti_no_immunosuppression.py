"""Fixtures for R01 nsti-no-immunosuppression: NSTI coded or free text, each immunosuppressant, near misses."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import (
    ANTI_HMGCR,
    IVIG_CVX,
    LOINC,
    METHOTREXATE_2_5,
    METHYLPRED_1000,
    NEC_FASCIITIS_ICD,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    SNOMED,
    Chart,
)

RULE = "nsti-no-immunosuppression"


def _fasciitis(today: date, onset: int = -2) -> Chart:
    chart = Chart(today, age=58, sex="male")
    chart.condition(NEC_FASCIITIS_ICD, onset=onset)
    chart.weight(84, day=-1)
    return chart


@fixture("r01-fires-order-sign-prednisone", hook="order-sign", demo=True,
         story="Necrotizing fasciitis 2 days ago; prednisone 60 mg daily drafted as 'myositis' treatment.",
         fires={RULE}, indicators={RULE: "critical"})
def prednisone(today: date) -> dict[str, Any]:
    chart = _fasciitis(today)
    chart.draft(PREDNISONE_20, 60, "mg", resource_id="draft-pred")
    return chart.request("order-sign")


@fixture("r01-fires-order-sign-iv-methylprednisolone-any-dose", hook="order-sign",
         story="Necrotizing fasciitis; IV methylprednisolone 40 mg drafted: IV methylprednisolone counts at any dose.",
         fires={RULE}, indicators={RULE: "critical"})
def iv_methylprednisolone(today: date) -> dict[str, Any]:
    chart = _fasciitis(today)
    chart.draft(METHYLPRED_1000, 40, "mg", route=ROUTE_IV)
    return chart.request("order-sign")


@fixture("r01-fires-order-sign-rituximab", hook="order-sign",
         story="Necrotizing fasciitis 10 days ago; rituximab drafted.", fires={RULE}, indicators={RULE: "critical"})
def rituximab(today: date) -> dict[str, Any]:
    chart = _fasciitis(today, onset=-10)
    chart.draft(RITUXIMAB, 1000, "mg", route=ROUTE_IV)
    return chart.request("order-sign")


@fixture("r01-fires-patient-view-free-text-with-fever", hook="patient-view",
         story="'Necrotizing myositis' in free text with a temperature of 39.2 °C yesterday; methotrexate active.",
         fires={RULE}, indicators={RULE: "critical"})
def free_text(today: date) -> dict[str, Any]:
    chart = Chart(today, age=47)
    chart.condition("Necrotizing myositis", onset=-1)
    chart.temperature(39.2)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-200, period=1, period_unit="wk", day_of_week=["mon"])
    return chart.request("patient-view")


@fixture("r01-quiet-prednisone-below-20-mg", hook="order-sign",
         story="Necrotizing fasciitis; prednisone 15 mg daily drafted (below 20 mg PEQ): no R01 card.", quiet={RULE})
def low_dose(today: date) -> dict[str, Any]:
    chart = _fasciitis(today)
    chart.draft(PREDNISONE_20, 15, "mg")
    return chart.request("order-sign")


@fixture("r01-quiet-fasciitis-onset-31-days-ago", hook="order-sign",
         story="Necrotizing fasciitis with onset 31 days ago (outside the 30-day window); prednisone drafted.",
         quiet={RULE})
def old_onset(today: date) -> dict[str, Any]:
    chart = _fasciitis(today, onset=-31)
    chart.draft(PREDNISONE_20, 60, "mg")
    return chart.request("order-sign")


@fixture("r01-quiet-free-text-confirmed-imnm", hook="order-sign",
         story="'Necrotizing myositis' with fever, but anti-HMGCR is positive: this is IMNM, not an NSTI.",
         quiet={RULE})
def confirmed_imnm(today: date) -> dict[str, Any]:
    chart = Chart(today, age=63)
    chart.condition("Necrotizing myositis", onset=-20)
    chart.temperature(38.9)
    chart.observation(ANTI_HMGCR, -15, interpretation="POS")
    chart.draft(PREDNISONE_20, 60, "mg")
    return chart.request("order-sign")


@fixture("r01-quiet-free-text-without-markers", hook="order-sign",
         story="'Necrotizing myositis' in free text, afebrile, no infection markers: not an NSTI by definition.",
         quiet={RULE})
def no_markers(today: date) -> dict[str, Any]:
    chart = Chart(today, age=52)
    chart.condition("Necrotizing myositis", onset=-5)
    chart.temperature(37.1)
    chart.draft(PREDNISONE_20, 60, "mg")
    return chart.request("order-sign")


@fixture("r01-quiet-ivig-and-eye-drops", hook="order-sign",
         story="Necrotizing fasciitis; IVIG (ID-directed adjunct) and cyclosporine eye drops drafted: neither counts.",
         quiet={RULE})
def not_counted(today: date) -> dict[str, Any]:
    chart = _fasciitis(today)
    chart.draft(IVIG_CVX, 1, "g/kg", route=ROUTE_IV)
    chart.draft("cyclosporine 0.05 % ophthalmic emulsion", 1, "{drop}", frequency=2)
    return chart.request("order-sign")


LACTATE = (LOINC, "2524-7", "Lactate [Moles/volume] in Serum or Plasma")
ORAL_TEMPERATURE = (LOINC, "8331-1", "Oral temperature")
BLOOD_CULTURE = (LOINC, "600-7", "Bacteria identified in Blood by Culture")
E_COLI = (SNOMED, "112283007", "Escherichia coli (organism)")


def free_text_on_prednisone(today: date) -> Chart:
    """Free-text 'necrotizing myositis' since yesterday, weighed, prednisone 60 mg drafted: an infection marker added
    makes it an NSTI."""
    chart = Chart(today, age=47).condition("Necrotizing myositis", onset=-1).weight(70, day=-1)
    return chart.draft(PREDNISONE_20, 60, "mg")


@fixture("r01-fires-order-sign-free-text-lactate-in-mg-dl", hook="order-sign",
         story="'Necrotizing myositis' in free text with a lactate of 36 mg/dL (4.0 mmol/L) yesterday; prednisone "
               "60 mg drafted.", fires={RULE}, indicators={RULE: "critical"})
def lactate_mg_dl(today: date) -> dict[str, Any]:
    return free_text_on_prednisone(today).observation(LACTATE, -1, value=36, unit="mg/dL").request("order-sign")


@fixture("r01-fires-order-sign-free-text-oral-temperature", hook="order-sign",
         story="'Necrotizing myositis' in free text with an oral temperature (LOINC 8331-1) of 39.0 °C yesterday; "
               "prednisone 60 mg drafted.", fires={RULE}, indicators={RULE: "critical"})
def oral_temperature(today: date) -> dict[str, Any]:
    chart = free_text_on_prednisone(today).observation(ORAL_TEMPERATURE, -1, value=39.0, unit="Cel")
    return chart.request("order-sign")


@fixture("r01-fires-order-sign-free-text-e-coli-with-mixed-flora", hook="order-sign",
         story="'Necrotizing myositis' in free text with a blood culture yesterday coded E. coli and worded "
               "'Escherichia coli and mixed anaerobic flora' (polymicrobial type I NSTI); prednisone 60 mg drafted.",
         fires={RULE}, indicators={RULE: "critical"})
def e_coli_with_mixed_flora(today: date) -> dict[str, Any]:
    chart = free_text_on_prednisone(today).observation(BLOOD_CULTURE, -1, value_code=E_COLI)
    chart.resources["observations"][-1]["valueCodeableConcept"]["text"] = "Escherichia coli and mixed anaerobic flora"
    return chart.request("order-sign")
