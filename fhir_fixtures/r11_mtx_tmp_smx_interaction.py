"""Fixtures for R11 mtx-tmp-smx-interaction: prophylactic and treatment TMP/SMX with methotrexate in both
directions, trimethoprim alone, weight-based dosing, a child offered a paediatric pharmacy consult, a child's weight
too old to dose from, weekly methotrexate charted one completed order per dose, and the near misses."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import IMNM_SNOMED, METHOTREXATE_2_5, ROUTE_SC, RXNORM, TMP_SMX_DS, TMP_SMX_SS, Chart

RULE = "mtx-tmp-smx-interaction"
TRIMETHOPRIM_100 = (RXNORM, "198332", "trimethoprim 100 MG Oral Tablet")
MTX_INJECTABLE = "methotrexate 25 MG/ML Injectable Solution"


def on_mtx(today: date, age: int = 55, status: str = "active") -> Chart:
    chart = Chart(today, age=age, sex="female").condition(IMNM_SNOMED, onset=-200)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-150, period_unit="wk", day_of_week=["mon"], status=status,
                     resource_id="mtx-active", end=None if status == "active" else -20)
    return chart


def mtx_dose_by_dose(today: date, *days: int, status: str = "completed") -> Chart:
    """Methotrexate 25 mg SC given in clinic on ``days``, each dose charted as its own one-day order: none is
    current between doses."""
    chart = Chart(today, age=55, sex="female").condition(IMNM_SNOMED, onset=-200)
    for day in days:
        chart.medication(MTX_INJECTABLE, 25, "mg", start=day, end=day, status=status, route=ROUTE_SC,
                         resource_id=f"mtx-day{day}")
    return chart


@fixture("r11-fires-prophylactic-ds-three-times-weekly", hook="order-sign", demo=True,
         story="On methotrexate 20 mg weekly; TMP/SMX DS 1 tablet Mon/Wed/Fri drafted for PJP prophylaxis.",
         fires={RULE}, indicators={RULE: "warning"})
def prophylactic(today: date) -> dict[str, Any]:
    chart = on_mtx(today).draft(TMP_SMX_DS, 1, "{tbl}", day_of_week=["mon", "wed", "fri"])
    return chart.request("order-sign")


@fixture("r11-fires-treatment-ds-bid", hook="order-sign",
         story="On methotrexate; TMP/SMX DS 1 tablet twice daily drafted (treatment dose: 320 mg TMP/day).",
         fires={RULE}, indicators={RULE: "critical"})
def treatment(today: date) -> dict[str, Any]:
    return on_mtx(today).draft(TMP_SMX_DS, 1, "{tbl}", frequency=2, resource_id="tmp-draft").request("order-sign")


@fixture("r11-fires-trimethoprim-alone-for-cystitis", hook="order-sign",
         story="On methotrexate; trimethoprim 100 mg twice daily drafted for cystitis.", fires={RULE},
         indicators={RULE: "critical"})
def trimethoprim_alone(today: date) -> dict[str, Any]:
    return on_mtx(today).draft(TRIMETHOPRIM_100, 1, "{tbl}", frequency=2).request("order-sign")


@fixture("r11-fires-mtx-draft-with-weight-based-tmp-smx", hook="order-sign",
         story="On TMP/SMX 5 mg/kg TMP three times daily (15 mg/kg/day, PJP treatment); methotrexate drafted.",
         fires={RULE}, indicators={RULE: "critical"})
def weight_based(today: date) -> dict[str, Any]:
    chart = Chart(today, age=48).condition(IMNM_SNOMED, onset=-60).weight(70, day=-3)
    chart.medication(TMP_SMX_DS, 5, "mg/kg", start=-4, frequency=3)
    return chart.draft(METHOTREXATE_2_5, 15, "mg", period_unit="wk", day_of_week=["fri"]).request("order-sign")


@fixture("r11-fires-mtx-draft-with-prophylactic-ss-daily", hook="order-sign",
         story="Age 70 on TMP/SMX SS daily prophylaxis; methotrexate drafted: warning, stronger wording (age).",
         fires={RULE}, indicators={RULE: "warning"})
def ss_daily(today: date) -> dict[str, Any]:
    chart = Chart(today, age=70).condition(IMNM_SNOMED, onset=-60)
    chart.medication(TMP_SMX_SS, 1, "{tbl}", start=-30)
    return chart.draft(METHOTREXATE_2_5, 15, "mg", period_unit="wk", day_of_week=["fri"]).request("order-sign")


@fixture("r11-fires-child-prophylactic-pharmacy-consult", hook="order-sign",
         story="Girl aged 9 (30 kg) on methotrexate; TMP/SMX SS 1 tablet daily drafted for PJP prophylaxis: the "
               "switch offered is a paediatric pharmacy consult for atovaquone dosed by weight, not the adult "
               "1,500 mg.", fires={RULE}, indicators={RULE: "warning"})
def child_prophylactic(today: date) -> dict[str, Any]:
    chart = on_mtx(today, age=9).weight(30, day=-1).draft(TMP_SMX_SS, 1, "{tbl}")
    return chart.request("order-sign")


@fixture("r11-quiet-no-methotrexate", hook="order-sign", story="TMP/SMX DS BID drafted; no methotrexate.",
         quiet={RULE})
def no_mtx(today: date) -> dict[str, Any]:
    chart = Chart(today).condition(IMNM_SNOMED, onset=-60)
    return chart.draft(TMP_SMX_DS, 1, "{tbl}", frequency=2).request("order-sign")


@fixture("r11-quiet-methotrexate-stopped", hook="order-sign",
         story="Methotrexate was stopped 20 days ago; TMP/SMX DS BID drafted.", quiet={RULE})
def mtx_stopped(today: date) -> dict[str, Any]:
    return on_mtx(today, status="stopped").draft(TMP_SMX_DS, 1, "{tbl}", frequency=2).request("order-sign")


@fixture("r11-quiet-patient-view", hook="patient-view",
         story="Methotrexate and TMP/SMX both active: a drug-pair rule only on order-sign.", quiet={RULE})
def patient_view(today: date) -> dict[str, Any]:
    chart = on_mtx(today).medication(TMP_SMX_SS, 1, "{tbl}", start=-30)
    return chart.request("patient-view")


@fixture("r11-fires-child-weight-based-tmp-smx-weight-10-days-old", hook="order-sign",
         story="Girl aged 9 on methotrexate, weighed 10 days ago (a child's dosing weight is at most 7 days old); "
               "TMP/SMX 4 mg/kg TMP twice daily drafted: the TMP mg/day is not computed, and the card says the "
               "window that applied, 7 days (it said 30, the adult one).", fires={RULE},
         indicators={RULE: "critical"})
def child_weight_10_days_old(today: date) -> dict[str, Any]:
    chart = on_mtx(today, age=9).weight(30, day=-10).draft(TMP_SMX_SS, 4, "mg/kg", frequency=2)
    return chart.request("order-sign")


@fixture("r11-fires-weekly-mtx-charted-dose-by-dose", hook="order-sign",
         story="Methotrexate 25 mg SC given weekly, each dose charted as a completed one-day order (the last 2 days "
               "ago, the next due in 5); TMP/SMX DS twice daily drafted: no methotrexate order is current, yet the "
               "patient is on it (it was read as none).", fires={RULE}, indicators={RULE: "critical"})
def mtx_dose_by_dose_with_treatment(today: date) -> dict[str, Any]:
    chart = mtx_dose_by_dose(today, -23, -16, -9, -2)
    return chart.draft(TMP_SMX_DS, 1, "{tbl}", frequency=2).request("order-sign")


@fixture("r11-quiet-weekly-mtx-charted-dose-by-dose-overdue", hook="order-sign",
         story="Weekly methotrexate charted dose by dose, the last 15 days ago: the next dose is more than a week "
               "overdue, so methotrexate has stopped; TMP/SMX DS twice daily drafted.", quiet={RULE})
def mtx_dose_by_dose_overdue(today: date) -> dict[str, Any]:
    chart = mtx_dose_by_dose(today, -36, -29, -22, -15)
    return chart.draft(TMP_SMX_DS, 1, "{tbl}", frequency=2).request("order-sign")
