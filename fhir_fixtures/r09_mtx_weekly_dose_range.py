"""Fixtures for R09 mtx-weekly-dose-range: the seed's '25-50 mg/week', the 25 and 40 mg/week edges."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import IMNM_SNOMED, METHOTREXATE_2_5, Chart

RULE = "mtx-weekly-dose-range"
MTX_SC = "methotrexate 25 MG/ML Prefilled Syringe"


def _chart(today: date, age: int = 58) -> Chart:
    chart = Chart(today, age=age).condition(IMNM_SNOMED, onset=-40).weight(74, day=-5)
    return chart


@fixture("r09-fires-seed-50-mg-weekly", hook="order-sign",
         story="Seed 003's 'begin at 25-50 mg/week': a new start of methotrexate 50 mg once weekly (20 tablets).",
         fires={RULE}, indicators={RULE: "critical"}, demo=True)
def seed_dose(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.draft(METHOTREXATE_2_5, 20, "{tbl}", period=1, period_unit="wk", day_of_week=["mon"],
                resource_id="draft-mtx-50")
    return chart.request("order-sign")


@fixture("r09-fires-30-mg-weekly-established", hook="order-sign",
         story="On methotrexate 25 mg SC weekly; 30 mg weekly drafted: warning.",
         fires={RULE}, indicators={RULE: "warning"})
def thirty(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.medication(MTX_SC, 25, "mg", start=-120, period=1, period_unit="wk", day_of_week=["fri"])
    chart.draft(MTX_SC, 30, "mg", period=1, period_unit="wk", day_of_week=["fri"])
    return chart.request("order-sign")


@fixture("r09-quiet-25-mg-weekly", hook="order-sign",
         story="Methotrexate 25 mg SC once weekly (the top of the adult range): no card.", quiet={RULE})
def at_max(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.medication(MTX_SC, 20, "mg", start=-200, period=1, period_unit="wk", day_of_week=["fri"])
    chart.draft(MTX_SC, 25, "mg", period=1, period_unit="wk", day_of_week=["fri"])
    return chart.request("order-sign")


@fixture("r09-fires-100-mg-every-2-weeks", hook="order-sign",
         story="Methotrexate 100 mg every 2 weeks: 100 mg at once, four times the adult weekly maximum (R08 does "
               "not stop it, as it is not more often than weekly).",
         fires={RULE}, quiet={"mtx-once-weekly-hard-stop"}, indicators={RULE: "critical"})
def fortnightly(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.draft(METHOTREXATE_2_5, 100, "mg", period=2, period_unit="wk", day_of_week=["mon"])
    return chart.request("order-sign")


@fixture("r09-quiet-titration-as-two-orders", hook="order-sign",
         story="Methotrexate 15 mg weekly for 4 weeks, then 20 mg weekly, written as two orders: at most 20 mg in "
               "a week, not 35 mg.", quiet={RULE})
def titration(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.draft(MTX_SC, 15, "mg", period=1, period_unit="wk", day_of_week=["mon"], end=27)
    chart.draft(MTX_SC, 20, "mg", period=1, period_unit="wk", day_of_week=["mon"], start=28)
    return chart.request("order-sign")


@fixture("r09-quiet-daily-is-r08s", hook="order-sign",
         story="Methotrexate 15 mg daily: the once-weekly hard stop (R08) handles it, not R09.",
         fires={"mtx-once-weekly-hard-stop"}, quiet={RULE})
def daily(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.draft(METHOTREXATE_2_5, 15, "mg")
    return chart.request("order-sign")


@fixture("r09-quiet-child-handed-to-r32", hook="order-sign",
         story="A 14-year-old: methotrexate 30 mg weekly is checked by R32 (paediatric), not R09.", quiet={RULE})
def child(today: date) -> dict[str, Any]:
    chart = Chart(today, age=14).condition("Juvenile dermatomyositis", onset=-20).weight(50, day=-2)
    chart.height(160, day=-10)
    chart.draft(MTX_SC, 30, "mg", period=1, period_unit="wk", day_of_week=["sat"])
    return chart.request("order-sign")
