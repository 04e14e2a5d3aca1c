"""Fixtures for R21 imnm-possible-relapse-on-taper: CK against its nadir during a prednisone taper, or while IVIG is
spaced out; drafts that would lower IVIG, rituximab or cyclophosphamide where every cycle is its own completed order
(cancelling one would leave none ordered: no order is written, the card names the last cycle to re-order by hand),
and drafts that give the same again (the escalation, never a reduction to hold). Drafts are read with what they
leave on the chart (an extra dose beside it is none), a drafted re-escalation by its steps; a planned prednisone
step, prednisone stopped (restart, not hold) and a statin in anti-HMGCR (a trigger to stop); beside the critical
severe-IMNM (R19) and ICI-myositis (R31) cards, whose plans come first."""

from datetime import date
from typing import Any

from fhir_fixtures import fixture
from fhir_fixtures.builders import (
    ATORVASTATIN_40,
    ICD10,
    IMNM_SNOMED,
    IVIG_CVX,
    LOINC,
    METHOTREXATE_2_5,
    PREDNISONE_5,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    RXNORM,
    SNOMED,
    UCUM,
    Chart,
)

RULE = "imnm-possible-relapse-on-taper"
CYCLOPHOSPHAMIDE = "cyclophosphamide 1000 MG Injection"
DYSPHAGIA = (ICD10, "R13.12", "Dysphagia, oropharyngeal phase")
PEMBROLIZUMAB = (RXNORM, "1547545", "pembrolizumab")


def tapering_chart(today: date, latest_ck: float = 600, latest_day: int = -5, taper: bool = True,
                   uln: float = 200, one_order: bool = False, methotrexate_stopped_early: bool = False,
                   weighed: int = -10) -> Chart:
    """Anti-HMGCR IMNM: prednisone 60 mg from D-195, tapered to 40 (D-59) and 20 mg (D-29); methotrexate 20 mg
    weekly from D-180; CK nadir 180; 70 kg on day ``weighed`` (D-400: too old to dose from). ``one_order``: the
    taper is written as one order of sequenced instructions rather than three orders. ``methotrexate_stopped_early``:
    methotrexate stopped though its end date lies 60 days ahead (on a day the chart does not give)."""
    chart = Chart(today, age=58, sex="female")
    chart.condition(IMNM_SNOMED, onset=-210)
    chart.antibody("anti_hmgcr", "positive", day=-205)
    chart.antibody("anti_srp", "negative", day=-205)
    chart.weight(70, day=weighed)
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


def draft_in_steps(chart: Chart, steps: list[tuple[float, int | None]], resource_id: str,
                   replacing: bool = True) -> Chart:
    """A prednisone draft written as one order of sequenced ``steps`` (daily mg, days; None: until it ends) from
    today; ``replacing``: it names the prednisone order given on the chart as its priorPrescription."""
    draft = Chart(chart.today).taper_order(PREDNISONE_5, steps, start=0).resources["medications"][0]
    draft.update(id=resource_id, status="draft", intent="proposal")
    if replacing:
        given = next(m for m in chart.resources["medications"] if m["status"] == "active"
                     and m["medicationCodeableConcept"]["coding"][0]["code"] == PREDNISONE_20[1])
        draft["priorPrescription"] = {"reference": f"MedicationRequest/{given['id']}"}
    return chart.draft_resource(draft)


def off_glucocorticoids_chart(today: date) -> Chart:
    """Anti-HMGCR IMNM: prednisone tapered from 60 mg and stopped 61 days ago (the last 5 mg order ended on D-61),
    methotrexate 20 mg weekly goes on; CK nadir 150 on D-100, 3,000 U/L on D-3."""
    chart = Chart(today, age=58, sex="female").condition(IMNM_SNOMED, onset=-500)
    chart.antibody("anti_hmgcr", "positive", day=-495).antibody("anti_srp", "negative", day=-495).weight(70, day=-10)
    chart.ck(8000, day=-490).ck(300, day=-300).ck(150, day=-100).ck(3000, day=-3)
    chart.medication(PREDNISONE_20, 60, "mg", start=-480, end=-300, status="completed")
    chart.medication(PREDNISONE_5, 10, "mg", start=-299, end=-120, status="completed")
    chart.medication(PREDNISONE_5, 5, "mg", start=-119, end=-61, status="completed")
    return chart.medication(METHOTREXATE_2_5, 20, "mg", start=-470, period=1, period_unit="wk")


