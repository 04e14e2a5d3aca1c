"""When a course was given: its last dose day, and 'given since' windows read from it."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest

from fhir_fixtures.builders import (
    IVIG_CVX,
    METHOTREXATE_2_5,
    PREDNISONE_5,
    PREDNISONE_20,
    RITUXIMAB,
    TMP_SMX_DS,
    UCUM,
    Chart,
)
from fhir_fixtures.r24_pjp_prophylaxis_missing import _chart as r24_chart
from hooks.definitions import courses
from hooks.definitions import treatment_duration as td
from hooks.record import Timing
from hooks.rules import r27_ivig_order_safety as r27
from tests.conftest import fired, run
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


@pytest.mark.parametrize("status", ["stopped", "completed", "cancelled"])
def test_an_order_to_start_after_today_that_is_no_longer_current_never_began(kb, today, status):
    """It was read as given today (its days ran from its start to today): a TMP/SMX order stopped before its start
    counted as PJP prophylaxis in place, and R24 stayed quiet (review of R14's future-dated orders)."""
    never_began = Chart(today).medication(TMP_SMX_DS, 1, "{tbl}", start=5, status=status)
    assert courses.course_days(_order(kb, never_began), today) is None
    assert courses.last_dose_day(_order(kb, never_began), today) is None
    with_an_end = Chart(today).medication(TMP_SMX_DS, 1, "{tbl}", start=5, end=30, status=status)
    assert courses.last_dose_day(_order(kb, with_an_end), today) is None  # was today, from its end date
    ordered = Chart(today).medication(TMP_SMX_DS, 1, "{tbl}", start=5, status="active")
    assert courses.last_dose_day(_order(kb, ordered), today) == today  # ordered and current: in place, as before
    chart = r24_chart(today).medication(TMP_SMX_DS, 1, "{tbl}", start=5, status=status)
    assert "pjp-prophylaxis-missing" in fired(run(kb, chart.request("patient-view"), today))


def test_an_order_current_on_the_chart_that_starts_after_today_is_planned_not_given_today(kb, today):
    """Its course reads (its start, today), first after last, and it was read as given today, so a stop before it was
    hidden (test_definitions_taper). It is planned: not given today, yet a "given within N days" question still
    counts it as current."""
    chart = Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=4, period=1, period_unit="wk")
    planned = _order(kb, chart)
    assert courses.planned(planned, today) and not courses.given_today(planned, today)
    assert courses.course_days(planned, today) == (today + timedelta(days=4), today)
    assert courses.last_dose_day(planned, today) == today
    started_today = _order(kb, Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=0))
    assert not courses.planned(started_today, today) and courses.given_today(started_today, today) is True
    called_off = _order(kb, Chart(today).medication(METHOTREXATE_2_5, 15, "mg", start=4, status="stopped"))
    assert not courses.planned(called_off, today)  # called off before it began: it never began


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


# ---------------------------------------------------------------- one reading of a timing's days and administrations
#
# Three readers ask how many days and administrations an order's timing gives: courses.course_days (the last dose
# day of a course that ended without an end date), treatment_duration.ivig_cycle (the mg of one IVIG cycle, the
# IVIG taper's) and R27's dose per cycle. They now share courses.dose_run and courses.order_runs. The tables pin
# each reader's answer; a "was" comment gives the answer before the shared reading where it differed (each such
# change is a row of docs/clinical-validation.md).

GTS_ABBREVIATION = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation"
_FIVE_DAYS = {"value": 5, "unit": "d", "system": UCUM, "code": "d"}
_Q4_WEEKS = {"period": 4, "periodUnit": "wk"}
_Q3_DAYS = {"period": 3, "periodUnit": "d"}
_TWICE = ["08:00:00", "20:00:00"]
_NO_REPEAT = {"frequency": None, "period": None, "periodUnit": None}


def _repeat(**repeat):
    return ({"repeat": repeat},)


def _built(kb, today, code, instructions, status="completed"):
    """An order of ``code`` from D-100, 1000 mg each administration, with one dosage instruction per item of
    ``instructions`` ({"repeat": timing.repeat changes (None removes a key), "mg" (None: no coded dose),
    "sequence", "code", "as_needed"}), each daily (the builder's repeat) unless changed; the later ones start where
    the one before ends."""
    chart = Chart(today)
    resource = chart.medication_request(code, 1000, "mg", start=-100, status=status)
    template = resource["dosageInstruction"][0]
    resource["dosageInstruction"] = []
    for item in instructions:
        dosage = copy.deepcopy(template)
        repeat = {**dosage["timing"]["repeat"], **item.get("repeat", {})}
        if resource["dosageInstruction"]:
            del repeat["boundsPeriod"]
        dosage["timing"]["repeat"] = {key: value for key, value in repeat.items() if value is not None}
        if "code" in item:
            dosage["timing"]["code"] = {"coding": [{"system": GTS_ABBREVIATION, "code": item["code"]}]}
        if "mg" in item and item["mg"] is None:
            del dosage["doseAndRate"]
        elif "mg" in item:
            dosage["doseAndRate"][0]["doseQuantity"]["value"] = item["mg"]
        if item.get("as_needed"):
            dosage["asNeededBoolean"] = True
        if "sequence" in item:
            dosage["sequence"] = item["sequence"]
        resource["dosageInstruction"].append(dosage)
    chart.resources["medications"].append(resource)
    return _order(kb, chart)


