"""Fixtures for R32 pediatric-myositis-dose-limits: JDM prednisolone and methotrexate limits, adult hand-off."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import PREDNISONE_20, Chart
from fhir_fixtures.r06_prednisone_adult_dose_check import PRED_EYE_DROPS

RULE = "pediatric-myositis-dose-limits"
JDM = "Juvenile dermatomyositis"
PREDNISOLONE_5 = "prednisolone 5 MG Oral Tablet"
MTX_SC = "methotrexate 25 MG/ML Prefilled Syringe"


def _child(today: date, age: int = 11, kg: float = 30, cm: float = 140) -> Chart:
    chart = Chart(today, age=age).condition(JDM, onset=-20)
    return chart.weight(kg, day=-2).height(cm, day=-10)


@fixture("r32-fires-prednisolone-over-2-mg-per-kg", hook="order-sign",
         story="An 11-year-old, 30 kg, with JDM: prednisolone 75 mg daily (2.5 mg/kg, above 60 mg).",
         fires={RULE}, quiet={"prednisone-adult-dose-check"}, indicators={RULE: "warning"}, demo=True)
def steroid(today: date) -> dict[str, Any]:
    chart = _child(today)
    chart.draft(PREDNISOLONE_5, 75, "mg", resource_id="draft-pred-child")
    return chart.request("order-sign")


@fixture("r32-fires-adult-mtx-dose-in-child", hook="order-sign",
         story="A 9-year-old, 25 kg, 128 cm (BSA 0.94 m2): methotrexate 25 mg SC weekly = 26.6 mg/m2/week.",
         fires={RULE}, quiet={"mtx-weekly-dose-range"})
def mtx(today: date) -> dict[str, Any]:
    chart = _child(today, age=9, kg=25, cm=128)
    chart.draft(MTX_SC, 25, "mg", period=1, period_unit="wk", day_of_week=["sat"])
    return chart.request("order-sign")


@fixture("r32-quiet-shares-doses", hook="order-sign",
         story="A 12-year-old, 40 kg, 150 cm: prednisolone 60 mg daily (1.5 mg/kg) and methotrexate 20 mg SC "
               "weekly (1.29 m2: 15.5 mg/m2): within the SHARE limits.", quiet={RULE})
def within(today: date) -> dict[str, Any]:
    chart = _child(today, age=12, kg=40, cm=150)
    chart.draft(PREDNISOLONE_5, 60, "mg")
    chart.draft(MTX_SC, 20, "mg", period=1, period_unit="wk", day_of_week=["sat"])
    return chart.request("order-sign")


@fixture("r32-quiet-adult", hook="order-sign",
         story="An 18-year-old (adult): prednisone 70 mg for 70 kg is R06's business, not R32's.", quiet={RULE})
def adult(today: date) -> dict[str, Any]:
    chart = Chart(today, age=18).condition(JDM, onset=-2000).weight(70, day=-3)
    chart.draft(PREDNISONE_20, 70, "mg")
    return chart.request("order-sign")


@fixture("r32-quiet-prednisolone-eye-drops", hook="order-sign",
         story="An 11-year-old, 30 kg: prednisolone acetate eye drops four times a day, a local form with no systemic "
               "dose: left out of the juvenile limits and named as left out, as R06 names them for an adult.",
         quiet={RULE})
def eye_drops(today: date) -> dict[str, Any]:
    chart = _child(today)
    chart.draft(PRED_EYE_DROPS, 1, "{drop}", frequency=4)
    return chart.request("order-sign")
