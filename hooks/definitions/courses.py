"""When a medication course was given: its first and last day of dosing, and the days and administrations its
dosage timing gives.

Every "given within N days" question (section 4.2: rituximab within 12 months, a steroid-sparing agent since T_tx,
PJP prophylaxis within 4 weeks) reads the last day a dose was given, so a counted or supplied course that ended
without an end date (rituximab 1 g x2, prednisone for 30 days) counts until its last dose, not only its first.

An order that says it ended (stopped, completed) though its end date lies after today ended before it, on a day the
chart does not give (:func:`ended_before_its_end`). Its course runs at the latest to today, as its end date gives it
(no exposure is read shorter), unless a later maintenance order of the same drug and route took over
(:func:`taken_over`; a burst, a single dose, a pulse or a shot given meanwhile does not): then it ran until the day
before that one started (a dose change charted as the old order completed early and a new one is not read as both
doses). It is never read as given today (:func:`given_today`).

Read up to today, an exposure question (immunosuppressed? on a checkpoint inhibitor?) errs late, the safe side. A
protection question (PJP prophylaxis, an osteoporosis drug) errs early instead (``err_early``): erring late would
count protection that may have stopped weeks ago and hide the card saying it is missing. Such an order was given
up to the last day its supply or written doses give, else on its first day, as one without an end date; the orders
that only the late reading counts are for the card to name (:func:`protection_since`). Written doses not a whole number
of days apart are read at their fewest calendar days there, at their most elsewhere (:func:`dose_run`).

How many days and administrations a timing's count, duration and bounds give is one reading, :func:`dose_run`, and
how an order's instructions make one course or cycle (sequences, phases) is another, :func:`order_runs`: the last
day of a counted course here, the mg of an IVIG cycle (``treatment_duration.ivig_cycle``) and R27's dose per
cycle all read them, so they agree on the days and the administrations.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TypeVar

from hooks.definitions.routes import route_of, systemic
from hooks.dosing import adds_no_dose, interval_days, per_body, per_body_each_time, periods_per_day, unit_key
from hooks.record import (
    MAX_COURSE_DAYS,
    WEEKDAYS,
    Dosage,
    MedicationOrder,
    PatientRecord,
    Quantity,
    Timing,
    per_record,
)
from hooks.units import convert, to_days

IVIG_CYCLE_MIN_GAP_DAYS = 7  # IVIG doses closer than this belong to one cycle (a cycle is given over 2-5 days)
# One drug for "a later order took over": a switch between prednisone and prednisolone is common
_ONE_DRUG = {"prednisolone": "prednisone"}

T = TypeVar("T")


@dataclass(slots=True)
class DoseRun:
    """The days and administrations one dosage instruction gives: a counted course (rituximab 1 g x2 fourteen days
    apart: 2 over 15 days), or one cycle of a cyclic IVIG order (2 g/kg over 2 days every 4 weeks: 2 over 2 days)."""

    days: int  # from the first dose day to the last, both counted
    doses: float  # administrations (several a day count each)
    a_day: float  # administrations on a day that has any, at most (as a dose check must assume)
    daily: bool  # repeats every day or more often
    interval_days: float | None  # a cyclic order's days from one cycle's start to the next
    written: bool  # its length is written (a count, a cycle's duration, bounds); else one day, or open-ended
    open_ended: bool  # repeats within one course or cycle, and nothing written ends it
    # what the timing writes that could not be read as a length, with nothing else written giving as many days
    # (said, never guessed: a dose check must say it could not check the cycle)
    unread: str | None = None
    # the days an unread duration gives if read as days anyway (48 h: 2, a duration of 2 with no unit: 2), for a dose
    # check to show as a second reading (the prescriber must see an overdose it may hide); never a length
    unread_days: int | None = None
    # an unread duration left aside because a count or bounds give as many days or more, which are read (a duration
    # of 48 h beside a count of 5 daily doses): said, as what was not checked
    aside: str | None = None
    # a cycle's duration in days and its count or bounds giving different days: the longer is read (never silently
    # the shorter), and the two are said (a duration of 1 d (1 day) and a count of 5 (5 days))
    conflict: str | None = None


def dose_run(timing: Timing, *, cycle_gap: float | None = None, bounded_days: int | None = None,
             start: date | None = None, err_early: bool = False) -> DoseRun:
    """The days and administrations a timing gives in one course, or with a ``cycle_gap`` in one cycle.

    The step between administrations is :func:`hooks.dosing.interval_days`'s, so a period with no unit has none
    (FHIR requires the unit; it is said, not read as days). FHIR's ``count`` counts administrations; their days are
    read at the fewest a day the timing states (its frequency, not frequencyMax, nor times of day that say more),
    and on named weekdays only on those days, so a course is never cut short; doses not a whole number of days
    apart span their most calendar days, or with ``err_early`` (a protection question) their fewest
    (:func:`_counted_days`).

    With a ``cycle_gap`` (IVIG: service contract, section 4) a repeat that is not daily and at least that many days
    apart (or no step at all) is a new cycle, its ``count`` the days of ONE cycle, each day giving ``a_day``
    administrations; a daily order's count is its administrations, and with neither a count nor a repeat it is one
    cycle of its ``bounded_days`` (boundsDuration/Period, or its start to its end; bounds too short for a second
    cycle leave a single one). A ``duration`` of a day or more in days, weeks or months is the days of one cycle
    too (:func:`_cycle_length`); under a day, or in hours or minutes up to a day, it is how long one infusion runs.
    When the duration and the count or bounds give different days, the longer is read and both are said
    (``conflict``); a duration that cannot be read is said (``unread``), or, when the count or bounds give as many
    days or more, left aside (``aside``). A period of none or less, or with no unit, gives no step (said, like a
    count of 0).

    Every length is at most :data:`MAX_COURSE_DAYS` (its administrations in proportion), so that a date it is added
    to never overflows.
    """
    step = interval_days(timing)
    if step is not None and step <= 0:
        step = None  # a period of 0 (or below) is no repeat: not read as daily
    daily = step is not None and step <= 1
    cyclic = cycle_gap is not None and not daily and (step is None or step >= cycle_gap)
    # a daily timing on named weekdays gives its administrations on each of those days
    each_day = replace(timing, days_of_week=()) if daily and timing.days_of_week else timing
    a_day = (max(periods_per_day(each_day) or 1, 1) if daily
             else max(len(timing.times_of_day), len(timing.when), 1))
    unread = (f"a period of {timing.period:g} {timing.period_unit or 'with no unit'}"
              if timing.period is not None and step is None else "a count of 0" if timing.count == 0 else None)
    days, doses, written = 1, a_day, True
    if timing.count and cyclic:  # the contract's count: the days of one cycle
        days, doses = max(timing.count, 1), max(timing.count, 1) * a_day
    elif timing.count and step is not None:
        days, doses = _counted_days(timing, timing.count, step, start, err_early=err_early), timing.count
    elif bounded_days and step is not None and not cyclic:  # a repeat within its bounds
        days = bounded_days
        doses = a_day * (bounded_days if daily else math.floor((bounded_days - 1) / step) + 1)
    else:
        written = False
    aside = conflict = unread_days = None
    if cycle_gap is not None and timing.duration:
        cycle_days, why, unread_days = _cycle_length(timing.duration, timing.duration_unit)
        duration = f"a duration of {timing.duration:g} {timing.duration_unit or 'with no unit'}"
        if why is not None and written and (unread_days is None or unread_days <= days):
            aside, unread_days = f"{duration}{why}", None  # the count or bounds give the days: read, not guessed
        elif why is not None:
            unread = unread or f"{duration}{why}"
        elif cycle_days is not None and not written:
            days, doses, written = cycle_days, cycle_days * a_day, True
        elif cycle_days is not None and cycle_days != days:
            other = f"a count of {timing.count}" if timing.count else "its bounds"
            conflict = f"{duration} ({days_text(cycle_days)}) and {other} ({days_text(days)})"
            if cycle_days > days:
                days, doses = cycle_days, cycle_days * a_day
    interval = (step if cyclic and step is not None and not (bounded_days is not None and bounded_days <= step)
                else None)
    if days > MAX_COURSE_DAYS:  # its administrations are capped with its days
        days, doses = MAX_COURSE_DAYS, math.ceil(doses * MAX_COURSE_DAYS / days)
    return DoseRun(days, doses, a_day, daily, interval, written, not written and step is not None and not cyclic,
                   unread, unread_days, aside, conflict)


def _cycle_length(duration: float, unit: str | None) -> tuple[int | None, str | None, int | None]:
    """(days of one cycle, why the duration is not read as them, the days it gives read as days anyway) from an
    IVIG timing's ``duration``. A day or more in days, weeks or months is days of a cycle; less than a day, or up to
    a day in hours or minutes, is how long one infusion runs (no days: None, None, None). Longer in hours or
    minutes, with no unit, an unknown unit or below zero, it is not read."""
    if duration < 0:
        return None, " (below zero)", None
    unit_days = to_days(1, unit) if unit else None
    if unit_days is None:  # no unit: read as days for the second reading; an unknown unit gives none
        return None, "", None if unit else _whole_days(duration)
    days = duration * unit_days
    if days < 1 or (unit_days < 1 and days <= 1):  # 12 h, 0.5 d, 24 h: how long one infusion runs
        return None, None, None
    if unit_days < 1:  # more than a day of hours or minutes is no infusion time, nor days of a cycle
        return None, " (how long an infusion runs, not the days of a cycle)", _whole_days(days)
    return _whole_days(days), None, None


def _whole_days(days: float) -> int:
    return min(max(round(days), 1), MAX_COURSE_DAYS)


def days_text(days: int) -> str:
    """'1 day', '5 days'."""
    return f"{days} day{'s' if days != 1 else ''}"


def _counted_days(timing: Timing, count: int, step: float, start: date | None, *, err_early: bool = False) -> int:
    """Calendar days from the first to the last of ``count`` administrations ``step`` days apart, read at the fewest
    a day the timing states; on named weekdays at most one a named day unless its frequency is daily (twice a week
    on Mondays alone is weekly: the count is never read as a shorter course). Doses not a whole number of days apart
    fall on more or fewer calendar days depending on the hour of the first: read at the most (an exposure or a dose
    check adding drafts up errs late: 2 doses 12 h apart span 2 days, 3 at 3 a week 6), or with ``err_early`` at the
    fewest (a protection question: 1 and 5)."""

    def calendar_days(span: float) -> int:  # a span of days between doses, past float noise (7 days, not 7.0000001)
        return max(math.floor(span + 1e-9) if err_early else math.ceil(span - 1e-9), 0) + 1

    plain = replace(timing, times_of_day=(), when=(), frequency_max=None)
    step = interval_days(plain) or step
    if timing.days_of_week and step <= 7:  # spread over the named weekdays
        per_day = 1 / step if step <= 1 else min(7 / step / len(set(timing.days_of_week)), 1)
        return _weekday_span(timing.days_of_week, calendar_days((count - 1) / per_day), start, err_early=err_early)
    return calendar_days((count - 1) * step)


def _weekday_span(days_of_week: tuple[str, ...], dosing_days: int, start: date | None, *,
                  err_early: bool = False) -> int:
    """Days from ``start`` to the last of ``dosing_days`` named weekdays, both counted; with no start, the longest
    it can be (``err_early``: the shortest)."""
    named = {WEEKDAYS.index(day) for day in days_of_week}

    def span(first: int) -> int:
        offsets = sorted((day - first) % 7 for day in named)
        weeks, index = divmod(max(dosing_days, 1) - 1, len(offsets))
        return weeks * 7 + offsets[index] + 1

    if start is not None:
        return span(start.weekday())
    return (min if err_early else max)(span(first) for first in range(7))


def order_bounded_days(order: MedicationOrder) -> int | None:
    """Days the order runs: its bounds, else start to end (an end date alone still bounds it)."""
    if order.bounds_days:
        return round(order.bounds_days)
    if order.start is not None and order.end is not None and order.end >= order.start:
        return (order.end - order.start).days + 1
    return None


@dataclass(slots=True)
class OrderRuns:
    """An order's dosage instructions as one course or cycle. Instructions with the same ``sequence`` (or none)
    are given together; the groups of different sequences follow one another (1 g/kg on day 1, then 1 g/kg on day
    2; a taper's steps) and add up, unless each repeats (``phases``: q4 weeks, then q6 weeks), when the highest
    counts."""

    groups: list[list[tuple[Dosage, DoseRun]]]
    phases: bool
    dose_in_words: bool  # an instruction with no coded dose but a figure in its text ("1.5 g/kg on day 2")

    def combine(self, read: Callable[[Dosage, DoseRun], T | None], together: Callable[[list[T]], T],
                then: Callable[[list[T]], T], highest: Callable[[list[T]], T]) -> T | None:
        """``read`` each instruction, add up those given ``together``, and ``then`` the groups that follow one
        another, or take the ``highest`` phase; None when any instruction reads None."""
        totals: list[T] = []
        for group in self.groups:
            items = [read(dosage, run) for dosage, run in group]
            ready = [item for item in items if item is not None]
            if len(ready) < len(items):
                return None
            totals.append(ready[0] if len(ready) == 1 else together(ready))
        if len(totals) == 1:
            return totals[0]
        return highest(totals) if self.phases else then(totals)

    @property
    def days(self) -> int:
        """Days of the course or cycle: the groups' days added (each group its longest), or the longest phase; at
        most MAX_COURSE_DAYS, as each run's."""
        days = [max(run.days for _, run in group) for group in self.groups]
        return min(max(days) if self.phases else sum(days), MAX_COURSE_DAYS)

    @property
    def runs(self) -> list[DoseRun]:
        return [run for group in self.groups for _, run in group]


def order_runs(order: MedicationOrder, *, cycle_gap: float | None = None, bounded: int | None = None,
               every_instruction: bool = False, err_early: bool = False) -> OrderRuns | None:
    """The order's dosed instructions (as needed ones left out; the first instruction when none is dosed), or
    with ``every_instruction`` all of them (how long a course lasts: a count on an instruction with no coded dose,
    or on an as-needed one, still gives days), with their runs (:func:`dose_run`); None when it has no
    instruction. Each instruction is bounded by its own bounds, else by the order's (``bounded``, else its bounds or
    its start to its end). ``err_early``: a count's days at their fewest (:func:`dose_run`)."""
    if not order.dosages:
        return None
    bounded = bounded or order_bounded_days(order)
    dosed = (list(order.dosages) if every_instruction
             else [d for d in order.dosages if d.dose is not None and not d.as_needed] or [order.dosages[0]])
    groups: dict[int | None, list[tuple[Dosage, DoseRun]]] = {}
    for dosage in dosed:
        own = round(dosage.bounds_days) if dosage.bounds_days and len(dosed) > 1 else bounded
        run = dose_run(dosage.timing, cycle_gap=cycle_gap, bounded_days=own, start=dosage.bounds_start or order.start,
                       err_early=err_early)
        groups.setdefault(dosage.sequence, []).append((dosage, run))
    parts = list(groups.values())
    phases = len(parts) > 1 and all(any(run.interval_days is not None for _, run in group) for group in parts)
    return OrderRuns(parts, phases, any(d.dose is None and not adds_no_dose(d) for d in order.dosages))


def ended_before_its_end(order: MedicationOrder, today: date) -> bool:
    """The order says it ended (stopped, completed) though its end date lies after today: that date is the end it
    was written to have, and the day it ended is one the chart does not give (at the latest today)."""
    return order.status in ("stopped", "completed") and order.end is not None and order.end > today


def repeats(dosages: tuple[Dosage, ...], *, negative_frequency_as_once: bool = False) -> bool:
    """Given again and again (a frequency/period, a repeating code or named weekdays); as-needed doses do not. With
    ``negative_frequency_as_once`` a negative frequency says so too (periods_per_day): where the answer only makes
    an order count for longer (stopped on a day the chart does not give: possibly given until then). Not where a
    repeating order takes over from another (:func:`_takes_over`): one whose dose cannot be read would end a course
    that can."""
    return any(not d.as_needed
               and periods_per_day(d.timing, negative_frequency_as_once=negative_frequency_as_once) is not None
               for d in dosages)


def _takes_over(order: MedicationOrder, today: date) -> bool:
    """The order can take over from an earlier one of the same drug and route that ended before its end date: a
    maintenance course that reaches today. It repeats and is current, or it ended before its own end date (so a
    60 -> 40 -> 20 mg chain of orders each completed early still hands on). A counted course (a single dose, a 3-day
    pulse) or one that ended on its own end date (a 5-day burst months ago) is a course given alongside: the order it
    interrupted, written to run past it, resumes after."""
    if not repeats(order.dosages):
        return False
    return order.current_on(today) or (ended_before_its_end(order, today)
                                       and not any(d.timing.count for d in order.dosages))


def _renews(order: MedicationOrder, today: date) -> bool:
    """The order renews an earlier one of the same drug and route whose end the chart does not give at all: a course
    (it repeats: a single dose or an as-needed order is none) that began or is planned, whatever its status says
    (current, stopped, completed, unknown) and whatever ends it (an end date, a count). Nothing written says the
    earlier one ran on past it."""
    return repeats(order.dosages) and not never_began(order, today)


def _successor_key(order: MedicationOrder, group: str) -> tuple[str | None, str | None]:
    """Same drug (the concept within its group, prednisolone read as prednisone: a switch between the two is
    common) and same route (routes.route_of): an IV pulse, an intramuscular or intra-articular shot never takes
    over from tablets, nor tablets from an infusion."""
    concept = order.medication.concept_in(group)
    return (_ONE_DRUG.get(concept, concept) if concept is not None else None), route_of(order)


@per_record
def _successor_starts(record: PatientRecord, group: str, maintenance_only: bool
                      ) -> dict[tuple[str | None, str | None], list[date]]:
    """The start days of the systemic orders of ``group`` that can end an earlier one, by drug and route, oldest
    first (drafts, cancellations and errors never count): with ``maintenance_only``, those that take over
    (:func:`_takes_over`), else those that renew (:func:`_renews`)."""
    can_follow = _takes_over if maintenance_only else _renews
    starts: dict[tuple[str | None, str | None], list[date]] = defaultdict(list)
    for order in systemic(record.medications_in(group)):
        if order.start is not None and can_follow(order, record.today):
            starts[_successor_key(order, group)].append(order.start)
    for days in starts.values():
        days.sort()
    return starts


def taken_over(record: PatientRecord, order: MedicationOrder, group: str, first: date | None) -> date | None:
    """The day a later order of the same drug and route of ``group`` started after ``first`` (the first day of the
    part of ``order`` whose end the chart does not give): that order ended it, so ``order`` ran at most until the day
    before. Which later orders can: for an order that ended before its end date, a maintenance order that takes over
    (:func:`_takes_over`: a burst given meanwhile does not, as the end date says the order ran on past it); for any
    other, any renewal (:func:`_renews`), so a chain of renewals each stopped with no end is bounded by its
    successors and only the last is not. One started the same day runs alongside. None when no later one started
    (or no ``first``): ``order`` is read up to today. Found by bisection."""
    if first is None:
        return None
    maintenance_only = ended_before_its_end(order, record.today)
    starts = _successor_starts(record, group, maintenance_only).get(_successor_key(order, group), [])
    later = bisect_right(starts, first)
    return starts[later] if later < len(starts) else None


def open_first(order: MedicationOrder) -> date | None:
    """The first day of the part of an order whose end the chart may not give: a taper's last step, else the whole
    order's start."""
    return order.steps[-1].first if order.steps else order.start


def taken_over_on(record: PatientRecord, order: MedicationOrder, group: str) -> date | None:
    """The day a later order took over (:func:`taken_over`) from an order that ended before its end date: the value
    :func:`course_days` and :func:`course_end` read, and of no other order."""
    if not ended_before_its_end(order, record.today):
        return None
    return taken_over(record, order, group, open_first(order))


def course_end(order: MedicationOrder, today: date, taken_over_on: date | None = None) -> date | None:
    """The order's end date as a course reads it; for one that ended before it (:func:`ended_before_its_end`) and
    that a later order took over on ``taken_over_on`` (:func:`taken_over`), the day before that one started."""
    if order.end is not None and taken_over_on is not None and ended_before_its_end(order, today):
        return min(order.end, taken_over_on - timedelta(days=1))
    return order.end


def course_days(order: MedicationOrder, today: date, taken_over_on: date | None = None, *,
                err_early: bool = False) -> tuple[date, date] | None:
    """First and last day of a course: an end date ends it (whatever the status says; :func:`course_end`: an order
    that ended before it and was taken over on ``taken_over_on`` ran until the day before); a current course without
    one runs to today; else its supply or its written doses (:func:`order_runs`: a count, or an IVIG cycle's
    duration), whichever lasts longer; else it is one day. With ``err_early`` an order that ended before its end
    date (:func:`ended_before_its_end`) is read as if it had none: the days it is known to have been given, and a
    count's days at their fewest (:func:`dose_run`). An order to start after today that is no longer current never
    began: it has no days; one still current (:func:`planned`) gives (its start, today), its first day after its
    last: a "given within N days" question counts it as current, a day-by-day reading draws no day of it."""
    if order.start is None:
        return None
    if never_began(order, today):
        return None
    ended_early = err_early and ended_before_its_end(order, today)
    end = None if ended_early else course_end(order, today, taken_over_on)
    if end is not None:
        last = end
    elif order.current_on(today):
        last = today
    else:
        ends = []
        if order.supply_days:
            ends.append(_days_on(order.start, int(order.supply_days)))
        # only a count, or an IVIG cycle's duration, writes a length here (bounds set the end date)
        lengths = [d.timing for d in order.dosages if d.timing.count or d.timing.duration]
        if lengths and ((ivig := order.in_group("ivig")) or any(timing.count for timing in lengths)):
            runs = order_runs(order, cycle_gap=IVIG_CYCLE_MIN_GAP_DAYS if ivig else None, every_instruction=True,
                              err_early=err_early)
            if runs is not None and any(run.written for run in runs.runs):
                ends.append(_days_on(order.start, runs.days))
        last = max(ends, default=order.start)
    return order.start, min(last, today)


def _days_on(start: date, days: int) -> date:
    """The last of ``days`` days from ``start`` (both counted), capped at MAX_COURSE_DAYS and the last date there
    is: a course read from odd data (a count of 876,000 on Mondays) never overflows a date."""
    return start + timedelta(days=max(min(days, MAX_COURSE_DAYS, (date.max - start).days + 1) - 1, 0))


def last_dose_day(order: MedicationOrder, today: date, taken_over_on: date | None = None, *,
                  err_early: bool = False) -> date | None:
    """The last day a dose was (or is being, or may have been) given: the course's last day (none for one that never
    began: :func:`course_days`); without a start date, its end date, else today for a current order. An order that
    ended before its end date counts until today, the latest it may have been given: a "given within N days" question
    errs late; or, when a later order took over on ``taken_over_on`` (:func:`taken_over_on`), until the day before.
    With ``err_early`` (a protection question) it counts until the last day it is known to have been given
    (:func:`course_days`), and with no start date on no day at all."""
    span = course_days(order, today, taken_over_on, err_early=err_early)
    if span is not None:
        return span[1]
    if order.start is not None:
        return None  # it never began: to start after today and no longer current
    if err_early and ended_before_its_end(order, today):
        return None
    if (end := course_end(order, today, taken_over_on)) is not None:
        return min(end, today)
    return today if order.current_on(today) else None


def never_began(order: MedicationOrder, today: date) -> bool:
    """To start after today and no longer current (stopped, completed...): no dose of it was ever given, so it has
    no course (:func:`course_days`) and nothing was reduced from it (the taper)."""
    return order.start is not None and order.start > today and not order.current_on(today)


def planned(order: MedicationOrder, today: date) -> bool:
    """Current on the chart and starting after today: planned, no dose given yet. Not given today
    (:func:`given_today`), yet no stop either (:func:`not_over`): the agent goes on from its start (the taper reads
    a planned lower dose as a reduction then), and a planned pulse is one to come, not one over (R31). A "given
    within N days" question still counts it as current (:func:`last_dose_day`: today), the side that errs toward
    exposure."""
    return order.start is not None and order.start > today and order.current_on(today)


def not_over(order: MedicationOrder, today: date) -> bool:
    """Given today (:func:`given_today`) or :func:`planned`: the agent goes on (no stop before it), and a pulse is
    one to come or being given, never one over. Its course reaches today, and it did not end before its end date
    (such an order is read up to today only as the latest it may have been given: it is over)."""
    span = course_days(order, today)
    return span is not None and span[1] >= today and not ended_before_its_end(order, today)


def given_today(order: MedicationOrder, today: date) -> bool:
    """Being given today as the chart says: :func:`not_over`, and not :func:`planned` (its course reads (start,
    today) though nothing is given yet). A "dose today" question reads this; an exposure window reads the course."""
    return not_over(order, today) and not planned(order, today)


def doses_since(record: PatientRecord, *groups: str, since: date) -> list[tuple[MedicationOrder, date]]:
    """(order, last day given) of the orders of ``groups`` current now or last given on or after ``since``; an order
    that ended before its end date read late (:func:`last_dose_day`)."""
    return [(m, last) for m in record.medications_in(*groups)
            if (last := last_dose_day(m, record.today)) is not None and last >= since]


def given_since(record: PatientRecord, *groups: str, since: date) -> list[MedicationOrder]:
    """Orders of ``groups`` current now or last given on or after ``since`` (:func:`doses_since`)."""
    return [m for m, _ in doses_since(record, *groups, since=since)]


@dataclass(frozen=True, slots=True)
class DueDose:
    """An order no longer current whose next dose is still to come, or at most a late dose's days late."""

    order: MedicationOrder
    last: date  # the last day it was given (:func:`last_dose_day`)
    due: date  # one dose interval after ``last``


def between_doses(record: PatientRecord, *groups: str, min_interval_days: float, late_days: int) -> list[DueDose]:
    """The orders of ``groups`` not current today that are still in use between doses: an intermittent agent charted
    one completed order per dose (weekly methotrexate given in clinic), or a course whose end date has just passed,
    whose next dose, one dose interval after its last (:func:`last_dose_day`), is at most ``late_days`` overdue (the
    dose_gap_bridge_days definition: a late dose is no stop), as a maintenance IVIG course is in use until its next
    cycle is overdue. The interval is the longest its instructions state, at least ``min_interval_days``: a one-day
    order's timing says nothing of when the next dose comes. A stopped order says no dose follows (as an IVIG order
    does): it is not in use."""
    today = record.today
    found = []
    for order in record.medications_in(*groups):
        if order.current_on(today) or order.status == "stopped":
            continue
        last = last_dose_day(order, today)
        stated = [step for d in order.dosages if (step := interval_days(d.timing)) is not None and step > 0]
        interval = math.ceil(min(max([*stated, min_interval_days]), MAX_COURSE_DAYS))
        if last is not None and (today - last).days <= interval + late_days:
            found.append(DueDose(order, last, last + timedelta(days=interval)))
    return found


def protection_since(record: PatientRecord, *groups: str, since: date
                     ) -> tuple[list[MedicationOrder], list[MedicationOrder]]:
    """The orders of ``groups`` that protect on or after ``since``, read early (``err_early``: a protection
    question), and those read late but not early because each ended before its end date, on a day the chart does
    not give: a protection question that leaves them out says so. A count whose last dose falls a day before
    ``since`` at the earliest is not one of the latter: it has no end date."""
    counted: list[MedicationOrder] = []
    left_out: list[MedicationOrder] = []
    for order in record.medications_in(*groups):
        early = last_dose_day(order, record.today, err_early=True)
        if early is not None and early >= since:
            counted.append(order)
        # one that never began (no last day) is named too: the card says why it does not count
        elif ended_before_its_end(order, record.today) and (
                (late := last_dose_day(order, record.today)) is None or late >= since):
            left_out.append(order)
    return counted, left_out


def ended_early_how(order: MedicationOrder) -> str:
    """How an order that ended before its end date ended: 'stopped before its end date 2026-12-21, on a day the
    chart does not give'."""
    return f"{order.status} before its end date {order.end}, on a day the chart does not give"


def ended_early_text(order: MedicationOrder) -> str:
    """How a card names an order that ended before its end date: 'TMP/SMX (stopped before its end date 2026-12-21,
    on a day the chart does not give)'."""
    return f"{order.label} ({ended_early_how(order)})"


def ended_early_list(orders: Iterable[MedicationOrder]) -> str:
    """Orders that ended before their end date, each as :func:`ended_early_text` names it, joined by '; '."""
    return "; ".join(ended_early_text(order) for order in orders)


# What tells an IVIG sig's dose is the cycle's or a day's (the cycle's words first)
_IVIG_PER_CYCLE_WORDS = ("per cycle", "total", "divided", "split over", "per course")
_IVIG_PER_DAY_WORDS = ("per day", "/day", "daily", "each day", "a day", "/d ")


def cycle_dose_per_day(dosage: Dosage, run: DoseRun, days: int | None = None, doses: float | None = None
                       ) -> bool | None:
    """Whether the dose of one instruction of a cyclic IVIG order (service contract, "Cyclic regimens": the days of
    each cycle in its ``duration`` or ``count``) is given on each day of the cycle (True) or is the cycle's whole dose
    (False), as R27 reads it: each day's where it is given daily, several times a day or written per day; else as its
    ``maxDosePerPeriod`` says (a daily maximum, or the reading that matches the maximum), else its sig's words. None
    where the order does not say, or the cycle is one day. ``days`` and ``doses``: the cycle read another way than
    ``run``'s (R27 reads an unread duration as days too)."""
    days = run.days if days is None else days
    doses = run.doses if doses is None else doses
    written = per_body(dosage.dose)
    if run.daily or run.a_day > 1 or (written is not None and written.per_day):
        return True
    if days <= 1:
        return None
    if dosage.max_per_period is not None:
        numerator, denominator = dosage.max_per_period
        over = to_days(denominator.value, denominator.unit)
        if over is not None and over <= 1:
            return True
        limit, each = mass_or_per_kg(numerator, None), mass_or_per_kg(dosage.dose, run.a_day)
        if limit is None or each is None or limit[1] != each[1]:
            return None
        per_day_off, per_cycle_off = abs(each[0] * doses - limit[0]), abs(each[0] - limit[0])
        return None if math.isclose(per_day_off, per_cycle_off) else per_day_off < per_cycle_off  # a tie says nothing
    words = f" {(dosage.text or '').lower()} "
    if any(word in words for word in _IVIG_PER_CYCLE_WORDS):
        return False
    if any(word in words for word in _IVIG_PER_DAY_WORDS):
        return True
    return None


def mass_or_per_kg(dose: Quantity | None, a_day: float | None) -> tuple[float, bool] | None:
    """(mg or mg/kg each time, whether per kg) of a dose in a mass or a mass per kg; None for any other unit, or a
    per-day dose with no ``a_day`` to share it over (hooks.dosing.per_body_each_time)."""
    if dose is None:
        return None
    if (per_body := per_body_each_time(dose, a_day)) is not None:
        return (per_body[1], True) if per_body[0].basis == "kg" and per_body[1] is not None else None
    plain = convert(dose.value, unit_key(dose), "mg")
    return None if plain is None else (plain, False)