def _course_length(order, today):
    first, last = courses.course_days(order, today)
    return (last - first).days + 1


# name -> (instructions, (course_days' days, ivig_cycle_mg in administrations of 1 g, R27's (days of the cycle,
# administrations, interval))); completed orders unless named active
_IVIG = {
    "daily, count 2": (_repeat(count=2), (2, 2, (2, 2, None))),
    # review of 075557a: 4 doses 12 hours apart span 1 1/2 days, so 3 calendar days at the longest (started in the
    # evening); they were read as 2. The mg of the cycle and its doses are unchanged
    "daily, 2 a day, count 4": (_repeat(frequency=2, count=4), (3, 4, (3, 4, None))),
    # ivig_cycle_mg was 4 administrations (2 days at 2 a day): a count is the administrations
    "daily, 2 a day, count 3": (_repeat(frequency=2, count=3), (2, 3, (2, 3, None))),
    # once a day, at two times of day: ivig_cycle_mg was 8 administrations (4 days at 2), R27 2 days. The count is 4
    # administrations (FHIR), over the days the frequency gives (never cut short, as for frequencyMax)
    "daily at two times of day, count 4": (_repeat(count=4, timeOfDay=_TWICE), (4, 4, (4, 4, None))),
    # ivig_cycle_mg was 8 administrations, R27 2 days
    "daily, 1-2 a day, count 4": (_repeat(count=4, frequencyMax=2), (4, 4, (4, 4, None))),
    # course_days and ivig_cycle_mg were 1 day: the contract's duration is the days of the cycle
    "daily, duration 2 d": (_repeat(duration=2, durationUnit="d"), (2, 2, (2, 2, None))),
    "daily, duration 2 d and count 2": (_repeat(duration=2, durationUnit="d", count=2), (2, 2, (2, 2, None))),
    "daily, count 2, infusions of 4 h": (_repeat(count=2, duration=4, durationUnit="h"), (2, 2, (2, 2, None))),
    # second review: a duration under a day is infusion time, as hours are: every reader read 1 day, 1 administration
    "daily, count 2, infusions of 0.5 d": (_repeat(count=2, duration=0.5, durationUnit="d"), (2, 2, (2, 2, None))),
    # second review: 24 h is one day, infusion time; ivig_cycle_mg was None (unread)
    "daily, count 2, infusions of 24 h": (_repeat(count=2, duration=24, durationUnit="h"), (2, 2, (2, 2, None))),
    # second review: 48 h read as days (2) is no longer than the count's 5 days, which are read; ivig_cycle_mg was
    # None (unread)
    "daily, count 5, infusions of 48 h": (_repeat(count=5, duration=48, durationUnit="h"), (5, 5, (5, 5, None))),
    # second review: the duration's 1 day against the count's 5: the longer is read (and said). Every reader read 1
    # day, 1 administration
    "daily, count 5, duration 1 d": (_repeat(count=5, duration=1, durationUnit="d"), (5, 5, (5, 5, None))),
    # second review: against 5-day bounds, as a count. ivig_cycle_mg and R27 read 1 day
    "daily, duration 1 d within 5-day bounds": (_repeat(duration=1, durationUnit="d", boundsDuration=_FIVE_DAYS),
                                                (5, 5, (5, 5, None))),
    # review: hours are not a cycle's days. ivig_cycle_mg was 1 administration, R27 2 days; now said (unread)
    "daily, duration 48 h": (_repeat(duration=48, durationUnit="h"), (1, None, (1, 1, None))),
    # ivig_cycle_mg was 1 administration, R27 2 days: a duration with no unit is said, not read as days
    "daily, duration 2 with no unit": (_repeat(duration=2), (1, None, (1, 1, None))),
    "daily, boundsDuration 5 d": (_repeat(boundsDuration=_FIVE_DAYS), (5, 5, (5, 5, None))),
    # ivig_cycle_mg was 5 administrations (the bounds' days): the count is the administrations within them; the
    # course still ends on its end date
    "daily, count 2 within 5-day bounds": (_repeat(count=2, boundsDuration=_FIVE_DAYS), (5, 2, (2, 2, None))),
    "daily, nothing written": (_repeat(), (1, 1, (1, 1, None))),
    "daily, nothing written, active": (_repeat(), (101, None, (1, 1, None))),
    # ivig_cycle_mg was None (given daily with no end): its count ends the cycle
    "daily, count 2, active": (_repeat(count=2), (101, 2, (2, 2, None))),
    "code QD, count 2": (({"code": "QD", "repeat": {**_NO_REPEAT, "count": 2}},), (2, 2, (2, 2, None))),
    # course_days was 1 day
    "q4wk, duration 2 d": (_repeat(**_Q4_WEEKS, duration=2, durationUnit="d"), (2, 2, (2, 2, 28))),
    "q4wk, count 2": (_repeat(**_Q4_WEEKS, count=2), (2, 2, (2, 2, 28))),
    # course_days and ivig_cycle_mg were 1 day: a duration in weeks is days of a cycle too
    "q4wk, duration 1 wk": (_repeat(**_Q4_WEEKS, duration=1, durationUnit="wk"), (7, 7, (7, 7, 28))),
    # review: R27 read 2 days (ivig_cycle_mg 1 administration); now said (unread)
    "q4wk, duration 48 h": (_repeat(**_Q4_WEEKS, duration=48, durationUnit="h"), (1, None, (1, 1, 28))),
    "q4wk at two times of day, count 2": (_repeat(**_Q4_WEEKS, count=2, timeOfDay=_TWICE), (2, 4, (2, 4, 28))),
    "q4wk, nothing written": (_repeat(**_Q4_WEEKS), (1, 1, (1, 1, 28))),
    # review: a duration below zero was read as one day (ivig_cycle_mg 1 administration); now said (unread)
    "q4wk, duration -2 d": (_repeat(**_Q4_WEEKS, duration=-2, durationUnit="d"), (1, None, (1, 1, 28))),
    # review: a period of 0 was read as daily (course_days 1 day, ivig_cycle_mg 2 administrations, R27 1 day of 2
    # doses); it gives no step, as a period with no unit, and is said (unread)
    "period 0 wk, count 2": (_repeat(period=0, periodUnit="wk", count=2), (2, None, (2, 2, None))),
    "q4wk, bounds too short for a second cycle": (
        _repeat(**_Q4_WEEKS, duration=2, durationUnit="d", boundsDuration=_FIVE_DAYS), (5, 2, (2, 2, None))),
    # course_days was 1 day and ivig_cycle_mg None: the contract's count is the days of one cycle
    "count 2, no frequency or period": (_repeat(**_NO_REPEAT, count=2), (2, 2, (2, 2, None))),
    # review: dosing's rule, no unit no step. R27 read a 14-day interval (now said, unread); course_days was 1 day
    "period 14 with no unit, count 2": (_repeat(period=14, periodUnit=None, count=2), (2, None, (2, 2, None))),
    # every 3 days is within one cycle for the course and the taper (a cycle is doses < 7 days apart), a repeat
    # for R27's interval check: course_days was 5 days and ivig_cycle_mg 1.67 administrations (13 days' average)
    "q3d, count 5": (_repeat(**_Q3_DAYS, count=5), (13, 5, (5, 5, 3))),
    # ivig_cycle_mg was 1.67 administrations: days 1 and 4 of the 5 are 2
    "q3d, boundsDuration 5 d": (_repeat(**_Q3_DAYS, boundsDuration=_FIVE_DAYS), (5, 2, (1, 1, 3))),
    # review: 1 g on day 1, then 250 mg a day on days 2-5 is 2 g. ivig_cycle_mg was 5 g (the highest day, 5 days)
    "one cycle in two sequences, bounded": (
        ({"sequence": 1, "repeat": {"boundsDuration": {**_FIVE_DAYS, "value": 1}}},
         {"mg": 250, "sequence": 2, "repeat": {"boundsDuration": {**_FIVE_DAYS, "value": 4}}}), (5, 2, (5, 5, None))),
    # course_days was 1 day and ivig_cycle_mg 1 g (the first instruction only)
    "one cycle in two sequences, counted": (
        ({"sequence": 1, "repeat": {"count": 1}}, {"mg": 250, "sequence": 2, "repeat": {"count": 4}}),
        (5, 2, (5, 5, None))),
    # course_days was 1 day
    "phases, q4wk then q6wk": (
        ({"sequence": 1, "repeat": {**_Q4_WEEKS, "duration": 2, "durationUnit": "d"}},
         {"mg": 500, "sequence": 2, "repeat": {"period": 6, "periodUnit": "wk", "duration": 2, "durationUnit": "d"}}),
        (2, 2, (2, 2, 28))),
    "1 g and 500 mg given together": (({"repeat": {"count": 2}}, {"mg": 500, "repeat": {"count": 2}}),
                                      (2, 3, (2, 4, None))),
    # review of 6f85af8: 36 hours apart is within one cycle; its 2 doses span 3 days at the longest (course_days was
    # 2). The mg of the cycle and R27's cycle (any repeat that is not daily is a new cycle) count doses: unchanged
    "every 36 h, count 2": (_repeat(period=36, periodUnit="h", count=2), (3, 2, (2, 2, 1.5))),
}


