"""Kidney function: the latest eGFR, as the lab reported it or estimated from a serum creatinine.

Many charts carry a creatinine without an eGFR. The rules that avoid a drug below an eGFR (methotrexate, IVIG,
TMP/SMX) must not read "no eGFR" as "kidneys fine", so a creatinine is turned into an eGFR the way labs do:
CKD-EPI 2021 (race-free) for adults, the bedside Schwartz formula (which needs a current height) for children.
An adult whose sex is recorded as neither male nor female is estimated both ways and read on the lower eGFR (as if
female): every reader of the eGFR is more careful below a limit, so the lower one is the safe reading.

A lab may report the eGFR as a bound rather than a value: a valueQuantity with a comparator ({value 15, comparator
'<'}) or a text ('<15', '>60', '> 90 mL/min/1.73m2'). ``Egfr.below`` answers whether it is below a limit with yes, no
or not known ('<45' against 30): a reader must not take 'not known' as 'not below'.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from hooks.context import HookContext
from hooks.definitions.cohorts import is_paediatric
from hooks.definitions.weight import dosing_height, why_not_current
from hooks.record import Observation, PatientRecord, Quantity, exceeds, measured, per_record
from hooks.units import convert

EGFR_UNIT = "mL/min/1.73m2"
# x < limit exactly when -x > -limit: ``exceeds`` answers 'below' on the negated values, the bound turned round
_MIRRORED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}
_BARE_BOUND = re.compile(r"\s*(<=?|>=?)\s*(\d+(?:\.\d+)?)\s*")  # '<15', '> 60': a bound with no unit


@dataclass(frozen=True, slots=True)
class Egfr:
    value: float  # mL/min/1.73 m2
    day: date
    how: str  # for the card: "eGFR 45" or "estimated from creatinine 2.1 mg/dL (CKD-EPI 2021)"
    comparator: str | None = None  # '<', '<=', '>=', '>': the lab reported a bound ('<15', '>60'), not a value

    @property
    def shown(self) -> str:
        """The eGFR as the lab gave it: '45', or a bound such as '<15'."""
        return f"{self.comparator or ''}{self.value:g}"

    def below(self, limit: float) -> bool | None:
        """Whether the eGFR is below ``limit``; None when it is a bound that does not settle it ('<45' against 30:
        it may be 20 or 44). '<15' is below 30, '>60' is not."""
        return exceeds(-self.value, -limit, _MIRRORED.get(self.comparator or ""))

    def __str__(self) -> str:
        return f"{self.shown} on {self.day.isoformat()}" + ("" if self.how == "reported" else f" ({self.how})")


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
def latest_egfr(record: PatientRecord, context: HookContext, since: date | None = None,
                before: date | None = None) -> Egfr | None:
    """The newer of the latest reported eGFR and the eGFR estimated from the latest creatinine (on the same day
    the lab's own wins), of the days from ``since`` and before ``before``; None when neither can be read."""
    reported = _reported(record, since, before)
    estimated = _estimated(record, context, since, before)
    candidates = [e for e in (reported, estimated) if e is not None]
    return max(candidates, key=lambda e: (e.day, e is reported), default=None)


def _dated(observations: list[Observation], before: date | None) -> Iterator[Observation]:
    """The dated results, newest first, up to the day before ``before``."""
    return (o for o in reversed(observations) if o.when is not None and (before is None or o.when < before))


def _reported(record: PatientRecord, since: date | None, before: date | None) -> Egfr | None:
    for observation in _dated(record.observations_in("egfr", since=since), before):
        quantity = _as_reported(observation)
        value = convert(quantity.value, quantity.unit, EGFR_UNIT) if quantity is not None else None
        if quantity is not None and value is not None and observation.when is not None:
            return Egfr(value, observation.when, "reported", quantity.comparator)
    return None


def _as_reported(observation: Observation) -> Quantity | None:
    """The eGFR as the lab wrote it: a valueQuantity (with its comparator), a bound written as text with a unit
    ('> 90 mL/min/1.73m2'), or one without ('<15', '>60'): an eGFR has one unit, so a bare bound is in it."""
    quantity = observation.reported_value
    bare = _BARE_BOUND.fullmatch(observation.value_text or "") if quantity is None else None
    return Quantity(float(bare[2]), EGFR_UNIT, bare[1]) if bare else quantity


def _estimated(record: PatientRecord, context: HookContext, since: date | None, before: date | None) -> Egfr | None:
    creatinine = next((o for o in _dated(record.observations_in("creatinine", since=since), before)
                       if measured(o, "creatinine", "mg/dL{creatinine}") is not None), None)
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
