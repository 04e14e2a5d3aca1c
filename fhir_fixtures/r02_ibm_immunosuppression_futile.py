"""Fixtures for R02 ibm-immunosuppression-futile: IBM alone, IBM with another indication or an overlap myositis,
dose threshold."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import (
    IBM_ICD,
    ICD10,
    IMNM_SNOMED,
    IVIG_CVX,
    METHOTREXATE_2_5,
    PREDNISONE_5,
    PREDNISONE_20,
    ROUTE_IV,
    SNOMED,
    Chart,
)

RULE = "ibm-immunosuppression-futile"
RA_SNOMED = (SNOMED, "69896004", "Rheumatoid arthritis")
KIDNEY_TRANSPLANT_ICD = (ICD10, "Z94.0", "Kidney transplant status")
COPD_EXACERBATION_ICD = (ICD10, "J44.1", "Chronic obstructive pulmonary disease with (acute) exacerbation")
IRAE_ICD = (ICD10, "T45.AX5A", "Adverse effect of immune checkpoint inhibitors and immunostimulant drugs, "
                               "initial encounter")


def _ibm(today: date) -> Chart:
    chart = Chart(today, age=71, sex="male")
    chart.condition(IBM_ICD, onset=-900)
    chart.ck(650, day=-20)
    chart.weight(78, day=-10)
    return chart


@fixture("r02-fires-order-sign-prednisone", hook="order-sign", demo=True,
         story="Inclusion body myositis alone; prednisone 40 mg daily drafted.", fires={RULE},
         indicators={RULE: "warning"})
def prednisone(today: date) -> dict[str, Any]:
    chart = _ibm(today)
    chart.draft(PREDNISONE_20, 40, "mg", resource_id="draft-pred")
    return chart.request("order-sign")


@fixture("r02-fires-order-sign-ivig", hook="order-sign",
         story="Inclusion body myositis alone; IVIG 2 g/kg drafted.", fires={RULE}, indicators={RULE: "warning"})
def ivig(today: date) -> dict[str, Any]:
    chart = _ibm(today)
    chart.draft(IVIG_CVX, 2, "g/kg", route=ROUTE_IV)
    return chart.request("order-sign")


@fixture("r02-fires-patient-view-active-methotrexate", hook="patient-view",
         story="Inclusion body myositis with methotrexate 15 mg weekly still active.", fires={RULE},
         indicators={RULE: "warning"})
def active_mtx(today: date) -> dict[str, Any]:
    chart = _ibm(today)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-300, period=1, period_unit="wk", day_of_week=["mon"])
    return chart.request("patient-view")


@fixture("r02-quiet-prednisone-5-mg", hook="order-sign",
         story="Inclusion body myositis; prednisone 5 mg daily drafted (below 7.5 mg PEQ).", quiet={RULE})
def low_dose(today: date) -> dict[str, Any]:
    chart = _ibm(today)
    chart.draft(PREDNISONE_5, 5, "mg")
    return chart.request("order-sign")


@fixture("r02-quiet-ibm-with-rheumatoid-arthritis", hook="order-sign",
         story="Inclusion body myositis and rheumatoid arthritis; methotrexate drafted (for the RA).", quiet={RULE})
def with_ra(today: date) -> dict[str, Any]:
    chart = _ibm(today)
    chart.condition(RA_SNOMED, onset=-3000)
    chart.draft(METHOTREXATE_2_5, 15, "mg", period=1, period_unit="wk", day_of_week=["mon"])
    return chart.request("order-sign")


@fixture("r02-quiet-ibm-with-coded-imnm", hook="patient-view",
         story="Inclusion body myositis and a coded anti-HMGCR IMNM (overlap) on prednisone 60 mg alone for 45 days: "
               "no R02 card, and the IMNM rows run (add a steroid-sparing agent).",
         fires={"imnm-add-steroid-sparing-by-month-1"}, quiet={RULE})
def with_imnm(today: date) -> dict[str, Any]:
    chart = _ibm(today)
    chart.condition(IMNM_SNOMED, onset=-60)
    chart.antibody("anti_hmgcr", "positive", day=-55).antibody("anti_srp", "negative", day=-55)
    chart.ck(6000, day=-50)
    chart.medication(PREDNISONE_20, 60, "mg", start=-45)
    return chart.request("patient-view")


@fixture("r02-quiet-ibm-with-kidney-transplant", hook="patient-view",
         story="Inclusion body myositis in a kidney transplant recipient on tacrolimus and prednisone.", quiet={RULE})
def with_transplant(today: date) -> dict[str, Any]:
    chart = _ibm(today)
    chart.condition(KIDNEY_TRANSPLANT_ICD, onset=-2000)
    chart.medication("tacrolimus 1 MG Oral Capsule", 3, "mg", start=-1500, frequency=2)
    chart.medication(PREDNISONE_5, 5, "mg", start=-1500)
    return chart.request("patient-view")


@fixture("r02-quiet-ibm-with-irae", hook="order-sign",
         story="Inclusion body myositis and a checkpoint-inhibitor adverse effect; prednisone 60 mg drafted.",
         quiet={RULE})
def with_irae(today: date) -> dict[str, Any]:
    chart = _ibm(today)
    chart.condition(IRAE_ICD, onset=-5)
    chart.draft(PREDNISONE_20, 60, "mg")
    return chart.request("order-sign")


@fixture("r02-quiet-prednisone-burst-for-copd", hook="order-sign",
         story="Inclusion body myositis; a 5-day prednisone 40 mg burst drafted for a COPD exacerbation (its reason): "
               "not given for IBM.", quiet={RULE})
def copd_burst(today: date) -> dict[str, Any]:
    chart = _ibm(today)
    chart.draft(PREDNISONE_20, 40, "mg", end=4, reason=COPD_EXACERBATION_ICD)
    return chart.request("order-sign")


@fixture("r02-quiet-ibm-resolved-entry", hook="order-sign",
         story="IBM entered in error on the problem list; prednisone drafted: no R02 card.", quiet={RULE})
def ibm_in_error(today: date) -> dict[str, Any]:
    chart = Chart(today, age=69)
    chart.condition(IBM_ICD, onset=-100, verification="entered-in-error")
    chart.draft(PREDNISONE_20, 40, "mg")
    return chart.request("order-sign")