@pytest.mark.parametrize("name", list(_IVIG))
def test_each_reader_of_an_ivig_timing(kb, today, name):
    """An IVIG order of 1 g an administration: the days course_days gives it (completed, no end date), the mg of
    one cycle (in administrations of 1 g; None: not read) and R27's reading of the cycle."""
    instructions, (days, administrations, r27_cycle) = _IVIG[name]
    order = _built(kb, today, IVIG_CVX, instructions, "active" if name.endswith("active") else "completed")
    mg = td.ivig_cycle(order, 70, today).mg
    cycle = r27.read_order_cycle(order)
    assert cycle is not None
    assert _course_length(order, today) == days
    assert (None if mg is None else mg / 1000) == (None if administrations is None else pytest.approx(administrations))
    assert (cycle.days, cycle.doses, cycle.interval_days) == r27_cycle


# name -> (medication, instructions, days course_days gives a completed course from D-100, a Thursday)
_COURSES = {
    "rituximab every 14 days, count 2": (RITUXIMAB, _repeat(period=14, count=2), 15),
    # once a day at two times of day: 60 doses are read at the frequency (never cut short), as before
    "prednisone at two times of day, count 60": (PREDNISONE_20, _repeat(count=60, timeOfDay=_TWICE), 60),
    "prednisone 2 a day, count 60": (PREDNISONE_20, _repeat(frequency=2, count=60), 31),  # was 30 (review of 075557a)
    "prednisone 1-2 a day, count 60": (PREDNISONE_20, _repeat(frequencyMax=2, count=60), 60),
    "prednisone BID, count 4": (PREDNISONE_20, ({"code": "BID", "repeat": {**_NO_REPEAT, "count": 4}},), 3),  # was 2
    "methotrexate weekly, count 4": (METHOTREXATE_2_5, _repeat(period=1, periodUnit="wk", count=4), 22),
    "methotrexate weekly at two times of day, count 4": (
        METHOTREXATE_2_5, _repeat(period=1, periodUnit="wk", count=4, timeOfDay=_TWICE), 22),
    # review: a count on named weekdays is spread over them. Was 26 (read 7/3 days apart): Fri, Mon, Wed... x4
    "TMP-SMX 3 a week on Mon/Wed/Fri, count 12": (
        TMP_SMX_DS, _repeat(frequency=3, period=1, periodUnit="wk", dayOfWeek=["mon", "wed", "fri"], count=12), 28),
    # review: was 12, read as consecutive days
    "TMP-SMX daily on Mon/Wed/Fri, count 12": (TMP_SMX_DS, _repeat(dayOfWeek=["mon", "wed", "fri"], count=12), 28),
    # review: was 8, read as consecutive days (R24's 4 weeks of prophylaxis ended two weeks early)
    "TMP-SMX daily on Mon/Thu, count 8": (TMP_SMX_DS, _repeat(dayOfWeek=["mon", "thu"], count=8), 26),
    # was 25 (3.5 days apart)
    "TMP-SMX twice a week on Mon/Thu, count 8": (
        TMP_SMX_DS, _repeat(frequency=2, period=1, periodUnit="wk", dayOfWeek=["mon", "thu"], count=8), 26),
    # was 25
    "TMP-SMX on Mon/Thu, count 8": (TMP_SMX_DS, _repeat(**_NO_REPEAT, dayOfWeek=["mon", "thu"], count=8), 26),
    # dosing's rule: a period with no unit gives no step, so the count gives no length (FHIR requires the unit)
    "rituximab, period 14 with no unit, count 2": (RITUXIMAB, _repeat(period=14, periodUnit=None, count=2), 1),
    "rituximab, count 2 and no frequency": (RITUXIMAB, _repeat(**_NO_REPEAT, count=2), 1),
    # review: was 26, 4 Mondays (twice a week read as two doses each Monday): a count on named weekdays is at most
    # one a named day unless its frequency is daily. 8 Mondays from the first on or after the Thursday start
    "TMP-SMX twice a week on Mondays alone, count 8": (
        TMP_SMX_DS, _repeat(frequency=2, period=1, periodUnit="wk", dayOfWeek=["mon"], count=8), 54),
    # review: was 1 (only dosed, scheduled instructions were read): every instruction's count lasts its days
    "prednisone, count 30 on an instruction with no coded dose": (
        PREDNISONE_20, ({"mg": None, "repeat": {"count": 30}}, {}), 30),
    "prednisone, count 30 as needed beside a scheduled instruction": (
        PREDNISONE_20, ({"as_needed": True, "repeat": {"count": 30}}, {}), 30),
    # was 7 (the first instruction only): the steps of a course follow one another
    "prednisone by count, 7 days then 7": (
        PREDNISONE_20, ({"sequence": 1, "repeat": {"count": 7}}, {"mg": 500, "sequence": 2, "repeat": {"count": 7}}),
        14),
    # review of 6f85af8: doses not whole days apart span their longest (rounded up, never cut short)
    "TMP-SMX 3 a week, count 12": (TMP_SMX_DS, _repeat(frequency=3, period=1, periodUnit="wk", count=12), 27),  # was 26
    "TMP-SMX 2 a week, count 8": (TMP_SMX_DS, _repeat(frequency=2, period=1, periodUnit="wk", count=8), 26),  # was 25
    "rituximab every 36 hours, count 2": (RITUXIMAB, _repeat(period=36, periodUnit="h", count=2), 3),  # was 2
    "TMP-SMX 3 a week, count 4 (7 days apart exactly)": (
        TMP_SMX_DS, _repeat(frequency=3, period=1, periodUnit="wk", count=4), 8),
}


