"""Fixtures for R32 pediatric-myositis-dose-limits: JDM prednisolone and methotrexate limits, adult hand-off, and the
child's orders on the chart that a draft does (or does not) replace, or rewrites with no link."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import METHOTREXATE_2_5, PREDNISONE_20, Chart
from fhir_fixtures.r06_prednisone_adult_dose_check import PRED_EYE_DROPS

RULE = "pediatric-myositis-dose-limits"
R06 = "prednisone-adult-dose-check"
R08 = "mtx-once-weekly-hard-stop"
R09 = "mtx-weekly-dose-range"
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


def mtx_on_the_chart_and_unlinked_draft(today: date) -> Chart:
    """A 12-year-old, 40 kg, 150 cm (BSA 1.29 m2), on methotrexate 15 mg SC weekly on Saturday (the order
    ``mtx-15``); methotrexate 20 mg by mouth weekly on Saturday drafted with no link to it (tablets, not the
    syringe: not that prescription written again)."""
    chart = _child(today, age=12, kg=40, cm=150)
    chart.medication(MTX_SC, 15, "mg", start=-60, period=1, period_unit="wk", day_of_week=["sat"],
                     resource_id="mtx-15")
    return chart.draft(METHOTREXATE_2_5, 20, "mg", period=1, period_unit="wk", day_of_week=["sat"],
                       resource_id="draft-mtx-20")


@fixture("r32-fires-active-order-plus-unlinked-draft", hook="order-sign",
         story="A 12-year-old, BSA 1.29 m2, on methotrexate 15 mg SC weekly; 20 mg by mouth weekly is drafted with "
               "no link to it: signed, 35 mg a week, 27.1 mg/m2/week (the draft alone, 15.5 mg/m2, is within the "
               "limits). The adult R09 stays quiet for a child.",
         fires={RULE}, quiet={R09, R08}, indicators={RULE: "warning"})
def active_plus_unlinked_draft(today: date) -> dict[str, Any]:
    return mtx_on_the_chart_and_unlinked_draft(today).request("order-sign")


@fixture("r32-quiet-draft-replacing-the-active-order", hook="order-sign",
         story="The same 20 mg draft naming the 15 mg SC order as its priorPrescription (a switch to tablets): it "
               "replaces it, so 20 mg a week (15.5 mg/m2).", quiet={RULE, R09, R08})
def draft_replacing_active(today: date) -> dict[str, Any]:
    chart = mtx_on_the_chart_and_unlinked_draft(today)
    chart.replacing("mtx-15")
    return chart.request("order-sign")


@fixture("r32-warns-unlinked-rewrite-leaves-chart-order-active", hook="order-sign",
         story="A 12-year-old, 40 kg, on prednisolone 40 mg daily; prednisolone 30 mg daily is drafted with no link "
               "to it: read as a taper step (0.75 mg/kg/day, within the limits), but signing does not stop the 40 mg "
               "order, so the card warns that both would give 70 mg a day and offers to discontinue it.",
         fires={RULE}, quiet={R06}, indicators={RULE: "warning"})
def unlinked_rewrite(today: date) -> dict[str, Any]:
    chart = _child(today, age=12, kg=40, cm=150)
    chart.medication(PREDNISOLONE_5, 40, "mg", start=-10, resource_id="pred-40")
    chart.draft(PREDNISOLONE_5, 30, "mg", resource_id="draft-pred-30")
    return chart.request("order-sign")


@fixture("r32-warns-left-active-order-beside-methotrexate-with-no-height", hook="order-sign",
         story="A 12-year-old, 40 kg, no height on file, on prednisolone 20 mg daily; prednisolone 25 mg daily is "
               "drafted with no link to it (45 mg a day together), and methotrexate 15 mg SC weekly is drafted new. "
               "The methotrexate's 20 mg/m2 cannot be checked without a height, and the card says so; it no longer "
               "silences the prednisolone's warning, whose 'Keep the draft and discontinue' stays recommended.",
         fires={RULE}, quiet={R06, R09}, indicators={RULE: "warning"})
def left_active_beside_unmeasured_mtx(today: date) -> dict[str, Any]:
    chart = Chart(today, age=12).condition(JDM, onset=-20).weight(40, day=-2)
    chart.medication(PREDNISOLONE_5, 20, "mg", start=-10, resource_id="pred-20")
    chart.draft(PREDNISOLONE_5, 25, "mg", resource_id="draft-pred-25")
    chart.draft(MTX_SC, 15, "mg", period=1, period_unit="wk", day_of_week=["sat"], resource_id="draft-mtx-15")
    return chart.request("order-sign")
