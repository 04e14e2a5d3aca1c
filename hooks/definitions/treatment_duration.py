"""How long a treatment has been given (section 4.2): covered days, combined GC + steroid-sparing therapy, IVIG cycles.

The escalation rows (R15-R17) ask "glucocorticoid plus a steroid-sparing agent for >= N days", "IVIG for >= 90 days
(>= 3 cycles)" or "rituximab in the last 12 months". A course covers the days from its start to its last dose, plus
the time until the next dose would be due (a weekly methotrexate or a 4-weekly IVIG cycle keeps acting between
doses), so intermittent regimens are not mistaken for interruptions; a maintenance IVIG course still being given
covers every day until its next cycle is due, however far apart its cycles are. Runs of covered days that are
separated by a short gap (a late refill: the shared dose_gap_bridge_days) are joined. A course with no usable start
date is never counted.

"On IVIG" (R15's "no IVIG in the last 60 d", R17's "IVIG >= 90 d") is one definition, :func:`ivig_in_use`: IVIG
given recently, or a course whose next cycle is not yet overdue, so that maintenance IVIG spaced to every 10-12
weeks and charted one order per cycle is not read as stopped in the weeks before each cycle.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import NamedTuple

from hooks.context import HookContext
from hooks.definitions.courses import (
    IVIG_CYCLE_MIN_GAP_DAYS,
    DoseRun,
    OrderRuns,
    course_days,
    cycle_dose_per_day,
    last_dose_day,
    order_runs,
)
from hooks.definitions.immunosuppression import STEROID_SPARING
from hooks.definitions.routes import systemic
from hooks.definitions.steroids import systemic_glucocorticoids
from hooks.dosing import dose_per_administration, interval_days
from hooks.record import Dosage, Immunization, MedicationOrder, PatientRecord, per_record

IVIG_DEFAULT_INTERVAL_DAYS = 28  # IVIG cycles are 4-weekly unless the order says otherwise
# One anti-CD20 course keeps B cells depleted for about 6 months; it counts as ongoing therapy for that long.
RITUXIMAB_EFFECT_DAYS = 180

Span = tuple[date, date]


def _carry_days(order: MedicationOrder) -> int:
    """Days after the last dose that the course still covers (until the next dose would be due)."""
    if order.in_group("rituximab"):
        return RITUXIMAB_EFFECT_DAYS - 1
    if order.in_group("ivig"):
        # a cycle is given to last about 4 weeks; a longer maintenance spacing is covered only while the course is on
        # schedule (_maintenance_ivig_span), never after an order that ended, whose next cycle will not come
        return min(_ivig_interval(order), IVIG_DEFAULT_INTERVAL_DAYS) - 1
    step = interval_days(order.dosage.timing) if order.dosage else None
    return max(int(step) - 1, 0) if step else 0


def coverage(order: MedicationOrder, today: date) -> Span | None:
    """First and last day the course covers (never later than today)."""
    first = order.start
    last = last_dose_day(order, today)
    if first is None or last is None:
        return None
    if not order.current_on(today) and last < today:
        # carried no further than today: a carry of centuries (a period of 1e9 days) would overflow the date
        last += timedelta(days=min(_carry_days(order), (today - last).days))
    return first, min(last, today)


def merge(spans: list[Span], tolerance: int) -> list[Span]:
    """Overlapping spans, and spans separated by at most ``tolerance`` days, joined; oldest first."""
    merged: list[Span] = []
    for first, last in sorted(spans):
        if merged and (first - merged[-1][1]).days <= tolerance + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def intersect(a: list[Span], b: list[Span]) -> list[Span]:
    """The days covered by both span lists."""
    out: list[Span] = []
    for a_first, a_last in a:
        for b_first, b_last in b:
            first, last = max(a_first, b_first), min(a_last, b_last)
            if first <= last:
                out.append((first, last))
    return sorted(out)


def current_run(spans: list[Span], today: date, tolerance: int) -> Span | None:
    """The joined run of covered days that reaches today (ends no more than ``tolerance`` days ago)."""
    runs = merge(spans, tolerance)
    if runs and (today - runs[-1][1]).days <= tolerance:
        return runs[-1]
    return None


def run_days(run: Span | None) -> int:
    return 0 if run is None else (run[1] - run[0]).days + 1


def _covered(orders: list[MedicationOrder], today: date) -> list[tuple[MedicationOrder, Span]]:
    """Each order with the span it covers (orders with no usable dates are left out)."""
    return [(o, s) for o in orders if (s := coverage(o, today)) is not None]


@dataclass(slots=True)
class Combination:
    """Glucocorticoid plus at least one steroid-sparing agent, in one run that reaches today."""

    days: int
    since: date | None
    glucocorticoids: list[MedicationOrder] = field(default_factory=list)
    agents: list[MedicationOrder] = field(default_factory=list)

    def describe(self) -> str:
        if not self.days or self.since is None:
            return "no current glucocorticoid plus steroid-sparing combination"
        names = ", ".join(dict.fromkeys(a.label for a in self.agents)) or "none"
        return f"{self.days} days since {self.since.isoformat()} (agents: {names})"


@per_record
def combination(record: PatientRecord, context: HookContext,
                agents: tuple[str, ...] = STEROID_SPARING) -> Combination:
    """How many consecutive days, up to today, a systemic GC and a steroid-sparing agent were both given."""
    today = record.today
    steroids = _covered(systemic_glucocorticoids(record), today)
    sparing = _covered(systemic(record.medications_in(*agents)), today)
    sparing_spans = [span for _, span in sparing]
    if "ivig" in agents:
        sparing_spans += [(d, min(d + timedelta(days=IVIG_DEFAULT_INTERVAL_DAYS - 1), today))
                          for d in _ivig_immunization_days(record)]
        sparing_spans += _maintenance_ivig_span(record, context)
    tolerance = int(context.definition("dose_gap_bridge_days"))
    both = intersect(merge([span for _, span in steroids], tolerance), merge(sparing_spans, tolerance))
    run = current_run(both, today, tolerance)
    used = [o for o, (first, last) in sparing if run is not None and first <= run[1] and last >= run[0]]
    gcs = [o for o, (first, last) in steroids if run is not None and first <= run[1] and last >= run[0]]
    return Combination(run_days(run), run[0] if run else None, gcs, used)


# ---------------------------------------------------------------- IVIG and rituximab

def stated_interval(order: MedicationOrder) -> float | None:
    """The days between cycles an IVIG order's timing states (a week or more), if it states one."""
    step = interval_days(order.dosage.timing) if order.dosage else None
    return step if step and step >= IVIG_CYCLE_MIN_GAP_DAYS else None