@pytest.mark.parametrize("name", list(_COURSES))
def test_the_last_dose_day_of_a_counted_course(kb, today, name):
    code, instructions, days = _COURSES[name]
    assert _course_length(_built(kb, today, code, instructions), today) == days


@pytest.mark.parametrize(("name", "late", "early"), [
    ("TMP-SMX 3 a week, count 12", 27, 26),  # the 12th dose 25 2/3 days after the first
    ("TMP-SMX 2 a week, count 8", 26, 25),
    ("rituximab every 36 hours, count 2", 3, 2),
    ("TMP-SMX 3 a week, count 4 (7 days apart exactly)", 8, 8),
    ("prednisone BID, count 4", 3, 2),
    ("prednisone 2 a day, count 60", 31, 30),
    ("rituximab every 14 days, count 2", 15, 15),  # whole days apart: one reading
])
def test_a_protection_question_reads_a_count_at_its_fewest_days(kb, today, name, late, early):
    """Review of 075557a: a count whose doses are not whole days apart was read at its longest for every question,
    so TMP/SMX 3 a week x 12 from D-54 counted as R24's prophylaxis within 4 weeks on the day it may have run out.
    course_days(err_early=True) reads it at its fewest days (through order_runs and dose_run); exposure still at its
    most."""
    code, instructions, _ = _COURSES[name]
    order = _built(kb, today, code, instructions)
    first, last = courses.course_days(order, today, err_early=True)
    assert ((last - first).days + 1, _course_length(order, today)) == (early, late)


