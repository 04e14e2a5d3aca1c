"""Kidney function: the latest eGFR, as the lab reported it or estimated from a serum creatinine.

Many charts carry a creatinine without an eGFR. The rules that avoid a drug below an eGFR (methotrexate, IVIG,
TMP/SMX) must not read "no eGFR" as "kidneys fine", so a creatinine is turned into an eGFR the way labs do:
CKD-EPI 2021 (race-free) for adults, the bedside Schwartz formula (which needs a current height) for children.
An adult whose sex is recorded as neither male nor female is estimated both ways and read on the lower eGFR (as if
female): every reader of the eGFR is more careful below a limit, so the lower one is the safe reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hooks.context import HookContext
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.weight import dosing_height, why_not_current
from hooks.record import Observation, PatientRecord, measured, per_record
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
    creatinine = next((o for o in reversed(record.observations_in("creatinine", since=since))
                       if o.when is not None and measured(o, "creatinine", "mg/dL{creatinine}") is not None), None)
    found = estimate(record, context, creatinine) if creatinine is not None else None
    return found if isinstance(found, Egfr) else None


@dataclass(frozen=True, slots=True)
class NoEstimate:
    """Why a creatinine gives no eGFR: what is missing ('height', 'age' or 'creatinine') and why, for the card."""

    missing: str
    why: str


def estimate(record: PatientRecord, context: HookContext, creatinine: Observation) -> Egfr | NoEstimate:
    """The eGFR estimated from this creatinine, or what is missing to estimate one."""
    level, day = measured(creatinine, "creatinine", "mg/dL{creatinine}"), creatinine.when
    if level is None or day is None:
        return NoEstimate("creatinine", "its value cannot be read in mg/dL or umol/L")
    if is_paediatric(record, context):
        height = dosing_height(record, context)
        if height is None:
            return NoEstimate("height", "bedside Schwartz needs a current height, and there is no current height"
                              + why_not_current(record, "height", "cm"))
        return Egfr(round(bedside_schwartz(level, height.value)), day,
                    f"estimated from creatinine {level:.2g} mg/dL and height {height.value:g} cm, bedside Schwartz")
    age, sex = record.age_years, record.patient.sex if record.patient else None
    if age is None:
        return NoEstimate("age", "CKD-EPI 2021 needs the age, and there is no birth date on file")
    how = f"estimated from creatinine {level:.2g} mg/dL, CKD-EPI 2021"
    if sex in ("female", "male"):
        return Egfr(round(ckd_epi_2021(level, age, sex == "female")), day, how)
    # neither equation is hers or his: judge on the lower estimate, the conservative side
    value, lower = min((ckd_epi_2021(level, age, female), "female" if female else "male") for female in (True, False))
    return Egfr(round(value), day, f"{how}; sex on file {sex or 'none'}, so estimated as if {lower}, the lower of "
                                   "the two")
