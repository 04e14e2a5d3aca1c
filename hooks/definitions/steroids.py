"""Glucocorticoid exposure in prednisone equivalents (PEQ): daily timeline, T_tx, sustained doses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from hooks.context import HookContext
from hooks.definitions.cohorts import iim_onset
from hooks.definitions.weight import dosing_weight, latest_weight
from hooks.dosing import interval_days, prednisone_equivalent
from hooks.record import SNOMED, MedicationOrder, PatientRecord

HISTORY_DAYS = 3 * 365  # how far back the daily timeline reaches
_IV_ROUTE_CODES = ("47625008",)  # SNOMED CT intravenous route


def is_intravenous(order: MedicationOrder) -> bool:
    dosage = order.dosage
    if dosage and dosage.route is not None:
        if dosage.route.has_code(SNOMED, *_IV_ROUTE_CODES):
            return True
        words = f" {dosage.route.words()} "
        if "intravenous" in words or " iv " in words:
            return True
    return any(w in order.medication.words() for w in ("injectable", "injection", "intravenous", " iv "))


def is_iv_methylprednisolone(order: MedicationOrder) -> bool:
    return order.medication.concept_in("glucocorticoid_systemic") == "methylprednisolone" and is_intravenous(order)


def course_days(order: MedicationOrder, today: date) -> tuple[date, date] | None:
    """First and last day of a course: a current course runs to today; an undated end is one day."""
    if order.start is None:
        return None
    if order.end is not None:
        last = order.end
    elif order.current:
        last = today
    elif order.supply_days:
        last = order.start + timedelta(days=max(int(order.supply_days) - 1, 0))
    elif order.dosage and order.dosage.timing.count and (gap := interval_days(order.dosage.timing)):
        # a counted course: the last administration is (count - 1) intervals after the first
        last = order.start + timedelta(days=int((order.dosage.timing.count - 1) * gap))
    else:
        last = order.start
    return order.start, min(last, today)


def daily_levels(spans: Iterable[tuple[date, date, float]], today: date) -> tuple[int, list[float]]:
    """Sum of ``(first, last, mg/day)`` spans per day, from HISTORY_DAYS ago to today.

    Returns (ordinal of the first day, one value per day). A difference array: each span costs two additions
    whatever its length, and one cumulative sum builds every day, so years of tapers stay cheap."""
    origin = today.toordinal() - HISTORY_DAYS
    steps = [0.0] * (HISTORY_DAYS + 2)
    for first, last, level in spans:
        start, stop = max(first.toordinal(), origin) - origin, min(last.toordinal(), today.toordinal()) - origin
        if start <= stop:
            steps[start] += level
            steps[stop + 1] -= level
    levels = [round(value, 6) for value in accumulate(steps[: HISTORY_DAYS + 1])]
    return origin, levels


@dataclass(slots=True)
class SteroidHistory:
    """Daily PEQ from HISTORY_DAYS ago to today, and the courses whose dose could not be read."""

    origin: int = 0  # ordinal of the first day of ``levels``
    levels: list[float] = field(default_factory=list)
    courses: list[tuple[MedicationOrder, float, date, date]] = field(default_factory=list)
    unreadable: list[MedicationOrder] = field(default_factory=list)
    # Runs already counted, by (threshold, ending): several rules ask the same question of a long timeline.
    _runs: dict[tuple[float, date], int] = field(default_factory=dict, repr=False, compare=False)

    def peq_on(self, day: date) -> float:
        index = day.toordinal() - self.origin
        return self.levels[index] if 0 <= index < len(self.levels) else 0.0

    @property
    def daily(self) -> dict[date, float]:
        """The days with any glucocorticoid, and their PEQ (for charts)."""
        return {date.fromordinal(self.origin + i): v for i, v in enumerate(self.levels) if v > 0}

    def days_at_or_above(self, threshold: float, ending: date) -> int:
        """Consecutive days, ending on ``ending``, with PEQ >= threshold."""
        key = (threshold, ending)
        if key not in self._runs:
            index, run = ending.toordinal() - self.origin, 0
            while 0 <= index < len(self.levels) and self.levels[index] >= threshold:
                run += 1
                index -= 1
            self._runs[key] = run
        return self._runs[key]


def history(record: PatientRecord, context: HookContext) -> SteroidHistory:
    if "steroids" in record.cache:
        return record.cache["steroids"]
    weight = dosing_weight(record, context) or latest_weight(record)
    result = SteroidHistory()
    for order in record.medications_in("glucocorticoid_systemic"):
        span = course_days(order, record.today)
        peq = prednisone_equivalent(order, weight.value if weight else None)
        if span is None or peq is None:
            result.unreadable.append(order)
            continue
        result.courses.append((order, peq, *span))
    result.origin, result.levels = daily_levels(((first, last, peq) for _, peq, first, last in result.courses),
                                                record.today)
    record.cache["steroids"] = result
    return result


def treatment_start(record: PatientRecord, context: HookContext) -> tuple[date, str] | None:
    """T_tx: start of the first systemic GC course for this episode at >= 0.5 mg/kg/day or >= 30 mg/day PEQ,
    or any IV methylprednisolone pulse. Courses ending more than 90 days before the myositis onset belong to
    another illness and are passed over."""
    steroid = history(record, context)
    weight = dosing_weight(record, context) or latest_weight(record)
    per_kg = context.definition("ttx_peq_mg_per_kg")
    absolute = context.definition("ttx_peq_mg")
    onset = iim_onset(record)
    for order, peq, first, last in sorted(steroid.courses, key=lambda c: c[2]):
        if onset is not None and last < onset - timedelta(days=90):
            continue
        if is_iv_methylprednisolone(order):
            return first, f"IV methylprednisolone from {first.isoformat()}"
        if peq >= absolute or (weight is not None and peq >= per_kg * weight.value):
            return first, f"{order.label} {peq:g} mg/day PEQ from {first.isoformat()}"
    return None