@pytest.mark.parametrize(("start", "days", "early"), [(None, 28, 25), (0, 25, 25), (3, 26, 26), (4, 28, 28)])
def test_a_count_on_named_weekdays_from_its_start(start, days, early):
    """8 administrations on Mondays and Thursdays (weekday 0 and 3) are 4 weeks of them, from the first named day on
    or after the start; with no start, as long as any start makes them, or for a protection question (err_early) as
    short."""
    monday = date(2026, 11, 16)
    timing = Timing(frequency=1, period=1, period_unit="d", days_of_week=("mon", "thu"), count=8)
    first = None if start is None else monday + timedelta(days=start)
    run = courses.dose_run(timing, start=first)
    assert (run.days, run.doses, run.written) == (days, 8, True)
    assert courses.dose_run(timing, start=first, err_early=True).days == early


@pytest.mark.parametrize(("code", "repeat"), [
    (IVIG_CVX, {"count": 876000, "dayOfWeek": ["mon"]}),
    (TMP_SMX_DS, {"count": 876000, "dayOfWeek": ["mon"]}),
    (TMP_SMX_DS, {"frequency": 2, "period": 1, "periodUnit": "wk", "dayOfWeek": ["mon", "thu"], "count": 876000}),
    (IVIG_CVX, {"period": 4, "periodUnit": "wk", "duration": 1e9, "durationUnit": "mo"}),
    (IVIG_CVX, {"period": 4, "periodUnit": "wk", "duration": 1e12, "durationUnit": "d"}),
], ids=["IVIG 876000 on Mondays", "876000 on Mondays", "876000 twice a week", "IVIG cycles of 1e9 months",
        "IVIG cycles of 1e12 days"])