def ivig_cycles_chart(today: date, last_cycle: int = -4, weighed: int = -10) -> Chart:
    """Prednisone 20 mg unchanged for 5 months (no taper on the chart); IVIG 1 g/kg a day for 2 days every 4 weeks,
    five cycles, the last on ``last_cycle``, each its own completed order: no IVIG order is current between cycles.
    CK 600 U/L on D-5, nadir 180; 70 kg on day ``weighed``."""
    cycles = range(last_cycle - 112, last_cycle + 1, 28)
    return tapering_chart(today, taper=False, weighed=weighed).ivig_cycles(*((start, 1, 2) for start in cycles))


def draft_ivig(chart: Chart, g_per_kg_day: float, days: int, every_weeks: int, start: int = 0) -> Chart:
    """A cyclic IVIG draft, as the service contract writes one: ``g_per_kg_day`` for ``days`` days (its count),
    every ``every_weeks`` weeks from day ``start``."""
    return chart.draft(IVIG_CVX, g_per_kg_day, "g/kg", route=ROUTE_IV, start=start, period=every_weeks,
                       period_unit="wk", count=days, resource_id="draft-ivig")


def draft_ivig_regimen(chart: Chart, grams: float, every_weeks: int, most: float, **fields: Any) -> Chart:
    """A cyclic IVIG draft in g as the service writes one (orders.infusion_cycles): ``grams`` a dose over a 2-day
    cycle (``duration``) every ``every_weeks`` weeks, at most ``most`` g per ``every_weeks`` weeks (maxDosePerPeriod,
    the contract's marker of a dose per cycle); ``fields`` added to its dosage instruction."""
    chart.draft(IVIG_CVX, grams, "g", route=ROUTE_IV, period=every_weeks, period_unit="wk", resource_id="draft-ivig")
    instruction = chart.drafts[-1]["dosageInstruction"][0]
    instruction["timing"]["repeat"].update(duration=2, durationUnit="d")
    instruction["maxDosePerPeriod"] = {"numerator": {"value": most, "unit": "g", "system": UCUM, "code": "g"},
                                       "denominator": {"value": every_weeks, "unit": "wk", "system": UCUM,
                                                       "code": "wk"}}
    instruction.update(fields)
    return chart


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


def cyclophosphamide_monthly_chart(today: date) -> Chart:
    """Prednisone 20 mg unchanged (no taper on the chart); cyclophosphamide 1 g IV on D-90, D-60 and D-30, each a
    completed order (none current); CK 600 U/L on D-5, nadir 180."""
    chart = tapering_chart(today, taper=False)
    for day in (-90, -60, -30):
        chart.medication(CYCLOPHOSPHAMIDE, 1000, "mg", start=day, end=day, status="completed", route=ROUTE_IV)
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
               "CK 600 U/L, 3x its nadir. IVIG 0.5 g/kg a day for 2 days every 4 weeks drafted: half the cycle dose. "
               "Cancelling it would leave no IVIG ordered: no order is written; the card names the last cycle (2 g/kg "
               "per cycle over 2 days, every 4 weeks) to re-order by hand, and offers the cancel, not recommended.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_ivig_cycle_halved(today: date) -> dict[str, Any]:
    return draft_ivig(ivig_cycles_chart(today), 0.5, 2, 4).request("order-sign")


@fixture("r21-fires-order-sign-ivig-spaced-out", hook="order-sign",
         story="The same patient; IVIG 2 g/kg drafted every 8 weeks instead of every 4: the last cycle, every 4 "
               "weeks, is named to re-order by hand (cancelling the draft would leave no IVIG ordered).",
         fires={RULE}, indicators={RULE: "warning"})
def fires_ivig_draft_spaced_out(today: date) -> dict[str, Any]:
    return draft_ivig(ivig_cycles_chart(today), 1, 2, 8).request("order-sign")


@fixture("r21-fires-order-sign-ivig-spaced-out-from-a-later-start", hook="order-sign",
         story="The same patient; IVIG 2 g/kg drafted every 8 weeks from day 52 (the next cycle due on day 24): the "
               "last cycle is named to re-order by hand; no order is written, so none starts at a day the service "
               "picked (review: a rewrite kept day 52, moving a start only ever later).",
         fires={RULE}, indicators={RULE: "warning"})
def fires_ivig_spaced_out_later(today: date) -> dict[str, Any]:
    return draft_ivig(ivig_cycles_chart(today), 1, 2, 8, start=52).request("order-sign")


