"""Fixtures for R09 mtx-weekly-dose-range: the seed's '25-50 mg/week', the 25 and 40 mg/week edges, and the
methotrexate on the chart that a draft does (or does not) replace, or rewrites with no link."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import IMNM_SNOMED, METHOTREXATE_2_5, ROUTE_SC, RXNORM, Chart

RULE = "mtx-weekly-dose-range"
R08 = "mtx-once-weekly-hard-stop"
MTX_SC = "methotrexate 25 MG/ML Prefilled Syringe"
MTX_INJECTABLE = (RXNORM, "1946772", "methotrexate 25 MG/ML Injectable Solution")
METHOTREXATE_10 = (RXNORM, "105586", "methotrexate 10 MG Oral Tablet")


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
         story="Methotrexate 25 mg SC once weekly (the top of the adult range), a change of the 20 mg order it names "
               "as its priorPrescription: no card.", quiet={RULE})
def at_max(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.medication(MTX_SC, 20, "mg", start=-200, period=1, period_unit="wk", day_of_week=["fri"],
                     resource_id="mtx-20")
    chart.draft(MTX_SC, 25, "mg", period=1, period_unit="wk", day_of_week=["fri"])
    chart.replacing("mtx-20")
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


def tablets_plus_injection(today: date) -> Chart:
    """Methotrexate 20 mg by mouth once weekly on Monday, active for 100 days (the order ``mtx-po``), and a draft
    of 25 mg SC once weekly on Monday with no link to it."""
    chart = _chart(today)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-100, period=1, period_unit="wk", day_of_week=["mon"],
                     resource_id="mtx-po")
    return chart.draft(MTX_INJECTABLE, 25, "mg", period=1, period_unit="wk", day_of_week=["mon"], route=ROUTE_SC,
                       resource_id="mtx-sc")


@fixture("r09-fires-active-order-plus-unlinked-draft", hook="order-sign",
         story="Methotrexate 20 mg PO weekly on Monday is active; 25 mg SC weekly on Monday is drafted with no link "
               "to it: signed, the patient takes 45 mg a week (the draft alone is within the range).",
         fires={RULE}, quiet={R08}, indicators={RULE: "critical"})
def active_plus_unlinked_draft(today: date) -> dict[str, Any]:
    return tablets_plus_injection(today).request("order-sign")


@fixture("r09-quiet-draft-replacing-the-active-order", hook="order-sign",
         story="The same 25 mg SC draft naming the active tablets as its priorPrescription (a switch to SC): it "
               "replaces them, so 25 mg a week.", quiet={RULE, R08})
def draft_replacing_active(today: date) -> dict[str, Any]:
    chart = tablets_plus_injection(today)
    chart.replacing("mtx-po")
    return chart.request("order-sign")


@fixture("r09-quiet-linked-renewal-of-the-active-order", hook="order-sign",
         story="Methotrexate 20 mg SC weekly on Friday is active; the same drug, dose and day is drafted again naming "
               "it as its priorPrescription (the EHR's renew): 20 mg a week, not 40, and the EHR stops the old "
               "order.", quiet={RULE, R08})
def renewal(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.medication(MTX_SC, 20, "mg", start=-80, period=1, period_unit="wk", day_of_week=["fri"],
                     resource_id="mtx-fri")
    chart.draft(MTX_SC, 20, "mg", period=1, period_unit="wk", day_of_week=["fri"])
    chart.replacing("mtx-fri")
    return chart.request("order-sign")


@fixture("r09-warns-unlinked-rewrite-leaves-chart-order-active", hook="order-sign",
         story="Methotrexate 20 mg weekly on Monday is active; 25 mg weekly on Monday is drafted on 10 mg tablets "
               "with no link to it: read as a dose change (25 mg a week, within the range), but signing does not "
               "stop the 20 mg order, so the card warns that both would give 45 mg a week (a warning, not critical: "
               "the draft alone is the dose intended) and offers to discontinue it.",
         fires={RULE}, quiet={R08}, indicators={RULE: "warning"})
def unlinked_rewrite(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-100, period=1, period_unit="wk", day_of_week=["mon"],
                     resource_id="mtx-po")
    chart.draft(METHOTREXATE_10, 25, "mg", period=1, period_unit="wk", day_of_week=["mon"], resource_id="mtx-25")
    return chart.request("order-sign")


@fixture("r09-warns-titration-as-two-drafts-leaves-the-active-order", hook="order-sign",
         story="Methotrexate 20 mg weekly on Monday is active; a titration is drafted as two unlinked orders on "
               "10 mg tablets, 20 mg weekly for 4 weeks then 25 mg weekly: one schedule that rewrites the order on "
               "the chart, 25 mg a week at most (not 45, no critical card), and one warning that the order on the "
               "chart is still active.", fires={RULE}, quiet={R08}, indicators={RULE: "warning"})
def titration_chain_after_active(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-100, period=1, period_unit="wk", day_of_week=["mon"])
    chart.draft(METHOTREXATE_10, 20, "mg", period=1, period_unit="wk", day_of_week=["mon"], end=27)
    chart.draft(METHOTREXATE_10, 25, "mg", period=1, period_unit="wk", day_of_week=["mon"], start=28)
    return chart.request("order-sign")


@fixture("r09-quiet-weekly-timing-with-a-twice-weekly-sig-is-r08s", hook="order-sign",
         story="Methotrexate 20 mg with a structured timing of once weekly on Monday, its sig '20 mg twice weekly': "
               "R09 judges the timing's 20 mg/week, within the range; the sig saying more often than the weekly "
               "timing is R08's hard stop.",
         fires={R08}, quiet={RULE}, indicators={R08: "critical"})
def weekly_timing_twice_weekly_sig(today: date) -> dict[str, Any]:
    return _chart(today).draft(METHOTREXATE_2_5, 20, "mg", period=1, period_unit="wk", day_of_week=["mon"],
                               text="20 mg twice weekly", resource_id="draft-mtx-sig").request("order-sign")


def syringe_left_active_beside_tablets(today: date, syringe_mg: float | None = 15, linked: bool = False) -> Chart:
    """Methotrexate SC once weekly on Monday (``mtx-sc``, its dose ``syringe_mg``, 'as directed' when None) and 15 mg
    by mouth once weekly on Monday (``mtx-po``) on the chart, and 15 mg SC weekly on Monday drafted with no link
    (``mtx-draft``): it rewrites the SC order (left active) and adds to the tablets. ``linked``: the draft names the
    SC order as its prior prescription instead (it replaces it; cancelling the draft leaves it)."""
    chart = _chart(today)
    chart.medication(MTX_SC, syringe_mg, "mg" if syringe_mg is not None else None, start=-100, period=1,
                     period_unit="wk", day_of_week=["mon"], resource_id="mtx-sc",
                     text=None if syringe_mg is not None else "as directed")
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-100, period=1, period_unit="wk", day_of_week=["mon"],
                     resource_id="mtx-po")
    chart.draft(MTX_SC, 15, "mg", period=1, period_unit="wk", day_of_week=["mon"], resource_id="mtx-draft")
    return chart.replacing("mtx-sc") if linked else chart


@fixture("r09-fires-cancelling-would-leave-the-order-left-active", hook="order-sign",
         story="Methotrexate 15 mg SC and 15 mg by mouth, both weekly on Monday, are on the chart; 15 mg SC weekly on "
               "Monday is drafted with no link (read as the SC order's renewal): 30 mg a week with the tablets. "
               "Cancelling the draft leaves both chart orders, 30 mg a week, so it is not offered: the replacement "
               "that stops them both is.",
         fires={RULE}, quiet={R08}, indicators={RULE: "warning"})
def cancelling_leaves_left_active(today: date) -> dict[str, Any]:
    return syringe_left_active_beside_tablets(today).request("order-sign")