def test_a_course_of_odd_length_never_overflows_a_date(kb, today, code, repeat):
    """Review: a count spread over named weekdays, or an IVIG cycle's duration, of many centuries overflowed the
    date (OverflowError: R15, R17, R19, R21, R22 and R28 ended in 'error'). A course is at most the record's
    century, its administrations capped with its days (they were not: 876,000 doses in 36,500 days); a completed
    one from D-100 lasts to today."""
    order = _built(kb, today, code, _repeat(**repeat))
    assert courses.course_days(order, today) == (today - timedelta(days=100), today)
    run = courses.dose_run(order.dosages[0].timing, cycle_gap=courses.IVIG_CYCLE_MIN_GAP_DAYS)
    assert run.days <= 36500 and run.doses <= 36500 * run.a_day


def test_a_course_starting_near_the_last_date_there_is_never_overflows(kb, today):
    """A future order started in December 9999 (a year the record reads) with 60 daily doses: no longer current,
    it never began (no days, and no date computed past the last there is); a course's days counted from there end
    on the last date there is."""
    start = date(9999, 12, 1)
    chart = Chart(today).medication(PREDNISONE_20, 20, "mg", start=(start - today).days, status="completed",
                                    count=60)
    assert courses.course_days(_order(kb, chart), today) is None
    assert courses._days_on(start, 60) == date.max


def _daily(**changes):
    return Timing(**{"frequency": 1, "period": 1, "period_unit": "d", **changes})


@pytest.mark.parametrize(("repeat", "unread"), [
    (_daily(period=14, period_unit=None, count=2), "a period of 14 with no unit"),
    (_daily(duration=48, duration_unit="h"),
     "a duration of 48 h (how long an infusion runs, not the days of a cycle)"),
    (_daily(duration=2), "a duration of 2 with no unit"),
    (_daily(period=4, period_unit="wk", count=0), "a count of 0"),
    # review: a period of 0 was read as daily, a duration below zero as one day
    (_daily(period=0, period_unit="wk", count=2), "a period of 0 wk"),
    (_daily(period=4, period_unit="wk", duration=-2, duration_unit="d"), "a duration of -2 d (below zero)"),
    (_daily(duration=4, duration_unit="h", count=2), None),  # how long one infusion runs
    # second review: 24 h (or 1440 min) is one day, infusion time, as 0.5 d is; 24 h was said
    (_daily(duration=24, duration_unit="h"), None),
    (_daily(duration=1440, duration_unit="min"), None),
    (_daily(duration=0.5, duration_unit="d"), None),
    (_daily(period=4, period_unit="wk", duration=1, duration_unit="mo"), None),
])
def test_what_a_cycle_cannot_be_read_from_is_said(repeat, unread):
    """Review: a cycle's days are read from a duration in days, weeks or months only, and a period needs its unit
    (hooks.dosing reads none without one); what is not read is said, for R27 to show and the taper to leave out."""
    assert courses.dose_run(repeat, cycle_gap=courses.IVIG_CYCLE_MIN_GAP_DAYS).unread == unread


_48_HOURS = "a duration of 48 h (how long an infusion runs, not the days of a cycle)"


@pytest.mark.parametrize(("repeat", "bounds", "read", "said"), [
    (_daily(count=5, duration=1, duration_unit="d"), None, (5, 5),
     {"conflict": "a duration of 1 d (1 day) and a count of 5 (5 days)"}),
    (_daily(count=2, duration=5, duration_unit="d"), None, (5, 5),
     {"conflict": "a duration of 5 d (5 days) and a count of 2 (2 days)"}),
    (_daily(duration=1, duration_unit="d"), 3, (3, 3),
     {"conflict": "a duration of 1 d (1 day) and its bounds (3 days)"}),
    (_daily(period=4, period_unit="wk", count=2, duration=1, duration_unit="wk"), None, (7, 7),
     {"conflict": "a duration of 1 wk (7 days) and a count of 2 (2 days)"}),
    (_daily(count=2, duration=2, duration_unit="d"), None, (2, 2), {}),
    (_daily(count=2, duration=0.5, duration_unit="d"), None, (2, 2), {}),
    (_daily(count=5, duration=48, duration_unit="h"), None, (5, 5), {"aside": _48_HOURS}),
    (_daily(count=2, duration=48, duration_unit="h"), None, (2, 2), {"aside": _48_HOURS}),
    (_daily(count=2, duration=2), None, (2, 2), {"aside": "a duration of 2 with no unit"}),
    (_daily(count=1, duration=48, duration_unit="h"), None, (1, 1), {"unread": _48_HOURS, "unread_days": 2}),
    (_daily(duration=48, duration_unit="h"), None, (1, 1), {"unread": _48_HOURS, "unread_days": 2}),
], ids=["1 d against a count of 5", "5 d against a count of 2", "1 d against 3-day bounds", "1 wk against a count of 2",
        "2 d and a count of 2", "0.5 d beside a count of 2", "48 h beside a count of 5", "48 h beside a count of 2",
        "2 with no unit beside a count of 2", "48 h beside a count of 1", "48 h alone"])
