"""Fixtures for R25 giop-bone-protection: long-term exposure, IIM high dose, protection complete, age and dose edges."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import EGFR, IMNM_SNOMED, PREDNISONE_5, PREDNISONE_20, RXNORM, Chart

RULE = "giop-bone-protection"
CALCIUM = (RXNORM, "1897", "Calcium Carbonate")
VITAMIN_D3 = (RXNORM, "2418", "Cholecalciferol")
ALENDRONATE = (RXNORM, "46041", "Alendronate")
CPT_DXA_AXIAL = ("http://www.ama-assn.org/go/cpt", "77080", "DXA bone density study, axial skeleton")


@fixture("r25-fires-prednisone-5-mg-for-4-months", hook="patient-view",
         story="Prednisone 5 mg/day for 120 days; no calcium/vitamin D and no DXA on file.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_long_term(today: date) -> dict[str, Any]:
    chart = Chart(today, age=63)
    chart.medication(PREDNISONE_5, 5, "mg", start=-119)
    return chart.request("patient-view")


@fixture("r25-fires-imnm-high-dose-early", hook="patient-view",
         story="IMNM started on prednisone 60 mg/day 3 weeks ago, with calcium and vitamin D, a DXA 2 years "
               "before treatment (predates the course) and a fragility fracture: DXA and a drug are missing.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_iim(today: date) -> dict[str, Any]:
    chart = Chart(today, age=58)
    chart.condition(IMNM_SNOMED, onset=-30)
    chart.condition("Fragility fracture of wrist", onset=-400)
    chart.medication(PREDNISONE_20, 60, "mg", start=-21)
    chart.medication(CALCIUM, 500, "mg", start=-21, frequency=2)
    chart.medication(VITAMIN_D3, 1000, "[iU]", start=-21)
    chart.procedure(CPT_DXA_AXIAL, day=-700)
    return chart.request("patient-view")


@fixture("r25-quiet-protection-complete", hook="patient-view",
         story="Prednisone 10 mg/day for 6 months with calcium, vitamin D, a DXA 10 months ago and alendronate "
               "for osteoporosis: nothing missing.", quiet={RULE})
def quiet_complete(today: date) -> dict[str, Any]:
    chart = _osteoporosis_on_prednisone(today)
    chart.medication(ALENDRONATE, 70, "mg", start=-290, period=1, period_unit="wk")
    return chart.request("patient-view")


@fixture("r25-fires-alendronate-stopped-before-its-end-date", hook="patient-view",
         story="Prednisone 10 mg/day for 6 months with calcium, vitamin D, a recent DXA and osteoporosis; "
               "alendronate from 400 days ago stopped before its end date next month, on a day the chart does not "
               "give: it is not known to have been given within the year, so the drug is missing (the card names "
               "the order it did not count).",
         fires={RULE}, indicators={RULE: "warning"})
def fires_drug_stopped_early(today: date) -> dict[str, Any]:
    chart = Chart(today, age=70)
    chart.condition("Osteoporosis", onset=-500)
    chart.medication(PREDNISONE_20, 10, "mg", start=-180)
    chart.medication(CALCIUM, 500, "mg", start=-170, frequency=2)
    chart.medication(VITAMIN_D3, 1000, "[iU]", start=-170)
    chart.medication(ALENDRONATE, 70, "mg", start=-400, end=30, status="stopped", period=1, period_unit="wk")
    chart.procedure(CPT_DXA_AXIAL, day=-150)
    return chart.request("patient-view")


@fixture("r25-quiet-89-days", hook="patient-view",
         story="Prednisone 5 mg/day for 89 days (threshold 90) in a patient without myositis.", quiet={RULE})
def quiet_short(today: date) -> dict[str, Any]:
    chart = Chart(today, age=63)
    chart.medication(PREDNISONE_5, 5, "mg", start=-88)
    return chart.request("patient-view")


@fixture("r25-fires-age-17-calcium-vitamin-d", hook="patient-view",
         story="17-year-old with juvenile myositis on prednisolone-equivalent 30 mg/day for 4 months and no calcium "
               "or vitamin D: age-appropriate calcium and vitamin D 600 IU, no DXA or adult doses.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_child(today: date) -> dict[str, Any]:
    chart = Chart(today, age=17)
    chart.condition(IMNM_SNOMED, onset=-150)
    chart.weight(55, day=-3)
    chart.medication(PREDNISONE_20, 30, "mg", start=-120)
    return chart.request("patient-view")


@fixture("r25-quiet-age-12-vitamin-d-in-place", hook="patient-view",
         story="12-year-old on prednisone 5 mg/day for 4 months with vitamin D: a child needs no DXA here.",
         quiet={RULE})
def quiet_child(today: date) -> dict[str, Any]:
    chart = Chart(today, age=12)
    chart.medication(PREDNISONE_5, 5, "mg", start=-120)
    chart.medication(VITAMIN_D3, 600, "[iU]", start=-110)
    return chart.request("patient-view")


def unweighed_chart(today: date, dxa_day: int, weight_kg: float | None = None, course_start: int = -365) -> Chart:
    """Prednisone 25 mg/day from ``course_start`` (a year ago) with calcium and vitamin D, a DXA on ``dxa_day``; a
    body weight only if given. 25 mg/day is T_tx (0.5 mg/kg/day) for a patient of 50 kg or less, so with no weight
    T_tx is unknown, but no later than the course's first day."""
    chart = Chart(today, age=60)
    if weight_kg is not None:
        chart.weight(weight_kg, day=course_start + 5)
    chart.medication(PREDNISONE_20, 25, "mg", start=course_start)
    chart.medication(CALCIUM, 500, "mg", start=-300, frequency=2)
    chart.medication(VITAMIN_D3, 1000, "[iU]", start=-300)
    return chart.procedure(CPT_DXA_AXIAL, day=dxa_day)


