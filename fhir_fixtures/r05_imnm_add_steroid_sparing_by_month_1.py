"""Fixtures for R05 imnm-add-steroid-sparing-by-month-1: the 30-day edge, agents before/after T_tx, suppression."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import (
    IBM_ICD,
    IMNM_SNOMED,
    IVIG_CVX,
    METHOTREXATE_2_5,
    PREDNISONE_20,
    ROUTE_ORAL,
    SNOMED,
    TMP_SMX_DS,
    Chart,
)
from fhir_fixtures.r19_imnm_severe_disease_urgent import DYSPHAGIA

RULE = "imnm-add-steroid-sparing-by-month-1"
ILD = (SNOMED, "233703007", "Interstitial lung disease (disorder)")


def _chart(today: date, ttx: int, diagnosis: tuple[str, str, str] | str = IMNM_SNOMED,
           onset: int | None = None) -> Chart:
    """Prednisone 60 mg from ``ttx``; the myositis charted with its onset 20 days before (or on ``onset``)."""
    chart = Chart(today, age=52, sex="female")
    chart.condition(diagnosis, onset=ttx - 20 if onset is None else onset)
    chart.antibody("anti_hmgcr", "positive", day=ttx - 10)
    chart.antibody("anti_srp", "negative", day=ttx - 10)
    chart.ck(6800, day=ttx - 5).ck(2100, day=-3)
    chart.weight(68, day=-5)
    chart.medication(PREDNISONE_20, 60, "mg", start=ttx)
    return chart


@fixture("r05-fires-prednisone-alone-45-days", hook="patient-view", demo=True,
         story="Anti-HMGCR IMNM on prednisone 60 mg since D-45, no second agent: add methotrexate.",
         fires={RULE}, indicators={RULE: "warning"})
def fires(today: date) -> dict[str, Any]:
    return _chart(today, -45).request("patient-view")


@fixture("r05-fires-at-exactly-30-days", hook="patient-view",
         story="T_tx exactly 30 days ago (the threshold is >= 30 d).", fires={RULE})
def edge_30(today: date) -> dict[str, Any]:
    return _chart(today, -30).request("patient-view")


@fixture("r05-fires-agent-stopped-before-ttx", hook="patient-view",
         story="Methotrexate for arthritis stopped a year before this IMNM episode does not count.", fires={RULE})
def before_ttx(today: date) -> dict[str, Any]:
    chart = _chart(today, -60)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-700, end=-400, status="stopped", period=1,
                     period_unit="wk")
    return chart.request("patient-view")


@fixture("r05-fires-course-runs-through-the-onset", hook="patient-view",
         story="Prednisone 60 mg started on D-45 while the work-up was under way; IMNM charted with onset D-20. The "
               "course runs through the onset, so it is this episode's treatment: day 46, no second agent.",
         fires={RULE}, indicators={RULE: "warning"})
def through_onset(today: date) -> dict[str, Any]:
    return _chart(today, -45, onset=-20).request("patient-view")


@fixture("r05-quiet-29-days", hook="patient-view",
         story="T_tx 29 days ago: still inside the first month.", quiet={RULE})
def edge_29(today: date) -> dict[str, Any]:
    return _chart(today, -29).request("patient-view")


@fixture("r05-quiet-unrelated-burst-before-onset", hook="patient-view",
         story="IMNM (onset D-40) on prednisone 60 mg since D-20; a 5-day prednisone 40 mg burst D-100 to D-96, over "
               "56 days before the onset, was for another illness: treatment started D-20, inside the first month.",
         quiet={RULE})
def burst_before_onset(today: date) -> dict[str, Any]:
    chart = _chart(today, -20)
    chart.medication(PREDNISONE_20, 40, "mg", start=-100, end=-96, status="completed")
    return chart.request("patient-view")


@fixture("r05-quiet-methotrexate-started", hook="patient-view",
         story="Methotrexate weekly started 2 weeks after prednisone.", quiet={RULE})
def mtx(today: date) -> dict[str, Any]:
    chart = _chart(today, -60)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-46, period=1, period_unit="wk", day_of_week=["mon"])
    return chart.request("patient-view")


@fixture("r05-quiet-ivig-recorded-as-immunization", hook="patient-view",
         story="IVIG (CVX 87) given after T_tx, recorded as an Immunization.", quiet={RULE})
def ivig(today: date) -> dict[str, Any]:
    chart = _chart(today, -60)
    chart.immunization(IVIG_CVX, day=-40)
    return chart.request("patient-view")


@fixture("r05-quiet-ibm-suppressed", hook="patient-view",
         story="Inclusion body myositis with anti-HMGCR and a raised CK but no IMNM diagnosis charted: IMNM "
               "treatment rows are suppressed.", quiet={RULE})
def ibm(today: date) -> dict[str, Any]:
    chart = _chart(today, -90, diagnosis="Myopathy")
    chart.condition(IBM_ICD, onset=-400)
    return chart.request("patient-view")


@fixture("r05-quiet-not-imnm", hook="patient-view",
         story="Prednisone for 3 months without any myositis diagnosis or antibody.", quiet={RULE})
def not_imnm(today: date) -> dict[str, Any]:
    chart = Chart(today, age=70)
    chart.medication(PREDNISONE_20, 40, "mg", start=-90)
    return chart.request("patient-view")


@fixture("r05-quiet-off-glucocorticoids-years-after-ttx", hook="patient-view",
         story="Prednisone from D-1500 stopped at D-1100, nothing since: not glucocorticoid monotherapy now.",
         quiet={RULE})
def off_treatment(today: date) -> dict[str, Any]:
    chart = Chart(today, age=52, sex="female")
    chart.condition(IMNM_SNOMED, onset=-1520)
    chart.antibody("anti_hmgcr", "positive", day=-1510)
    chart.ck(6800, day=-1505).ck(180, day=-20)
    chart.weight(68, day=-5)
    chart.medication(PREDNISONE_20, 60, "mg", start=-1500, end=-1100, status="completed")
    return chart.request("patient-view")


@fixture("r05-fires-methotrexate-waits-for-tmp-smx-treatment-course", hook="patient-view",
         story="Prednisone 60 mg since D-45 and a UTI course of TMP/SMX 160/800 mg twice daily (D-3 to D+3): "
               "methotrexate waits until the course is over and is not pre-selected (R11: avoid the combination).",
         fires={RULE}, indicators={RULE: "warning"})
def tmp_smx_treatment_course(today: date) -> dict[str, Any]:
    chart = _chart(today, -45)
    chart.medication(TMP_SMX_DS, 1, "{tbl}", start=-3, end=3, frequency=2, route=ROUTE_ORAL)
    return chart.request("patient-view")


@fixture("r05-fires-dysphagia-methotrexate-subcutaneous", hook="patient-view",
         story="Prednisone 60 mg since D-45, no second agent, oropharyngeal dysphagia since D-6: methotrexate 15 mg "
               "weekly is offered as a subcutaneous prefilled syringe, not tablets (R25 gives zoledronic acid IV for "
               "the same dysphagia).",
         fires={RULE}, indicators={RULE: "warning"})
def dysphagia(today: date) -> dict[str, Any]:
    return _chart(today, -45).condition(DYSPHAGIA, onset=-6).request("patient-view")


@fixture("r05-fires-dysphagia-lung-disease-mycophenolate-suspension", hook="patient-view",
         story="Prednisone 60 mg since D-45, no second agent, oropharyngeal dysphagia since D-6 and interstitial lung "
               "disease: mycophenolate is pre-selected as its oral suspension (2.5 mL, once swallowing is safe or via "
               "NG tube), not tablets; the subcutaneous methotrexate beside it brings folic acid once swallowing is "
               "safe.",
         fires={RULE}, indicators={RULE: "warning"})
def dysphagia_lung_disease(today: date) -> dict[str, Any]:
    return _chart(today, -45).condition(DYSPHAGIA, onset=-6).condition(ILD, onset=-100).request("patient-view")