@fixture("r21-fires-order-sign-ivig-dose-per-cycle", hook="order-sign",
         story="The same patient; IVIG 100 g over 2 days every 4 weeks with at most 100 g per 4 weeks "
               "(maxDosePerPeriod, the contract's marker of a dose per cycle): 100 g per cycle, lower than the last "
               "cycle's 140 g. Read per day it was 200 g, and R21 said no draft lowers the dose (review).",
         fires={RULE}, indicators={RULE: "warning"})
def fires_ivig_dose_per_cycle(today: date) -> dict[str, Any]:
    return draft_ivig_regimen(ivig_cycles_chart(today), 100, 4, 100).request("order-sign")


@fixture("r21-fires-order-sign-ivig-regimen-as-the-service-writes-one", hook="order-sign",
         story="The same patient; IVIG 35 g a day over 2 days every 8 weeks, at most 70 g per 8 weeks and 35 g an "
               "administration, 6 vials dispensed, its sig in the text: halved and spaced out. No order is written "
               "(a rewrite changed the dose and left the other fields to contradict it: review); the last cycle is "
               "named to re-order by hand.", fires={RULE}, indicators={RULE: "warning"})
def fires_ivig_service_regimen(today: date) -> dict[str, Any]:
    chart = draft_ivig_regimen(ivig_cycles_chart(today), 35, 8, 70, text="IVIG 35 g IV daily x 2 days q8 weeks",
                               maxDosePerAdministration={"value": 35, "unit": "g", "system": UCUM, "code": "g"})
    chart.drafts[-1]["dispenseRequest"] = {"quantity": {"value": 6, "unit": "vial"}}
    return chart.request("order-sign")


@fixture("r21-fires-order-sign-ivig-per-kg-weight-too-old", hook="order-sign",
         story="The same patient weighed 400 days ago (too old to dose from); IVIG 0.5 g/kg a day for 2 days every 4 "
               "weeks drafted after 1 g/kg: every dose written per kg, the halving is read per kg with no weight. "
               "R21 said no draft lowers the dose (review).", fires={RULE}, indicators={RULE: "warning"})
def fires_ivig_per_kg_weight_too_old(today: date) -> dict[str, Any]:
    return draft_ivig(ivig_cycles_chart(today, weighed=-400), 0.5, 2, 4).request("order-sign")


@fixture("r21-quiet-order-sign-ivig-in-g-weight-too-old", hook="order-sign",
         story="The same patient weighed 400 days ago; IVIG 70 g a day for 2 days every 4 weeks drafted after 1 g/kg "
               "cycles: g and g/kg cannot be compared without a weight. No card: not evaluable, naming the dose per "
               "kg and the weight too old, never 'no draft lowers'.", quiet={RULE})
def quiet_ivig_in_g_weight_too_old(today: date) -> dict[str, Any]:
    chart = ivig_cycles_chart(today, weighed=-400)
    return chart.draft(IVIG_CVX, 70, "g", route=ROUTE_IV, period=4, period_unit="wk", count=2,
                       resource_id="draft-ivig").request("order-sign")


@fixture("r21-fires-order-sign-ivig-last-spacing-not-read", hook="order-sign",
         story="Prednisone unchanged; one IVIG cycle on file (1 g/kg a day for 2 days, 24 days ago: no spacing to "
               "read); CK 600 U/L, 3x its nadir. IVIG 0.5 g/kg a day for 2 days every 4 weeks drafted: half the "
               "cycle. The card names the last cycle's dose and says its spacing could not be read.",
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
               "rituximab ordered: the card names the last dose (1,000 mg, 2 weeks after the one before) to re-order "
               "by hand.", fires={RULE}, indicators={RULE: "warning"})
def fires_rituximab_lower_dose(today: date) -> dict[str, Any]:
    chart = rituximab_course_chart(today)
    return chart.draft(RITUXIMAB, 500, "mg", route=ROUTE_IV, resource_id="draft-rituximab").request("order-sign")


