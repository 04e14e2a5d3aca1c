"""The CK chart's data (hooks.timeline): what the specialist's one picture shows, built from the same record."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import fhir_fixtures
from fhir_fixtures.builders import (
    AZATHIOPRINE_50,
    IMNM_SNOMED,
    IVIG_CVX,
    METHOTREXATE_2_5,
    METHYLPRED_1000,
    PREDNISONE_5,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    Chart,
)
from hooks import engine, timeline
from hooks.context import HookContext
from hooks.definitions import treatment_duration as td
from hooks.definitions.steroids import DailyLevels
from hooks.knowledge import Knowledge
from hooks.record import build_record
from tests.conftest import TODAY


def picture(kb: Knowledge, request: dict[str, Any], today: date = TODAY) -> dict[str, Any]:
    record = build_record(request["prefetch"], kb.valuesets, today)
    context = HookContext(hook=request["hook"], today=today, thresholds=kb.thresholds, valuesets=kb.valuesets,
                          draft_orders=engine.read_drafts(request["context"], kb, []))
    data = timeline.build(record, context)
    json.dumps(data)  # plain data: the HTTP layer returns it as is
    return data


def iso(day: int) -> str:
    return (TODAY + timedelta(days=day)).isoformat()


def test_relapse_story_draws_ck_taper_mtx_ivig_and_antibodies(kb):
    data = picture(kb, fhir_fixtures.get("story-relapse-on-taper-after-ivig").request(TODAY))
    assert [p["value"] for p in data["ck"]] == [9400, 6900, 3800, 1200, 450, 220, 160, 550]
    assert all(p["uln"] == 200 and p["ulnFromLab"] for p in data["ck"])
    assert [s["peq"] for s in data["glucocorticoid"]] == [60, 30, 15, 7.5]
    assert data["glucocorticoid"][0]["start"] == iso(-395)
    assert data["glucocorticoid"][-1]["end"] == TODAY.isoformat()  # the current dose runs to today
    (mtx,) = data["agents"]
    assert (mtx["agent"], mtx["start"], mtx["end"], mtx["current"]) == ("methotrexate", iso(-380), iso(0), True)
    assert mtx["dose"] == "20 mg once weekly"
    assert [c["start"] for c in data["ivig"]] == [iso(d) for d in (-300, -272, -244, -216, -188, -160)]
    assert data["ivig"][0]["end"] == iso(-299)
    assert {(a["antibody"], a["result"]) for a in data["antibodies"]} == {("anti-HMGCR", "positive"),
                                                                         ("anti-SRP", "negative")}
    assert data["rituximab"] == [] and data["drafts"] == [] and data["notes"] == []
    assert data["range"] == {"start": iso(-410), "end": TODAY.isoformat()}


def test_rituximab_days_1_and_15_are_two_infusions(kb):
    chart = Chart(TODAY).condition(IMNM_SNOMED, onset=-200)
    chart.medication(RITUXIMAB, 1000, "mg", start=-100, end=-86, status="completed", period=14, route=ROUTE_IV)
    data = picture(kb, chart.request())
    assert [r["date"] for r in data["rituximab"]] == [iso(-100), iso(-86)]
    assert data["agents"] == [] and data["ivig"] == []


def test_ivig_every_four_weeks_is_one_cycle_per_repeat(kb):
    chart = Chart(TODAY).condition(IMNM_SNOMED, onset=-200)
    chart.medication(IVIG_CVX, 2, "g/kg", start=-84, end=-1, period=4, period_unit="wk", route=ROUTE_IV,
                     status="completed")
    data = picture(kb, chart.request())
    assert [c["start"] for c in data["ivig"]] == [iso(-84), iso(-56), iso(-28)]


def test_an_order_planned_after_today_is_named_in_a_note_not_drawn(kb):
    """An order current on the chart that starts after today has given nothing: it was drawn as a bar from its start
    back to today (start after end) and as infusions and cycles after today, stretching the axis past today."""
    chart = Chart(TODAY).condition(IMNM_SNOMED, onset=-200)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=4, period=1, period_unit="wk")
    chart.medication(RITUXIMAB, 1000, "mg", start=3, period=14, route=ROUTE_IV, count=2)
    chart.medication(IVIG_CVX, 2, "g/kg", start=5, period=4, period_unit="wk", route=ROUTE_IV)
    chart.medication(PREDNISONE_20, 30, "mg", start=7)
    data = picture(kb, chart.request())
    assert data["agents"] == data["rituximab"] == data["ivig"] == data["glucocorticoid"] == []
    assert data["range"]["end"] == TODAY.isoformat()
    assert data["notes"] == [f"Planned from {iso(day)}, not drawn (no dose given yet): {label}; see the order for its "
                             "dose." for day, label in ((3, "rituximab Injectable Product"),
                                                        (4, "methotrexate 2.5 MG Oral Tablet"),
                                                        (5, "immune globulin, intravenous"),
                                                        (7, "prednisone 20 MG Oral Tablet"))]


def test_a_planned_order_has_one_note_that_never_misstates_its_dose(kb):
    """A planned prednisone whose dose cannot be read had two notes, the second saying 'dose not given'; a planned
    taper written as one order (40, 30, 20 mg) was '40 mg once a day', and IV methylprednisolone 1 g x3 '1000 mg
    once a day' with no count. Each has one note, and its dose is left to the order."""
    chart = Chart(TODAY).condition(IMNM_SNOMED, onset=-60)
    chart.medication(PREDNISONE_20, None, None, start=3)
    chart.taper_order(PREDNISONE_5, [(40, 7), (30, 7), (20, None)], start=5)
    chart.medication(METHYLPRED_1000, 1000, "mg", start=1, route=ROUTE_IV, count=3)
    assert picture(kb, chart.request())["notes"] == [
        f"Planned from {iso(day)}, not drawn (no dose given yet): {label}; see the order for its dose."
        for day, label in ((1, "methylprednisolone 1000 MG Injection"), (3, "prednisone 20 MG Oral Tablet"),
                           (5, "prednisone 5 MG Oral Tablet"))]