def is_cyclic_ivig(order: MedicationOrder) -> bool:
    """An IVIG order whose timing repeats in cycles a week or more apart: the service contract's cyclic regimen, its
    ``count`` or ``duration`` the days of each cycle, not of the order (courses.dose_run). Only IVIG is read so:
    another drug's count is its doses (FHIR)."""
    return order.in_group("ivig") and stated_interval(order) is not None


def _ivig_interval(order: MedicationOrder) -> int:
    step = stated_interval(order)
    return round(step) if step else IVIG_DEFAULT_INTERVAL_DAYS


def ivig_immunizations(record: PatientRecord, since: date = date.min) -> list[Immunization]:
    """IVIG recorded as an Immunization (CVX 87 / 14), as some EHRs do, given from ``since`` up to today."""
    return [i for i in record.immunizations_in("ivig") if i.when is not None and since <= i.when <= record.today]


def _ivig_immunization_days(record: PatientRecord) -> list[date]:
    return [i.when for i in ivig_immunizations(record) if i.when is not None]


@per_record
def ivig_cycles(record: PatientRecord) -> list[date]:
    """Start days of the IVIG cycles given up to today, oldest first.

    A current or completed cyclic order gives one cycle per interval from its start to its last dose; doses less
    than a week apart are one cycle.
    """
    today = record.today
    days: list[date] = list(_ivig_immunization_days(record))
    for order in record.medications_in("ivig"):
        first, last = order.start, last_dose_day(order, today)
        if first is None or last is None:
            continue
        step = _ivig_interval(order)
        # counted up to the last dose, never stepped past it: a step of centuries (a period of 1e12 weeks) would
        # overflow the date
        days += (first + timedelta(days=step * cycle) for cycle in range((last - first).days // step + 1))
    cycles: list[date] = []
    for day in sorted(days):
        if not cycles or (day - cycles[-1]).days >= IVIG_CYCLE_MIN_GAP_DAYS:
            cycles.append(day)
    return cycles


def _ivig_cycle(order: MedicationOrder, today: date) -> OrderRuns | None:
    """One cycle of an IVIG order as :func:`courses.order_runs` reads it (R27 reads it so too): a cyclic order's
    ``duration`` of a day or more in days, weeks or months, or its ``count``, as the service contract writes one (the
    longer when they disagree); an order for one
    cycle, its count, else its bounds (its planned days, for a cycle under way), and an order that ended with
    nothing written that ends it, its course (:func:`courses.course_days`: its supply, else one day). None when the
    cycle cannot be read: an end before its start, a length its timing does not say in days (a count of none, a
    duration of more than a day in hours that no count or bounds outlast, a period with no unit), or an order for
    one cycle still being given with no end."""
    if order.start is not None and order.end is not None and order.end < order.start:
        return None
    cycle = order_runs(order, cycle_gap=IVIG_CYCLE_MIN_GAP_DAYS)
    if cycle is None or any(run.unread for run in cycle.runs):
        return None
    if any(run.open_ended for run in cycle.runs):
        span = None if order.current_on(today) else course_days(order, today)
        if span is None:
            return None  # given with no end: no cycle to add up
        cycle = order_runs(order, cycle_gap=IVIG_CYCLE_MIN_GAP_DAYS, bounded=(span[1] - span[0]).days + 1)
    return cycle


class IvigCycle(NamedTuple):
    """What one cycle of an IVIG order gives (:func:`ivig_cycle`)."""

    mg: float | None  # None when a dose cannot be read (a per-kg dose with no weight, a dose in words)
    days: int | None  # the days it is given over; None when they cannot be read (then mg is None too)


def ivig_cycle(order: MedicationOrder, weight_kg: float | None, today: date) -> IvigCycle:
    """The mg and days of one cycle of an order (:func:`_ivig_cycle`, read once for both). The mg are each
    administration's dose times the administrations of the cycle, its instructions added up or the highest phase
    taken as R27 takes them, so that 1 g/kg a day for 2 days and 0.4 g/kg a day for 5 days are both 2 g/kg, and a
    cycle written in two steps (1 g/kg on day 1, then 0.25 g/kg a day on days 2-5) is the 2 g/kg of both."""
    cycle = _ivig_cycle(order, today)
    if cycle is None:
        return IvigCycle(None, None)
    if cycle.dose_in_words:
        return IvigCycle(None, cycle.days)

    def given(dosage: Dosage, run: DoseRun) -> float | None:  # each administration's dose over the cycle, as R27's
        each = dose_per_administration(dosage, order.medication, weight_kg, a_day=run.a_day)
        if each is None:
            return None
        # a dose its maxDosePerPeriod or sig says is the cycle's is given once a cycle, not on each of its days
        return each.mg if cycle_dose_per_day(dosage, run) is False else each.mg * run.doses

    return IvigCycle(cycle.combine(given, sum, sum, max), cycle.days)


@dataclass(frozen=True, slots=True)
class IvigDose:
    """What the IVIG orders of one cycle give (a cyclic order: each of its cycles, all alike)."""

    start: date
    mg: float | None  # per cycle (:func:`ivig_cycle`); None when an order's dose cannot be read
    spacing: int | None  # days between cycles: a cyclic order's own, else the days since the cycle before
    restart: bool  # the first cycle of a course: no cycle within the ivig_course_break_days definition before
    cyclic: bool  # one cyclic order, never added up with another
    last: date | None  # the last day its order gives IVIG: a dose before then is extra, not the next cycle
    days: float | None  # the days a cycle is given over (:func:`ivig_cycle`); None when unknown

    def takes_in(self, start: date, cyclic: bool) -> bool:
        """Whether a one-cycle order starting on ``start`` is part of this one-cycle dose (the cycle charted day by
        day): it starts less than IVIG_CYCLE_MIN_GAP_DAYS after it."""
        return not cyclic and not self.cyclic and (start - self.start).days < IVIG_CYCLE_MIN_GAP_DAYS

    def adding(self, mg: float | None, days: float | None) -> IvigDose:
        """This cycle with another order for it (the cycle charted day by day) added: unknown if either is."""
        return replace(self, mg=None if mg is None or self.mg is None else self.mg + mg,
                       days=None if days is None or self.days is None else self.days + days)


def ivig_doses(record: PatientRecord, context: HookContext, weight_kg: float | None) -> list[IvigDose]:
    """The IVIG orders started by today as cycles, oldest first: orders for one cycle that start less than
    IVIG_CYCLE_MIN_GAP_DAYS apart are one cycle (charted day by day) and add up; a cyclic order is one entry. The
    days since the cycle before are read from :func:`ivig_cycles`, so a cycle charted as an Immunization counts."""
    today = record.today
    cycles = ivig_cycles(record)
    break_days = context.definition("ivig_course_break_days")
    doses: list[IvigDose] = []
    for order in sorted((o for o in record.medications_in("ivig") if o.start is not None and o.start <= today),
                        key=lambda o: o.start or date.min):
        assert order.start is not None  # filtered above: for mypy
        mg, days = ivig_cycle(order, weight_kg, today)
        step = stated_interval(order)
        if doses and doses[-1].takes_in(order.start, step is not None):
            doses[-1] = doses[-1].adding(mg, days)
            continue
        before = bisect_right(cycles, order.start - timedelta(days=IVIG_CYCLE_MIN_GAP_DAYS))
        since = (order.start - cycles[before - 1]).days if before else None
        restart = since is None or since > break_days
        spacing = round(step) if step is not None else None if restart else since
        doses.append(IvigDose(order.start, mg, spacing, restart, step is not None, last_dose_day(order, today), days))
    return doses


@dataclass(frozen=True, slots=True)
class IvigCourse:
    """IVIG cycle start days, oldest first, split at each break of more than the ivig_course_break_days definition
    between two cycle starts (IVIG stopped and restarted later): the current course and the earlier ones."""

    cycles: tuple[date, ...]  # the current course's
    earlier_courses: tuple[tuple[date, ...], ...]  # the earlier courses', oldest first: none counts toward this one
    last: date | None  # the last day IVIG was (or is being) given: today for a current order

    @property
    def earlier(self) -> tuple[date, ...]:
        """The earlier courses' cycle starts, together."""
        return tuple(day for course in self.earlier_courses for day in course)

    @property
    def interval(self) -> int | None:
        """The longest spacing between two of the course's cycle starts: what it is given at, once spaced out (a
        cyclic order's own interval is already in its cycle dates); None for a single cycle."""
        return max(((b - a).days for a, b in zip(self.cycles, self.cycles[1:], strict=False)), default=None)

    @property
    def next_due(self) -> date | None:
        """When the next cycle is due at the course's current spacing."""
        return None if self.interval is None else self.cycles[-1] + timedelta(days=self.interval)


@per_record
def ivig_course(record: PatientRecord, context: HookContext) -> IvigCourse:
    """The current IVIG course and the cycles before it (see :class:`IvigCourse`)."""
    cycles = ivig_cycles(record)
    break_days = context.definition("ivig_course_break_days")
    starts = [0, *(i for i in range(1, len(cycles)) if (cycles[i] - cycles[i - 1]).days > break_days)]
    courses = [tuple(cycles[a:b]) for a, b in zip(starts, [*starts[1:], len(cycles)], strict=True)]
    return IvigCourse(courses[-1] if cycles else (), tuple(courses[:-1]) if cycles else (), last_ivig(record))


@dataclass(frozen=True, slots=True)
class NextIvigCycle:
    """The next cycle of a maintenance IVIG course still being given."""

    interval: int  # the course's spacing (its longest)
    last: date  # the start of the course's last cycle
    due: date
    overdue_after: date  # due plus the dose_gap_bridge_days definition: a later cycle is no longer on schedule

    def describe(self) -> str:
        return (f"a cycle every {self.interval} days, the last on {self.last.isoformat()}: the next is due "
                f"{self.due.isoformat()} (overdue after {self.overdue_after.isoformat()})")


@per_record
def next_ivig_cycle(record: PatientRecord, context: HookContext) -> NextIvigCycle | None:
    """When the current course's next cycle is due, for a maintenance schedule that has not stopped: due one
    interval (its longest spacing, at most the ivig_maintenance_max_interval_days definition) after its last cycle,
    and at most the dose_gap_bridge_days definition late, as a late refill is no stop. None when there is no
    schedule (a single cycle gives no interval, and a longer gap is none), when the next cycle is overdue, or when
    an order says IVIG ended (:func:`_ended_by_its_order`)."""
    course = ivig_course(record, context)
    interval, due = course.interval, course.next_due
    if interval is None or due is None or interval > context.definition("ivig_maintenance_max_interval_days"):
        return None
    overdue_after = due + timedelta(days=int(context.definition("dose_gap_bridge_days")))
    if record.today > overdue_after or _ended_by_its_order(record, course.cycles[-1]):
        return None
    return NextIvigCycle(interval, course.cycles[-1], due, overdue_after)


def ivig_in_use(record: PatientRecord, context: HookContext, recent_days: float) -> str | None:
    """Why the patient is on IVIG, or None when IVIG has stopped.

    On IVIG: given within ``recent_days`` days, or the current course is a maintenance schedule whose next cycle is
    not yet overdue (:func:`next_ivig_cycle`). With no schedule only ``recent_days`` counts.
    """
    if given_within(record, last_ivig(record), int(recent_days)):
        return f"given within the last {recent_days:g} days"
    scheduled = next_ivig_cycle(record, context)
    return None if scheduled is None else scheduled.describe()


def _maintenance_ivig_span(record: PatientRecord, context: HookContext) -> list[Span]:
    """The days a maintenance course still being given covers: from its first cycle until its next cycle is due
    (:func:`next_ivig_cycle`), so that cycles every 8 or 12 weeks, each charted as its own completed order, leave
    no gap between them, and the combination runs on until the next cycle is overdue, as "on IVIG" does. A course
    that has stopped (overdue, or ended by its order) is not extended: its orders cover what they gave."""
    scheduled = next_ivig_cycle(record, context)
    if scheduled is None:
        return []
    return [(ivig_course(record, context).cycles[0], min(scheduled.due, record.today))]


def _ended_by_its_order(record: PatientRecord, last_cycle: date) -> bool:
    """An IVIG order that gave the last cycle says IVIG ended there: it was stopped, or it was a cyclic order (its
    own interval of a week or more) that is no longer current, whose cycle dates are all it gave. One order per
    cycle, completed, says nothing about the next."""
    for order in record.medications_in("ivig"):
        first, last = order.start, last_dose_day(order, record.today)
        if first is None or last is None or not first <= last_cycle <= last:
            continue
        cyclic = stated_interval(order) is not None
        if order.status == "stopped" or (cyclic and not order.current_on(record.today)):
            return True
    return False


@per_record
def last_ivig(record: PatientRecord) -> date | None:
    """The last day IVIG was (or is being) given: today for a current order. Read once per call: R05, R15 and
    every "on IVIG" question ask it."""
    days = [d for o in record.medications_in("ivig") if (d := last_dose_day(o, record.today)) is not None]
    days += _ivig_immunization_days(record)
    return max(days, default=None)


@dataclass(frozen=True, slots=True)
class RituximabGiven:
    """The anti-CD20 orders given, read once. ``courses``: (first dose, last dose, order) of those with a start date,
    oldest first (a first dose needs one). ``last``: the last day one was given, or may have been, as every "given
    within N days" question reads it (courses.last_dose_day: an order with an end date and no start counts by it).
    ``undated``: those given on no day the chart gives (no start or end date, not current): no window can place
    them."""

    courses: tuple[tuple[date, date, MedicationOrder], ...]
    last: date | None
    undated: tuple[MedicationOrder, ...]


@per_record
def rituximab_given(record: PatientRecord) -> RituximabGiven:
    """Every anti-CD20 order given (drafts, cancellations and errors never count), walked once per record."""
    courses, lasts, undated = [], [], []
    for order in record.medications_in("rituximab"):
        last = last_dose_day(order, record.today)
        if last is None:
            undated.append(order)
            continue
        lasts.append(last)
        if order.start is not None:
            courses.append((order.start, last, order))
    return RituximabGiven(tuple(sorted(courses, key=lambda c: c[0])), max(lasts, default=None), tuple(undated))


def last_rituximab(record: PatientRecord) -> date | None:
    """The last day anti-CD20 was (or may have been) given: :attr:`RituximabGiven.last`."""
    return rituximab_given(record).last


def given_within(record: PatientRecord, day: date | None, days: int) -> bool:
    """True when ``day`` falls within the last ``days`` days."""
    return day is not None and day >= record.today - timedelta(days=days)
