"""When a course was given: its last dose day, and 'given since' windows read from it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_fixtures.builders import IVIG_CVX, METHOTREXATE_2_5, PREDNISONE_20, RITUXIMAB, UCUM, Chart
from hooks.definitions import courses
from hooks.definitions import treatment_duration as td
from hooks.rules import r27_ivig_order_safety as r27
from tests.definitions_support import record_and_context


def _order(kb, chart):
    return record_and_context(kb, chart)[0].medications[0]


def test_last_dose_day_of_current_counted_supplied_and_undated_courses(kb, today):
    current = _order(kb, Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-300, period=1,
                                                         period_unit="wk"))
    assert courses.last_dose_day(current, today) == today
    counted = Chart(today).medication("rituximab Injectable Product", 1000, "mg", start=-200, status="completed",
                                      period=14, count=2)
    assert courses.last_dose_day(_order(kb, counted), today) == today - timedelta(days=186)
    ended = Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-300, end=-40, status="stopped")
    assert courses.last_dose_day(_order(kb, ended), today) == today - timedelta(days=40)
    once = Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-300, status="completed")
    assert courses.last_dose_day(_order(kb, once), today) == today - timedelta(days=300)


def test_given_since_reads_the_last_dose(kb, today):
    chart = Chart(today).medication("rituximab Injectable Product", 1000, "mg", start=-200, status="completed",
                                    period=14, count=2)
    record, _ = record_and_context(kb, chart)
    assert courses.given_since(record, "rituximab", since=today - timedelta(days=190))
    assert not courses.given_since(record, "rituximab", since=today - timedelta(days=185))


def test_an_end_date_ends_a_course_whatever_its_status_says(kb, today):
    """An IV methylprednisolone order left 'active' after its end 200 days ago was once read as given today, which
    counted as R19's 'already treated' (found by review)."""
    left_active = Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-202, end=-200, status="active")
    assert courses.last_dose_day(_order(kb, left_active), today) == today - timedelta(days=200)
    no_start = Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=None, status="active")
    assert courses.last_dose_day(_order(kb, no_start), today) == today


def test_a_counted_course_outlasting_its_supply_ends_at_its_last_dose(kb, today):
    """Rituximab x2 fourteen days apart with a one-day supply: the second infusion, not the supply, is the end."""
    chart = Chart(today).medication("rituximab Injectable Product", 1000, "mg", start=-372, status="completed",
                                    period=14, count=2)
    chart.resources["medications"][-1]["dispenseRequest"] = {
        "expectedSupplyDuration": {"value": 1, "unit": "days", "system": UCUM, "code": "d"}}
    assert courses.course_days(_order(kb, chart), today) == (today - timedelta(days=372),
                                                             today - timedelta(days=358))


@pytest.mark.parametrize("frequency_max", [None, 2])
def test_a_frequency_range_does_not_cut_a_counted_course_short(kb, today, frequency_max):
    """60 doses '1-2 times a day' last as long as 60 daily doses: the most a day is for dose checks only (found by
    review: frequencyMax ended the course 30 days early)."""
    chart = Chart(today).medication(PREDNISONE_20, 20, "mg", start=-120, status="completed", count=60,
                                    frequency_max=frequency_max)
    assert courses.last_dose_day(_order(kb, chart), today) == today - timedelta(days=61)


@pytest.mark.parametrize(("end", "current"), [(-1, False), (0, True), (30, True), (None, True)])
def test_an_order_left_active_after_its_end_date_is_not_current(kb, today, end, current):
    """'Current' questions (a folate, an antiviral plan, an active statin) read an end date as ending the course,
    as every 'given since' window does: an antiviral left 'active' after its end was an 'antiviral plan' (R26)."""
    chart = Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-200, end=end, status="active")
    record, _ = record_and_context(kb, chart)
    assert record.medications[0].current_on(today) is current
    assert bool(record.medications_in("methotrexate", current_only=True)) is current



# ---------------------------------------------------------------- one reading of a cycle's (or course's) doses

_FIVE_DAYS = {"value": 5, "unit": "d", "system": UCUM, "code": "d"}
_Q4_WEEKS = {"period": 4, "periodUnit": "wk"}


def _ivig_order(kb, today, repeat: dict, status: str = "completed", bounds_days: int | None = None):
    """An IVIG order of 1 g from D-100, daily (the builder's repeat) with ``repeat`` on top (None: left out);
    ``bounds_days`` sets a boundsPeriod end."""
    chart = Chart(today)
    resource = chart.medication_request(IVIG_CVX, 1000, "mg", start=-100, status=status)
    timing = resource["dosageInstruction"][0]["timing"]
    timing["repeat"].update(repeat)
    timing["repeat"] = {key: value for key, value in timing["repeat"].items() if value is not None}
    if bounds_days is not None:
        timing["repeat"]["boundsPeriod"]["end"] = chart.at(-100 + bounds_days - 1)
    chart.resources["medications"].append(resource)
    return _order(kb, chart)