def test_a_cycle_written_twice_is_read_as_the_longer_and_said(repeat, bounds, read, said):
    """Second review: a cycle's duration of a day or more was read over its count or bounds, however much shorter
    (0.8 g/kg daily x5 over 1 d was 0.8 g/kg a cycle). Both lengths written: the longer is read and the two said
    (``conflict``); a duration that cannot be read beside a count or bounds giving as many days or more is left aside
    (``aside``: not checked), else said (``unread``, with its days read as days anyway)."""
    run = courses.dose_run(repeat, cycle_gap=courses.IVIG_CYCLE_MIN_GAP_DAYS, bounded_days=bounds)
    assert (run.days, run.doses) == read
    assert {key: getattr(run, key) for key in ("unread", "unread_days", "aside", "conflict")
            if getattr(run, key) is not None} == said


# ------------------------------------------------------- an order that ended before its end date (a076247, redone)

def _ended_early(today, *later, status="completed"):
    """Prednisone 40 mg from D-200 with its end date at D+30, ``status``; then ``later`` (code, mg, start) orders."""
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=-200, end=30, status=status)
    for code, mg, start in later:
        chart.medication(code, mg, "mg", start=start)
    return chart


@pytest.mark.parametrize("status", ["completed", "stopped"])
def test_an_order_that_ended_before_its_end_date_runs_until_a_later_order_of_it_took_over(kb, today, status):
    """A dose change charted as the old order completed (or stopped) early and a new one: the end date ran the old
    order to today beside the new one. The later order of the same drug took over, so the old one ran until the day
    before it started. A lone one runs to today at the latest, as its end date gives it (no exposure is read
    shorter), but it is never 'given today'."""
    record, _ = record_and_context(kb, _ended_early(today, (PREDNISONE_5, 20, -20), status=status))
    old, new = record.medications
    assert courses.ended_before_its_end(old, today) and not courses.ended_before_its_end(new, today)
    took_over = courses.taken_over(record, old, "glucocorticoid_systemic", old.start)
    assert took_over == today - timedelta(days=20)
    assert courses.course_days(old, today, took_over) == (today - timedelta(days=200), today - timedelta(days=21))
    assert courses.course_days(old, today) == (today - timedelta(days=200), today)  # lone: until today at the latest
    assert courses.last_dose_day(old, today) == today  # "given within N days" errs late
    assert not courses.given_today(old, today) and courses.given_today(new, today)


@pytest.mark.parametrize(("later", "took_over"), [
    ((PREDNISONE_5, 20, -200), None),  # started the same day: runs alongside
    (("methylprednisolone 4 MG Oral Tablet", 16, -20), None),  # another drug of the group
    (("prednisolone 5 MG Oral Tablet", 20, -20), -20),  # prednisolone is read as prednisone
], ids=["same day", "another drug", "prednisolone"])
def test_only_a_later_order_of_the_same_drug_takes_over(kb, today, later, took_over):
    record, _ = record_and_context(kb, _ended_early(today, later))
    old = record.medications[0]
    assert courses.taken_over(record, old, "glucocorticoid_systemic", old.start) == (
        None if took_over is None else today + timedelta(days=took_over))


@pytest.mark.parametrize(("later", "bounds"), [
    ({"start": -150, "end": -140, "status": "completed"}, True),  # a renewal that ran its course
    ({"start": -150, "status": "stopped"}, True),  # a renewal stopped with no end too
    ({"start": -150, "status": "unknown"}, True),
    ({"start": -150, "count": 10, "status": "completed"}, True),
    ({"start": -150}, True),  # current
    ({"start": -150, "timing_code": "ONCE", "status": "completed"}, False),  # a single dose is no renewal
    ({"start": -150, "status": "cancelled"}, False),  # never given
    ({"start": 10, "status": "stopped"}, False),  # never began
    ({"start": None, "end": -140, "status": "completed"}, False),  # not dated
], ids=["completed", "stopped", "status unknown", "counted", "current", "single dose", "cancelled", "never began",
        "undated"])
def test_any_later_renewal_bounds_an_order_whose_end_is_not_given(kb, today, later, bounds):
    """Prednisone 40 mg from D-200, 'stopped' with no end date: only a current or early-ended later order of it took
    over, so a renewal that ran its course, or one stopped too, left it read up to today (R28 asked to confirm its
    timing though it was renewed). Any later dated course of the drug that was given bounds it."""
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=-200, status="stopped")
    record, _ = record_and_context(kb, chart.medication(PREDNISONE_20, 20, "mg", **later))
    old = record.medications[0]
    assert courses.taken_over(record, old, "glucocorticoid_systemic", old.start) == (
        today - timedelta(days=150) if bounds else None)


