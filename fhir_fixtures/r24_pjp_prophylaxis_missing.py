"""Fixtures for R24 pjp-prophylaxis-missing: dose and duration edges, prophylaxis present, higher-risk wording."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import (
    IBM_ICD,
    IMNM_SNOMED,
    LYMPHOCYTES,
    METHOTREXATE_2_5,
    PREDNISONE_20,
    ROUTE_ORAL,
    TMP_SMX_DS,
    TMP_SMX_SS,
    Chart,
)
from fhir_fixtures.r19_imnm_severe_disease_urgent import DYSPHAGIA

RULE = "pjp-prophylaxis-missing"


def _chart(today: date, dose: float = 40, start: int = -35) -> Chart:
    chart = Chart(today, age=52, sex="female")
    chart.condition(IMNM_SNOMED, onset=-60)
    chart.weight(70, day=-3)
    chart.medication(PREDNISONE_20, dose, "mg", start=start)
    return chart


@fixture("r24-fires-prednisone-40-for-35-days", hook="patient-view",
         story="IMNM on prednisone 40 mg/day for 35 days; no PJP prophylaxis on file.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_basic(today: date) -> dict[str, Any]:
    return _chart(today).request("patient-view")


@fixture("r24-fires-taper-written-as-one-order", hook="patient-view",
         story="Prednisone tapered 60 -> 40 -> 30 mg/day in one order of sequenced instructions, 41 days in; the "
               "30 mg step is today's dose. No PJP prophylaxis on file.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_sequenced_taper(today: date) -> dict[str, Any]:
    chart = Chart(today, age=52, sex="female").condition(IMNM_SNOMED, onset=-60).weight(70, day=-3)
    return chart.taper_order(PREDNISONE_20, [(60, 14), (40, 14), (30, 28), (20, 28)], start=-40).request()


@fixture("r24-fires-higher-risk-methotrexate-lymphopenia", hook="patient-view",
         story="Prednisone 60 mg/day for 6 weeks with weekly methotrexate and lymphocytes 600/uL; no prophylaxis.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_higher_risk(today: date) -> dict[str, Any]:
    chart = _chart(today, dose=60, start=-42)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-30, period=1, period_unit="wk")
    chart.lab(LYMPHOCYTES, 0.6, "10*3/uL", day=-5)
    return chart.request("patient-view")


@fixture("r24-fires-renewed-a-day-late", hook="patient-view",
         story="Prednisone 40 mg/day for ten weeks, the renewal started a day after the first order ended: a late "
               "refill, not a stop. No PJP prophylaxis on file.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_renewed_late(today: date) -> dict[str, Any]:
    chart = _chart(today, start=-19)
    chart.medication(PREDNISONE_20, 40, "mg", start=-70, end=-21, status="completed")
    return chart.request("patient-view")


@fixture("r24-quiet-on-tmp-smx", hook="patient-view",
         story="Prednisone 40 mg/day for 35 days with TMP/SMX 80/400 mg daily active: prophylaxis in place.",
         quiet={RULE})
def quiet_prophylaxis(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.medication(TMP_SMX_SS, 1, "{tbl}", start=-30)
    return chart.request("patient-view")


@fixture("r24-fires-tmp-smx-stopped-before-its-end-date", hook="patient-view",
         story="Prednisone 40 mg/day for 35 days; TMP/SMX from 100 days ago stopped before its end date next month, "
               "on a day the chart does not give: prophylaxis is not known to have been given in the last 4 weeks, "
               "and the card names the order it did not count.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_prophylaxis_stopped_early(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.medication(TMP_SMX_SS, 1, "{tbl}", start=-100, end=30, status="stopped")
    return chart.request("patient-view")


@fixture("r24-quiet-27-days", hook="patient-view",
         story="Prednisone 40 mg/day for only 27 days (threshold 28): not yet due.", quiet={RULE})
def quiet_short(today: date) -> dict[str, Any]:
    return _chart(today, start=-26).request("patient-view")


@fixture("r24-quiet-19-mg", hook="patient-view",
         story="Prednisone 19 mg/day for 3 months (threshold 20 mg/day): no card.", quiet={RULE})
def quiet_low_dose(today: date) -> dict[str, Any]:
    return _chart(today, dose=19, start=-90).request("patient-view")


@fixture("r24-fires-tmp-smx-treatment-course-over", hook="patient-view",
         story="Prednisone 40 mg/day for 35 days; a UTI course of TMP/SMX 160/800 mg twice daily ran D-9 to D-2 and "
               "is completed: a finished treatment course is no prophylaxis on file.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_treatment_course_over(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.medication(TMP_SMX_DS, 1, "{tbl}", start=-9, end=-2, frequency=2, route=ROUTE_ORAL, status="completed")
    return chart.request("patient-view")


@fixture("r24-fires-dysphagia-tmp-smx-suspension", hook="patient-view",
         story="IMNM on prednisone 40 mg/day for 35 days with oropharyngeal dysphagia and no PJP prophylaxis: TMP/SMX "
               "is offered as the oral suspension (10 mL daily), given once swallowing is safe or by NG tube, with "
               "the CBC for R05's methotrexate.",
         fires={RULE, "imnm-add-steroid-sparing-by-month-1"}, indicators={RULE: "warning"})
def fires_dysphagia(today: date) -> dict[str, Any]:
    return _chart(today).condition(DYSPHAGIA, onset=-6).request("patient-view")


@fixture("r24-fires-ibm-methotrexate-r02-stops", hook="patient-view",
         story="Inclusion body myositis on prednisone 30 mg/day and weekly methotrexate for 100 days: R02 advises "
               "stopping the methotrexate, so R24's TMP/SMX comes without the CBC for the pair (said in words for a "
               "kept methotrexate).",
         fires={RULE, "ibm-immunosuppression-futile"}, indicators={RULE: "warning"})
def fires_ibm_methotrexate(today: date) -> dict[str, Any]:
    chart = Chart(today, age=71, sex="male").condition(IBM_ICD, onset=-900).weight(80, day=-10)
    chart.medication(PREDNISONE_20, 30, "mg", start=-120)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-100, period=1, period_unit="wk", day_of_week=["wed"])
    return chart.request("patient-view")
