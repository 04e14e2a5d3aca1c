"""When a course was given: its last dose day, and 'given since' windows read from it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fhir_fixtures.builders import METHOTREXATE_2_5, PREDNISONE_20, UCUM, Chart
from hooks.definitions import courses
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
