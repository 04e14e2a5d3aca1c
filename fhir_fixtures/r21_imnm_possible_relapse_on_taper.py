"""Fixtures for R21 imnm-possible-relapse-on-taper: CK against its nadir during a prednisone taper, or while IVIG is
spaced out; drafts that would lower IVIG or rituximab where every cycle is its own completed order (cancelling one
would leave none ordered: it is replaced by the last cycle's dose, or that is re-ordered by hand where it cannot be
read), and drafts that give the same again (the escalation, never a reduction to hold)."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import (
    IMNM_SNOMED,
    IVIG_CVX,
    METHOTREXATE_2_5,
    PREDNISONE_5,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    Chart,
)

RULE = "imnm-possible-relapse-on-taper"


def tapering_chart(today: date, latest_ck: float = 600, latest_day: int = -5, taper: bool = True,
                   uln: float = 200, one_order: bool = False, methotrexate_stopped_early: bool = False) -> Chart:
    """Anti-HMGCR IMNM: prednisone 60 mg from D-195, tapered to 40 (D-59) and 20 mg (D-29); methotrexate 20 mg
    weekly from D-180; CK nadir 180. ``one_order``: the taper is written as one order of sequenced instructions
    rather than three orders. ``methotrexate_stopped_early``: methotrexate stopped though its end date lies 60 days
    ahead (on a day the chart does not give)."""
    chart = Chart(today, age=58, sex="female")
    chart.condition(IMNM_SNOMED, onset=-210)
    chart.antibody("anti_hmgcr", "positive", day=-205)
    chart.antibody("anti_srp", "negative", day=-205)
    chart.weight(70, day=-10)
    chart.ck(8000, day=-200, uln=uln).ck(1500, day=-150, uln=uln).ck(300, day=-100, uln=uln)
    chart.ck(180, day=-40, uln=uln).ck(latest_ck, day=latest_day, uln=uln)
    if taper and one_order:
        chart.taper_order(PREDNISONE_20, [(60, 136), (40, 30), (20, None)], start=-195)
    elif taper:
        chart.medication(PREDNISONE_20, 60, "mg", start=-195, end=-60, status="completed")
        chart.medication(PREDNISONE_20, 40, "mg", start=-59, end=-30, status="completed")
        chart.medication(PREDNISONE_20, 20, "mg", start=-29)
    else:
        chart.medication(PREDNISONE_20, 60, "mg", start=-195, end=-150, status="completed")
        chart.medication(PREDNISONE_20, 20, "mg", start=-149)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-180, end=60 if methotrexate_stopped_early else None,
                     status="stopped" if methotrexate_stopped_early else "active", period=1, period_unit="wk")
    return chart


def ivig_cycles_chart(today: date, last_cycle: int = -4) -> Chart:
    """Prednisone 20 mg unchanged for 5 months (no taper on the chart); IVIG 1 g/kg a day for 2 days every 4 weeks,
    five cycles, the last on ``last_cycle``, each its own completed order: no IVIG order is current between cycles.
    CK 600 U/L on D-5, nadir 180."""
    cycles = range(last_cycle - 112, last_cycle + 1, 28)
    return tapering_chart(today, taper=False).ivig_cycles(*((start, 1, 2) for start in cycles))


def draft_ivig(chart: Chart, g_per_kg_day: float, days: int, every_weeks: int) -> Chart:
    """A cyclic IVIG draft, as the service contract writes one: ``g_per_kg_day`` for ``days`` days (its count),
    every ``every_weeks`` weeks."""
    return chart.draft(IVIG_CVX, g_per_kg_day, "g/kg", route=ROUTE_IV, period=every_weeks, period_unit="wk",
                       count=days, resource_id="draft-ivig")


def draft_ivig_cycle(chart: Chart, g_per_kg_day: float, days: int, start: int = 0) -> Chart:
    """The next IVIG cycle drafted as the chart orders every cycle: one order, ``g_per_kg_day`` a day for ``days``
    days from ``start``, no interval of its own."""
    return chart.draft(IVIG_CVX, g_per_kg_day, "g/kg", route=ROUTE_IV, start=start, end=start + days - 1,
                       resource_id="draft-ivig-cycle")


def rituximab_course_chart(today: date, first_day: int = -170) -> Chart:
    """Prednisone 20 mg unchanged (no taper on the chart); rituximab 1 g on ``first_day`` and 14 days later, two
    completed orders (no rituximab order current); CK 600 U/L on D-5, nadir 180."""
    chart = tapering_chart(today, taper=False)
    for day in (first_day, first_day + 14):
        chart.medication(RITUXIMAB, 1000, "mg", start=day, end=day, status="completed", route=ROUTE_IV)
    return chart


def long_standing_chart(today: date) -> Chart:
    """Anti-HMGCR IMNM for four years: prednisone 60 mg from D-1480 (T_tx, before the three-year PEQ timeline),
    20 mg from D-1199, tapered to 15 mg on D-60; methotrexate throughout. CK nadir 150 (D-300), latest 600 (D-5)."""
    chart = Chart(today, age=60, sex="female")
    chart.condition(IMNM_SNOMED, onset=-1500)
    chart.antibody("anti_hmgcr", "positive", day=-1495).antibody("anti_srp", "negative", day=-1495)
    chart.weight(70, day=-10)
    chart.ck(8000, day=-1490).ck(300, day=-800).ck(150, day=-300).ck(600, day=-5)
    chart.medication(PREDNISONE_20, 60, "mg", start=-1480, end=-1200, status="completed")
    chart.medication(PREDNISONE_20, 20, "mg", start=-1199, end=-61, status="completed")
    chart.medication(PREDNISONE_5, 15, "mg", start=-60)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-1400, period=1, period_unit="wk")
    return chart


@fixture("r21-fires-patient-view-ck-3x-nadir", hook="patient-view", demo=True,
         story="Anti-HMGCR IMNM tapered from 60 to 20 mg prednisone; CK 600 U/L five days ago, nadir 180.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_patient_view(today: date) -> dict[str, Any]:
    return tapering_chart(today).request("patient-view")


@fixture("r21-fires-taper-written-as-one-order", hook="patient-view",
         story="The same taper (60 -> 40 -> 20 mg) written as one order of sequenced instructions; CK 600 U/L.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_one_order_taper(today: date) -> dict[str, Any]:
    return tapering_chart(today, one_order=True).request("patient-view")


@fixture("r21-fires-at-exactly-2x-nadir", hook="patient-view",
         story="Latest CK 360 U/L is exactly twice the nadir 180 and above the ULN 200: fires.",
         fires={RULE})
def fires_at_edge(today: date) -> dict[str, Any]:
    return tapering_chart(today, latest_ck=360).request("patient-view")


@fixture("r21-fires-order-sign-draft-lowers-prednisone", hook="order-sign",
         story="Same patient; prednisone 15 mg daily drafted (lower than today's 20 mg): hold the reduction.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_order_sign(today: date) -> dict[str, Any]:
    chart = tapering_chart(today)
    chart.draft(PREDNISONE_5, 15, "mg", resource_id="draft-pred-15")
    return chart.request("order-sign")


@fixture("r21-fires-t-tx-four-years-ago", hook="patient-view",
         story="IMNM treated since four years ago (T_tx before the three-year dose timeline), tapered from 20 to "
               "15 mg prednisone 60 days ago; CK 600 U/L, nadir 150.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_long_standing(today: date) -> dict[str, Any]:
    return long_standing_chart(today).request("patient-view")


@fixture("r21-fires-order-sign-t-tx-four-years-ago", hook="order-sign",
         story="The same patient; prednisone 10 mg drafted while the CK is 4x its nadir: hold the reduction.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_long_standing_order_sign(today: date) -> dict[str, Any]:
    return long_standing_chart(today).draft(PREDNISONE_5, 10, "mg", resource_id="draft-pred-10").request("order-sign")


@fixture("r21-fires-methotrexate-stopped-before-its-end-date", hook="patient-view",
         story="Prednisone 20 mg unchanged for 5 months; methotrexate stopped though its end date is 60 days ahead, "
               "on a day the chart does not give (by today at the latest); CK 600 U/L, nadir 180.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_methotrexate_stopped_early(today: date) -> dict[str, Any]:
    return tapering_chart(today, taper=False, methotrexate_stopped_early=True).request("patient-view")


@fixture("r21-quiet-just-below-2x-nadir", hook="patient-view",
         story="Latest CK 359 U/L: above the ULN but under twice the nadir 180.", quiet={RULE})
def below_edge(today: date) -> dict[str, Any]:
    return tapering_chart(today, latest_ck=359).request("patient-view")


@fixture("r21-quiet-ck-too-old", hook="patient-view",
         story="CK 600 U/L but 15 days old: not evaluated until a current CK is resulted.", quiet={RULE})
def stale(today: date) -> dict[str, Any]:
    return tapering_chart(today, latest_day=-15).request("patient-view")


@fixture("r21-quiet-no-taper", hook="patient-view",
         story="Prednisone 20 mg unchanged for 5 months (last reduction 149 days ago): no taper, no card.",
         quiet={RULE})
def no_taper(today: date) -> dict[str, Any]:
    return tapering_chart(today, taper=False).request("patient-view")


@fixture("r21-quiet-order-sign-same-dose", hook="order-sign",
         story="Rising CK on taper, but the draft keeps prednisone at 20 mg: nothing to hold on order-sign.",
         quiet={RULE})
def same_dose(today: date) -> dict[str, Any]:
    chart = tapering_chart(today)
    chart.draft(PREDNISONE_20, 20, "mg")
    return chart.request("order-sign")


@fixture("r21-fires-ivig-spaced-out", hook="patient-view",
         story="Prednisone 20 mg unchanged for 5 months; IVIG 2 g/kg every 4 weeks, spaced out to every 8 weeks 60 "
               "days ago (one order per cycle); CK 600 U/L, nadir 180.", fires={RULE})
def fires_ivig_spaced_out(today: date) -> dict[str, Any]:
    chart = tapering_chart(today, taper=False)
    return chart.ivig_cycles((-172, 1, 2), (-144, 1, 2), (-116, 1, 2), (-60, 1, 2), (-4, 1, 2)).request("patient-view")


@fixture("r21-quiet-ivig-cycle-split-over-more-days", hook="patient-view",
         story="Prednisone 20 mg unchanged; IVIG 2 g/kg every 4 weeks, given over 2 days, then over 5 days: the same "
               "dose per cycle, no taper, although CK is 600 U/L.", quiet={RULE})
def quiet_ivig_split(today: date) -> dict[str, Any]:
    chart = tapering_chart(today, taper=False)
    return chart.ivig_cycles((-116, 1, 2), (-88, 1, 2), (-60, 0.4, 5), (-32, 0.4, 5), (-4, 0.4, 5)).request(
        "patient-view")


@fixture("r21-fires-order-sign-ivig-cycle-halved", hook="order-sign",
         story="Prednisone unchanged; IVIG 2 g/kg every 4 weeks, each cycle a completed order, the last 4 days ago; "
               "CK 600 U/L, 3x its nadir. IVIG 0.5 g/kg a day for 2 days every 4 weeks drafted from today: half the "
               "cycle dose. Cancelling it would leave no IVIG ordered: replace it with 1 g/kg a day for 2 days every "
               "4 weeks from the next cycle's due day. (Drafted to start today, 4 days after the last cycle, R27 "
               "reads it as more IVIG in that cycle.)", fires={RULE}, indicators={RULE: "warning"})
def fires_ivig_cycle_halved(today: date) -> dict[str, Any]:
    return draft_ivig(ivig_cycles_chart(today), 0.5, 2, 4).request("order-sign")


@fixture("r21-fires-order-sign-ivig-spaced-out", hook="order-sign",
         story="The same patient; IVIG 2 g/kg drafted every 8 weeks instead of every 4: replace it with the same "
               "cycle every 4 weeks (cancelling it would leave no IVIG ordered).",
         fires={RULE}, indicators={RULE: "warning"})
def fires_ivig_draft_spaced_out(today: date) -> dict[str, Any]:
    return draft_ivig(ivig_cycles_chart(today), 1, 2, 8).request("order-sign")


@fixture("r21-fires-order-sign-ivig-halved-from-the-next-cycle", hook="order-sign",
         story="The same patient; IVIG 0.5 g/kg a day for 2 days every 4 weeks drafted from the next cycle's due day "
               "(24 days ahead): half the cycle dose, written unambiguously as the next cycles. Replace it with 1 g/kg "
               "a day for 2 days every 4 weeks from that day.", fires={RULE}, indicators={RULE: "warning"})
def fires_ivig_halved_from_next_cycle(today: date) -> dict[str, Any]:
    chart = ivig_cycles_chart(today)
    return chart.draft(IVIG_CVX, 0.5, "g/kg", route=ROUTE_IV, start=24, period=4, period_unit="wk", count=2,
                       resource_id="draft-ivig").request("order-sign")


@fixture("r21-fires-order-sign-ivig-last-spacing-not-read", hook="order-sign",
         story="Prednisone unchanged; one IVIG cycle on file (1 g/kg a day for 2 days, 24 days ago: no spacing to "
               "read); CK 600 U/L, 3x its nadir. IVIG 0.5 g/kg a day for 2 days every 4 weeks drafted: half the "
               "cycle. No interval to write back: no replacement guessed, re-order the last cycle by hand.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_ivig_last_spacing_not_read(today: date) -> dict[str, Any]:
    chart = tapering_chart(today, taper=False).ivig_cycles((-24, 1, 2))
    return draft_ivig(chart, 0.5, 2, 4).request("order-sign")


@fixture("r21-quiet-order-sign-ivig-same-cycle", hook="order-sign",
         story="The same patient; IVIG 0.4 g/kg a day for 5 days every 4 weeks drafted: the same 2 g/kg per cycle "
               "at the same interval, no reduction to hold.", quiet={RULE})
def quiet_ivig_draft_same_cycle(today: date) -> dict[str, Any]:
    return draft_ivig(ivig_cycles_chart(today), 0.4, 5, 4).request("order-sign")


@fixture("r21-quiet-order-sign-ivig-restart-after-break", hook="order-sign",
         story="IVIG 2 g/kg every 4 weeks ended 256 days ago (longer than the 180-day course break); IVIG 0.5 g/kg "
               "a day for 2 days every 4 weeks drafted: a restart, not a reduction, although CK is 600 U/L.",
         quiet={RULE})
def quiet_ivig_draft_restart(today: date) -> dict[str, Any]:
    return draft_ivig(ivig_cycles_chart(today, last_cycle=-256), 0.5, 2, 4).request("order-sign")


@fixture("r21-fires-order-sign-rituximab-lower-dose", hook="order-sign",
         story="Prednisone unchanged; rituximab 1 g on D-170 and D-156 (two completed orders); CK 600 U/L, 3x its "
               "nadir. Rituximab 500 mg drafted: a lower dose of the current course. Cancelling it would leave no "
               "rituximab ordered: replace it with the last dose, 1,000 mg.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_rituximab_lower_dose(today: date) -> dict[str, Any]:
    chart = rituximab_course_chart(today)
    return chart.draft(RITUXIMAB, 500, "mg", route=ROUTE_IV, resource_id="draft-rituximab").request("order-sign")


@fixture("r21-quiet-order-sign-rituximab-same-course-again", hook="order-sign",
         story="The same patient; rituximab 1 g twice 2 weeks apart drafted again (one order with a count): the same "
               "1 g a dose, the escalation for a relapse, not a reduction to hold, although CK is 600 U/L.",
         quiet={RULE})
def quiet_rituximab_same_course(today: date) -> dict[str, Any]:
    chart = rituximab_course_chart(today)
    return chart.draft(RITUXIMAB, 1000, "mg", route=ROUTE_IV, period=2, period_unit="wk", count=2,
                       resource_id="draft-rituximab").request("order-sign")


@fixture("r21-quiet-order-sign-ivig-next-cycle-drafted-late", hook="order-sign",
         story="IVIG 2 g/kg every 4 weeks, each cycle a completed order, the last 36 days ago; CK 600 U/L, 3x its "
               "nadir. The next cycle drafted as one order, 1 g/kg a day for 2 days: the same 2 g/kg, late, not a "
               "schedule spaced out, so nothing to hold.", quiet={RULE})
def quiet_ivig_next_cycle_late(today: date) -> dict[str, Any]:
    return draft_ivig_cycle(ivig_cycles_chart(today, last_cycle=-36), 1, 2).request("order-sign")
