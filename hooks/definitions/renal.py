"""Kidney function: the latest eGFR, as the lab reported it or estimated from a serum creatinine.

Many charts carry a creatinine without an eGFR. The rules that avoid a drug below an eGFR (methotrexate, IVIG,
TMP/SMX) must not read "no eGFR" as "kidneys fine", so a creatinine is turned into an eGFR the way labs do:
CKD-EPI 2021 (race-free) for adults, the bedside Schwartz formula (which needs a current height) for children.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hooks.context import HookContext
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.weight import dosing_height
from hooks.record import PatientRecord, measured, per_record
from hooks.units import convert


@dataclass(frozen=True, slots=True)
class Egfr:
    value: float  # mL/min/1.73 m2
    day: date
    how: str  # for the card: "eGFR 45" or "estimated from creatinine 2.1 mg/dL (CKD-EPI 2021)"

    def __str__(self) -> str:
        return f"{self.value:g} on {self.day.isoformat()}" + ("" if self.how == "reported" else f" ({self.how})")


def ckd_epi_2021(creatinine_mg_dl: float, age: int, female: bool) -> float:
    """CKD-EPI 2021 creatinine equation (Inker et al., NEJM 2021), adults."""
    kappa, alpha = (0.7, -0.241) if female else (0.9, -0.302)
    ratio = creatinine_mg_dl / kappa
    value = 142 * min(ratio, 1) ** alpha * max(ratio, 1) ** -1.200 * 0.9938 ** age
    return value * 1.012 if female else value


def bedside_schwartz(creatinine_mg_dl: float, height_cm: float) -> float:
    """Bedside Schwartz (Schwartz et al., JASN 2009), children: 0.413 x height / creatinine."""
    return 0.413 * height_cm / creatinine_mg_dl


@per_record
def latest_egfr(record: PatientRecord, context: HookContext, since: date | None = None) -> Egfr | None:
    """The newer of the latest reported eGFR and the eGFR estimated from the latest creatinine (on the same day
    the lab's own wins); None when neither can be read."""
    reported = _reported(record, since)
    estimated = _estimated(record, context, since)
    candidates = [e for e in (reported, estimated) if e is not None]
    return max(candidates, key=lambda e: (e.day, e is reported), default=None)


def _reported(record: PatientRecord, since: date | None) -> Egfr | None:
    for observation in reversed(record.observations_in("egfr", since=since)):
        quantity = observation.quantity
        value = convert(quantity.value, quantity.unit, "mL/min/1.73m2") if quantity else None
        if value is not None and observation.when is not None:
            return Egfr(value, observation.when, "reported")
    return None


def _estimated(record: PatientRecord, context: HookContext, since: date | None) -> Egfr | None:
    creatinine = next(((o.when, level) for o in reversed(record.observations_in("creatinine", since=since))
                       if o.when is not None
                       and (level := measured(o, "creatinine", "mg/dL{creatinine}")) is not None), None)
    if creatinine is None:
        return None
    day, level = creatinine
    if is_paediatric(record, context):
        height = dosing_height(record, context)
        if height is None:
            return None
        return Egfr(round(bedside_schwartz(level, height.value)), day,
                    f"estimated from creatinine {level:.2g} mg/dL and height {height.value:g} cm, bedside Schwartz")
    age, sex = record.age_years, record.patient.sex if record.patient else None
    if age is None or sex not in ("female", "male"):
        return None
    return Egfr(round(ckd_epi_2021(level, age, sex == "female")), day,
                f"estimated from creatinine {level:.2g} mg/dL, CKD-EPI 2021")
