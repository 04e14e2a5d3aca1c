"""Treatment duration: covered days, combined GC + steroid-sparing therapy, IVIG cycles, rituximab courses."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fhir_fixtures.builders import (
    IVIG_CVX,
    METHOTREXATE_2_5,
    PREDNISONE_20,
    RITUXIMAB,
    ROUTE_IV,
    Chart,
)
from hooks.context import HookContext
from hooks.definitions import treatment_duration as td
from hooks.record import build_record
from tests.conftest import with_params


def _evaluate(kb, chart: Chart):
    record = build_record(chart.prefetch(), kb.valuesets, chart.today)
    context = HookContext("patient-view", chart.today, thresholds=kb.thresholds, valuesets=kb.valuesets)
    return record, context


def test_merge_joins_short_gaps_only():
    d = date(2026, 1, 1)
    spans = [(d, d + timedelta(days=9)), (d + timedelta(days=17), d + timedelta(days=20)),
             (d + timedelta(days=29), d + timedelta(days=30))]
    # gap of 7 days (10..16) is joined; gap of 8 days (21..28) is not
    assert td.merge(spans, tolerance=7) == [(d, d + timedelta(days=20)),
                                            (d + timedelta(days=29), d + timedelta(days=30))]


def test_intersect_and_run_days():
    d = date(2026, 1, 1)
    both = td.intersect([(d, d + timedelta(days=99))], [(d + timedelta(days=40), d + timedelta(days=200))])
    assert both == [(d + timedelta(days=40), d + timedelta(days=99))]
    assert td.run_days(both[0]) == 60
    assert td.run_days(None) == 0


def test_combination_counts_days_on_both_up_to_today(kb, today):
    chart = Chart(today)
    chart.medication(PREDNISONE_20, 40, "mg", start=-200)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-90, period=1, period_unit="wk")
    record, context = _evaluate(kb, chart)
    combo = td.combination(record, context)
    assert combo.days == 91  # D-90 to D0 inclusive
    assert combo.since == today - timedelta(days=90)
    assert [a.label for a in combo.agents] == ["methotrexate 2.5 MG Oral Tablet"]


def test_combination_needs_the_glucocorticoid_too(kb, today):
    chart = Chart(today)
    chart.medication(PREDNISONE_20, 40, "mg", start=-200, end=-100, status="completed")
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-150, period=1, period_unit="wk")
    record, context = _evaluate(kb, chart)
    assert td.combination(record, context).days == 0


def test_stopped_weekly_agent_covers_until_the_next_dose_was_due(kb, today):
    chart = Chart(today)
    chart.medication(PREDNISONE_20, 40, "mg", start=-200)
    # last weekly dose 10 days ago: covers to D-4, within the 7-day gap tolerance of today
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-120, end=-10, status="stopped", period=1, period_unit="wk")
    record, context = _evaluate(kb, chart)
    assert td.combination(record, context).days == 121 - 4 + 0  # D-120 .. D-4


def test_the_gap_a_combination_runs_on_through_is_the_shared_site_parameter(kb, today):
    """Prednisone renewed 4 days late: one run by default (dose_gap_bridge_days 7), two where a site sets 3."""
    chart = Chart(today)
    chart.medication(PREDNISONE_20, 40, "mg", start=-200, end=-50, status="completed")
    chart.medication(PREDNISONE_20, 40, "mg", start=-45)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-150, period=1, period_unit="wk")
    assert td.combination(*_evaluate(kb, chart)).days == 151
    site = with_params(kb, "definitions", dose_gap_bridge_days=3)
    assert td.combination(*_evaluate(site, chart)).days == 46


def test_a_long_break_ends_the_run(kb, today):
    chart = Chart(today)
    chart.medication(PREDNISONE_20, 40, "mg", start=-300)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-280, end=-150, status="stopped", period=1, period_unit="wk")
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-30, period=1, period_unit="wk")
    record, context = _evaluate(kb, chart)
    assert td.combination(record, context).days == 31


def test_ivig_cycles_from_a_four_weekly_order(kb, today):
    chart = Chart(today)
    chart.medication(IVIG_CVX, 2, "g/kg", start=-100, period=4, period_unit="wk", route=ROUTE_IV)
    record, _ = _evaluate(kb, chart)
    cycles = td.ivig_cycles(record)
    assert cycles == [today - timedelta(days=d) for d in (100, 72, 44, 16)]
    assert td.last_ivig(record) == today  # an active order is current


def test_ivig_cycles_from_per_day_records_and_immunizations(kb, today):
    chart = Chart(today)
    for start in (-120, -92):  # two cycles, each recorded as daily doses over 2 days
        chart.medication("Octagam 10% solution", 1, "g/kg", start=start, end=start + 1, status="completed")
    chart.immunization(IVIG_CVX, day=-64)
    record, _ = _evaluate(kb, chart)
    assert td.ivig_cycles(record) == [today - timedelta(days=d) for d in (120, 92, 64)]
    assert td.last_ivig(record) == today - timedelta(days=64)


def test_ivig_course_starts_after_the_last_break_longer_than_break_days(kb, today):
    """Cycle starts 180 days apart stay one course at a 180-day break, 181 days apart do not; IVIG restarted after a
    long stop is a new course, whatever came before; no IVIG, no course."""
    chart = Chart(today)
    for day in (-700, -519, -339):  # 181, then 180 days apart
        chart.immunization(IVIG_CVX, day=day)
    course = td.ivig_course(*_evaluate(kb, chart))
    assert course.cycles == tuple(today - timedelta(days=d) for d in (519, 339))
    assert course.earlier == (today - timedelta(days=700),)
    site = with_params(kb, "definitions", ivig_course_break_days=181)
    assert td.ivig_course(*_evaluate(site, chart)).cycles == tuple(td.ivig_cycles(_evaluate(site, chart)[0]))
    chart.medication(IVIG_CVX, 2, "g/kg", start=-60, period=4, period_unit="wk", route=ROUTE_IV)  # 279 days later
    course = td.ivig_course(*_evaluate(kb, chart))
    assert course.cycles == tuple(today - timedelta(days=d) for d in (60, 32, 4))
    assert course.earlier == tuple(today - timedelta(days=d) for d in (700, 519, 339))
    site = with_params(kb, "definitions", ivig_course_break_days=279)
    assert td.ivig_course(*_evaluate(site, chart)).earlier == ()
    empty = td.ivig_course(*_evaluate(kb, Chart(today)))
    assert (empty.cycles, empty.earlier, empty.last, empty.next_due) == ((), (), None, None)


def _maintenance(today, last_cycle: int, gap: int = 84) -> Chart:
    """IVIG cycles 4 weeks apart, then ``gap`` days apart, each one completed order over 2 days."""
    chart = Chart(today)
    for start in (last_cycle - gap - 56, last_cycle - gap - 28, last_cycle - gap, last_cycle):
        chart.medication(IVIG_CVX, 1, "g/kg", start=start, end=start + 1, status="completed", route=ROUTE_IV)
    return chart


@pytest.mark.parametrize(("last_cycle", "in_use"), [(-59, True), (-70, True), (-91, True), (-92, False)])
def test_maintenance_ivig_is_in_use_until_its_next_cycle_is_overdue(kb, today, last_cycle, in_use):
    """IVIG every 84 days, one order per cycle: the last cycle 70 days ago was read as 'no IVIG' (only the 60-day
    window counted), so R15 offered IVIG the patient was receiving and R17 called IVIG stopped. The next cycle is
    due 84 days after the last and late by at most dose_gap_bridge_days (7) it is still in use."""
    record, context = _evaluate(kb, _maintenance(today, last_cycle))
    course = td.ivig_course(record, context)
    assert course.interval == 84 and course.next_due == today + timedelta(days=last_cycle + 84)
    assert (td.ivig_in_use(record, context, 60) is not None) is in_use


def test_why_ivig_is_in_use(kb, today):
    assert td.ivig_in_use(*_evaluate(kb, _maintenance(today, -30)), 60) == "given within the last 60 days"
    assert td.ivig_in_use(*_evaluate(kb, _maintenance(today, -70)), 60) == (
        "a cycle every 84 days, the last on 2026-09-12: the next is due 2026-12-05 (overdue after 2026-12-12)")


def test_the_grace_for_a_late_cycle_is_the_shared_dose_gap_definition(kb, today):
    chart = _maintenance(today, -90)  # the next cycle 6 days overdue
    assert td.ivig_in_use(*_evaluate(kb, chart), 60) is not None
    site = with_params(kb, "definitions", dose_gap_bridge_days=5)
    assert td.ivig_in_use(*_evaluate(site, chart), 60) is None


def test_a_cycle_after_a_break_gives_no_interval(kb, today):
    """A cycle 70 days ago restarting IVIG 200 days after the one before: one cycle of a new course, so only the
    60-day window says whether IVIG is in use (the 200-day break is no maintenance interval)."""
    chart = Chart(today).immunization(IVIG_CVX, day=-270).immunization(IVIG_CVX, day=-70)
    record, context = _evaluate(kb, chart)
    assert td.ivig_course(record, context).interval is None
    assert td.ivig_in_use(record, context, 60) is None
    assert td.ivig_in_use(record, context, 70) == "given within the last 70 days"


def test_a_single_cycle_is_in_use_only_within_the_window(kb, today):
    chart = Chart(today).immunization(IVIG_CVX, day=-61)
    record, context = _evaluate(kb, chart)
    assert td.ivig_in_use(record, context, 60) is None
    assert td.ivig_in_use(record, context, 61) is not None


def test_rituximab_count_limited_course_ends_at_the_second_dose(kb, today):
    chart = Chart(today)
    chart.medication(RITUXIMAB, 1000, "mg", start=-200, status="completed", period=14, count=2)
    record, _ = _evaluate(kb, chart)
    assert td.last_rituximab(record) == today - timedelta(days=186)
    assert td.given_within(record, td.last_rituximab(record), 365)
    assert not td.given_within(record, td.last_rituximab(record), 180)


@pytest.mark.parametrize(("dates", "last"), [
    ({"start": None, "end": -100}, -100),  # an end date and no start: given by then
    ({"start": -120, "end": -100}, -100),
    ({"start": None}, None),  # no date at all, not current: when is not given
], ids=["end only", "start and end", "no dates"])
def test_the_last_rituximab_dose_is_every_readers_last_dose_day(kb, today, dates, last):
    """A completed rituximab order with only an end date 100 days ago: last_rituximab (R16, R17) skipped orders with
    no start date, so R16 said 'none on file' and offered rituximab again, while R24, R28 and R21
    (courses.last_dose_day) counted it as in use. One with no date at all is named (R16 is not evaluable); a first
    dose needs a start date."""
    chart = Chart(today).medication(RITUXIMAB, 1000, "mg", status="completed", route=ROUTE_IV, **dates)
    record, _ = _evaluate(kb, chart)
    given = td.rituximab_given(record)
    assert td.last_rituximab(record) == given.last == (None if last is None else today + timedelta(days=last))
    assert [o.label for o in given.undated] == ([] if last is not None else [RITUXIMAB[2]])
    assert [first for first, _, _ in given.courses] == (
        [today + timedelta(days=dates["start"])] if dates.get("start") else [])


def test_rituximab_counts_as_ongoing_for_six_months(kb, today):
    chart = Chart(today)
    chart.medication(PREDNISONE_20, 20, "mg", start=-300)
    chart.medication(RITUXIMAB, 1000, "mg", start=-150, status="completed")
    record, context = _evaluate(kb, chart)
    combo = td.combination(record, context)
    assert combo.days == 151
    assert combo.agents[0].in_group("rituximab")


def test_cancelled_and_undated_courses_never_count(kb, today):
    chart = Chart(today)
    chart.medication(PREDNISONE_20, 40, "mg", start=-200)
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-150, status="cancelled", period=1, period_unit="wk")
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=None, period=1, period_unit="wk")
    record, context = _evaluate(kb, chart)
    assert td.combination(record, context).days == 0


def test_local_forms_are_not_steroid_sparing_therapy(kb, today):
    chart = Chart(today)
    chart.medication(PREDNISONE_20, 40, "mg", start=-200)
    chart.medication("tacrolimus 0.1% topical ointment", 1, "{applicatorful}", start=-150)
    record, context = _evaluate(kb, chart)
    assert record.medications_in("tacrolimus")  # recognised by name...
    assert td.combination(record, context).days == 0  # ...but not counted


def test_an_ivig_immunization_dated_after_today_is_not_ivig_given(kb, today):
    """Counted from the day it was given, never before: every IVIG rule reads IVIG charted as an Immunization here."""
    chart = Chart(today).immunization(IVIG_CVX, day=-10).immunization(IVIG_CVX, day=1)
    record, _ = _evaluate(kb, chart)
    assert [i.when for i in td.ivig_immunizations(record)] == [today - timedelta(days=10)]
    assert td.ivig_immunizations(record, since=today - timedelta(days=9)) == []


def test_a_glucocorticoid_local_by_its_route_is_no_combination_therapy(kb, today):
    """Prednisolone drops with an 'Ophthalmic' route (the product name says nothing) counted as the glucocorticoid
    of 'glucocorticoid + steroid-sparing' for 100 days, passing the R05/R15/R16 gates (found by review)."""
    chart = Chart(today, age=60).medication("prednisolone acetate 1%", 1, "{drop}", start=-100, frequency=4,
                                            route={"text": "Ophthalmic"})
    chart.medication(METHOTREXATE_2_5, 15, "mg", start=-100, period=1, period_unit="wk")
    assert td.combination(*_evaluate(kb, chart)).days == 0


def test_a_gap_longer_than_a_maintenance_interval_is_no_schedule(kb, today):
    """Two rescue cycles 170 days apart (within the 180-day course break): the next is not 'due' 170 days later;
    only the window counts, so R15 may offer IVIG again."""
    chart = Chart(today).immunization(IVIG_CVX, day=-345).immunization(IVIG_CVX, day=-175)
    record, context = _evaluate(kb, chart)
    assert td.ivig_course(record, context).interval == 170
    assert td.ivig_in_use(record, context, 60) is None
    assert td.ivig_in_use(*_evaluate(with_params(kb, "definitions", ivig_maintenance_max_interval_days=170),
                                     chart), 60) is not None


def test_the_longest_spacing_of_the_course_sets_when_the_next_cycle_is_due(kb, today):
    """12 weeks between cycles, then 10: the next cycle may still come 12 weeks after the last, as it did before
    (by the last spacing alone it would be overdue now)."""
    chart = Chart(today)
    for start in (-234, -150, -80):
        chart.medication(IVIG_CVX, 1, "g/kg", start=start, end=start + 1, status="completed", route=ROUTE_IV)
    record, context = _evaluate(kb, chart)
    assert td.ivig_course(record, context).interval == 84
    assert td.ivig_in_use(record, context, 60) is not None


@pytest.mark.parametrize(("status", "end", "in_use"), [
    ("stopped", -65, False), ("completed", -65, False), ("active", None, True)])
def test_a_cyclic_order_that_ended_gives_no_next_cycle(kb, today, status, end, in_use):
    """One order every 12 weeks: once it is stopped or completed, its cycle dates are all it gave, and no next
    cycle is due after it (only the window counts); while it is active, it is IVIG given."""
    chart = Chart(today).medication(IVIG_CVX, 2, "g/kg", start=-238, end=end, status=status, route=ROUTE_IV,
                                    period=12, period_unit="wk")
    record, context = _evaluate(kb, chart)
    assert td.ivig_course(record, context).interval == 84
    assert (td.ivig_in_use(record, context, 60) is not None) is in_use


def test_a_stopped_cycle_order_ends_the_course(kb, today):
    """Maintenance IVIG whose last cycle's order was stopped (a reaction, a decision to stop): no next cycle."""
    chart = _maintenance(today, -70)
    chart.resources["medications"][-1]["status"] = "stopped"
    assert td.ivig_in_use(*_evaluate(kb, chart), 60) is None


