"""When a medication course was given: its first and last day of dosing, and the doses one counted course (or one
cycle of a cyclic IVIG order) spans.

Every "given within N days" question (section 4.2: rituximab within 12 months, a steroid-sparing agent since T_tx,
PJP prophylaxis within 4 weeks) reads the last day a dose was given, so a counted or supplied course that ended
without an end date (rituximab 1 g x2, prednisone for 30 days) counts until its last dose, not only its first.

How many days and administrations a timing's count, duration and bounds give is one reading, :func:`dose_run`: the
last day of a counted course here, the dose of an IVIG cycle (``treatment_duration.ivig_cycle_mg``) and R27's dose
per cycle all read it, so they agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date, timedelta

from hooks.dosing import interval_days, periods_per_day
from hooks.record import MedicationOrder, PatientRecord, Timing
from hooks.units import to_days


@dataclass(slots=True)  # not frozen: built for every counted order on every call, and a frozen one costs 4x
class DoseRun:
    """The doses one counted course gives (rituximab 1 g x2 fourteen days apart: 2 over 15 days), or one cycle of a
    cyclic IVIG order (2 g/kg over 2 days every 4 weeks: 2 over 2 days), as its timing writes them."""

    days: int  # from the first dose day to the last, both counted
    doses: float  # administrations (several a day count each)
    a_day: float  # administrations on each day that has any, at most (as a dose check must assume)
    daily: bool  # repeats every day or more often
    interval_days: float | None  # a cyclic order's days from one cycle's start to the next
    written: bool  # its length is written (a count, a cycle's duration, bounds); else it is one day
    open_ended: bool  # a cyclic order given daily with no count, duration or bounds: its cycle has no end


def dose_run(timing: Timing, *, cyclic: bool, bounded_days: int | None = None) -> DoseRun:
    """The days and administrations a timing's ``count`` (or, for a ``cyclic`` order, its cycle) spans.

    FHIR's ``count`` counts administrations, given at the timing's step; several a day (every 12 hours, two times
    of day) share a day, and a count's days are read at its frequency, not a frequency range's maximum, so a
    course is never cut short. A cyclic order (IVIG: service contract, section 4) repeats whole cycles at any
    step longer than a day, and its ``duration`` in days (a duration in hours is how long one infusion runs), else
    its ``count``, is the days of ONE cycle, given daily; a daily cyclic order with neither is one cycle of its
    ``bounded_days`` (boundsDuration/Period, or its start to its end), and bounds too short for a second cycle
    leave a single one. A period without a unit is read in days, as :func:`hooks.units.to_days` reads any time."""
    period = to_days(timing.period, timing.period_unit)
    # a timing code (QD, Q2D...) or named weekdays also give the step
    step = period / (timing.frequency or 1) if period else interval_days(timing)
    daily = step is not None and step <= 1
    # a daily timing on named weekdays gives its administrations on each of those days
    each_day = replace(timing, days_of_week=()) if daily and timing.days_of_week else timing
    a_day = (max(periods_per_day(each_day) or 1, 1) if daily
             else max(len(timing.times_of_day), len(timing.when), 1))
    span = to_days(timing.duration, timing.duration_unit) if cyclic and timing.duration else None
    count = timing.count
    days, doses, written = 1, a_day, True
    if span is not None and span >= 1:
        days = round(span)
        doses = days * a_day
    elif count and daily:  # read at the frequency: only a frequency range (frequencyMax) reads any other way
        at_frequency = max(periods_per_day(each_day, at_most=False) or 1, 1) if timing.frequency_max else a_day
        days, doses = max(math.ceil(count / at_frequency), 1), count
    elif count and cyclic:  # the contract's count: days of the cycle
        days = max(count, 1)
        doses = days * a_day
    elif count and step is not None:  # administrations, a_day on each dosing day, ``step`` days apart
        days, doses = int((math.ceil(count / a_day) - 1) * step) + 1, count
    elif cyclic and daily and bounded_days:
        days = bounded_days
        doses = days * a_day
    else:
        written = False
    interval = (step if cyclic and not daily and step is not None
                and not (bounded_days is not None and bounded_days <= step) else None)
    return DoseRun(days, doses, a_day, daily, interval, written, cyclic and daily and not written)


def bounded_days(order: MedicationOrder) -> int | None:
    """Days the order runs: its bounds, else start to end (an end date alone still bounds it)."""
    if order.bounds_days:
        return round(order.bounds_days)
    if order.start is not None and order.end is not None and order.end >= order.start:
        return (order.end - order.start).days + 1
    return None


def course_days(order: MedicationOrder, today: date) -> tuple[date, date] | None:
    """First and last day of a course: an end date ends it (whatever the status says); a current course without
    one runs to today; else its supply or its written doses (:func:`dose_run`), whichever lasts longer; else it is
    one day."""
    if order.start is None:
        return None
    if order.end is not None:
        last = order.end
    elif order.current_on(today):
        last = today
    else:
        ends = []
        if order.supply_days:
            ends.append(order.start + timedelta(days=max(int(order.supply_days) - 1, 0)))
        timing = order.dosage.timing if order.dosage else None
        # only a count, or an IVIG cycle's duration, writes a length here (bounds set the end date)
        if timing is not None and (timing.count or timing.duration):
            run = dose_run(timing, cyclic=order.in_group("ivig"))
            if run.written:
                ends.append(order.start + timedelta(days=run.days - 1))
        # else the one day the chart dates, never a guessed stop day: a completed order with nothing written is one
        # administration, and where a dose found holds a card back, the card shows (R28 excepted: see the docs row)
        last = max(ends, default=order.start)
    return order.start, min(last, today)


def last_dose_day(order: MedicationOrder, today: date) -> date | None:
    """The last day a dose was (or is being) given: the course's last day; without a start date, its end date,
    else today for a current order."""
    span = course_days(order, today)
    if span is not None:
        return span[1]
    if order.end is not None:
        return min(order.end, today)
    return today if order.current_on(today) else None


def doses_since(record: PatientRecord, *groups: str, since: date) -> list[tuple[MedicationOrder, date]]:
    """(order, last day given) of the orders of ``groups`` current now or last given on or after ``since``."""
    return [(m, last) for m in record.medications_in(*groups)
            if (last := last_dose_day(m, record.today)) is not None and last >= since]


def given_since(record: PatientRecord, *groups: str, since: date) -> list[MedicationOrder]:
    """Orders of ``groups`` current now or last given on or after ``since``."""
    return [m for m, _ in doses_since(record, *groups, since=since)]