# (timing.repeat, boundsPeriod days) -> the days and administrations of one cycle, as every reader now reads them.
# At HEAD (before one reading), course_days, treatment_duration.ivig_cycle_mg and R27 disagreed where noted.
_ONE_CYCLE = {
    "count only": (({"count": 2}, None), 2, 2),
    # course_days read 1 day: it read a cycle's count but not its duration
    "duration only, q4wk": (({**_Q4_WEEKS, "duration": 2, "durationUnit": "d"}, None), 2, 2),
    "count 4, 2 a day": (({"frequency": 2, "count": 4}, None), 2, 4),
    # ivig_cycle_mg gave 4 administrations: 2 days at 2 a day, not the 3 counted
    "count 3, 2 a day": (({"frequency": 2, "count": 3}, None), 2, 3),
    # course_days read 4 days and ivig_cycle_mg 8 administrations: 4 counted at 2 times a day are 2 days
    "count 4, 2 times of day": (({"count": 4, "timeOfDay": ["08:00:00", "20:00:00"]}, None), 2, 4),
    "boundsDuration 5 d": (({"boundsDuration": _FIVE_DAYS}, None), 5, 5),
    "boundsPeriod 5 d": (({}, 5), 5, 5),
    "count 2, q4wk": (({**_Q4_WEEKS, "count": 2}, None), 2, 2),
    # course_days read 1 day and ivig_cycle_mg 1 administration: a duration in weeks is a cycle's days too
    "duration 1 wk, q4wk": (({**_Q4_WEEKS, "duration": 1, "durationUnit": "wk"}, None), 7, 7),
    # course_days read 1 day and ivig_cycle_mg 1 administration; R27 2 days (the contract's duration)
    "daily, duration 2 d": (({"duration": 2, "durationUnit": "d"}, None), 2, 2),
}


@pytest.mark.parametrize("name", list(_ONE_CYCLE))
def test_every_reader_reads_one_ivig_cycle_alike(kb, today, name):
    """The days and administrations of one IVIG cycle (service contract, section 4: ``duration`` or ``count`` is the
    days of ONE cycle) are one reading, :func:`courses.dose_run`: the last day of a completed order
    (course_days), the mg of one cycle (treatment_duration.ivig_cycle_mg, 1 g each) and R27's dose per cycle."""
    (repeat, bounds_days), days, doses = _ONE_CYCLE[name]
    order = _ivig_order(kb, today, repeat, bounds_days=bounds_days)
    first, last = courses.course_days(order, today)
    cycle = r27.read_order_cycle(order)
    assert cycle is not None
    assert ((last - first).days + 1, cycle.days, cycle.doses) == (days, days, doses)
    assert td.ivig_cycle_mg(order, 70, today) == pytest.approx(doses * 1000)


def test_a_count_alone_is_the_days_of_one_ivig_cycle(kb, today):
    """A count with no frequency, period or code: R27 read a 2-day cycle, course_days a single day. The mg of a
    cycle stays unread: with no rate there is no daily dose to read one administration from."""
    order = _ivig_order(kb, today, {"frequency": None, "period": None, "periodUnit": None, "count": 2})
    first, last = courses.course_days(order, today)
    cycle = r27.read_order_cycle(order)
    assert ((last - first).days + 1, cycle.days if cycle else None) == (2, 2)
    assert td.ivig_cycle_mg(order, 70, today) is None


def test_a_counted_course_of_another_drug_counts_administrations_at_its_interval(kb, today):
    """Rituximab 1 g x2, 14 days apart: 2 administrations over 15 days (FHIR's count); the contract's 'days of one
    cycle' is IVIG's only."""
    chart = Chart(today).medication(RITUXIMAB, 1000, "mg", start=-100, status="completed", period=14, count=2)
    order = _order(kb, chart)
    run = courses.dose_run(order.dosages[0].timing, cyclic=False)
    assert (run.days, run.doses, run.interval_days) == (15, 2, None)
    assert courses.course_days(order, today) == (today - timedelta(days=100), today - timedelta(days=86))


@pytest.mark.parametrize(("code", "repeat", "days"), [
    (PREDNISONE_20, {"count": 60, "timeOfDay": ["08:00:00", "20:00:00"]}, 30),  # 2 times of day: 60 doses, 30 days
    (METHOTREXATE_2_5, {"period": 1, "periodUnit": "wk", "count": 4, "timeOfDay": ["08:00:00", "20:00:00"]},
     8),  # a split weekly dose: 4 doses on 2 weekly days
    (RITUXIMAB, {"period": 14, "periodUnit": None, "count": 2}, 15),  # a period with no unit is in days, as R27 read it
])
def test_a_counted_course_reads_its_administrations_as_r27_does(kb, today, code, repeat, days):
    """Before one reading, course_days counted a day per administration whatever the times of day (60 doses at
    08:00 and 20:00 lasted 60 days) and gave a period with no unit no length (1 day)."""
    chart = Chart(today)
    resource = chart.medication_request(code, 20, "mg", start=-100, status="completed")
    timing = resource["dosageInstruction"][0]["timing"]
    timing["repeat"] = {key: value for key, value in {**timing["repeat"], **repeat}.items() if value is not None}
    chart.resources["medications"].append(resource)
    first, last = courses.course_days(_order(kb, chart), today)
    assert (last - first).days + 1 == days


def test_a_current_daily_ivig_order_with_a_count_gives_its_cycle(kb, today):
    """1 g a day for 2 days, still 'active': ivig_cycle_mg read it as given daily with no end (None), although its
    count ends the cycle; only a daily order with nothing written is open-ended."""
    assert td.ivig_cycle_mg(_ivig_order(kb, today, {"count": 2}, status="active"), 70, today) == pytest.approx(2000)
    assert td.ivig_cycle_mg(_ivig_order(kb, today, {}, status="active"), 70, today) is None


def test_a_stopped_course_with_nothing_written_is_its_one_dated_day(kb, today):
    """No end, count or supply: the start is the only dose day the chart dates; no later stop day is guessed."""
    chart = Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-300, status="stopped", period=1,
                                    period_unit="wk")
    assert courses.course_days(_order(kb, chart), today) == (today - timedelta(days=300),) * 2
