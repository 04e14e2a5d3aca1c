"""How long a treatment has been given (section 4.2): covered days, combined GC + steroid-sparing therapy, IVIG cycles.

The escalation rows (R15-R17) ask "glucocorticoid plus a steroid-sparing agent for >= N days", "IVIG for >= 90 days
(>= 3 cycles)" or "rituximab in the last 12 months". A course covers the days from its start to its last dose, plus
the time until the next dose would be due (a weekly methotrexate or a 4-weekly IVIG cycle keeps acting between
doses), so intermittent regimens are not mistaken for interruptions. Runs of covered days that are separated by a
short gap (a late refill: the shared dose_gap_bridge_days) are joined. A course with no usable start date is never
counted.

"On IVIG" (R15's "no IVIG in the last 60 d", R17's "IVIG >= 90 d") is one definition, :func:`ivig_in_use`: IVIG
given recently, or a course whose next cycle is not yet overdue, so that maintenance IVIG spaced to every 10-12
weeks and charted one order per cycle is not read as stopped in the weeks before each cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from hooks.context import HookContext
from hooks.definitions.courses import last_dose_day
from hooks.definitions.immunosuppression import STEROID_SPARING
from hooks.definitions.routes import systemic
from hooks.dosing import interval_days
from hooks.record import Immunization, MedicationOrder, PatientRecord, per_record

GLUCOCORTICOID = "glucocorticoid_systemic"
IVIG_DEFAULT_INTERVAL_DAYS = 28  # IVIG cycles are 4-weekly unless the order says otherwise
IVIG_CYCLE_MIN_GAP_DAYS = 7  # IVIG doses closer than this belong to one cycle (a cycle is given over 2-5 days)
# One anti-CD20 course keeps B cells depleted for about 6 months; it counts as ongoing therapy for that long.
RITUXIMAB_EFFECT_DAYS = 180

Span = tuple[date, date]


def _carry_days(order: MedicationOrder) -> int:
    """Days after the last dose that the course still covers (until the next dose would be due)."""
    if order.in_group("rituximab"):
        return RITUXIMAB_EFFECT_DAYS - 1
    if order.in_group("ivig"):
        return _ivig_interval(order) - 1
    step = interval_days(order.dosage.timing) if order.dosage else None
    return max(int(step) - 1, 0) if step else 0


def coverage(order: MedicationOrder, today: date) -> Span | None:
    """First and last day the course covers (never later than today)."""
    first = order.start
    last = last_dose_day(order, today)
    if first is None or last is None:
        return None
    if not order.current_on(today):
        last = last + timedelta(days=_carry_days(order))
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
    steroids = _covered(systemic(record.medications_in(GLUCOCORTICOID)), today)
    sparing = _covered(systemic(record.medications_in(*agents)), today)
    sparing_spans = [span for _, span in sparing]
    if "ivig" in agents:
        sparing_spans += [(d, min(d + timedelta(days=IVIG_DEFAULT_INTERVAL_DAYS - 1), today))
                          for d in _ivig_immunization_days(record)]
    tolerance = int(context.definition("dose_gap_bridge_days"))
    both = intersect(merge([span for _, span in steroids], tolerance), merge(sparing_spans, tolerance))
    run = current_run(both, today, tolerance)
    used = [o for o, (first, last) in sparing if run is not None and first <= run[1] and last >= run[0]]
    gcs = [o for o, (first, last) in steroids if run is not None and first <= run[1] and last >= run[0]]
    return Combination(run_days(run), run[0] if run else None, gcs, used)


# ---------------------------------------------------------------- IVIG and rituximab

def _stated_interval(order: MedicationOrder) -> float | None:
    """The days between cycles an IVIG order's timing states (a week or more), if it states one."""
    step = interval_days(order.dosage.timing) if order.dosage else None
    return step if step and step >= IVIG_CYCLE_MIN_GAP_DAYS else None


def _ivig_interval(order: MedicationOrder) -> int:
    step = _stated_interval(order)
    return round(step) if step else IVIG_DEFAULT_INTERVAL_DAYS


def ivig_immunizations(record: PatientRecord, since: date = date.min) -> list[Immunization]:
    """IVIG recorded as an Immunization (CVX 87 / 14), as some EHRs do, given from ``since`` up to today."""
    return [i for i in record.immunizations_in("ivig") if i.when is not None and since <= i.when <= record.today]