@pytest.mark.parametrize(("last_cycle", "days"), [(-70, 211), (-91, 225), (-92, 0)])
def test_maintenance_ivig_runs_on_in_the_combination_until_its_next_cycle_is_overdue(kb, today, last_cycle, days):
    """Prednisone plus IVIG every 12 weeks, each cycle its own completed order: each order covered only the default
    4 weeks, so the combination broke for 8 weeks before every cycle and read 0 days 70 days after the last one
    (R16 then saw no combination therapy). A course on schedule covers every day from its first cycle until its next
    is due, so the combination runs on exactly as long as IVIG is in use (7 days late at most) and stops with it."""
    chart = _maintenance(today, last_cycle).medication(PREDNISONE_20, 20, "mg", start=-400)
    record, context = _evaluate(kb, chart)
    combo = td.combination(record, context)
    assert combo.days == days
    assert (combo.days > 0) is (td.ivig_in_use(record, context, 0) is not None)
    if days:
        assert combo.since == today + timedelta(days=last_cycle - 140)  # the course's first cycle
        assert len(combo.agents) == 4


def test_a_stopped_maintenance_course_is_not_extended_in_the_combination(kb, today):
    """The last cycle's order stopped (a reaction, a decision to stop): it covers its own 4 weeks, no next cycle."""
    chart = _maintenance(today, -70).medication(PREDNISONE_20, 20, "mg", start=-400)
    chart.resources["medications"][3]["status"] = "stopped"
    assert td.combination(*_evaluate(kb, chart)).days == 0


