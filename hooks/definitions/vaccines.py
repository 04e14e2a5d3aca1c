"""Vaccines on file, read one way by the rules that ask (R28, R29), and the recombinant zoster vaccine (RZV)
series they both count: so that both number the next dose alike and both see a complete series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hooks.record import Immunization, PatientRecord, per_record

RZV_CONCEPT = "zoster, recombinant"
SERIES_DOSES = 2
VACCINE_GROUPS = ("non_live_vaccine", "live_vaccine")


def vaccines_given(record: PatientRecord, *concepts: str, groups: tuple[str, ...] = VACCINE_GROUPS
                   ) -> list[Immunization]:
    """Immunizations given of any of ``concepts`` (of any concept when none is named) in ``groups``."""
    # Every match is checked, not the first: "Live attenuated influenza vaccine" also matches the generic
    # "named live" row, which must not hide its influenza concept.
    return [i for i in record.immunizations_in(*groups)
            if not concepts or any(m.group in groups and m.concept in concepts for m in i.vaccine.matches)]


@dataclass(frozen=True, slots=True)
class RzvSeries:
    """The days a recombinant zoster vaccine dose was given, oldest first (two records of one day are one dose; an
    undated record is none, as only its date could place it in the series)."""

    doses: tuple[date, ...]

    @property
    def complete(self) -> bool:
        return len(self.doses) >= SERIES_DOSES

    @property
    def next_dose(self) -> int:
        """The number of the dose due next while the series is not complete."""
        return len(self.doses) + 1

    def describe(self) -> str:
        return ", ".join(day.isoformat() for day in self.doses)


@per_record
def rzv_series(record: PatientRecord) -> RzvSeries:
    return RzvSeries(tuple(sorted({i.when for i in vaccines_given(record, RZV_CONCEPT) if i.when is not None})))