def _ivig_immunization_days(record: PatientRecord) -> list[date]:
    return [i.when for i in ivig_immunizations(record) if i.when is not None]


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
        day = first
        while day <= last:
            days.append(day)
            day += timedelta(days=step)
    cycles: list[date] = []
    for day in sorted(days):
        if not cycles or (day - cycles[-1]).days >= IVIG_CYCLE_MIN_GAP_DAYS:
            cycles.append(day)
    return cycles


@dataclass(frozen=True, slots=True)
class IvigCourse:
    """IVIG cycle start days, oldest first, split at the last break of more than the ivig_course_break_days
    definition between two cycle starts (IVIG stopped and restarted later)."""

    cycles: tuple[date, ...]  # the current course's
    earlier: tuple[date, ...]  # the earlier courses', which do not count toward this one
    last: date | None  # the last day IVIG was (or is being) given: today for a current order

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
    first = next((i for i in range(len(cycles) - 1, 0, -1) if (cycles[i] - cycles[i - 1]).days > break_days), 0)
    return IvigCourse(tuple(cycles[first:]), tuple(cycles[:first]), last_ivig(record))


def ivig_in_use(record: PatientRecord, context: HookContext, recent_days: float) -> str | None:
    """Why the patient is on IVIG, or None when IVIG has stopped.

    On IVIG: given within ``recent_days`` days, or the current course is a maintenance schedule whose next cycle is
    not yet overdue: due one interval (its longest spacing, at most the ivig_maintenance_max_interval_days
    definition) after its last cycle and at most the dose_gap_bridge_days definition late, as a late refill is no
    stop. A single cycle gives no interval, and a longer gap is no schedule: only ``recent_days`` counts then. Nor
    is a next cycle due after an order that says IVIG ended (:func:`_ended_by_its_order`).
    """
    course = ivig_course(record, context)
    if given_within(record, course.last, int(recent_days)):
        return f"given within the last {recent_days:g} days"
    interval, due = course.interval, course.next_due
    if interval is None or due is None or interval > context.definition("ivig_maintenance_max_interval_days"):
        return None  # no schedule: a single cycle, or a gap longer than any maintenance interval
    overdue_after = due + timedelta(days=int(context.definition("dose_gap_bridge_days")))
    if record.today > overdue_after or _ended_by_its_order(record, course.cycles[-1]):
        return None
    return (f"a cycle every {interval} days, the last on {course.cycles[-1].isoformat()}: the next is due "
            f"{due.isoformat()} (overdue after {overdue_after.isoformat()})")


def _ended_by_its_order(record: PatientRecord, last_cycle: date) -> bool:
    """An IVIG order that gave the last cycle says IVIG ended there: it was stopped, or it was a cyclic order (its
    own interval of a week or more) that is no longer current, whose cycle dates are all it gave. One order per
    cycle, completed, says nothing about the next."""
    for order in record.medications_in("ivig"):
        first, last = order.start, last_dose_day(order, record.today)
        if first is None or last is None or not first <= last_cycle <= last:
            continue
        cyclic = _stated_interval(order) is not None
        if order.status == "stopped" or (cyclic and not order.current_on(record.today)):
            return True
    return False


def last_ivig(record: PatientRecord) -> date | None:
    """The last day IVIG was (or is being) given: today for a current order."""
    days = [d for o in record.medications_in("ivig") if (d := last_dose_day(o, record.today)) is not None]
    days += _ivig_immunization_days(record)
    return max(days, default=None)


def rituximab_doses(record: PatientRecord) -> list[tuple[date, date, MedicationOrder]]:
    """(first dose, last dose, order) of every anti-CD20 course given, oldest first."""
    out = []
    for order in record.medications_in("rituximab"):
        last = last_dose_day(order, record.today)
        if order.start is not None and last is not None:
            out.append((order.start, last, order))
    return sorted(out, key=lambda c: c[0])


def last_rituximab(record: PatientRecord) -> date | None:
    return max((last for _, last, _ in rituximab_doses(record)), default=None)


def given_within(record: PatientRecord, day: date | None, days: int) -> bool:
    """True when ``day`` falls within the last ``days`` days."""
    return day is not None and day >= record.today - timedelta(days=days)
