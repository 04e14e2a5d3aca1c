"""When a medication course was given: its first and last day of dosing.

Every "given within N days" question (section 4.2: rituximab within 12 months, a steroid-sparing agent since T_tx,
PJP prophylaxis within 4 weeks) reads the last day a dose was given, so a counted or supplied course that ended
without an end date (rituximab 1 g x2, prednisone for 30 days) counts until its last dose, not only its first.
"""

from __future__ import annotations

from datetime import date, timedelta

from hooks.dosing import interval_days
from hooks.record import MedicationOrder, PatientRecord


def course_days(order: MedicationOrder, today: date) -> tuple[date, date] | None:
    """First and last day of a course: an end date ends it (whatever the status says); a current course without
    one runs to today; else its supply or its counted doses, whichever lasts longer; else it is one day."""
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
        if order.dosage and order.dosage.timing.count and (gap := interval_days(order.dosage.timing)):
            # a counted course: the last administration is (count - 1) intervals after the first; a cyclic IVIG
            # order's count is the days of one cycle (service contract, section 4), not the number of cycles
            if order.in_group("ivig"):
                gap = min(gap, 1.0)
            ends.append(order.start + timedelta(days=int((order.dosage.timing.count - 1) * gap)))
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
