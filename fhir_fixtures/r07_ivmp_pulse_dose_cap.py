"""Fixtures for R07 ivmp-pulse-dose-cap: the seed's 30 mg/kg in an adult, 1 g cap, child per-kg limit, long pulses,
and the pulse on the chart that a draft does (or does not) replace, or follows."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import IMNM_SNOMED, METHYLPRED_1000, ROUTE_IV, Chart

RULE = "ivmp-pulse-dose-cap"


def _chart(today: date, age: int = 47, weight: float | None = 70) -> Chart:
    chart = Chart(today, age=age).condition(IMNM_SNOMED, onset=-14)
    if weight is not None:
        chart.weight(weight, day=-2)
    return chart


@fixture("r07-fires-seed-30-mg-per-kg-adult", hook="order-sign",
         story="Seed 001's '30 mg/kg' pulse drafted for a 70 kg adult: 2.1 g a day.",
         fires={RULE}, indicators={RULE: "critical"}, demo=True)
def seed_dose(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.draft(METHYLPRED_1000, 30, "mg/kg", route=ROUTE_IV, end=2, resource_id="draft-ivmp-30")
    return chart.request("order-sign")


@fixture("r07-fires-1500-mg-fixed", hook="order-sign", story="Methylprednisolone 1,500 mg IV daily x3 drafted.",
         fires={RULE}, indicators={RULE: "critical"})
def over_cap(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.draft(METHYLPRED_1000, 1500, "mg", route=ROUTE_IV, end=2)
    return chart.request("order-sign")


@fixture("r07-fires-adult-mg-per-kg-under-1-g", hook="order-sign",
         story="10 mg/kg for a 70 kg adult (700 mg): under the cap, but adult pulses are fixed doses.",
         fires={RULE}, indicators={RULE: "warning"})
def adult_per_kg(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.draft(METHYLPRED_1000, 10, "mg/kg", route=ROUTE_IV, end=2)
    return chart.request("order-sign")


@fixture("r07-fires-seven-day-pulse", hook="order-sign",
         story="Methylprednisolone 500 mg IV daily for 7 days: pulses run 3-5 days.",
         fires={RULE}, indicators={RULE: "warning"})
def long_pulse(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.draft("methylprednisolone 500 MG Injection", 500, "mg", route=ROUTE_IV, end=6)
    return chart.request("order-sign")


@fixture("r07-fires-child-over-30-mg-per-kg", hook="order-sign",
         story="A 9-year-old, 25 kg: 1,000 mg IV daily = 40 mg/kg/day.",
         fires={RULE}, indicators={RULE: "critical"})
def child(today: date) -> dict[str, Any]:
    chart = Chart(today, age=9).condition("Juvenile dermatomyositis", onset=-10).weight(25, day=-1)
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, end=2)
    return chart.request("order-sign")


@fixture("r07-quiet-1-g-x3-adult", hook="order-sign",
         story="Methylprednisolone 1,000 mg IV daily x3 for an adult: the standard pulse.", quiet={RULE})
def standard(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, end=2)
    return chart.request("order-sign")


@fixture("r07-quiet-five-day-pulse", hook="order-sign",
         story="Methylprednisolone 500 mg IV daily for exactly 5 days: within the 5-day limit.", quiet={RULE})
def five_days(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.draft("methylprednisolone 500 MG Injection", 500, "mg", route=ROUTE_IV, end=4)
    return chart.request("order-sign")


@fixture("r07-fires-two-pulses-back-to-back", hook="order-sign",
         story="Methylprednisolone 1,000 mg IV daily on days 0-2 and again on days 3-5, as two orders: never 2 g "
               "on one day, but 6 days in a row at a pulse dose.",
         fires={RULE}, indicators={RULE: "warning"})
def back_to_back(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, end=2)
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, start=3, end=5)
    return chart.request("order-sign")


@fixture("r07-fires-counted-pulse-overlapping-a-second-draft", hook="order-sign",
         story="Methylprednisolone 1,000 mg IV three times a week, 3 doses, and 500 mg IV daily from day 5: the "
               "last 1 g dose may fall on day 5, so up to 1,500 mg on one day.",
         fires={RULE}, indicators={RULE: "critical"})
def counted_overlap(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.draft(METHYLPRED_1000, 1000, "mg", start=None, route=ROUTE_IV, frequency=3, period_unit="wk", count=3)
    chart.draft("methylprednisolone 500 MG Injection", 500, "mg", route=ROUTE_IV, start=5, end=7)
    return chart.request("order-sign")


@fixture("r07-fires-pulse-to-an-end-date-without-a-start", hook="order-sign",
         story="Methylprednisolone 1,000 mg IV daily authored today, its bounds an end date 6 days away and no "
               "start: a 7-day pulse.", fires={RULE}, indicators={RULE: "warning"})
def end_without_start(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.draft(METHYLPRED_1000, 1000, "mg", start=None, authored=0, route=ROUTE_IV, end=6)
    return chart.request("order-sign")


MP_500 = "methylprednisolone 500 MG Injection"


def pulse_on_the_chart(today: date) -> Chart:
    """A 70 kg adult given methylprednisolone 1,000 mg IV daily, 3 doses from yesterday (the active order
    ``ivmp-active``: yesterday, today and tomorrow)."""
    chart = _chart(today)
    return chart.medication(METHYLPRED_1000, 1000, "mg", start=-1, count=3, route=ROUTE_IV, resource_id="ivmp-active")


@fixture("r07-fires-second-pulse-beside-the-active-one", hook="order-sign",
         story="Methylprednisolone 1,000 mg IV daily x3 is active since yesterday; 500 mg IV twice a day for 3 days "
               "is drafted with no link to it: signed, 2,000 mg on today and tomorrow (the draft alone is 1 g a day).",
         fires={RULE}, indicators={RULE: "critical"})
def second_pulse_beside(today: date) -> dict[str, Any]:
    chart = pulse_on_the_chart(today)
    chart.draft(MP_500, 500, "mg", route=ROUTE_IV, frequency=2, end=2, resource_id="draft-ivmp-bid")
    return chart.request("order-sign")


@fixture("r07-quiet-dose-change-replacing-the-active-pulse", hook="order-sign",
         story="Methylprednisolone 500 mg IV daily x3 drafted naming the active 1 g pulse as its priorPrescription "
               "(the EHR's modify): it replaces it, so 500 mg a day, and 4 days at a pulse dose with yesterday's.",
         quiet={RULE})
def dose_change_replacing(today: date) -> dict[str, Any]:
    chart = pulse_on_the_chart(today)
    chart.draft(MP_500, 500, "mg", route=ROUTE_IV, count=3)
    chart.replacing("ivmp-active")
    return chart.request("order-sign")


@fixture("r07-warns-unlinked-pulse-leaves-the-active-one", hook="order-sign",
         story="Methylprednisolone 1,000 mg IV daily x3 drafted again with no link to the active 1 g pulse: read as "
               "its renewal (1 g a day, within the limits), but signing does not stop it, so the card warns that "
               "both would give 2,000 mg a day and offers to discontinue it.",
         fires={RULE}, indicators={RULE: "warning"})
def unlinked_pulse(today: date) -> dict[str, Any]:
    chart = pulse_on_the_chart(today)
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, count=3, resource_id="draft-ivmp")
    return chart.request("order-sign")


@fixture("r07-fires-pulse-after-three-days-given", hook="order-sign",
         story="Methylprednisolone 1,000 mg IV daily was given for the last 3 days (a completed order); another 3 "
               "days are drafted: 6 days in a row at a pulse dose.", fires={RULE}, indicators={RULE: "warning"})
def after_three_days(today: date) -> dict[str, Any]:
    chart = _chart(today)
    chart.medication(METHYLPRED_1000, 1000, "mg", start=-3, end=-1, status="completed", route=ROUTE_IV)
    chart.draft(METHYLPRED_1000, 1000, "mg", route=ROUTE_IV, count=3, resource_id="draft-ivmp")
    return chart.request("order-sign")


def pulse_and_twice_daily_on_the_chart(today: date, pulse_mg: float | None = 1000, linked: bool = False) -> Chart:
    """:func:`pulse_on_the_chart` (its dose ``pulse_mg``, 'per protocol' when None) and methylprednisolone 250 mg IV
    twice a day for 3 days from yesterday going on beside it (``ivmp-bid``), and 600 mg IV daily x3 drafted with no
    link (``draft-ivmp-600``): read as the pulse's dose change, so the pulse is left active, and 1,100 mg a day with
    the twice-daily order. ``linked``: the draft names the pulse as its prior prescription instead (it replaces it;
    cancelling the draft leaves it)."""
    chart = _chart(today)
    chart.medication(METHYLPRED_1000, pulse_mg, "mg" if pulse_mg is not None else None, start=-1, count=3,
                     route=ROUTE_IV, resource_id="ivmp-active", text=None if pulse_mg is not None else "per protocol")
    chart.medication(MP_500, 250, "mg", start=-1, frequency=2, count=6, route=ROUTE_IV, resource_id="ivmp-bid")
    chart.draft(METHYLPRED_1000, 600, "mg", route=ROUTE_IV, count=3, resource_id="draft-ivmp-600")
    return chart.replacing("ivmp-active") if linked else chart


@fixture("r07-fires-cancelling-would-leave-the-pulse-left-active", hook="order-sign",
         story="Methylprednisolone 1 g IV daily x3 and 250 mg IV twice a day are on the chart; 600 mg IV daily x3 is "
               "drafted with no link (read as the pulse's dose change): 1,100 mg a day with the twice-daily order. "
               "Cancelling the draft leaves both chart orders, 1,500 mg a day, so it is not offered: the fixed pulse "
               "that stops them both is.",
         fires={RULE}, indicators={RULE: "critical"})
def cancelling_leaves_left_active(today: date) -> dict[str, Any]:
    return pulse_and_twice_daily_on_the_chart(today).request("order-sign")
