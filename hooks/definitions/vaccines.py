"""Vaccines on file, read one way by the rules that ask (R28, R29), and the recombinant zoster vaccine (RZV)
series they both count: so that both number the next dose alike, both see a complete series, and both say when
the next dose may be given.

RZV (CDC): two doses, the second 2-6 months after the first; the minimum interval is 4 weeks, and a dose given
sooner does not count (it is repeated at least 4 weeks after the dose given too early). A late second dose is
given when it can be: the series is never restarted.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from hooks.record import Immunization, PatientRecord, per_record

RZV_CONCEPT = "zoster, recombinant"
SERIES_DOSES = 2
RZV_MIN_INTERVAL = timedelta(weeks=4)  # CDC minimum interval between doses
RZV_DOSE_2_MONTHS = (2, 6)  # CDC: dose 2 is due 2-6 months after dose 1
VACCINE_GROUPS = ("non_live_vaccine", "live_vaccine")


def vaccines_given(record: PatientRecord, *concepts: str) -> list[Immunization]:
    """Immunizations given of any of ``concepts`` (a group of vaccines is asked of the record itself). One dated
    after today has not been given yet, so it is left out; an undated one is kept, for the caller to judge: R29
    counts an undated PPSV23 dose and names undated hepatitis B doses, but needs a date for this season's influenza
    and COVID-19 doses, as the zoster series does for each of its doses."""
    # Every match is checked, not the first: "Live attenuated influenza vaccine" also matches the generic
    # "named live" row, which must not hide its influenza concept.
    return [i for i in given_in(record, *VACCINE_GROUPS)
            if any(m.group in VACCINE_GROUPS and m.concept in concepts for m in i.vaccine.matches)]


def given_in(record: PatientRecord, *groups: str) -> list[Immunization]:
    """Immunizations in any of the value-set ``groups`` not dated after today (not given yet); undated ones kept."""
    return [i for i in record.immunizations_in(*groups) if i.when is None or i.when <= record.today]


def months_after(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (earlier when negative), the month's last day where it has no
    such day."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass(frozen=True, slots=True)
class RzvSeries:
    """The recombinant zoster vaccine doses on file, oldest first. ``doses``: the days of the doses that count;
    ``too_soon``: the days of doses given less than 4 weeks after the dose before them, which do not count. Two
    records of one day are one dose; an undated record is none, as only its date could place it in the series, and so
    is one dated after today (not given yet)."""

    doses: tuple[date, ...]
    too_soon: tuple[date, ...]
    today: date

    @property
    def complete(self) -> bool:
        return len(self.doses) >= SERIES_DOSES

    @property
    def next_dose(self) -> int:
        """The number of the dose due next while the series is not complete."""
        return len(self.doses) + 1

    @property
    def not_before(self) -> date | None:
        """The first day the next dose may be given, when that is still to come: 4 weeks after the last dose given
        (one given too soon included)."""
        given = max((*self.doses, *self.too_soon), default=None)
        if given is None:
            return None
        day = given + RZV_MIN_INTERVAL
        return day if day > self.today else None

    def describe(self) -> str:
        return ", ".join(day.isoformat() for day in self.doses)

    def dose_label(self) -> str:
        """'dose 2 of 2', with the first day it may be given when that is still to come: an order's words."""
        not_before = self.not_before
        return f"dose {self.next_dose} of {SERIES_DOSES}" + (f", not before {not_before}" if not_before else "")

    def when_next(self) -> str:
        """When the next dose is due, in a sentence for the order's note and the card."""
        early, late = RZV_DOSE_2_MONTHS
        if not self.doses:
            return f"Dose 2 at {early}-{late} months."
        first, not_before = self.doses[0], self.not_before
        overdue = not_before is None and self.today > months_after(first, late)
        said = f"Dose 1 was given {first}" + (f", more than {late} months ago" if overdue else "")
        if self.too_soon:
            said += (f"; the dose of {', '.join(d.isoformat() for d in self.too_soon)} came less than 4 weeks after "
                     "the dose before it and does not count")
        if not_before is not None:
            return (f"{said}: give dose 2 not before {not_before} (at least 4 weeks after the last dose); it is due "
                    f"{early}-{late} months after dose 1.")
        if overdue:
            return f"{said}: give dose 2 now; do not restart the series."
        return f"{said}: dose 2 is due {early}-{late} months after dose 1."


@per_record
def rzv_series(record: PatientRecord) -> RzvSeries:
    counted: list[date] = []
    too_soon: list[date] = []
    previous: date | None = None
    # an undated dose has no place in the series (vaccines_given has left out those dated after today)
    given = {i.when for i in vaccines_given(record, RZV_CONCEPT) if i.when is not None}
    for day in sorted(given):
        # a dose counts only 4 weeks or more after the dose before it, counted or not (CDC: repeat it that long
        # after the dose given too early)
        (too_soon if previous is not None and day - previous < RZV_MIN_INTERVAL else counted).append(day)
        previous = day
    return RzvSeries(tuple(counted), tuple(too_soon), record.today)
