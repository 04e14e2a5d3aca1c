"""When a course was given: its last dose day, and 'given since' windows read from it."""

from __future__ import annotations

from datetime import timedelta

from fhir_fixtures.builders import METHOTREXATE_2_5, Chart
from hooks.definitions import courses
from tests.definitions_support import record_and_context


def _order(kb, chart):
    return record_and_context(kb, chart)[0].medications[0]


def test_last_dose_day_of_current_counted_supplied_and_undated_courses(kb, today):
    current = _order(kb, Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-300, period=1,
                                                         period_unit="wk"))
    assert courses.last_dose_day(current, today) == today
    counted = Chart(today).medication("rituximab Injectable Product", 1000, "mg", start=-200, status="completed",
                                      period=14)
    counted.resources["medications"][-1]["dosageInstruction"][0]["timing"]["repeat"]["count"] = 2
    assert courses.last_dose_day(_order(kb, counted), today) == today - timedelta(days=186)
    ended = Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-300, end=-40, status="stopped")
    assert courses.last_dose_day(_order(kb, ended), today) == today - timedelta(days=40)
    once = Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=-300, status="completed")
    assert courses.last_dose_day(_order(kb, once), today) == today - timedelta(days=300)


def test_given_since_reads_the_last_dose(kb, today):
    chart = Chart(today).medication("rituximab Injectable Product", 1000, "mg", start=-200, status="completed",
                                    period=14)
    chart.resources["medications"][-1]["dosageInstruction"][0]["timing"]["repeat"]["count"] = 2
    record, _ = record_and_context(kb, chart)
    assert courses.given_since(record, "rituximab", since=today - timedelta(days=190))
    assert not courses.given_since(record, "rituximab", since=today - timedelta(days=185))