def test_an_agent_stopped_on_an_unknown_day_before_a_planned_order_ends_uncertain_at_today(kb):
    """Methotrexate 20 mg/week stopped before its end date, 15 mg/week planned from 4 days on: the planned order
    takes over only after today, so the stop is still on a day the chart does not give, by today at the latest. The
    bar ended at today with no mark of an unknown end."""
    chart = Chart(TODAY).condition(IMNM_SNOMED, onset=-200)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-150, end=30, status="stopped", period=1, period_unit="wk")
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=4, period=1, period_unit="wk")
    (bar,) = picture(kb, chart.request())["agents"]
    assert (bar["dose"], bar["end"], bar.get("endUnknown")) == ("20 mg once weekly", TODAY.isoformat(), True)


def test_each_agent_course_is_its_own_bar_in_a_stable_order(kb):
    chart = Chart(TODAY).condition(IMNM_SNOMED, onset=-400)
    chart.medication(AZATHIOPRINE_50, 100, "mg", start=-150)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-380, end=-200, status="stopped", period=1,
                     period_unit="wk")
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-190, end=-160, status="completed", period=1,
                     period_unit="wk")
    data = picture(kb, chart.request())
    assert [(a["agent"], a["start"], a["end"], a["current"]) for a in data["agents"]] == [
        ("methotrexate", iso(-380), iso(-200), False), ("methotrexate", iso(-190), iso(-160), False),
        ("azathioprine", iso(-150), iso(0), True)]


def _note(status: str, end: int, label: str = "methotrexate 2.5 MG Oral Tablet") -> str:
    return (f"{label} ({status} before its end date {iso(end)}, on a day the chart does not give): drawn up to "
            "today, the latest it may have been given")