@pytest.mark.parametrize(("status", "end", "days"), [("completed", -65, 0), ("stopped", -65, 0), ("active", None, 239)])
def test_a_cyclic_order_that_ended_covers_its_last_cycle_not_a_next_one(kb, today, status, end, days):
    """One order every 12 weeks, completed or stopped after the cycle 70 days ago: its last cycle was carried the
    whole 12 weeks, to a next cycle that will not come, so the combination ran on to today while IVIG had ended
    (ivig_in_use already said so). A cycle covers 4 weeks; a longer spacing only while the course is on schedule."""
    chart = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-400)
    chart.medication(IVIG_CVX, 2, "g/kg", start=-238, end=end, status=status, route=ROUTE_IV, period=12,
                     period_unit="wk")
    assert td.combination(*_evaluate(kb, chart)).days == days


@pytest.mark.parametrize(("order", "days"), [
    ({"start": -30, "end": -29, "status": "completed"}, 2),
    ({"start": -30, "period": 4, "period_unit": "wk", "count": 5}, 5),
    ({"start": -30, "period": 4, "period_unit": "wk"}, 1),
    ({"start": -30, "end": -33, "status": "completed"}, None),
    ({"start": -30, "period": 4, "period_unit": "wk", "count": 0}, None),
    ({"start": -1, "end": 1}, 3),
    ({"start": -1, "count": 2}, 2),
    ({"start": -1}, None),
], ids=["one cycle over 2 days", "cyclic, 5 days a cycle", "cyclic, no days given", "ends before it starts",
        "count of none", "a cycle under way: its planned days", "under way, counted (was None)",
        "under way, daily with no end"])