@fixture("r21-fires-order-sign-rituximab-weekly-after-1-g-twice", hook="order-sign",
         story="The same patient; rituximab 500 mg weekly x4 drafted after 1 g x2: no order is written (a rewrite "
               "offered 1,000 mg weekly x4, 4 g a course: review); the last doses are named to re-order by hand.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_rituximab_weekly(today: date) -> dict[str, Any]:
    return rituximab_course_chart(today).draft(RITUXIMAB, 500, "mg", route=ROUTE_IV, period=1, period_unit="wk",
                                               count=4, resource_id="draft-rituximab").request("order-sign")


@fixture("r21-fires-order-sign-cyclophosphamide-every-2-weeks", hook="order-sign",
         story="Prednisone unchanged; cyclophosphamide 1 g monthly, each dose a completed order; CK 600 U/L, 3x its "
               "nadir. 500 mg every 2 weeks x6 drafted: no order is written (a rewrite offered 1 g every 2 weeks: "
               "review); the last dose, 30 days after the one before, is named to re-order by hand.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_cyclophosphamide_every_2_weeks(today: date) -> dict[str, Any]:
    return cyclophosphamide_monthly_chart(today).draft(CYCLOPHOSPHAMIDE, 500, "mg", route=ROUTE_IV, period=2,
                                                       period_unit="wk", count=6,
                                                       resource_id="draft-cyclophosphamide").request("order-sign")


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


@fixture("r21-quiet-order-sign-extra-prednisone-beside-the-dose", hook="order-sign",
         story="Anti-HMGCR IMNM on prednisone 20 mg, CK 600 U/L (3.3x its nadir); prednisone 5 mg twice a day drafted "
               "beside the 20 mg (another frequency: both are given, 30 mg a day, as R06 reads them). It was read "
               "as lowering 20 to 10 mg and R21 offered to cancel it (review).", quiet={RULE})
def quiet_extra_prednisone(today: date) -> dict[str, Any]:
    return tapering_chart(today).draft(PREDNISONE_5, 5, "mg", frequency=2, resource_id="draft-extra").request(
        "order-sign")


@fixture("r21-fires-order-sign-re-escalation-ending-below-today", hook="order-sign",
         story="The same patient; prednisone drafted as 40 mg x14 days, 30 mg x14, 20 mg x14, then 15 mg, replacing "
               "the 20 mg: the escalation is kept (no cancel offered), its 15 mg step in 42 days is flagged.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_re_escalation(today: date) -> dict[str, Any]:
    return draft_in_steps(tapering_chart(today), [(40, 14), (30, 14), (20, 14), (15, None)],
                          "draft-re-escalation").request("order-sign")


@fixture("r21-fires-patient-view-planned-prednisone-step", hook="patient-view",
         story="Prednisone 20 mg unchanged for 5 months, written as one order whose next step, 15 mg, starts in 6 "
               "days; CK 600 U/L, 3.3x its nadir: hold the planned step (it read 'no taper in progress').",
         fires={RULE}, indicators={RULE: "warning"})
def fires_planned_prednisone_step(today: date) -> dict[str, Any]:
    chart = tapering_chart(today, taper=False)
    chart.resources["medications"] = [m for m in chart.resources["medications"]
                                      if not (m["status"] == "active" and "prednisone" in m["medicationCodeableConcept"]
                                              ["text"])]
    return chart.taper_order(PREDNISONE_20, [(20, 155), (15, None)], start=-149).request("patient-view")


@fixture("r21-fires-patient-view-off-glucocorticoids", hook="patient-view",
         story="Prednisone stopped 61 days ago at the end of its taper, methotrexate goes on; CK 3,000 U/L, 20x its "
               "nadir: the card says when it was stopped and raises restarting it, not 'hold the taper'.",
         fires={RULE}, indicators={RULE: "warning"})
def fires_off_glucocorticoids(today: date) -> dict[str, Any]:
    return off_glucocorticoids_chart(today).request("patient-view")


@fixture("r21-fires-patient-view-statin-in-anti-hmgcr", hook="patient-view",
         story="Anti-HMGCR IMNM on taper, atorvastatin started 20 days ago, CK 600 U/L: the statin is a relapse "
               "trigger to stop (R14's card fires too), not another cause to rule out.",
         fires={RULE, "statin-contraindicated-anti-hmgcr"}, indicators={RULE: "warning"})
def fires_statin_in_anti_hmgcr(today: date) -> dict[str, Any]:
    return tapering_chart(today).medication(ATORVASTATIN_40, 40, "mg", start=-20).request("patient-view")



def severe_chart(today: date) -> Chart:
    """The tapering patient (CK 600 U/L, 3.3x its nadir) with oropharyngeal dysphagia for 6 days: severe IMNM, R19's
    card (admit, pulse and IVIG now) shows."""
    return tapering_chart(today).condition(DYSPHAGIA, onset=-6)


def on_checkpoint_inhibitor_chart(today: date) -> Chart:
    """The tapering patient (CK 600 U/L, 3.3x its nadir) on pembrolizumab every 3 weeks since D-120, with myalgia for
    6 days: checkpoint-inhibitor myositis as section 4.1 reads it, R31's card shows; R21 stays outside the ICI gate."""
    chart = tapering_chart(today).medication(PEMBROLIZUMAB, 200, "mg", start=-120, period=3, period_unit="wk",
                                             route=ROUTE_IV)
    return chart.condition("Myalgia", onset=-6)


@fixture("r21-fires-patient-view-severe-card-first", hook="patient-view",
         story="The tapering patient, CK 600 U/L (3.3x its nadir), with oropharyngeal dysphagia: R19 says admit, "
               "pulse and IVIG now. R21 pre-selected a CK in 7-14 days and a clinic visit within 2 weeks beside it "
               "(review); it now says R19's card comes first and pre-selects nothing.",
         fires={RULE, "imnm-severe-disease-urgent"},
         indicators={RULE: "warning", "imnm-severe-disease-urgent": "critical"})
def fires_severe_card_first(today: date) -> dict[str, Any]:
    return severe_chart(today).request("patient-view")


@fixture("r21-fires-patient-view-ici-myositis-card-first", hook="patient-view",
         story="The tapering patient, CK 600 U/L (3.3x its nadir), on pembrolizumab with myalgia: R31's card leads. "
               "R21 called it an IMNM relapse and pre-selected the CK R31 orders (review); it now names the "
               "checkpoint inhibitor, says R31's plan comes first and pre-selects no recheck.",
         fires={RULE, "ici-myositis"}, indicators={RULE: "warning", "ici-myositis": "critical"})
def fires_ici_myositis_card_first(today: date) -> dict[str, Any]:
    return on_checkpoint_inhibitor_chart(today).request("patient-view")


MMF = (RXNORM, "200060", "mycophenolate mofetil 500 MG Oral Tablet")
# review 424 item 2: the CKs after a re-treated flare that came down from 5,200 only to 900 (never below 3 x ULN)
NEVER_SETTLED = (1200, 1000, 900)
NEVER_HALVED = (3600, 3000, 2800)  # review 426 item 3: still above 3 x ULN five months after the flare's peak


def re_treated_flare_chart(today: date, latest_ck: float, after_flare: tuple[float, float, float] = (1200, 250, 300),
                           anti_hmgcr: str = "negative", ivig: bool = True) -> Chart:
    """Seronegative IMNM (review 423, s3): prednisone from D-730 tapered off by D-420, mycophenolate throughout (one
    episode, T_tx D-730); CK 11,000 -> nadir 150 in remission (D-500). A flare to 5,200 on D-205 re-treated with
    prednisone 40 mg and IVIG every 4 weeks came down to 250 (D-90); prednisone lowered to 10 mg on D-40 and IVIG
    spaced to 8 weeks (last cycle D-22); ``latest_ck`` on D-5. ``after_flare``: the CKs of D-150, D-90 and D-45
    (review 424 item 2: 1,200, 1,000 and 900, a flare that never came below 3 x ULN); ``anti_hmgcr`` positive and no
    ``ivig``: the anti-HMGCR chart R15 judges (prednisone and mycophenolate only)."""
    chart = Chart(today, age=57, sex="male").condition(IMNM_SNOMED, onset=-740)
    chart.antibody("anti_hmgcr", anti_hmgcr, day=-735).antibody("anti_srp", "negative", day=-735)
    chart.ck(11000, day=-736).ck(900, day=-650).ck(150, day=-500).ck(180, day=-300).ck(5200, day=-205)
    for day, value in zip((-150, -90, -45), after_flare, strict=True):
        chart.ck(value, day=day)
    chart.ck(latest_ck, day=-5)
    chart.weight(88, day=-5).height(178, day=-100)
    chart.medication(PREDNISONE_20, 60, "mg", start=-730, end=-600, status="completed")
    chart.medication(PREDNISONE_20, 30, "mg", start=-599, end=-500, status="completed")
    chart.medication(PREDNISONE_5, 10, "mg", start=-499, end=-420, status="completed")
    chart.medication(MMF, 1500, "mg", start=-700, frequency=2)
    chart.medication(PREDNISONE_20, 40, "mg", start=-200, end=-101, status="completed")
    chart.medication(PREDNISONE_20, 20, "mg", start=-100, end=-41, status="completed")
    chart.medication(PREDNISONE_5, 10, "mg", start=-40)
    if not ivig:
        return chart
    return chart.ivig_cycles((-190, 1, 2), (-162, 1, 2), (-134, 1, 2), (-106, 1, 2), (-78, 1, 2), (-22, 1, 2))


@fixture("r21-fires-flare-re-treated-nadir-of-this-flare", hook="patient-view",
         story="A flare re-treated within the episode came down to 250 U/L; prednisone lowered and IVIG spaced to 8 "
               "weeks since; CK 650 U/L: 2.6x this flare's nadir 250 (not 4.3x the remission's 150). The plan names "
               "the IVIG interval to restore as well as the glucocorticoid dose.", fires={RULE})
def fires_re_treated_flare(today: date) -> dict[str, Any]:
    return re_treated_flare_chart(today, 650).request("patient-view")


@fixture("r21-quiet-under-2x-the-nadir-of-this-flare", hook="patient-view",
         story="The same flare, CK 400 U/L: 1.6x this flare's nadir 250. Against the remission's 150 before the "
               "flare (2.7x) it was called a relapse.", quiet={RULE})
def quiet_re_treated_flare(today: date) -> dict[str, Any]:
    return re_treated_flare_chart(today, 400).request("patient-view")


# review 424 item 4 (t1): methotrexate stopped for hepatotoxicity, as the chart says why
HEPATOTOXICITY = {"coding": [{"system": SNOMED, "code": "281647001", "display": "Adverse reaction"}],
                  "text": "Stopped: methotrexate hepatotoxicity"}
ALT = (LOINC, "1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma")
TOXIC_LIVER_DISEASE = (ICD10, "K71.9", "Toxic liver disease, unspecified")


def methotrexate_stopped_chart(today: date, status_reason: object = HEPATOTOXICITY) -> Chart:
    """Anti-HMGCR IMNM on prednisone 10 mg for 6 months; methotrexate 20 mg weekly stopped on D-45 with
    ``status_reason`` (None: none given; ALT 210 U/L and toxic liver disease on D-50); CK nadir 300 (D-100), 1,500 on
    D-3."""
    chart = Chart(today, age=60, sex="male").condition(IMNM_SNOMED, onset=-500)
    chart.antibody("anti_hmgcr", "positive", day=-490).antibody("anti_srp", "negative", day=-490)
    chart.ck(8000, day=-495).ck(1200, day=-300).ck(300, day=-100).ck(350, day=-60).ck(1500, day=-3)
    chart.weight(80, day=-3).lab(ALT, 210, "U/L", day=-50, high=40).condition(TOXIC_LIVER_DISEASE, onset=-50)
    chart.medication(PREDNISONE_20, 60, "mg", start=-480, end=-300, status="completed")
    chart.medication(PREDNISONE_20, 20, "mg", start=-299, end=-181, status="completed")
    chart.medication(PREDNISONE_5, 10, "mg", start=-180)
    stopped = chart.medication_request(METHOTREXATE_2_5, 20, "mg", start=-470, end=-45, period=1, period_unit="wk",
                                       status="stopped")
    chart.resources["medications"].append(stopped if status_reason is None else {**stopped,
                                                                                  "statusReason": status_reason})
    return chart


@fixture("r21-fires-methotrexate-stopped-for-hepatotoxicity-not-restored", hook="patient-view",
         story="Methotrexate stopped for hepatotoxicity (statusReason), CK 300 -> 1,500 since: a possible relapse. The "
               "plan says it was stopped for an adverse reaction and another agent is needed; it does not advise "
               "restoring it.", fires={RULE})
def fires_methotrexate_stopped_for_hepatotoxicity(today: date) -> dict[str, Any]:
    return methotrexate_stopped_chart(today).request("patient-view")


@fixture("r21-fires-methotrexate-stopped-no-reason-restored-unless-toxicity", hook="patient-view",
         story="Methotrexate stopped with no reason on the order (ALT 210 and toxic liver disease on the chart), CK "
               "300 -> 1,500 since: the plan restores it unless it was stopped for toxicity, which the chart does not "
               "say.", fires={RULE})
def fires_methotrexate_stopped_no_reason(today: date) -> dict[str, Any]:
    return methotrexate_stopped_chart(today, None).request("patient-view")