def test_an_agent_ended_before_its_end_date_is_drawn_to_today_with_its_end_unknown(kb):
    """Methotrexate stopped though its end date is 50 days ahead was drawn to today as if given until now. It still
    reaches today (the latest it may have run) but says its end is unknown; the current azathioprine bar does not."""
    chart = Chart(TODAY).condition(IMNM_SNOMED, onset=-400)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-100, end=50, status="stopped", period=1, period_unit="wk")
    chart.medication(AZATHIOPRINE_50, 100, "mg", start=-150)
    mtx, aza = picture(kb, chart.request())["agents"]
    assert (mtx["start"], mtx["end"], mtx["current"]) == (iso(-100), iso(0), False)
    assert mtx["endUnknown"] is True and mtx["endNote"] == _note("stopped", 50)
    assert "endUnknown" not in aza and "endNote" not in aza


def test_an_agent_order_taken_over_ends_the_day_before_the_next_one(kb):
    """Methotrexate 20 mg completed before its end date, then 15 mg from D-60: both bars ran to today, as if 35 mg a
    week had been given. The first ran until the 15 mg order took over (courses.taken_over_on), as the rules read it."""
    chart = Chart(TODAY).condition(IMNM_SNOMED, onset=-400)
    chart.medication(METHOTREXATE_2_5, 20, "mg", start=-300, end=50, status="completed", period=1, period_unit="wk")
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-60, period=1, period_unit="wk")
    assert [(a["start"], a["end"], "endUnknown" in a) for a in picture(kb, chart.request())["agents"]] == [
        (iso(-300), iso(-61), False), (iso(-60), iso(0), False)]


def test_ivig_and_rituximab_given_up_to_today_from_an_order_ended_before_its_end_date_say_so(kb):
    """An IVIG order stopped before its end date is drawn up to today: the cycle drawn on today says its end is not
    on the chart, the cycles before it are dates the chart gives. A rituximab order marked completed before its end
    date is no stop (an infusion order completes every cycle, as the taper reads it): none of its dots is marked."""
    chart = Chart(TODAY).condition(IMNM_SNOMED, onset=-200)
    chart.medication(IVIG_CVX, 2, "g/kg", start=-84, end=60, period=4, period_unit="wk", route=ROUTE_IV,
                     status="stopped")
    chart.medication(RITUXIMAB, 1000, "mg", start=-400, end=-386, status="completed", period=14, route=ROUTE_IV)
    chart.medication(RITUXIMAB, 1000, "mg", start=-200, end=100, status="completed", period=26, period_unit="wk",
                     route=ROUTE_IV)
    data = picture(kb, chart.request())
    assert [(c["start"], c.get("endNote")) for c in data["ivig"]] == [
        (iso(-84), None), (iso(-56), None), (iso(-28), None),
        (iso(0), _note("stopped", 60, "immune globulin, intravenous"))]
    assert [(r["date"], r.get("endUnknown")) for r in data["rituximab"]] == [
        (iso(-400), None), (iso(-386), None), (iso(-200), None), (iso(-18), None)]


def test_the_glucocorticoid_step_ending_today_with_an_order_ended_before_its_end_date_says_so(kb):
    """Prednisone 20 mg stopped though its end date is 30 days ahead, beside 5 mg current: the 25 mg step reaches
    today only as the latest the 20 mg may have been given."""
    chart = Chart(TODAY).condition(IMNM_SNOMED, onset=-200)
    chart.medication(PREDNISONE_5, 5, "mg", start=-150)
    chart.medication(PREDNISONE_20, 20, "mg", start=-60, end=30, status="stopped")
    before, ending_today = picture(kb, chart.request())["glucocorticoid"]
    assert before == {"start": iso(-150), "end": iso(-61), "peq": 5}
    assert (ending_today["peq"], ending_today["end"], ending_today["endUnknown"]) == (25, iso(0), True)
    assert ending_today["endNote"] == _note("stopped", 30, "prednisone 20 MG Oral Tablet")