def test_the_days_of_an_ivig_cycle(kb, today, order, days):
    """An order ending before it starts read as a cycle of -2 days, so its 1 g/kg a day was '-140 g per cycle'; a
    cycle counted zero days was read as one (review). Neither says what the cycle gives. An order for one cycle
    still being given is read to its end or its count (courses.order_runs, as R27 reads it: the count ends the
    cycle; it was read as given daily with no end); with neither there is no cycle to add up."""
    chart = Chart(today).weight(70).medication(IVIG_CVX, 1, "g/kg", route=ROUTE_IV, **order)
    record, _ = _evaluate(kb, chart)
    assert td.ivig_cycle(record.medications[0], 70, today) == (None if days is None else 70_000 * days, days)



@pytest.mark.parametrize(("order", "duration"), [
    ({"count": 5, "day_of_week": ["mon", "tue", "wed", "thu", "fri"]}, None),
    ({"count": 10, "frequency": 2}, None),
    ({"period": 4, "period_unit": "wk"}, 5),
], ids=["Mon-Fri", "twice daily", "every 4 weeks for 5 days"])
def test_a_per_day_ivig_dose_is_shared_over_the_administrations_of_a_day_of_its_cycle(kb, today, order, duration):
    """Review: 0.4 g/kg/day was divided by the administrations per calendar day: Monday to Friday it read as
    0.56 g/kg a dose (2.8 g/kg a cycle), every 4 weeks as 11.2 g/kg (56 g/kg a cycle), feeding the taper's IVIG
    reading. It is 2 g/kg a cycle, as R27 reads it (one reader, hooks.dosing.per_body_each_time)."""
    chart = Chart(today).weight(70)
    resource = chart.medication_request(IVIG_CVX, 0.4, "g/kg/day", route=ROUTE_IV, start=-30, **order)
    if duration:
        resource["dosageInstruction"][0]["timing"]["repeat"].update({"duration": duration, "durationUnit": "d"})
    chart.resources["medications"].append(resource)
    record, _ = _evaluate(kb, chart)
    assert td.ivig_cycle(record.medications[0], 70, today).mg == pytest.approx(140_000)