def test_an_order_that_ended_before_its_end_date_is_still_taken_over_only_by_a_maintenance_order(kb, today):
    """Its end date says it ran on past a course given meanwhile (a burst that ran its course, one stopped with no
    end): only a maintenance order takes over from it (test_timing_readers: the burst cards)."""
    for later in ({"end": -140, "status": "completed"}, {"status": "stopped"}):
        record, _ = record_and_context(kb, _ended_early(today).medication(PREDNISONE_20, 20, "mg", start=-150,
                                                                           **later))
        old = record.medications[0]
        assert courses.taken_over(record, old, "glucocorticoid_systemic", old.start) is None


def test_a_later_order_given_once_or_as_needed_takes_over_nothing(kb, today):
    chart = _ended_early(today).medication(PREDNISONE_20, 40, "mg", start=-20, timing_code="ONCE")
    record, _ = record_and_context(kb, chart)
    assert courses.taken_over(record, record.medications[0], "glucocorticoid_systemic", today - timedelta(days=200)) \
        is None


@pytest.mark.parametrize(("status", "end"), [("active", 30), ("unknown", 30), ("completed", 0), ("completed", -1)])
def test_an_end_date_that_came_or_a_current_status_is_not_ended_before_it(kb, today, status, end):
    """Only a stopped or completed order with its end date after today ended before it: a current one runs to its end
    date (and is not taken over: two current orders are given together), and an end date of today or before is the
    day it ended."""
    chart = Chart(today).medication(PREDNISONE_20, 40, "mg", start=-200, end=end, status=status)
    chart.medication(PREDNISONE_20, 20, "mg", start=-20)
    record, _ = record_and_context(kb, chart)
    old = record.medications[0]
    assert not courses.ended_before_its_end(old, today)
    took_over = courses.taken_over(record, old, "glucocorticoid_systemic", old.start)
    last = today + timedelta(days=min(end, 0))
    assert courses.course_days(old, today, took_over) == (today - timedelta(days=200), last)


# ------------------------------------------- a protection question errs early on an order that ended before its end

def _tmp_smx(today, status="stopped", end=30, start=-100, supply=None, count=None):
    """TMP/SMX daily from ``start`` to its end date ``end``, ``status``; with a supply of ``supply`` days."""
    chart = Chart(today).medication(TMP_SMX_DS, 1, "{tbl}", start=start, end=end, status=status, count=count)
    if supply is not None:
        chart.resources["medications"][-1]["dispenseRequest"] = {
            "expectedSupplyDuration": {"value": supply, "unit": "days", "system": UCUM, "code": "d"}}
    return chart


@pytest.mark.parametrize(("order", "early"), [
    ({}, -100),  # no supply or written doses: its first day
    ({"supply": 30}, -71),  # its supply
    ({"count": 60}, -41),  # its written doses
    ({"start": None}, None),  # no start: given on no day it is known to have been
    ({"status": "completed"}, -100),
    ({"status": "active"}, 0),  # current: runs to its end date
    ({"end": -10}, -10),  # its end date came: the day it ended
], ids=["first day", "supply", "count", "no start", "completed", "active", "end date came"])
def test_a_protection_question_reads_an_order_that_ended_before_its_end_date_early(kb, today, order, early):
    """TMP/SMX stopped before its end date at D+30 was read as given up to today, so R24's 4-week window counted
    prophylaxis that may have stopped months ago. Read early (``err_early``) it was given up to the last day its
    supply or written doses give, else on its first day, as an order without an end date; read late (exposure) it
    still counts until today."""
    record, _ = record_and_context(kb, _tmp_smx(today, **order))
    tmp_smx = record.medications[0]
    late = courses.last_dose_day(tmp_smx, today)
    assert courses.last_dose_day(tmp_smx, today, err_early=True) == (
        None if early is None else today + timedelta(days=early))
    assert late == (today + timedelta(days=-10) if order.get("end") else today)
    since = today - timedelta(days=28)
    counted = early is not None and early >= -28
    protecting, left_out = courses.protection_since(record, "tmp_smx", since=since)
    assert bool(protecting) is counted
    assert bool(courses.given_since(record, "tmp_smx", since=since))  # exposure still errs late
    assert [o.label for o in left_out] == (
        [] if counted else [TMP_SMX_DS[2]])


def test_an_order_ended_early_is_named_with_its_status_and_end_date(kb, today):
    record, _ = record_and_context(kb, _tmp_smx(today))
    assert courses.ended_early_text(record.medications[0]) == (
        f"{TMP_SMX_DS[2]} (stopped before its end date {today + timedelta(days=30)}, on a day the chart does not "
        "give)")