@fixture("r25-fires-ttx-unknown-dxa-may-predate-course", hook="patient-view",
         story="Prednisone 25 mg/day for a year, no body weight on file (T_tx unknown: it is T_tx below 50 kg), "
               "calcium and vitamin D, a DXA 600 days ago: it may predate the course by more than 6 months, so it "
               "does not count and a DXA is asked for.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_ttx_unknown(today: date) -> dict[str, Any]:
    return unweighed_chart(today, dxa_day=-600).request("patient-view")


@fixture("r25-quiet-ttx-unknown-dxa-after-course-began", hook="patient-view",
         story="Prednisone 25 mg/day for 800 days, no body weight on file (T_tx unknown: it is T_tx below 50 kg, and "
               "no later than the course's first day), calcium, vitamin D and weekly alendronate, a DXA 400 days "
               "ago, after the course began: it counts.",
         quiet={RULE})
def quiet_ttx_unknown_dxa_after_course(today: date) -> dict[str, Any]:
    chart = unweighed_chart(today, dxa_day=-400, course_start=-800)
    # 25 mg/day is 9.1 g a year, very high fracture risk (ACR 2022): with no osteoporosis drug the card would fire
    chart.medication(ALENDRONATE, 70, "mg", start=-790, period=1, period_unit="wk")
    return chart.request("patient-view")


@fixture("r25-fires-egfr-34-denosumab-not-alendronate", hook="patient-view",
         story="Prednisone 10 mg/day for 6 months, osteoporosis, calcium, vitamin D and a DXA, no osteoporosis drug; "
               "eGFR 34: alendronate and zoledronic acid are not advised below 35, so denosumab is offered.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_egfr_34_denosumab(today: date) -> dict[str, Any]:
    return _osteoporosis_on_prednisone(today).lab(EGFR, 34, "mL/min/{1.73_m2}", day=-3).request("patient-view")


def _osteoporosis_on_prednisone(today: date) -> Chart:
    """Osteoporosis, prednisone 10 mg/day for 6 months with calcium, vitamin D and a DXA: only the drug to decide."""
    chart = Chart(today, age=70)
    chart.condition("Osteoporosis", onset=-300)
    chart.medication(PREDNISONE_20, 10, "mg", start=-180)
    chart.medication(CALCIUM, 500, "mg", start=-170, frequency=2)
    chart.medication(VITAMIN_D3, 1000, "[iU]", start=-170)
    return chart.procedure(CPT_DXA_AXIAL, day=-300)