def test_ck_without_reference_range_uses_the_fallback_and_says_so(kb):
    chart = Chart(TODAY).condition(IMNM_SNOMED, onset=-60).ck(4000, day=-30, uln=None).ck(900, day=-2)
    data = picture(kb, chart.request())
    assert [(p["uln"], p["ulnFromLab"]) for p in data["ck"]] == [(data["ck"][0]["uln"], False), (200, True)]
    assert any("upper limit of normal" in n for n in data["notes"])


def test_unreadable_steroid_dose_is_named_not_drawn(kb):
    chart = Chart(TODAY).condition(IMNM_SNOMED, onset=-60)
    chart.medication(PREDNISONE_20, None, None, start=-30)
    data = picture(kb, chart.request())
    assert data["glucocorticoid"] == []
    assert any("not readable" in n for n in data["notes"])


def test_order_sign_drafts_are_listed_for_today(kb):
    data = picture(kb, fhir_fixtures.get("story-order-sign-daily-methotrexate-with-tmp-smx").request(TODAY))
    assert [(d["date"], d["dose"]) for d in data["drafts"]] == [(TODAY.isoformat(), "15 mg once a day"),
                                                                (TODAY.isoformat(), "1 tablet(s) 2 times a day")]


def test_empty_chart_still_has_a_90_day_axis(kb):
    data = picture(kb, Chart(TODAY).request())
    assert data["range"] == {"start": iso(-90), "end": TODAY.isoformat()}
    assert all(data[k] == [] for k in ("ck", "glucocorticoid", "agents", "ivig", "rituximab", "antibodies"))


def test_segments_split_on_dose_change_and_on_gaps():
    d = date(2026, 1, 1)
    spans = [(d, d + timedelta(days=4), 20.0), (d + timedelta(days=5), d + timedelta(days=7), 10.0),
             (d + timedelta(days=10), d + timedelta(days=11), 10.0),  # a two-day gap: a new run
             (d + timedelta(days=12), d + timedelta(days=12), 0.001)]  # below the chart's 0.01 mg
    levels = DailyLevels.from_spans(spans, d, d + timedelta(days=30))
    assert timeline.glucocorticoid_segments(levels) == [
        {"start": "2026-01-01", "end": "2026-01-05", "peq": 20.0},
        {"start": "2026-01-06", "end": "2026-01-08", "peq": 10.0},
        {"start": "2026-01-11", "end": "2026-01-12", "peq": 10.0}]


def test_ivig_cycles_drawn_are_the_cycles_the_rules_read(kb):
    """IVIG every 4 weeks completed before its end date, then every 8 weeks from D-56: the picture ended the first
    order when the second began (as the taper reads agents' orders) and left out its cycle on D-28, which the rules
    (treatment_duration.ivig_cycles) count. Each IVIG cycle drawn is one the rules read."""
    chart = Chart(TODAY).condition(IMNM_SNOMED, onset=-400).weight(70)
    chart.medication(IVIG_CVX, 2, "g/kg", start=-168, end=60, period=4, period_unit="wk", route=ROUTE_IV,
                     status="completed")
    chart.medication(IVIG_CVX, 2, "g/kg", start=-56, period=8, period_unit="wk", route=ROUTE_IV)
    record = build_record(chart.request()["prefetch"], kb.valuesets, TODAY)
    drawn = {cycle["start"] for cycle in picture(kb, chart.request())["ivig"]}
    assert {day.isoformat() for day in td.ivig_cycles(record)} <= drawn
    assert iso(-28) in drawn


def test_a_counted_rituximab_course_draws_its_count_of_infusions(kb):
    """Rituximab 1 g x2 fourteen days apart whose end date is a year ahead (a validity period) was drawn as an
    infusion every 14 days up to today (15 dots): the count is its administrations."""
    chart = Chart(TODAY).condition(IMNM_SNOMED, onset=-400)
    chart.medication(RITUXIMAB, 1000, "mg", start=-200, end=165, period=14, route=ROUTE_IV, count=2)
    assert [r["date"] for r in picture(kb, chart.request())["rituximab"]] == [iso(-200), iso(-186)]