@pytest.mark.parametrize(("grams", "most", "cycle_mg"), [(140, 140, 140_000), (70, 140, 140_000), (100, 150, 200_000)])
def test_a_chart_ivig_dose_its_maximum_says_is_the_cycles_is_given_once_a_cycle(kb, today, grams, most, cycle_mg):
    """140 g a cycle over 2 days, at most 140 g per 4 weeks, was read as 280 g a cycle (each day's), so a next cycle
    of 140 g read as a halving to R21 (follow-up review). The dose is read per day or per cycle by the one reader
    R27 uses (courses.cycle_dose_per_day); with nothing to tell (a maximum as far from either) each day's, as
    before."""
    chart = Chart(today).weight(70, day=-3)
    chart.medication(IVIG_CVX, grams, "g", start=-30, end=-29, status="completed", route=ROUTE_IV, period=4,
                     period_unit="wk")
    instruction = chart.resources["medications"][-1]["dosageInstruction"][0]
    instruction["timing"]["repeat"].update(duration=2, durationUnit="d")
    instruction["maxDosePerPeriod"] = {"numerator": {"value": most, "unit": "g"},
                                       "denominator": {"value": 4, "unit": "wk"}}
    record = build_record(chart.prefetch(), kb.valuesets, today)
    assert td.ivig_cycle(record.medications[0], 70, today) == (cycle_mg, 2)
