"""Fixtures for R06 prednisone-adult-dose-check: per-kg and absolute limits, stale weight, paediatric hand-off, the
prednisone on the chart that a draft does (or does not) replace, or rewrites with no link, and eye drops that are no
systemic dose; oral methylprednisolone held to the same limits by its prednisone-equivalent, and a patient with no
myositis on file."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import IMNM_SNOMED, PREDNISONE_5, PREDNISONE_20, ROUTE_ORAL, RXNORM, Chart

RULE = "prednisone-adult-dose-check"
R32 = "pediatric-myositis-dose-limits"
R33 = "dosing-weight-missing"
R07 = "ivmp-pulse-dose-cap"
PRED_EYE_DROPS = "prednisolone acetate 10 MG/ML Ophthalmic Suspension"
METHYLPREDNISOLONE_4 = (RXNORM, "259966", "methylprednisolone 4 MG Oral Tablet")


def _chart(today: date, age: int = 52) -> Chart:
    chart = Chart(today, age=age, sex="female")
    chart.condition(IMNM_SNOMED, onset=-20)
    return chart


@fixture("r06-fires-2-mg-per-kg-adult", hook="order-sign",
         story="A 70 kg adult with IMNM; prednisone 140 mg daily drafted (the seed's paediatric 2 mg/kg).",
         fires={RULE}, quiet={R33, R32}, indicators={RULE: "warning"}, demo=True)
def two_mg_per_kg(today: date) -> dict[str, Any]:
    chart = _chart(today).weight(70, day=-3)
    chart.draft(PREDNISONE_20, 140, "mg", route=ROUTE_ORAL, resource_id="draft-pred-140")
    return chart.request("order-sign")


@fixture("r06-fires-per-kg-below-80-mg", hook="order-sign",
         story="A 50 kg adult; prednisone 60 mg daily = 1.2 mg/kg/day (under 80 mg but above 1.1 mg/kg).",
         fires={RULE}, quiet={R33})
def per_kg_only(today: date) -> dict[str, Any]:
    chart = _chart(today).weight(50, day=-10)
    chart.draft(PREDNISONE_20, 60, "mg", route=ROUTE_ORAL)
    return chart.request("order-sign")


@fixture("r06-fires-over-80-mg-stale-weight", hook="order-sign",
         story="Weight 4 months old; prednisone 100 mg daily: only the 80 mg cap is checked, and R33 asks "
               "for a weight.",
         fires={RULE, R33})
def stale_weight(today: date) -> dict[str, Any]:
    chart = _chart(today).weight(95, day=-120)
    chart.draft(PREDNISONE_20, 100, "mg", route=ROUTE_ORAL)
    return chart.request("order-sign")


@fixture("r06-quiet-1-mg-per-kg", hook="order-sign",
         story="A 77 kg adult; prednisone 80 mg daily = 1.04 mg/kg/day: within both limits.", quiet={RULE, R33})
def within(today: date) -> dict[str, Any]:
    chart = _chart(today).weight(77, day=-5)
    chart.draft(PREDNISONE_20, 80, "mg", route=ROUTE_ORAL)
    return chart.request("order-sign")


@fixture("r06-quiet-paediatric-handed-to-r32", hook="order-sign",
         story="A 12-year-old, 40 kg: prednisolone 80 mg daily is R32's (paediatric) card, not R06's.",
         fires={R32}, quiet={RULE, R33})
def paediatric(today: date) -> dict[str, Any]:
    chart = _chart(today, age=12).weight(40, day=-2).height(150, day=-10)
    chart.draft("prednisolone 5 MG Oral Tablet", 80, "mg", route=ROUTE_ORAL)
    return chart.request("order-sign")


@fixture("r06-quiet-taper-as-two-orders", hook="order-sign",
         story="A 70 kg adult; prednisone 60 mg daily for 2 weeks, then 40 mg daily for 2 weeks, written as two "
               "orders: at most 60 mg on any day, not 100 mg.", quiet={RULE, R33})
def taper_as_two_orders(today: date) -> dict[str, Any]:
    chart = _chart(today).weight(70, day=-3)
    chart.draft(PREDNISONE_20, 60, "mg", route=ROUTE_ORAL, end=13)
    chart.draft(PREDNISONE_20, 40, "mg", route=ROUTE_ORAL, start=14, end=27)
    return chart.request("order-sign")


def sixty_on_the_chart_forty_drafted(today: date) -> Chart:
    """A 70 kg adult on prednisone 20 mg tablets, 60 mg daily for 10 days (the order ``pred-60``); prednisone 5 mg
    tablets, 20 mg twice a day (40 mg a day) drafted with no link to it: given twice a day, it is not that
    prescription written again."""
    chart = _chart(today).weight(70, day=-3)
    chart.medication(PREDNISONE_20, 60, "mg", start=-10, route=ROUTE_ORAL, resource_id="pred-60")
    return chart.draft(PREDNISONE_5, 20, "mg", frequency=2, route=ROUTE_ORAL, resource_id="draft-pred-40")


@fixture("r06-fires-active-order-plus-unlinked-draft", hook="order-sign",
         story="A 70 kg adult on prednisone 60 mg daily; a second order of 20 mg twice a day (other tablets) is "
               "drafted with no link to the first: signed, 100 mg a day (the draft alone is within the limits).",
         fires={RULE}, quiet={R33}, indicators={RULE: "warning"})
def active_plus_unlinked_draft(today: date) -> dict[str, Any]:
    return sixty_on_the_chart_forty_drafted(today).request("order-sign")


@fixture("r06-quiet-taper-step-replacing-the-active-order", hook="order-sign",
         story="The same draft naming the 60 mg order as its priorPrescription (the EHR's modify): a taper step that "
               "replaces it, so 40 mg a day.", quiet={RULE, R33})
def taper_step_replacing_active(today: date) -> dict[str, Any]:
    chart = sixty_on_the_chart_forty_drafted(today)
    chart.replacing("pred-60")
    return chart.request("order-sign")


@fixture("r06-warns-unlinked-rewrite-leaves-chart-order-active", hook="order-sign",
         story="A 70 kg adult on prednisone 60 mg daily; prednisone 40 mg daily is drafted with no link to it: read "
               "as a taper step (40 mg a day, within the limits), but signing does not stop the 60 mg order, so the "
               "card warns that both would give 100 mg a day and offers to discontinue it.",
         fires={RULE}, quiet={R33}, indicators={RULE: "warning"})
def unlinked_rewrite(today: date) -> dict[str, Any]:
    chart = _chart(today).weight(70, day=-3)
    chart.medication(PREDNISONE_20, 60, "mg", start=-10, route=ROUTE_ORAL, resource_id="pred-60")
    chart.draft(PREDNISONE_20, 40, "mg", route=ROUTE_ORAL, resource_id="draft-pred-40")
    return chart.request("order-sign")


@fixture("r06-warns-taper-as-two-drafts-leaves-the-active-order", hook="order-sign",
         story="A 70 kg adult on prednisone 60 mg daily; the taper is drafted as two unlinked orders, 60 mg daily "
               "for 2 weeks then 40 mg daily: one schedule that rewrites the order on the chart, at most 60 mg a day "
               "(not 120, no card over the limits), and one warning that the order on the chart is still active.",
         fires={RULE}, quiet={R33}, indicators={RULE: "warning"})
def taper_chain_after_active(today: date) -> dict[str, Any]:
    chart = _chart(today).weight(70, day=-3)
    chart.medication(PREDNISONE_20, 60, "mg", start=-10, route=ROUTE_ORAL, resource_id="pred-60")
    chart.draft(PREDNISONE_20, 60, "mg", route=ROUTE_ORAL, end=13)
    chart.draft(PREDNISONE_20, 40, "mg", route=ROUTE_ORAL, start=14)
    return chart.request("order-sign")


@fixture("r06-quiet-prednisolone-eye-drops", hook="order-sign",
         story="A 70 kg adult; prednisolone acetate eye drops drafted four times a day: a local form, no systemic "
               "dose (it was read as an oral dose in drops and left the rule not evaluable).", quiet={RULE})
def eye_drops(today: date) -> dict[str, Any]:
    chart = _chart(today).weight(70, day=-3)
    chart.draft(PRED_EYE_DROPS, 1, "{drop}", frequency=4)
    return chart.request("order-sign")


@fixture("r06-fires-at-least-beside-a-draft-not-read", hook="order-sign",
         story="A 70 kg adult; prednisone 100 mg daily drafted beside a prednisone draft 'as directed' (its dose not "
               "read): at least 100 mg a day, said as 'at least' (total_mg_day_is_at_least), the draft named as not "
               "read.", fires={RULE}, quiet={R33}, indicators={RULE: "warning"})
def at_least_beside_a_draft_not_read(today: date) -> dict[str, Any]:
    chart = _chart(today).weight(70, day=-3)
    chart.draft(PREDNISONE_20, 100, "mg", route=ROUTE_ORAL, resource_id="draft-pred-100")
    chart.draft(PREDNISONE_5, None, None, route=ROUTE_ORAL, text="as directed by the clinic",
                resource_id="draft-pred-sig")
    return chart.request("order-sign")


@fixture("r06-fires-oral-methylprednisolone-by-prednisone-equivalent", hook="order-sign",
         story="A 70 kg adult with IMNM; oral methylprednisolone 128 mg daily drafted: prednisone-equivalent 160 mg "
               "a day, above 80 mg/day (it had no card: R06 read prednis(ol)one only, R07 IV only). Replaced by "
               "methylprednisolone 56 mg (1 mg/kg prednisone-equivalent, in 4 mg steps).",
         fires={RULE}, quiet={R07, R33}, indicators={RULE: "warning"})
def oral_methylprednisolone(today: date) -> dict[str, Any]:
    chart = _chart(today).weight(70, day=-2)
    chart.draft(METHYLPREDNISOLONE_4, 128, "mg", route=ROUTE_ORAL, resource_id="draft-mp-128")
    return chart.request("order-sign")


@fixture("r06-fires-no-myositis-said-neutrally", hook="order-sign",
         story="A 74-year-old, 50 kg, with giant cell arteritis and no myositis on file; prednisone 60 mg daily "
               "(1.2 mg/kg) drafted for it: the card still fires (the spec's row has no cohort gate), but says the "
               "limit is the IIM/IMNM start, names the draft's reason, and does not pre-select the 1 mg/kg "
               "replacement.", fires={RULE}, quiet={R33}, indicators={RULE: "warning"})
def no_myositis(today: date) -> dict[str, Any]:
    chart = Chart(today, age=74, sex="female").condition("Giant cell arteritis", onset=-2).weight(50, day=-1)
    chart.draft(PREDNISONE_20, 60, "mg", route=ROUTE_ORAL, resource_id="draft-gca")
    chart.drafts[-1]["reasonCode"] = [{"text": "Giant cell arteritis"}]  # uncoded, as the condition
    return chart.request("order-sign")
